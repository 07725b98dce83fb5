/* The pipeline's stages, in the order lib/engine.c runs them. Each reads what the stages before it
 * wrote into the result and adds its own part; a stage that rejects the photo returns its code. */
#ifndef C1_STAGES_H
#define C1_STAGES_H

#include "engine.h"
#include "result.h"

/* load.c: recognise, check and decode the photo's bytes. */
c1_error load_image(const c1_engine *e, c1_result *r);
/* register.c: the corner marks and the page-to-photo homography, upright and upside down. */
c1_error register_page(const c1_engine *e, c1_result *r);
/* Takes homography h for the page `f`: the page's corners and the rectified page. */
c1_error register_settle(const c1_form *f, const double h[9], const c1_pix *photo, c1_result *r);
/* quality.c: is the page large and sharp enough to read anything? */
c1_error check_quality(const c1_engine *e, c1_result *r);
double quality_blur_mm(const c1_form *f, const c1_pix *page);   /* at the corner marks, Gaussian sigma */
int quality_too_blurred(double blur_mm);
/* identify.c: which form and page, which way up (the page marker, else the print and the title); the
 * page rectified. */
c1_error identify_form(const c1_engine *e, c1_result *r);
marker_family *identify_family_create(void);      /* the marker family, its decoding table built */
void identify_family_free(marker_family *m);
const void *identify_family_table(const marker_family *m);   /* its decoding table, NULL when freed */
void *identify_reader_create(const void *engine); /* a page-marker decoder of the engine's family, a pool item */
void identify_reader_free(void *reader);
/* Reads the marker off the page's own blank: where its first corner lies when the page is upright. */
c1_error identify_learn_marker(c1_form *f, const marker_family *markers, char *msg, size_t msg_size);
/* locate.c: every box and grid, corrected locally. */
c1_error locate_boxes(const c1_engine *e, c1_result *r);
/* digits.c (with cell.c, segments.c, correction.c): both digit readings of every field. */
c1_error read_digits(const c1_engine *e, c1_result *r);
/* The probability a reading gives value v (0..999), not only its few likeliest values. */
double reading_value_p(const c1_reading *rd, int v);
/* Whether the field may hold v after all: its reading gives v at least 0.001. A likely value need
 * not be among the five it lists (three boxes each unsure multiply into a thousand values, each of
 * them small). A rule that fails with a misread field in it is explained when this holds. */
int reading_allows(const c1_reading *rd, int v);
/* tally.c: the tally grids' counts. */
c1_error read_tallies(const c1_engine *e, c1_result *r);
/* bubbles.c: the bubble columns under the totals. */
c1_error read_bubbles(const c1_engine *e, c1_result *r);
/* rows.c: the tally rows' written counts, with the handwriting model. */
c1_error read_row_counts(const c1_engine *e, c1_result *r);
/* station.c: a form's rules across the pages of a station, from its station.rules text. */
c1_error station_rules_parse(const c1_engine *e, const char *text, size_t size, const char *name, station_rules *s,
                             char *msg, size_t msg_size);
/* A rule across a station's pages holding with a field's value, its other fields accepted on their
 * own evidence on other pages: the odds it gives that value (docs/design.md, "a station's pages"). */
#define STATION_LR 30.0
/* validate.c: the publish gate; run again by station.c with the values other pages give
 * (c1_result.from_station). */
c1_error validate_fields(const c1_engine *e, c1_result *r);
/* Whether field i taking v would keep every sum of its page that it is in, the page's other values
 * as they are, one of them failing with its own value: the page's arithmetic speaks for v. */
int page_sums_kept_by(const c1_result *r, int i, int v);

#endif
