/* libFuzzer target: c1scan's --known and --stations CSV readers, and the lookups in what they read. */
#include <stdint.h>
#include <stdlib.h>

#include "known.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    known_table t;
    station_table st;
    char err[160];
    if (stations_parse((const char *)data, size, &st, err, sizeof err)) {
        for (size_t i = 0; i < st.n; i += 1 + st.n / 4)
            (void)station_of(&st, st.rows[i].photo);
        (void)station_of(&st, "no such photo");
        stations_free(&st);
    }
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
