/* The tally counter's input, for the stage and for tests that draw ink stroke by stroke: the ink
 * around one grid, each pixel marked as ink and as the core of an upright or crossing stroke. */
#ifndef C1_TALLY_H
#define C1_TALLY_H

#include "form.h"
#include "result.h"

typedef struct {
    int w, h;
    double x_mm, y_mm;             /* page position of pixel (0, 0) */
    uint8_t *ink;                  /* 0 paper, else INK and which stroke's core it may be, or FAINT */
    uint8_t *dark;                 /* how far under its paper each pixel is, print left out (0 paper);
                                      NULL for areas drawn by hand in tests */
} ink_area;

/* The tally cell model's input: each cell of a grid with 0.35 of a cell either side and a fifth above
 * and below, resampled to TALLY_PATCH_H x TALLY_PATCH_W, 0 paper to 1 the grid's darkest ink. A group
 * is about 0.6 of a cell wide: one drawn across a cell line (a running row, a spilled group) is seen
 * whole from both cells, so both can judge on which side its middle lies. */
#define TALLY_PATCH_W 56
#define TALLY_PATCH_H 32
#define TALLY_PATCH (TALLY_PATCH_W * TALLY_PATCH_H)
#define TALLY_PATCH_REACH_X 0.35
#define TALLY_PATCH_REACH_Y 0.2
int tally_cell_patches(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], float *out);
/* The same from a read page: field i's grid cut as the counter cuts it; 0 when it cannot be cut. */
int tally_field_patches(const c1_result *r, int i, float *out);
/* FAINT: lighter than ink, yet clearly under the paper: where a fifth stroke drawn lightly is looked for. */
enum { INK = 1, UPRIGHT_CORE = 2, CROSSING_CORE = 4, FAINT = 8 };

/* Counts the tally of one grid from its ink, cut from the page with the grid at `grid_mm` (corners,
 * page mm). */
void tally_count(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], c1_tally *t);

/* The likeliest counts of n cells (p: each cell's distribution over 0 .. TALLY_CLASSES - 1 strokes)
 * that add up to `count`, into `cells`; 0 when no such counts have any probability. */
int tally_cells_adding_up_to(const double *p, int n, int count, int *cells);

/* The blank page as printed under an area w x h pixels from page point (x_mm, y_mm), each pixel taken
 * from where the grid's located corners (grid_mm) say it was printed. */
c1_pix *tally_blank_under(const c1_form *f, const c1_form_field *fd, const double grid_mm[8], double x_mm, double y_mm,
                          int w, int h);

/* Lifts back to the paper each column, then each row, of `flat` that is darker all along, its
 * lightest pixels too (a crease), leaving out pixels where `print` (the blank, same size) prints. */
void tally_lift_creases(c1_pix *flat, const uint8_t *print);

#endif
