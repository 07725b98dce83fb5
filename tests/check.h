/* The C tests' one assertion: counts, prints what failed, and lets the test go on. Each test
 * program ends with CHECK_SUMMARY(), the plain "N passed, N failed" line CI reads. */
#ifndef C1_TEST_CHECK_H
#define C1_TEST_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...)                                    \
    do {                                                    \
        if (cond) {                                         \
            passed++;                                       \
        } else {                                            \
            failed++;                                       \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);     \
            printf(__VA_ARGS__);                            \
            printf("\n");                                   \
        }                                                   \
    } while (0)

#define CHECK_SUMMARY() (printf("%d passed, %d failed\n", passed, failed), failed != 0)

#endif
