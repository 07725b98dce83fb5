/* Writes the tally cell model's inputs for labelled photos, to train it on (tools/train_tally.py):
 * for each photo read and each tally grid located, OUT/STEM.FIELD.pgm, the grid's cells side by side
 * as lib/tally.c cuts them (TALLY_PATCH_W x TALLY_PATCH_H each, cols x rows).
 *   tallycells OUT PHOTO... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages.h"
#include "tally.h"

static void write_mosaic(const char *path, const float *patches, int cols, int rows)
{
    const int w = cols * TALLY_PATCH_W, h = rows * TALLY_PATCH_H;
    unsigned char *img = malloc((size_t)w * h);
    FILE *fh = img ? fopen(path, "wb") : NULL;
    if (!fh) {
        free(img);
        return;
    }
    for (int c = 0; c < cols * rows; c++)
        for (int y = 0; y < TALLY_PATCH_H; y++)
            for (int x = 0; x < TALLY_PATCH_W; x++)
                img[((c / cols) * TALLY_PATCH_H + y) * w + (c % cols) * TALLY_PATCH_W + x] =
                    (unsigned char)(patches[(size_t)c * TALLY_PATCH + y * TALLY_PATCH_W + x] * 255 + 0.5f);
    fprintf(fh, "P5 %d %d 255\n", w, h);
    fwrite(img, 1, (size_t)w * h, fh);
    fclose(fh);
    free(img);
}

int main(int argc, char **argv)
{
    c1_engine *e;
    char msg[512];
    if (argc < 3 || c1_engine_create(NULL, &e, msg, sizeof msg) != C1_OK)
        return 2;
    for (int k = 2; k < argc; k++) {
        c1_result *r = NULL;
        if (c1_read_file(e, argv[k], &r) != C1_OK || !r || c1_result_status(r) != C1_PHOTO_READ) {
            c1_result_free(r);
            continue;
        }
        const char *base = strrchr(argv[k], '/');
        char stem[256], path[1024];
        snprintf(stem, sizeof stem, "%s", base ? base + 1 : argv[k]);
        stem[strcspn(stem, ".")] = '\0';
        for (int i = 0; i < r->n_fields; i++) {
            const c1_form_field *fd = &r->form->fields[i];
            if (!fd->has_tally)
                continue;
            float *p = malloc(sizeof(float) * TALLY_PATCH * (size_t)(fd->tally_cols * fd->tally_rows));
            if (p && tally_field_patches(r, i, p)) {
                snprintf(path, sizeof path, "%s/%s.%s.pgm", argv[1], stem, fd->id);
                write_mosaic(path, p, fd->tally_cols, fd->tally_rows);
            }
            free(p);
        }
        c1_result_free(r);
    }
    c1_engine_free(e);
    return 0;
}
