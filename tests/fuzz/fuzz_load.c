/* libFuzzer target: the load stage alone on outside bytes, the header checks and the decoders
 * (JPEG, PNG, TIFF, EXIF orientation). The whole-read target reaches these too, but at a few runs a
 * second; alone they run thousands of times faster, so a long run can exhaust them. Its seeds are
 * the whole-read target's (seeds/load links to seeds/read). */
#include <stdint.h>

#include "engine.h"
#include "fuzz_engine.h"
#include "stages.h"

static c1_engine *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    engine = fuzz_engine_create("fuzz_load");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    c1_result *r = result_create(&engine->gate);
    if (!r)
        return 0;
    r->input = data, r->input_size = size;
    load_image(engine, r);
    r->input = NULL, r->input_size = 0;
    pix_destroy(&r->photo);
    c1_result_free(r);
    return 0;
}
