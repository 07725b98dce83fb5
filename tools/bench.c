/* c1bench: how long a read takes against the floor, decoding the photo once.
 *
 *   c1bench [--limit N] DIR
 *
 * For every JPEG in DIR (one thread; freed memory kept for the next photo, as c1scan keeps it):
 * decodes it to grey with libjpeg-turbo (the floor: a reader of files cannot do less) and reads it
 * with c1_read_memory from the same bytes in memory; prints the medians and 95th percentiles of
 * both, their ratio (`read_over_decode`), the median of every stage, and the peak memory of one read
 * (a child process reads the largest photo; its maximum resident set less that of a child that only
 * loads the engine). Figures only: nothing here passes or fails. */
#include <dirent.h>
#include <setjmp.h>
#include <stdio.h>   /* before jpeglib.h, which needs FILE */
#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "c1.h"
#include "keep_memory.h"

static const char *const STAGES[] = {"load", "register", "identify", "quality", "locate", "digits", "tally",
                                     "bubbles", "rows", "validate"};
#define N_STAGES (sizeof STAGES / sizeof *STAGES)

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *fh = fopen(path, "rb");
    struct stat st;
    unsigned char *data = NULL;
    if (fh && fstat(fileno(fh), &st) == 0 && (data = malloc((size_t)st.st_size + 1)) &&
        fread(data, 1, (size_t)st.st_size, fh) == (size_t)st.st_size)
        *size = (size_t)st.st_size;
    else
        free(data), data = NULL;
    if (fh)
        fclose(fh);
    return data;
}

struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
};

static void on_error(j_common_ptr c) { longjmp(((struct jerr *)c->err)->jump, 1); }

/* The floor: the whole photo to grey, scanline by scanline, as a reader would need it. */
static int decode_gray(const unsigned char *data, size_t size)
{
    struct jpeg_decompress_struct d;
    struct jerr err;
    unsigned char *row = NULL;
    d.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = on_error;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&d);
        free(row);
        return 0;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data, (unsigned long)size);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&d);
    row = malloc(d.output_width);
    while (row && d.output_scanline < d.output_height)
        jpeg_read_scanlines(&d, &row, 1);
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    free(row);
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts a copy: the arrays stay in photo order, paired with each other. */
static double quantile(const double *v, int n, double q)
{
    double *sorted = n > 0 ? malloc(sizeof *sorted * (size_t)n) : NULL;
    if (!sorted)
        return 0;
    memcpy(sorted, v, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
    double value = sorted[(int)(q * (n - 1) + 0.5)];
    free(sorted);
    return value;
}

/* Peak resident memory of a child that loads the engine and, when `path`, reads one photo (KiB). */
static long child_peak_kib(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        c1_engine *e;
        if (c1_engine_create(NULL, &e, NULL, 0) != C1_OK)
            _exit(1);
        if (path) {
            c1_result *r;
            c1_read_file(e, path, &r);
            c1_result_free(r);
        }
        c1_engine_free(e);
        _exit(0);
    }
    int status;
    struct rusage ru;
    return pid > 0 && wait4(pid, &status, 0, &ru) == pid ? ru.ru_maxrss : -1;
}

static int is_jpeg(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

static double mean(const double *v, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    return n ? sum / n : 0;
}

/* One page's read and stage medians, over the photos read as that page. */
static void print_page(int pg, const int *page, const double *read, double *const *stage, int n)
{
    double *pick = calloc((size_t)n + 1, sizeof *pick);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (page[i] == pg)
            pick[m++] = read[i];
    if (pick && m) {
        printf("page_%d: %d photos, c1_read median %.1f, stages", pg, m, quantile(pick, m, 0.5));
        for (size_t s = 0; s < N_STAGES; s++) {
            m = 0;
            for (int i = 0; i < n; i++)
                if (page[i] == pg)
                    pick[m++] = stage[s][i];
            printf(" %s %.1f", STAGES[s], quantile(pick, m, 0.5));
        }
        printf("\n");
    }
    free(pick);
}

int main(int argc, char **argv)
{
    keep_freed_memory();
    int limit = 1 << 30;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--limit") && i + 1 < argc)
            limit = atoi(argv[++i]);
        else
            dir = argv[i];
    struct dirent **names;
    int n_names = dir ? scandir(dir, &names, NULL, alphasort) : -1;
    if (n_names < 0) {
        fprintf(stderr, "usage: c1bench [--limit N] DIR\n");
        return 1;
    }
    c1_engine *e;
    char msg[512];
    if (c1_engine_create(NULL, &e, msg, sizeof msg) != C1_OK) {
        fprintf(stderr, "c1bench: %s\n", msg);
        return 1;
    }
    double *decode = calloc((size_t)n_names, sizeof *decode), *read = calloc((size_t)n_names, sizeof *read);
    double *stage[N_STAGES];
    int *page = calloc((size_t)n_names, sizeof *page);
    for (size_t s = 0; s < N_STAGES; s++)
        stage[s] = calloc((size_t)n_names, sizeof(double));
    int n = 0, n_read = 0;
    char largest[4096] = "";
    size_t largest_size = 0;
    for (int k = 0; k < n_names && n < limit; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]->d_name);
        size_t size = 0;
        unsigned char *data = is_jpeg(names[k]->d_name) ? slurp(path, &size) : NULL;
        if (data) {
            double t0 = now_ms();
            int ok = decode_gray(data, size);
            double t1 = now_ms();
            c1_result *r = NULL;
            c1_read_memory(e, data, size, &r);
            double t2 = now_ms();
            if (ok) {
                decode[n] = t1 - t0, read[n] = t2 - t1, page[n] = c1_result_page(r);
                for (size_t s = 0; s < N_STAGES; s++)
                    stage[s][n] = c1_result_stage_ms(r, STAGES[s]) > 0 ? c1_result_stage_ms(r, STAGES[s]) : 0;
                n++;
                n_read += c1_result_status(r) == C1_PHOTO_READ;
                if (size > largest_size)
                    largest_size = size, snprintf(largest, sizeof largest, "%s", path);
            }
            c1_result_free(r);
            free(data);
        }
    }
    for (int k = 0; k < n_names; k++)
        free(names[k]);
    free(names);
    c1_engine_free(e);
    if (n == 0) {
        fprintf(stderr, "c1bench: no JPEG photos in %s\n", dir);
        return 1;
    }
    double decode_median = quantile(decode, n, 0.5), read_median = quantile(read, n, 0.5);
    printf("photos: %d (%d read, the rest rejected), one thread\n", n, n_read);
    printf("decode_gray_ms: median %.1f p95 %.1f\n", decode_median, quantile(decode, n, 0.95));
    printf("c1_read_ms: median %.1f p95 %.1f\n", read_median, quantile(read, n, 0.95));
    printf("read_over_decode: %.1f\n", read_median / decode_median);
    printf("stage_median_ms:");
    for (size_t s = 0; s < N_STAGES; s++)
        printf(" %s %.1f", STAGES[s], quantile(stage[s], n, 0.5));
    printf("\n");
    /* A median hides a stage that only some pages have (the tally grids are on pages 2 and 3): the
     * means add up to the mean read, and each page's medians say where its time goes. */
    printf("stage_mean_ms:");
    for (size_t s = 0; s < N_STAGES; s++)
        printf(" %s %.1f", STAGES[s], mean(stage[s], n));
    printf("\n");
    for (int pg = 1; pg <= 3; pg++)
        print_page(pg, page, read, stage, n);
    long base = child_peak_kib(NULL), peak = child_peak_kib(largest);
    printf("peak_memory_one_read_mib: %.0f (largest photo, %zu bytes; engine alone %.0f)\n", (peak - base) / 1024.0,
           largest_size, base / 1024.0);
    free(decode), free(read), free(page);
    for (size_t s = 0; s < N_STAGES; s++)
        free(stage[s]);
    return 0;
}
