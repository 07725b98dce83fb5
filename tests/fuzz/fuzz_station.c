/* libFuzzer target: the parser of a form's rules across its pages (forms/SET/station.rules) on outside
 * text, against the engine's real pages (loaded once). */
#include <stdint.h>
#include <stdlib.h>

#include "stages.h"

static c1_engine *engine;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine && c1_engine_create(NULL, &engine, NULL, 0) != C1_OK)
        abort();
    station_rules rules;
    char msg[256];
    station_rules_parse(engine, (const char *)data, size, "fuzz.rules", &rules, msg, sizeof msg);
    return 0;
}
