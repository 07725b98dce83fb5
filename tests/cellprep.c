/* Runs the library's cell pipeline on ink maps given as PGM files and prints the 28x28 results,
 * so that tests/test_tools.py can hold it equal to tools/cells.py (the model's training pipeline).
 *   cellprep BOX_W_MM BOX_H_MM FILE.pgm...   -> one line per file: "blank", or 784 numbers */
#include <stdio.h>
#include <stdlib.h>

#include "cell.h"

int main(int argc, char **argv)
{
    c1_form form;
    char msg[256];
    if (argc < 4 || form_load("forms", "c-hasil-ppwp-2024/page2", &form, msg, sizeof msg) != C1_OK)
        return 2;
    double bw = atof(argv[1]), bh = atof(argv[2]);
    for (int i = 3; i < argc; i++) {
        FILE *fh = fopen(argv[i], "rb");
        int w, h, maxv;
        if (!fh || fscanf(fh, "P5 %d %d %d", &w, &h, &maxv) != 3 || fgetc(fh) == EOF) {
            puts("error");
            continue;
        }
        uint8_t *ink = malloc((size_t)w * h);
        float out[784];
        int ok = fread(ink, 1, (size_t)w * h, fh) == (size_t)w * h;
        fclose(fh);
        int ret = ok ? cell_prepare(&form, 1, ink, w, h, bw, bh, out) : -2;
        if (ret == -1)
            puts("blank");
        else if (ret < 0)
            puts("error");
        else
            for (int k = 0; k < 784; k++)
                printf("%.4f%c", out[k], k == 783 ? '\n' : ' ');
        free(ink);
    }
    form_release(&form);
    return 0;
}
