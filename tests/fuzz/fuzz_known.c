/* libFuzzer target: c1scan's --known CSV reader, and the lookup of a photo's rows in what it read. */
#include <stdint.h>
#include <stdlib.h>

#include "known.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    known_table t;
    char err[160];
    if (!known_parse((const char *)data, size, &t, err, sizeof err))
        return 0;
    for (size_t i = 0; i < t.n; i += 1 + t.n / 4) {
        int n;
        free(known_for(&t, t.rows[i].photo, &n));
    }
    int n;
    free(known_for(&t, "no such photo", &n));
    known_free(&t);
    return 0;
}
