/* What one read finds: per field, each reader's view and the gate's verdict; per photo, the
 * registration and the rectified page. The c1_result behind the public accessors. */
#ifndef C1_RESULT_H
#define C1_RESULT_H

#include "c1.h"
#include "form.h"
#include "model.h"
#include "pix.h"

#define C1_MAX_REASONS 8
#define C1_MAX_EVIDENCE 6
#define C1_MSG_LEN 256
#define C1_MAX_ALTS 5

typedef struct {
    int value;
    double p;
} c1_alternative;

/* One reader's view of a field: a distribution over 0..999 under the writing conventions. */
typedef struct {
    int valid;                                 /* 0: this reader did not run */
    int value;                                 /* -1: no reading has any weight */
    double confidence;                         /* probability of `value` */
    c1_alternative alts[C1_MAX_ALTS];
    int n_alts;
    double left_aligned;                       /* probability mass of left-aligned readings */
    double cells[C1_DIGITS][C1_N_CLASSES];     /* per box */
} c1_reading;

#define C1_MAX_STROKES 400

typedef struct {
    double x0, y0, x1, y1;         /* the traced stroke's two ends, page mm */
    int crossing;                  /* 0: a near-vertical stroke, 1: a crossing one */
} c1_stroke;

/* A tally grid's count, by two methods, with the cells where they have doubts. */
typedef struct {
    int valid, value;
    int empty;                     /* no mark at all in the grid: no evidence, no objection */
    double confidence;
    int by_strokes, by_groups;
    int by_model;                  /* the cell model's most probable count, -1 when it did not run */
    double model_p;                /* ... and its probability */
    int cells[C1_MAX_TALLY_CELLS], n_cells;
    int doubtful[C1_MAX_TALLY_CELLS], n_doubtful;
    c1_stroke strokes[C1_MAX_STROKES];
    int n_strokes;
} c1_tally;

/* A bubble column's verdict: the digit blackened, or one of these. */
enum { BUBBLE_NONE = -1, BUBBLE_SEVERAL = -2, BUBBLE_UNCLEAR = -3 };

/* The bubbles under a field's boxes: how marked each is, each column's verdict, the number they spell. */
typedef struct {
    int read;                      /* the field has bubbles and they were measured */
    double mark[C1_DIGITS][10];    /* 0 untouched .. 1 blackened */
    int column[C1_DIGITS];         /* 0-9 or BUBBLE_* */
    double column_p[C1_DIGITS];    /* probability of the column's verdict */
    int value;                     /* -1: the columns spell no number (none marked, several, unclear) */
    double confidence;
    int empty;                     /* no bubble marked at all: no evidence, no objection */
} c1_bubble_reading;

/* The small counts written beside a tally grid, one a row, and what they add up to. */
typedef struct {
    int read;
    int n_rows;
    int value[C1_MAX_ROWS];        /* each row's most probable count, -1 unreadable */
    double p[C1_MAX_ROWS];
    int sum;                       /* the rows' most probable total, -1 unreadable */
    double sum_p;
} c1_row_reading;

typedef struct {
    double mm[C1_DIGITS][8];       /* located box corners on the page, mm */
    double photo[C1_DIGITS][8];    /* the same in photo pixels */
    double tally_mm[8], tally_photo[8];
    double bubbles_mm[C1_DIGITS][2]; /* each bubble column's 0 bubble centre, located, page mm */
    double rows_mm[2];             /* the row-count cells' first corner, located, page mm */
    c1_bubble_reading bubbles;
    c1_row_reading rows;
    double match;                  /* how well the printed boxes matched, 0..1 */
    c1_reading ocr;                /* the handwriting model */
    c1_reading segments;           /* ink along the seven segments between the guide dots */
    c1_tally *tally;               /* tally fields only; owned by the result */
    int correction_of;             /* 1 + the box struck through whose correction beside it was read
                                      (ocr.cells holds that reading); 0: none */
    double struck;                 /* then the model's probability that the box's own digit is struck */
    int value;                     /* -1: none */
    c1_field_status status;
    double confidence;
    int n_reasons;
    const char *reasons[C1_MAX_REASONS];
    int n_evidence;
    const char *evidence[C1_MAX_EVIDENCE]; /* what agrees with the value besides its digits */
} c1_field_result;

/* The pipeline's stages, in the order they run (lib/engine.c runs them from its table). */
typedef enum {
    STAGE_LOAD, STAGE_REGISTER, STAGE_IDENTIFY, STAGE_QUALITY, STAGE_LOCATE, STAGE_DIGITS, STAGE_TALLY,
    STAGE_BUBBLES, STAGE_ROWS, STAGE_VALIDATE, STAGE_COUNT
} c1_stage;
const char *stage_name(c1_stage s);

#define C1_MAX_KNOWN 32
#define C1_MAX_CANDIDATES 12

struct c1_result {
    const c1_form *form;           /* the page read; NULL until identified */
    const c1_gate *gate;           /* the engine's publish thresholds */
    c1_photo_status status;
    c1_error error;
    char message[C1_MSG_LEN];
    const uint8_t *input;          /* the photo's bytes, during the read only (the caller's) */
    size_t input_size;
    c1_pix *photo;                 /* decoded, grey, during the read only */
    int photo_w, photo_h;
    int have_page;
    double h_candidates[C1_MAX_CANDIDATES][9]; /* page mm -> photo px: for each set of marks that could
                                                  be the page's, the page upright and upside down */
    int n_candidates;
    int tag_id;                    /* the page marker read, or -1 */
    double tag_margin;             /* the decoder's margin on it */
    double marker_cells;           /* where the decoder read none: its cells' match with the page's, or -1 */
    double layout_match;           /* where no marker was read: the print's match with its page */
    double corners[8];             /* page corners in photo pixels */
    double h_page_to_photo[9];     /* page mm -> photo px */
    double px_per_mm;              /* the photo's resolution on the page */
    double blur_mm;                /* estimated blur (Gaussian sigma) on the page */
    double print_black;            /* the print's black on the page, 0..255 below the paper (ink scale) */
    char title_text[128];
    double stage_ms[STAGE_COUNT];
    c1_pix *page;                  /* rectified, grey, C1_PAGE_PX_PER_MM */
    c1_field_result fields[C1_MAX_FIELDS];
    int n_fields;
    c1_known_value known_given[C1_MAX_KNOWN]; /* the caller's, field names copied */
    char known_names[C1_MAX_KNOWN][C1_ID_LEN];
    int n_known_given;
    int is_known[C1_MAX_FIELDS];   /* the caller gave the value from outside the photo: */
    int known[C1_MAX_FIELDS];      /* this one */
    int from_station[C1_MAX_FIELDS]; /* 1 + the value a rule across the station's pages gives the field,
                                        its other pages' fields accepted on their own evidence; 0: none */
    float *model_inputs;           /* the 28x28 cells the digit model read, 784 floats each */
    int model_input_of[C1_MAX_FIELDS][C1_DIGITS];   /* 1 + index into model_inputs; 0: none */
};

c1_result *result_create(const c1_gate *gate);
void result_fail(c1_result *r, c1_error code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Whether `what` is among the n names of `list` (a field's reasons or evidence). */
int list_has(const char *const *list, int n, const char *what);
void field_add_reason(c1_field_result *f, const char *reason);
void field_add_evidence(c1_field_result *f, const char *what);

#endif
