/* The smallest useful libc1 program: read one photo, print every field and why it is in review.
 *
 *   build/example_read examples/photos/tilted_dots.jpg
 */
#include <stdio.h>

#include "c1.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PHOTO\n", argv[0]);
        return 2;
    }
    char msg[256];
    c1_engine *engine;
    if (c1_engine_create(NULL, &engine, msg, sizeof msg) != C1_OK) {
        fprintf(stderr, "engine: %s\n", msg);
        return 1;
    }
    c1_result *result;
    c1_error err = c1_read_file(engine, argv[1], &result);
    if (!result) {
        fprintf(stderr, "%s\n", c1_error_string(err));
        c1_engine_free(engine);
        return 1;
    }
    if (c1_result_status(result) == C1_PHOTO_REJECTED) {
        printf("%s: rejected (%s): %s\n", argv[1], c1_error_name(err), c1_result_message(result));
    } else {
        printf("%s: %s\n", argv[1], c1_result_form(result));
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
