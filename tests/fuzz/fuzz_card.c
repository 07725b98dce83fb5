/* libFuzzer target: the digit model's card (models/digits.json), parsed as the engine parses it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), names[DIGIT_MAX_MEMBERS][64];
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    double temperature;
    c1_gate gate;
    model_parse_card(text, names, &temperature, &gate);
    free(text);
    return 0;
}
