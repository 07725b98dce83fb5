/* libFuzzer target: the whole read path from outside bytes, c1_read_memory and the JSON of its
 * result. The engine's pixel cap is small so that each run stays fast; everything else is as
 * shipped (forms and models from C1_DATA_DIR). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "c1.h"

static c1_engine *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    c1_engine_options o;
    c1_engine_options_init(&o);
    o.max_pixels = 1500000;
    o.tesseract_instances = 1;
    char msg[512];
    if (c1_engine_create(&o, &engine, msg, sizeof msg) != C1_OK) {
        fprintf(stderr, "fuzz_read: %s (set C1_DATA_DIR to the project)\n", msg);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    c1_result *r = NULL;
    c1_read_memory(engine, data, size, &r);
    char *json = c1_result_to_json(r, "fuzz");
    c1_string_free(json);
    c1_result_free(r);
    return 0;
}
