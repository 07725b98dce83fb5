/* The library's private types, shared by the pipeline stages; nothing here is public API. */
#ifndef C1_INTERNAL_H
#define C1_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "c1.h"

#define C1_MAX_FIELDS 32
#define C1_MAX_RULES 32
#define C1_MAX_ANCHORS 96
#define C1_DIGITS 3
#define C1_MAX_REASONS 8
#define C1_MAX_EVIDENCE 6
#define C1_ID_LEN 48
#define C1_MSG_LEN 256

/* ---- images: 8-bit, 1 or 3 channels, rows `stride` bytes apart ---- */
typedef struct {
    int w, h, channels, stride;
    uint8_t *data;
} c1_pix;

c1_pix *pix_create(int w, int h, int channels);
void pix_destroy(c1_pix **pix);
c1_pix *pix_gray(const c1_pix *src);       /* a grey copy of a colour or grey image */
double pix_sample(const c1_pix *p, double x, double y); /* bilinear, pixel centres at +0.5; -1 outside */
c1_pix *pix_crop(const c1_pix *p, int x0, int y0, int x1, int y1);  /* clipped to the image; NULL if empty */
double segment_distance(double px, double py, double ax, double ay, double bx, double by); /* to the segment a-b */
static inline uint8_t *pix_row(const c1_pix *p, int y) { return p->data + (size_t)y * p->stride; }

/* ---- the printed form, as described by its template ---- */
typedef struct { double x, y, w, h; } c1_rect;

typedef struct {
    char id[C1_ID_LEN];
    c1_rect digits[C1_DIGITS];
    int max;
    int has_tally;
    c1_rect tally;           /* the whole grid */
    int tally_cols, tally_rows;
} c1_form_field;

/* SUM and LE are the form's own rules: an officer must keep them. RESERVE is a hint from the
 * election law, not printed on the form: a station receives ballots for its DPT plus a reserve of
 * `percent` of it. Officers need not keep a hint; where it holds it is evidence, never a reason. */
typedef enum { C1_RULE_SUM, C1_RULE_LE, C1_RULE_RESERVE } c1_rule_kind;

typedef struct {
    char id[C1_ID_LEN];
    c1_rule_kind kind;
    int terms[C1_MAX_FIELDS]; /* field indices */
    int n_terms;
    int target;               /* SUM: the field the terms add up to; LE: the upper bound; RESERVE:
                                 the base plus its reserve */
    int percent;              /* RESERVE: the reserve, as a share of the base */
    int hint;                 /* evidence where it holds, no objection where it does not */
    char reason[C1_ID_LEN + 16]; /* "rule_violated:<id>", the review reason it gives */
    char evidence[C1_ID_LEN + 8]; /* "rule:<id>" or "hint:<id>", as a field's evidence names it */
} c1_form_rule;

typedef struct {
    char id[C1_ID_LEN];
    char title[128];
    char other_titles[8][64];  /* sibling forms' titles: a title nearer one of these is not ours */
    int n_other_titles;
    char qr_payload[128];
    double page_w, page_h;
    c1_rect markers[4];       /* tl, tr, br, bl */
    c1_rect qr;
    c1_rect title_box;
    c1_form_field fields[C1_MAX_FIELDS];
    int n_fields;
    c1_form_rule rules[C1_MAX_RULES];
    int n_rules;
    c1_rect anchors[C1_MAX_ANCHORS]; /* printed things that pin the page down locally */
    int n_anchors;
    double dots[6][2];
    char segments[7][2];      /* dot pairs of a..g */
    char digit_segments[10][8];
    c1_pix *blank;            /* the printed page at C1_PAGE_PX_PER_MM, grey */
} c1_form;

/* A crop of a page image at C1_PAGE_PX_PER_MM around a form rectangle, margin mm wider. */
c1_pix *pix_crop_mm(const c1_pix *page, c1_rect r, double margin);

/* The rectified page's resolution: 5 px/mm keeps a 12 mm digit box at 60 px. */
#define C1_PAGE_PX_PER_MM 5.0

c1_error form_load(const char *dir, const char *name, c1_form *form, char *msg, size_t msg_size);
void form_release(c1_form *form);
int form_field_index(const c1_form *form, const char *id);

/* ---- engine ---- */

/* Objects that are not thread-safe (a Tesseract handle, a dnn network): a few, made on first use,
 * lent to one read at a time. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t returned;
    void **items;
    int *busy;
    int n;
    void *(*make)(const void *ctx);
    void (*destroy)(void *item);
    const void *ctx;
} c1_pool;

int pool_init(c1_pool *p, int n, void *(*make)(const void *), void (*destroy)(void *), const void *ctx);
void pool_release(c1_pool *p);
void *pool_take(const c1_pool *p);     /* waits for a free item; NULL when one cannot be made */
void pool_give(const c1_pool *p, void *item);

/* The handwriting model: one network or several trained apart, whose calibrated probabilities are
 * averaged (models/digits.json "members"). The ONNX files' bytes are shared by every copy. */
#define DIGIT_MAX_MEMBERS 4
typedef struct {
    uint8_t *onnx[DIGIT_MAX_MEMBERS];
    size_t size[DIGIT_MAX_MEMBERS];
    int n;
    double temperature;       /* of the members' average, fitted apart ("ensemble_temperature") */
} digit_model;

struct c1_engine {
    char data_dir[512];
    size_t max_pixels;
    c1_form form;
    c1_pool tesseract;        /* title readers: most photos never need one */
    c1_pool digit_nets;       /* the digit model, one set of networks per concurrent read */
    digit_model model;
};

/* ---- per-read state and result ---- */

/* What a box can hold, in the digit model's output order (models/digits.json). */
enum { CLASS_EMPTY = 10, CLASS_FILLER, CLASS_STRUCK, CLASS_OTHER, C1_N_CLASSES };
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
#define C1_MAX_TALLY_CELLS 64

typedef struct {
    double x0, y0, x1, y1;         /* the traced stroke's two ends, page mm */
    int crossing;                  /* 0: a near-vertical stroke, 1: a crossing one */
} c1_stroke;

/* A tally grid's count, by two methods, with the cells where they have doubts. */
typedef struct {
    int valid, value;
    double confidence;
    int by_strokes, by_groups;
    int cells[C1_MAX_TALLY_CELLS], n_cells;
    int doubtful[C1_MAX_TALLY_CELLS], n_doubtful;
    c1_stroke strokes[C1_MAX_STROKES];
    int n_strokes;
} c1_tally;

typedef struct {
    double mm[C1_DIGITS][8];       /* located box corners on the page, mm */
    double photo[C1_DIGITS][8];    /* the same in photo pixels */
    double tally_mm[8], tally_photo[8];
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

enum {
    STAGE_LOAD, STAGE_REGISTER, STAGE_QUALITY, STAGE_IDENTIFY, STAGE_LOCATE, STAGE_DIGITS, STAGE_TALLY, STAGE_VALIDATE,
    STAGE_COUNT
};
extern const char *const c1_stage_names[STAGE_COUNT];

struct c1_result {
    const c1_form *form;
    c1_photo_status status;
    c1_error error;
    char message[C1_MSG_LEN];
    int photo_w, photo_h;
    int have_page;
    int upright_unknown;           /* markers found, but no QR code told which way is up */
    double corners[8];             /* page corners in photo pixels */
    double h_page_to_photo[9];     /* page mm -> photo px */
    double px_per_mm;              /* the photo's resolution on the page */
    double blur_mm;                /* estimated blur (Gaussian sigma) on the page */
    char qr_text[128];
    char title_text[128];
    double stage_ms[STAGE_COUNT];
    c1_pix *page;                  /* rectified, grey, C1_PAGE_PX_PER_MM */
    c1_field_result fields[C1_MAX_FIELDS];
    int n_fields;
    int is_known[C1_MAX_FIELDS];   /* the caller gave the value from outside the photo: */
    int known[C1_MAX_FIELDS];      /* this one */
    float *model_inputs;           /* the 28x28 cells the digit model read, 784 floats each */
    int model_input_of[C1_MAX_FIELDS][C1_DIGITS];   /* 1 + index into model_inputs; 0: none */
};

void result_fail(c1_result *r, c1_error code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void field_add_reason(c1_field_result *f, const char *reason);

/* ---- pipeline stages, in order ---- */
c1_error load_image(const c1_engine *e, const uint8_t *data, size_t size, c1_pix **out, c1_result *r);
c1_error register_page(const c1_engine *e, const c1_pix *photo, c1_result *r);
c1_error identify_form(const c1_engine *e, c1_result *r);
c1_error check_quality(const c1_engine *e, c1_result *r);
c1_error locate_boxes(const c1_engine *e, c1_result *r);
c1_error digits_load_model(c1_engine *e, char *msg, size_t msg_size);
void read_digits(const c1_engine *e, c1_result *r);
const char *digits_class_name(int k);
/* -1 blank, 1 normalised into out, 0 no ink: the cell pipeline alone (for tests). */
int digits_prepare(const c1_form *f, const uint8_t *ink, int w, int h, double box_w_mm, double box_h_mm,
                   float out[784]);
void read_tallies(const c1_engine *e, c1_result *r);
typedef struct {
    int w, h;
    double x_mm, y_mm;             /* page position of pixel (0, 0) */
    uint8_t *ink;                  /* 0 paper, else INK and which stroke's core it may be */
} ink_area;
enum { INK = 1, UPRIGHT_CORE = 2, CROSSING_CORE = 4 };
void tally_count(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], c1_tally *t);
void validate_fields(const c1_engine *e, c1_result *r);

/* ---- geometry helpers ---- */
void homography_apply(const double h[9], double x, double y, double *ox, double *oy);
int homography_invert(const double h[9], double inv[9]);
double now_ms(void);

/* ---- the OpenCV wrapper (cv.cpp): the only C++ in the library ---- */
c1_pix *cv_decode(const uint8_t *data, size_t size);          /* honours EXIF orientation */
c1_pix *cv_read_gray(const char *path);
c1_pix *cv_resize(const c1_pix *src, int w, int h);
/* Solid dark quadrilaterals: up to max_quads of [x0,y0,...,x3,y3, area, fill]. */
int cv_find_dark_quads(const c1_pix *gray, int relative_to_max, double *quads, int max_quads);
/* Divides by the local paper level (a max filter of `window` px): shadows gone, ink kept. */
c1_pix *cv_flatten(const c1_pix *gray, int window);
int cv_find_homography(const double *src_xy, const double *dst_xy, int n, double h[9]);
/* Warps src into a w x h image by the homography that maps destination to source pixels. */
c1_pix *cv_warp(const c1_pix *src, const double dst_to_src[9], int w, int h);
/* Best placement of templ inside image (normalised correlation): top-left and its score. */
int cv_match(const c1_pix *image, const c1_pix *templ, double *x, double *y, double *score);

/* The digit model through OpenCV's dnn module: a network per thread (forward() is not thread-safe). */
void *cv_dnn_load(const uint8_t *onnx, size_t size);
void *digits_nets_create(const digit_model *m);   /* a pool item: one network per member */
void digits_nets_free(void *nets);
void digits_model_release(digit_model *m);
void cv_dnn_free(void *net);
/* Writes text on an RGB image, baseline-left at (x, y); nothing if it cannot. */
void cv_put_text(uint8_t *rgb, int w, int h, int x, int y, const char *text, const uint8_t col[3]);
/* n cells of 28x28 floats in, n rows of n_classes logits out. */
int cv_dnn_forward(void *net, const float *cells, int n, float *out, int n_classes);

#endif
