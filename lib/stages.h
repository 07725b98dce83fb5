/* The pipeline's stages, in the order lib/engine.c runs them. Each reads what the stages before it
 * wrote into the result and adds its own part; a stage that rejects the photo returns its code. */
#ifndef C1_STAGES_H
#define C1_STAGES_H

#include "engine.h"
#include "result.h"

/* load.c: recognise, check and decode the photo's bytes. */
c1_error load_image(const c1_engine *e, c1_result *r);
/* register.c: corner markers, orientation, the page-to-photo homography, the rectified page. */
c1_error register_page(const c1_engine *e, c1_result *r);
/* quality.c: is the page large and sharp enough to read handwriting? */
c1_error check_quality(const c1_engine *e, c1_result *r);
/* identify.c: is it this form? */
c1_error identify_form(const c1_engine *e, c1_result *r);
/* locate.c: every box and grid, corrected locally. */
c1_error locate_boxes(const c1_engine *e, c1_result *r);
/* digits.c (with cell.c, segments.c, correction.c): both digit readings of every field. */
c1_error read_digits(const c1_engine *e, c1_result *r);
/* tally.c: the tally grids' counts. */
c1_error read_tallies(const c1_engine *e, c1_result *r);
/* validate.c: the publish gate. */
c1_error validate_fields(const c1_engine *e, c1_result *r);

#endif
