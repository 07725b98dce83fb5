/* libFuzzer target: the whole read path from outside bytes, c1_read_memory and the JSON of its
 * result, on the shared fuzz engine (fuzz_engine.h). */
#include <stdint.h>

#include "fuzz_engine.h"

static c1_engine *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    engine = fuzz_engine_create("fuzz_read");
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
