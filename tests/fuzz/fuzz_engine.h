/* The engine the fuzz targets that read photos share: as shipped (forms and models from
 * C1_DATA_DIR), but with a small pixel cap so that each run stays fast. */
#ifndef C1_FUZZ_ENGINE_H
#define C1_FUZZ_ENGINE_H

#include <stdio.h>
#include <stdlib.h>

#include "c1.h"

static c1_engine *fuzz_engine_create(const char *target)
{
    c1_engine_options o;
    c1_engine_options_init(&o);
    o.max_pixels = 1500000;
    o.tesseract_instances = 1;
    c1_engine *e = NULL;
    char msg[512];
    if (c1_engine_create(&o, &e, msg, sizeof msg) != C1_OK) {
        fprintf(stderr, "%s: %s (set C1_DATA_DIR to the project)\n", target, msg);
        exit(1);
    }
    return e;
}

#endif
