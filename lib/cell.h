/* The digit stage's unit: one box's ink, cut from the rectified page as the handwriting model was
 * trained to see it (tools/cells.py is the same pipeline in Python), and what the stage's files
 * (cell.c, segments.c, correction.c, digits.c) share about it. */
#ifndef C1_CELL_H
#define C1_CELL_H

#include "engine.h"
#include "result.h"

#define INSET_MM 0.6          /* the interior starts this far inside the printed line */
#define INK_THRESHOLD 77      /* of 255 */
#define EDGE_BAND_PX 3        /* the box line's reach into the interior: clean_borders' three rows */
#define MAX_CELL_PX 256

typedef struct {
    int w, h;
    uint8_t ink[MAX_CELL_PX * MAX_CELL_PX];   /* 0 paper .. 255 darkest ink */
    uint8_t dots[MAX_CELL_PX * MAX_CELL_PX];  /* 1 on a guide dot */
    int n_dots;                               /* 0: the box has no guide */
    double dot_xy[C1_MAX_DOTS][2];
    int dot_r;                                /* the dot mask's radius, px */
    double spacing;                           /* distance between the guide's left and right dots, px */
    int line_at, line_half;                   /* the printed box line: its centre outside the interior, px */
} cell;

/* How the print shows on this photo: its blur and how dark its black is on the ink scale, so that what
 * the blank page prints in and around a box (its line, blurred into the interior; the guide's dots) is
 * taken out of the ink. */
typedef struct {
    double blur_mm;
    double black;           /* the print's black, 0..255 on the cell's ink scale */
    c1_pix *soft;           /* optional, owned: the blank blurred as the photo is over several boxes */
    int soft_x0, soft_y0;   /* ... whose [0, 0] is this blank pixel */
} cell_print;

/* Blurs the blank once over the boxes given (template mm, interiors grown by `margin` px): the cells
 * cut from them then read it instead of blurring their own crop, with the same values (each crop
 * reaches past its cell by the kernel's radius). Returns 0 when it could not (each cell then blurs
 * its own). cell_print_unshare frees it; the print is then as before. */
int cell_print_share(cell_print *print, const c1_form *f, const c1_rect *boxes, int n, int margin);
void cell_print_unshare(cell_print *print);

/* The box `box` (template mm) found at (x_mm, y_mm) on the page, its interior grown by `margin` px on
 * every side, as ink, with the form's guide dots where `guided`; what the blank page prints there is
 * taken out where `print` is given (NULL: `box` is no place of the template). 0 when it runs off the
 * page. */
int cell_cut_region(const c1_pix *page, const c1_form *f, int guided, double x_mm, double y_mm, c1_rect box,
                    int margin, const cell_print *print, cell *c);
int cell_cut(const c1_pix *page, const c1_form *f, int guided, double x_mm, double y_mm, c1_rect box,
             const cell_print *print, cell *c);
/* Is blank-page pixel (bx, by) printed, or within reach of print (registration's error)? */
int cell_printed_near(const c1_pix *blank, int bx, int by);
int cell_touches_edge(const cell *c);
/* Numbers the cell's marks (8-connected ink) from 1 in `label`; `stack` is scratch of w * h. */
int cell_label_marks(const cell *c, int *label, int *stack);
int cell_keep_box_ink(cell *c, int m, int w, int h, const int join_side[4], int clear_foreign);
void cell_clean_borders(cell *c);
int cell_blank_but_dot_rims(const cell *c);
/* MNIST framing into 28x28; 0 when there is no ink. */
int cell_normalise(const cell *c, float out[784]);
/* The cell pipeline alone on a given ink map (tests hold it equal to tools/cells.py): -1 blank,
 * 1 normalised into out, 0 no ink. */
int cell_prepare(const c1_form *f, int guided, const uint8_t *ink, int w, int h, double box_w_mm, double box_h_mm,
                 float out[784]);
/* The gain that brings the cells' darkest ink (their 99.5th percentile) to 200 of 255, never so much
 * that the paper's texture reaches ink: a faint pen's strokes read as a clear one's. Each caller
 * caps it (how faint a pen it reads). */
double cells_ink_gain(cell *cells, const int *ok, int n);
void cell_apply_gain(cell *c, double gain);
/* Strokes too faint for the page's gain, lifted and kept alone in the cell: how many marks (0: none,
 * the cell unchanged). */
int cell_lift_faint_mark(cell *c);
int cell_spill_margin_px(c1_rect box);
/* A box judged empty by rule: its class probabilities. */
void classes_blank(double p[C1_N_CLASSES]);

/* segments.c: the seven-segment reading of a box drawn by joining the guide dots. */
void segments_read(const cell *c, const c1_form *f, double p[C1_N_CLASSES]);
void segments_read_own_ink(cell *region, cell *own, const cell *c, int m, const int sides[4], const c1_form *f,
                           double p[C1_N_CLASSES]);

/* correction.c: a struck box read as the correction written beside it. */
void corrections_read(c1_result *r, const digit_nets *nets, double gain, cell *scratch);

#endif
