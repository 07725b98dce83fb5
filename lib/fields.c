/* Field reading: the readers (digits two ways, tallies) and then the publish gate, in that order.
 * Writes only the result's per-field readings, value, status, confidence and reasons. */
#include "internal.h"

void read_fields(const c1_engine *e, c1_result *r)
{
    read_digits(e, r);
    read_tallies(e, r);
    validate_fields(e, r);
}
