/* libFuzzer target: the load stage alone on outside bytes, the header checks and the decoders
 * (JPEG, PNG, TIFF, EXIF orientation). The whole-read target reaches these too, but at a few runs a
 * second; alone they run thousands of times faster, so a long run can exhaust them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "stages.h"

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
        fprintf(stderr, "fuzz_load: %s (set C1_DATA_DIR to the project)\n", msg);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    c1_result *r = result_create(&engine->gate);
    if (!r)
        return 0;
    r->input = data, r->input_size = size;
    if (load_image(engine, r) == C1_OK && (r->photo_w != r->photo->w || r->photo_h != r->photo->h))
        abort();   /* the size the result reports is the image it holds */
    r->input = NULL, r->input_size = 0;
    pix_destroy(&r->photo);
    c1_result_free(r);
    return 0;
}
