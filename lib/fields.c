/* Field reading: where the digit readers, the tally counter and the publish gate plug in. Until
 * they exist every field stays in review with the reason "not_read": no value is ever guessed.
 * Writes only the result's per-field value, status, confidence and reasons. */
#include "internal.h"

void read_fields(const c1_engine *e, c1_result *r)
{
    (void)e;
    for (int i = 0; i < r->n_fields; i++) {
        c1_field_result *f = &r->fields[i];
        f->value = -1;
        f->status = C1_FIELD_REVIEW;
        f->confidence = 0;
        field_add_reason(f, "not_read");
    }
}
