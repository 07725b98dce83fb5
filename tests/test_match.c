/* Tests of the template match that places each field's boxes (lib/cv.cpp, cv_match): its fast path
 * (a half-resolution search, then full resolution round the peak) must find what a search of every
 * position finds, on print sharp and soft, faint and busy; of the page's correlation with a blank
 * (lib/pix.c, pix_correlate); of the page marker's family, whose decoding table an engine's
 * decoders share (lib/identify.c); and of the print a digit cell takes out, the blank blurred once for
 * a field's boxes, which must be what blurring each box's own crop gives (lib/cell.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "cell.h"
#include "cv.h"
#include "stages.h"
#include "check.h"

/* A page-like area: white paper, dark box lines and dots, a little noise; deterministic. */
static c1_pix *paper_with_print(int w, int h, unsigned seed, int contrast)
{
    c1_pix *p = pix_create(w, h, 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            seed = seed * 1103515245u + 12345u;
            int line = (x % 97 < 4) || (y % 53 < 3) || ((x / 7 + y / 11) % 23 == 0 && x % 7 < 3);
            pix_row(p, y)[x] = (uint8_t)(235 - (line ? contrast : 0) - (int)(seed >> 28));
        }
    return p;
}

/* TM_CCOEFF_NORMED at every position: the best one and its score. */
static void search_everywhere(const c1_pix *img, const c1_pix *t, int *bx, int *by, double *best)
{
    const int n = t->w * t->h;
    double tm = 0;
    for (int y = 0; y < t->h; y++)
        for (int x = 0; x < t->w; x++)
            tm += pix_row(t, y)[x];
    tm /= n;
    double tn = 0;
    for (int y = 0; y < t->h; y++)
        for (int x = 0; x < t->w; x++)
            tn += (pix_row(t, y)[x] - tm) * (pix_row(t, y)[x] - tm);
    *best = -2;
    for (int v = 0; v + t->h <= img->h; v++)
        for (int u = 0; u + t->w <= img->w; u++) {
            double s = 0, s2 = 0, st = 0;
            for (int y = 0; y < t->h; y++)
                for (int x = 0; x < t->w; x++) {
                    double a = pix_row(img, v + y)[u + x];
                    s += a, s2 += a * a, st += a * (pix_row(t, y)[x] - tm);
                }
            double den = sqrt(fmax(s2 - s * s / n, 0) * tn), r = den > 0 ? st / den : 0;
            if (r > *best)
                *best = r, *bx = u, *by = v;
        }
}

static void expect_same_peak(const char *what, c1_pix *area, int tx, int ty, int tw, int th, c1_pix *templ_from)
{
    c1_pix *t = pix_crop(templ_from, tx, ty, tx + tw, ty + th);
    double x, y, score, best;
    int bx = -1, by = -1;
    CHECK(t && cv_match(area, t, &x, &y, &score), "%s: matched", what);
    search_everywhere(area, t, &bx, &by, &best);
    CHECK(fabs(x - bx) <= 0.5 && fabs(y - by) <= 0.5, "%s: the peak at (%.2f, %.2f), every position says (%d, %d)", what, x,
          y, bx, by);
    CHECK(fabs(score - best) < 1e-3, "%s: score %.5f, every position says %.5f", what, score, best);
    pix_destroy(&t);
}

/* The page compared with each page's blank (lib/identify.c, by_layout): Pearson's r of two images of
 * one size, as TM_CCOEFF_NORMED gives it at the one position (search_everywhere); 1 with itself, none
 * with a blank sheet, -1 for images of two sizes. */
static void test_correlate(void)
{
    c1_pix *print = paper_with_print(300, 200, 5u, 100), *soft = cv_gaussian(print, 3.0), *other = paper_with_print(300, 200, 9u, 40);
    c1_pix *sheet = pix_create(300, 200, 1), *smaller = paper_with_print(200, 200, 5u, 100);
    for (int y = 0; y < sheet->h; y++)
        for (int x = 0; x < sheet->w; x++)
            pix_row(sheet, y)[x] = 240;
    int bx, by;
    double direct;
    search_everywhere(soft, print, &bx, &by, &direct);
    CHECK(fabs(pix_correlate(soft, print) - direct) < 1e-9, "r %.9f, the direct sum %.9f", pix_correlate(soft, print), direct);
    search_everywhere(other, print, &bx, &by, &direct);
    CHECK(fabs(pix_correlate(other, print) - direct) < 1e-9, "another print: r %.9f, direct %.9f", pix_correlate(other, print), direct);
    CHECK(fabs(pix_correlate(print, print) - 1) < 1e-12, "an image with itself: %.12f", pix_correlate(print, print));
    CHECK(pix_correlate(print, sheet) == 0 && pix_correlate(print, smaller) == -1, "a blank sheet, another size");
    pix_destroy(&print), pix_destroy(&soft), pix_destroy(&other), pix_destroy(&sheet), pix_destroy(&smaller);
}

/* Decoders made of one family come and go (each page's marker is learned by a decoder freed after it):
 * the family's table is built once and outlives every one of them. Were a decoder to free it, another
 * still at work would look codes up in no table, and the next made would build it again. */
static void test_marker_family_outlives_its_decoders(void)
{
    marker_family *m = identify_family_create();
    char msg[256] = "";
    CHECK(m != NULL && identify_family_table(m) != NULL, "the marker family, its table built");
    for (int page = 1; m && page <= 3; page++) {
        char name[64];
        c1_form f;
        snprintf(name, sizeof name, "c-hasil-ppwp-2024/page%d", page);
        if (form_load("forms", name, &f, msg, sizeof msg) != C1_OK) {
            CHECK(0, "%s: %s", name, msg);
            continue;
        }
        for (int twice = 0; twice < 2; twice++)
            CHECK(identify_learn_marker(&f, m, msg, sizeof msg) == C1_OK, "%s, decoder %d: %s", name, twice + 1, msg);
        form_release(&f);
        CHECK(identify_family_table(m) != NULL, "%s: the table freed with a decoder", name);
    }
    identify_family_free(m);
}

/* Every field of the real page 1, on a photo that is its blank blurred and ink drawn across its boxes:
 * each cell cut with the field's shared blur equals the cell cut alone, byte for byte, sharp or
 * blurred. */
static void test_shared_print_blur(void)
{
    c1_form form;
    char msg[256];
    if (form_load("forms", "c-hasil-ppwp-2024/page1", &form, msg, sizeof msg) != C1_OK) {
        CHECK(0, "page 1's template: %s", msg);
        return;
    }
    const double blurs[] = {0.1, 0.45, 1.2};
    cell *alone = malloc(sizeof *alone), *shared = malloc(sizeof *shared);
    int cells = 0, same = 0;
    for (int b = 0; alone && shared && b < 3; b++) {
        c1_pix *page = cv_gaussian(form.blank, blurs[b] * C1_PAGE_PX_PER_MM);
        for (int y = 0; page && y < page->h; y += 7)   /* strokes across every box */
            for (int x = (y * 3) % 11; x < page->w; x += 11)
                pix_row(page, y)[x] = 40;
        cell_print print = {blurs[b], 200, NULL, 0, 0};
        for (int i = 0; page && i < form.n_fields; i++) {
            const c1_form_field *fd = &form.fields[i];
            int shared_ok = cell_print_share(&print, &form, fd->digits, C1_DIGITS, 0);
            for (int d = 0; shared_ok && d < C1_DIGITS; d++) {
                cell_print own = {blurs[b], 200, NULL, 0, 0};
                int a = cell_cut(page, &form, fd->guided, fd->digits[d].x, fd->digits[d].y, fd->digits[d], &own, alone);
                int s2 = cell_cut(page, &form, fd->guided, fd->digits[d].x, fd->digits[d].y, fd->digits[d], &print, shared);
                cells++;
                same += a == s2 && (!a || (alone->w == shared->w && alone->h == shared->h &&
                                          !memcmp(alone->ink, shared->ink, (size_t)alone->w * alone->h)));
            }
            cell_print_unshare(&print);
        }
        pix_destroy(&page);
    }
    CHECK(cells >= 3 * 3 * 20 && same == cells, "cells cut with a shared blur: %d of %d as cut alone", same, cells);
    free(alone), free(shared);
    form_release(&form);
}

int main(void)
{
    test_shared_print_blur();
    test_correlate();
    test_marker_family_outlives_its_decoders();
    /* A field group's size at 5 px/mm (three boxes and margins, 320 x 110 px) in its search area. */
    const int contrasts[] = {120, 25};
    for (int k = 0; k < 2; k++) {
        c1_pix *sharp = paper_with_print(360, 150, 7u + (unsigned)k, contrasts[k]);
        expect_same_peak(k ? "faint print" : "sharp print", sharp, 17, 9, 320, 110, sharp);
        c1_pix *soft = cv_gaussian(sharp, 4.0);
        expect_same_peak(k ? "faint print, soft" : "sharp print, soft", soft, 23, 31, 320, 110, soft);
        /* The template from the sharp blank, the area a soft photo of it: the photo's case. */
        expect_same_peak(k ? "faint blank in a soft photo" : "sharp blank in a soft photo", soft, 6, 20, 320, 110, sharp);
        pix_destroy(&sharp), pix_destroy(&soft);
    }
    /* Small templates take the one-pass path; it must agree too. */
    c1_pix *small = paper_with_print(90, 60, 3u, 90);
    expect_same_peak("a small template", small, 11, 5, 50, 40, small);
    pix_destroy(&small);
    return CHECK_SUMMARY();
}
