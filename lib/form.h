/* The printed form as its template (forms/NAME.form) describes it: page size, markers, every
 * field's boxes and tally grid, the rules a correctly filled form keeps, the guide dots. */
#ifndef C1_FORM_H
#define C1_FORM_H

#include "c1.h"
#include "pix.h"

#define C1_MAX_FIELDS 32
#define C1_MAX_RULES 32
#define C1_MAX_ANCHORS 96
#define C1_DIGITS 3
#define C1_ID_LEN 48

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

/* Loads forms/NAME.form from `dir`; a mistake is C1_ERR_FORM_TEMPLATE with "file:line: why". */
c1_error form_load(const char *dir, const char *name, c1_form *form, char *msg, size_t msg_size);
/* The same from a template's text in memory; `dir` is where the files it names are. */
c1_error form_parse(const char *text, size_t size, const char *dir, const char *name, c1_form *form, char *msg,
                    size_t msg_size);
void form_release(c1_form *form);
int form_field_index(const c1_form *form, const char *id);

#endif
