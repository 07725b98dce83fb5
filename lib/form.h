/* One printed page of a form as its template (forms/SET/pageN.form) describes it: the page's size
 * and marks, its page marker, every field's boxes and the other witnesses printed for it (tally grid,
 * row-count cells, bubble columns), the guide printed in the boxes, and the rules a correctly filled
 * page keeps. The pages of one form share a set name; each names its place in the set. */
#ifndef C1_FORM_H
#define C1_FORM_H

#include "c1.h"
#include "pix.h"

#define C1_MAX_FIELDS 32
#define C1_MAX_RULES 40
#define C1_MAX_ANCHORS 96
#define C1_DIGITS 3
#define C1_ID_LEN 48
#define C1_MAX_DOTS 40
#define C1_MAX_PATTERNS 16
#define C1_SEGMENTS 8             /* a..g of a digital digit, h down the middle */
#define C1_MAX_ROWS 8             /* row-count cells beside a tally grid */
#define C1_MAX_TALLY_CELLS 64

/* The ten bubbles (0-9) under each of a field's boxes: one column a box. */
typedef struct {
    double x[C1_DIGITS];          /* each column's centre */
    double y0, pitch, radius;     /* the 0 bubble's centre, the step to the next, the ring's radius */
} c1_bubbles;

/* The two-digit count of each tally row, written in small cells right of the grid. */
typedef struct {
    double x, y;                  /* the first row's first cell */
    int digits, rows;
    double cell_w, cell_h;
} c1_row_counts;

typedef struct {
    char id[C1_ID_LEN];
    c1_rect digits[C1_DIGITS];    /* each box's interior (inside the printed line) */
    int max;
    int guided;                   /* the boxes carry the form's printed guide dots */
    int has_tally;
    c1_rect tally;                /* the whole grid */
    int tally_cols, tally_rows;
    int has_row_counts;
    c1_row_counts row_counts;
    int has_bubbles;
    c1_bubbles bubbles;
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

/* A corner mark: two solid squares touching at one corner (top-left and bottom-right of the pair);
 * `x, y` is where they touch. The four are alike, so they do not tell which way is up. */
typedef struct {
    double x, y, square;
} c1_mark;

#define C1_TAG_CELLS 8        /* a tag36h10 is 8 cells a side inside its white margin: border and 6 x 6 code */

/* The printed page marker: an AprilTag whose id names the form and the page, and whose corner order
 * tells which way is up. */
typedef struct {
    char family[16];          /* "tag36h10" */
    int id;
    c1_rect at;               /* its black square on the page */
    int rotation;             /* degrees the tag is printed turned on an upright page */
    double first_corner[2];   /* from its centre to the decoder's first corner on the upright page, mm
                                 (read off the blank page when the engine loads it) */
    signed char cells[C1_TAG_CELLS * C1_TAG_CELLS]; /* its black border and code, -1 black, +1 paper, row
                                 by row on the upright page (read off the blank too) */
} c1_page_tag;

/* The guide printed in a box for "digital" digits: dots (fractions of the box interior), the
 * segments a digit is drawn along (pairs of dots), and which segments make each digit. */
typedef struct {
    double dots[C1_MAX_DOTS][2];
    int n_dots;
    double dot_mm;            /* a printed dot's diameter */
    int segments[C1_SEGMENTS][2];
    int n_segments;
    struct {
        int digit;            /* 0-9, or -1 for a filler (dash) */
        char segments[C1_SEGMENTS + 1];
    } patterns[C1_MAX_PATTERNS];
    int n_patterns;
} c1_guide;

typedef struct {
    char id[C1_ID_LEN];        /* the form set: "c-hasil-ppwp-2024" */
    int page, pages;           /* this page's place in the set */
    char title[128];
    char other_titles[8][64];  /* sibling forms' titles: a title nearer one of these is not ours */
    int n_other_titles;
    double page_w, page_h;
    c1_mark marks[4];          /* tl, tr, br, bl */
    c1_page_tag tag;
    c1_rect title_box;
    c1_rect header, signatures; /* written by hand, read by none: the locate stage's anchors skip them */
    double box_line_mm;        /* the digit boxes' printed line; the boxes are its inner edge */
    c1_form_field fields[C1_MAX_FIELDS];
    int n_fields;
    c1_form_rule rules[C1_MAX_RULES];
    int n_rules;
    c1_rect anchors[C1_MAX_ANCHORS]; /* printed things that pin the page down locally */
    int n_anchors;
    c1_guide guide;
    c1_pix *blank;             /* the printed page at C1_PAGE_PX_PER_MM, grey */
} c1_form;

/* Loads DIR/NAME (a .form file); a mistake is C1_ERR_FORM_TEMPLATE with "file:line: why". */
c1_error form_load(const char *dir, const char *name, c1_form *form, char *msg, size_t msg_size);
/* The same from a template's text in memory; `dir` is where the files it names are. */
c1_error form_parse(const char *text, size_t size, const char *dir, const char *name, c1_form *form, char *msg,
                    size_t msg_size);
void form_release(c1_form *form);
int form_field_index(const c1_form *form, const char *id);
/* The centre of bubble `digit` (0-9) of box `box`, page mm. */
void form_bubble_centre(const c1_form_field *f, int box, int digit, double *x, double *y);

#endif
