/* libFuzzer target: the form-template parser on outside text. The files a template names are
 * looked up in tests/fuzz/data, which holds a tiny blank page, so that runs stay fast. */
#include <stdint.h>
#include <stdlib.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    c1_form form;
    char msg[256];
    if (form_parse((const char *)data, size, "tests/fuzz/data", "fuzz.form", &form, msg, sizeof msg) == C1_OK)
        form_release(&form);
    return 0;
}
