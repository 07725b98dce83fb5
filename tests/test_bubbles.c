/* Tests of the bubble reader (lib/bubbles.c) on the real page 2, its blank print taken as the photo
 * and marks drawn on it here, so that each hard case is exactly the case named: the photo pipeline
 * (registration, blur estimate) is left out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "stages.h"
#include "check.h"

#define FAINT_PEN 45    /* a thin, faint pen: this much below the paper (of 255) */

/* Page 2 of the real form as a sharp photo of its blank print (blurred as the reader is told), its
 * bubbles where the form puts them. */
static c1_result *blank_page2(const c1_engine *e)
{
    c1_result *r = result_create(NULL);
    for (int i = 0; i < e->n_forms; i++)
        if (e->forms[i].page == 2)
            r->form = &e->forms[i];
    r->blur_mm = 0.2, r->print_black = 255;
    r->page = cv_gaussian(r->form->blank, r->blur_mm * C1_PAGE_PX_PER_MM);
    r->n_fields = r->form->n_fields;
    for (int i = 0; i < r->n_fields; i++)
        for (int k = 0; r->form->fields[i].has_bubbles && k < C1_DIGITS; k++)
            form_bubble_centre(&r->form->fields[i], k, 0, &r->fields[i].bubbles_mm[k][0], &r->fields[i].bubbles_mm[k][1]);
    return r;
}

/* Darkens, by `ink` below the paper, the page pixels within `width` mm of the segment a-b (mm). */
static void draw_line(c1_result *r, double ax, double ay, double bx, double by, double width, int ink)
{
    const double k = C1_PAGE_PX_PER_MM;
    int x0 = (int)((fmin(ax, bx) - width) * k), x1 = (int)((fmax(ax, bx) + width) * k);
    int y0 = (int)((fmin(ay, by) - width) * k), y1 = (int)((fmax(ay, by) + width) * k);
    for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < r->page->h; y++)
        for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < r->page->w; x++)
            if (segment_distance((x + 0.5) / k, (y + 0.5) / k, ax, ay, bx, by) <= width / 2) {
                uint8_t *p = pix_row(r->page, y) + x;
                *p = *p > ink ? (uint8_t)(*p - ink) : 0;
            }
}

/* A cross over bubble `digit` of column `box` of field `id`, in the faint pen. */
static void cross(c1_result *r, const char *id, int box, int digit)
{
    double cx, cy;
    form_bubble_centre(&r->form->fields[form_field_index(r->form, id)], box, digit, &cx, &cy);
    draw_line(r, cx - 3.5, cy - 3.5, cx + 3.5, cy + 3.5, 0.4, FAINT_PEN);
    draw_line(r, cx - 3.5, cy + 3.5, cx + 3.5, cy - 3.5, 0.4, FAINT_PEN);
}

/* A blot over bubble `digit`: a disc `r_mm` wide, as dark as the pen. */
static void blot(c1_result *r, const char *id, int box, int digit, double r_mm)
{
    double cx, cy;
    form_bubble_centre(&r->form->fields[form_field_index(r->form, id)], box, digit, &cx, &cy);
    draw_line(r, cx, cy, cx, cy, 2 * r_mm, FAINT_PEN);
}

static const c1_bubble_reading *bubbles_of(const c1_result *r, const char *id)
{
    return &r->fields[form_field_index(r->form, id)].bubbles;
}

/* A fold's crease runs across the page through every column's 3 bubble, about as dark as the thin
 * pen that crossed 5 and 8 under a 58 (its leading box left blank). The crease is no mark: the crosses
 * are read, surely, and no column is sure of a 3. */
static void test_crease_across_the_bubbles(const c1_engine *e)
{
    c1_result *r = blank_page2(e);
    double cx, cy;
    form_bubble_centre(&r->form->fields[form_field_index(r->form, "paslon1")], 0, 3, &cx, &cy);
    draw_line(r, 0, cy + 0.6, r->page->w / C1_PAGE_PX_PER_MM, cy - 0.4, 0.6, FAINT_PEN);
    cross(r, "paslon1", 1, 5);
    cross(r, "paslon1", 2, 8);
    CHECK(read_bubbles(NULL, r) == C1_OK, "bubbles not read");
    const c1_bubble_reading *b = bubbles_of(r, "paslon1");
    CHECK(b->value == 58, "crosses 5 and 8 under a crease spell %d", b->value);
    CHECK(b->column[1] == 5 && b->column_p[1] >= 0.99 && b->column[2] == 8 && b->column_p[2] >= 0.99,
          "the crosses under a crease read %d at %.3f and %d at %.3f", b->column[1], b->column_p[1], b->column[2],
          b->column_p[2]);
    const char *ids[] = {"paslon1", "paslon2", "paslon3"};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < C1_DIGITS; k++)
            CHECK(bubbles_of(r, ids[i])->column[k] != 3 || bubbles_of(r, ids[i])->column_p[k] < 0.99,
                  "%s column %d: the crease read as a 3 at %.3f", ids[i], k, bubbles_of(r, ids[i])->column_p[k]);
    c1_result_free(r);
}

/* What the print leaves round every printed ring where the photo's print is softer or a pixel off
 * the blank's: a faint halo just outside each ring, a little lighter than the thin pen's crosses and
 * darker than the share of that pen a mark needs. It is the print's, on every bubble alike: the crosses
 * are read, and the columns left blank are none, never a digit. */
static void test_print_left_round_the_rings(const c1_engine *e)
{
    c1_result *r = blank_page2(e);
    const double halo_mm = 1.2 * 4.0 + 0.3;   /* just outside the ring (radius 4 mm), where a drawn circle lies */
    for (int i = 0; i < r->n_fields; i++)
        for (int k = 0; r->form->fields[i].has_bubbles && k < C1_DIGITS; k++)
            for (int j = 0; j < 10; j++) {
                double cx, cy;
                form_bubble_centre(&r->form->fields[i], k, j, &cx, &cy);
                for (int s = 0; s < 48; s++) {
                    double a0 = 2 * M_PI * s / 48, a1 = 2 * M_PI * (s + 1) / 48;
                    draw_line(r, cx + halo_mm * cos(a0), cy + halo_mm * sin(a0), cx + halo_mm * cos(a1),
                              cy + halo_mm * sin(a1), 0.3, 25);
                }
            }
    cross(r, "paslon2", 1, 5);
    cross(r, "paslon2", 2, 8);
    CHECK(read_bubbles(NULL, r) == C1_OK, "bubbles not read");
    const c1_bubble_reading *b = bubbles_of(r, "paslon2");
    CHECK(b->value == 58, "crosses 5 and 8 among the print's halos spell %d", b->value);
    const char *ids[] = {"paslon1", "paslon3"};
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < C1_DIGITS; k++)
            CHECK(bubbles_of(r, ids[i])->column[k] == BUBBLE_NONE, "%s column %d: the print's halo read as %d",
                  ids[i], k, bubbles_of(r, ids[i])->column[k]);
    c1_result_free(r);
}

/* Marks as strong as the pen's on many bubbles of one page, several in a column: an officer corrects
 * a column's bubble now and then, but marks like these are the paper's or the print's (a soft photo
 * of a faint pen), and no column of that page is sure, not even one that holds a single such mark. */
static void test_marks_all_over_a_page(const c1_engine *e)
{
    c1_result *r = blank_page2(e);
    cross(r, "paslon2", 1, 5);
    cross(r, "paslon2", 2, 8);
    const struct {
        const char *id;
        int box, digit;
    } blots[] = {{"paslon1", 0, 4}, {"paslon1", 1, 2}, {"paslon2", 1, 1},
                 {"paslon3", 2, 0}, {"paslon3", 2, 3}, {"paslon3", 2, 6}};
    for (size_t i = 0; i < sizeof blots / sizeof *blots; i++)
        blot(r, blots[i].id, blots[i].box, blots[i].digit, 1.3);
    CHECK(read_bubbles(NULL, r) == C1_OK, "bubbles not read");
    const char *ids[] = {"paslon1", "paslon2", "paslon3"};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < C1_DIGITS; k++)
            CHECK(bubbles_of(r, ids[i])->column_p[k] < 0.99, "%s column %d sure of %d (%.3f) on a page marked all over",
                  ids[i], k, bubbles_of(r, ids[i])->column[k], bubbles_of(r, ids[i])->column_p[k]);
    c1_result_free(r);
}

int main(void)
{
    char msg[256];
    c1_engine *e = NULL;
    CHECK(c1_engine_create(NULL, &e, msg, sizeof msg) == C1_OK, "engine: %s", msg);
    if (e)
        test_crease_across_the_bubbles(e), test_print_left_round_the_rings(e), test_marks_all_over_a_page(e);
    c1_engine_free(e);
    return CHECK_SUMMARY();
}
