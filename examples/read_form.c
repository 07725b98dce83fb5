/* The smallest useful libc1 program: read one photo, print every field and why it is in review.
 * Values known from outside the photo (the station's number and DPT from the commission's list)
 * may follow the photo as FIELD=VALUE.
 *
 *   build/example_read examples/photos/tilted_dots.jpg
 *   build/example_read examples/photos/tilted_dots.jpg tps=12 dpt=250
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c1.h"

#define C1_EXAMPLE_MAX_KNOWN 16

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 2 + C1_EXAMPLE_MAX_KNOWN) {
        fprintf(stderr, "usage: %s PHOTO [FIELD=VALUE ...]\n", argv[0]);
        return 2;
    }
    c1_known_value known[C1_EXAMPLE_MAX_KNOWN];
    int n_known = 0;
    for (int a = 2; a < argc; a++) {
        char *eq = strchr(argv[a], '=');
        if (!eq) {
            fprintf(stderr, "expected FIELD=VALUE, got '%s'\n", argv[a]);
            return 2;
        }
        *eq = '\0';
        known[n_known++] = (c1_known_value){argv[a], atoi(eq + 1)};
    }
    char msg[256];
    c1_engine *engine;
    if (c1_engine_create(NULL, &engine, msg, sizeof msg) != C1_OK) {
        fprintf(stderr, "engine: %s\n", msg);
        return 1;
    }
    c1_result *result;
    c1_error err = n_known ? c1_read_file_known(engine, argv[1], known, n_known, &result)
                           : c1_read(engine, argv[1], &result);
    if (!result) {
        fprintf(stderr, "%s%s\n", c1_error_string(err),
                err == C1_ERR_INVALID_ARGUMENT && n_known ? " (a known value names no field, or is negative)" : "");
        c1_engine_free(engine);
        return 1;
    }
    if (c1_result_status(result) == C1_PHOTO_REJECTED) {
        printf("%s: rejected (%s): %s\n", argv[1], c1_error_name(err), c1_result_message(result));
    } else {
        printf("%s: read, form %s\n", argv[1], c1_result_form(result));
        for (int i = 0; i < c1_result_field_count(result); i++) {
            int value = c1_field_value(result, i);
            printf("  %-20s %-8s", c1_field_id(result, i),
                   c1_field_status_of(result, i) == C1_FIELD_ACCEPTED ? "accepted" : "review");
            if (value >= 0)
                printf(" %d (p=%.3f)", value, c1_field_confidence(result, i));
            for (int k = 0; k < c1_field_reason_count(result, i); k++)
                printf(" %s", c1_field_reason(result, i, k));
            printf("\n");
        }
    }
    c1_result_free(result);
    c1_engine_free(engine);
    return err == C1_OK ? 0 : 3;
}
