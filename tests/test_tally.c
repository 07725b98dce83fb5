/* Tests of the tally counter (lib/tally.c) on ink drawn here, stroke by stroke, so that each hard
 * case is exactly the case named: the photo pipeline is left out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tally.h"
#include "check.h"

#define PEN_MM 0.5
static const double GAP = 2.7, HEIGHT = 9.0;

typedef struct {
    c1_form_field field;
    double grid[8];
    ink_area area;
} grid_page;

static void grid_init(grid_page *g)
{
    memset(g, 0, sizeof *g);
    g->field.has_tally = 1;
    g->field.tally = (c1_rect){116, 152, 360, 42};
    g->field.tally_cols = 20, g->field.tally_rows = 3;
    const double x0 = 116, y0 = 152, x1 = 476, y1 = 194;
    const double corners[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
    memcpy(g->grid, corners, sizeof corners);
    g->area.x_mm = x0 - 3, g->area.y_mm = y0 - 3;
    g->area.w = (int)((x1 - x0 + 6) * C1_PAGE_PX_PER_MM), g->area.h = (int)((y1 - y0 + 6) * C1_PAGE_PX_PER_MM);
    g->area.ink = calloc((size_t)g->area.w * g->area.h, 1);
}

/* A line between two page points (mm), its pixels marked `bits` where nothing darker is drawn. */
static void line_bits(grid_page *g, double ax, double ay, double bx, double by, uint8_t bits)
{
    const double k = C1_PAGE_PX_PER_MM;
    for (int y = 0; y < g->area.h; y++)
        for (int x = 0; x < g->area.w; x++) {
            double px = g->area.x_mm + (x + 0.5) / k, py = g->area.y_mm + (y + 0.5) / k;
            double dx = bx - ax, dy = by - ay, t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy);
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            if (hypot(px - ax - t * dx, py - ay - t * dy) <= PEN_MM / 2 && !(g->area.ink[y * g->area.w + x] & INK))
                g->area.ink[y * g->area.w + x] = bits;
        }
}

/* A pen line. */
static void line_mm(grid_page *g, double ax, double ay, double bx, double by)
{
    line_bits(g, ax, ay, bx, by, INK | UPRIGHT_CORE | CROSSING_CORE);
}

static void cell_centre(int cell, double *cx, double *cy)
{
    *cx = 116 + (cell % 20 + 0.5) * 18, *cy = 152 + (cell / 20 + 0.5) * 14;
}

/* A group's crossing stroke, from left of its first upright (at x0) to right of its fourth, `dy`
 * below where it usually runs. */
static void fifth_stroke(grid_page *g, double x0, double cy, double dy)
{
    line_mm(g, x0 - 0.5 * GAP, cy + 0.3 * HEIGHT + dy, x0 + 3.5 * GAP, cy - 0.3 * HEIGHT + dy);
}

/* n strokes of a group around (cx, cy); the fifth crosses, or lies flat. */
static void group_at(grid_page *g, double cx, double cy, int n, int flat)
{
    double x0 = cx - 1.5 * GAP, lean = 0.15 * HEIGHT;
    for (int i = 0; i < n && i < 4; i++)
        line_mm(g, x0 + i * GAP + lean / 2, cy - HEIGHT / 2, x0 + i * GAP - lean / 2, cy + HEIGHT / 2);
    if (n == 5 && flat)
        line_mm(g, x0 - 0.6 * GAP, cy + 0.3, x0 + 3.6 * GAP, cy - 0.4);
    else if (n == 5)
        fifth_stroke(g, x0, cy, 0);
}

static void group_in(grid_page *g, int cell, int n, int flat)
{
    double cx, cy;
    cell_centre(cell, &cx, &cy);
    group_at(g, cx, cy, n, flat);
}

static c1_tally *count(grid_page *g)
{
    c1_tally *t = calloc(1, sizeof *t);
    tally_count(&g->area, &g->field, g->grid, t);
    return t;
}

static int named(const c1_tally *t, int cell)
{
    for (int i = 0; i < t->n_doubtful; i++)
        if (t->doubtful[i] == cell)
            return 1;
    return 0;
}

static void test_groups_and_a_partial_one(void)
{
    grid_page g;
    grid_init(&g);
    for (int c = 0; c < 3; c++)
        group_in(&g, c, 5, 0);
    group_in(&g, 3, 3, 0);
    group_in(&g, 20, 5, 0);   /* the second row */
    c1_tally *t = count(&g);
    CHECK(t->value == 23 && t->by_strokes == 23 && t->by_groups == 23, "groups: %d (%d/%d), drawn 23", t->value,
          t->by_strokes, t->by_groups);
    CHECK(t->cells[0] == 5 && t->cells[2] == 5 && t->cells[3] == 3 && t->cells[20] == 5 && t->cells[4] == 0,
          "cells %d %d %d %d %d", t->cells[0], t->cells[2], t->cells[3], t->cells[20], t->cells[4]);
    CHECK(t->confidence >= 0.99 && t->n_doubtful == 0, "a plain tally is sure (%.3f, %d doubtful)", t->confidence,
          t->n_doubtful);
    CHECK(t->n_strokes == 23, "%d strokes kept for the debug drawing", t->n_strokes);
    free(t), free(g.area.ink);
}

static void test_flat_fifth(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 1);
    group_in(&g, 1, 5, 1);
    c1_tally *t = count(&g);
    CHECK(t->value == 10 && t->confidence >= 0.99, "flat fifth: %d (%.3f), drawn 10", t->value, t->confidence);
    free(t), free(g.area.ink);
}

/* A dry pen leaves a 1.2 mm gap in a single stroke: one vote, not two. */
static void test_broken_stroke(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    line_mm(&g, cx, cy - HEIGHT / 2, cx, cy - 0.6);
    line_mm(&g, cx, cy + 0.6, cx, cy + HEIGHT / 2);
    c1_tally *t = count(&g);
    CHECK(t->value == 6 && t->cells[1] == 1, "broken stroke: %d (cell %d), drawn 6", t->value, t->cells[1]);
    free(t), free(g.area.ink);
}

/* A group pushed over the cell line until it touches its neighbour: one mark, two groups, two cells. */
static void test_groups_touching(void)
{
    grid_page g;
    grid_init(&g);
    double cx, cy;
    cell_centre(0, &cx, &cy);
    group_at(&g, cx, cy, 5, 0);
    group_at(&g, cx + 4.5 * GAP, cy, 5, 0);   /* its first stroke runs through the other's fifth */
    c1_tally *t = count(&g);
    CHECK(t->by_strokes == 10, "touching groups: %d strokes, drawn 10", t->by_strokes);
    CHECK(t->cells[0] == 5 && t->cells[1] == 5, "touching groups: cells %d %d", t->cells[0], t->cells[1]);
    free(t), free(g.area.ink);
}

/* A scribble is no vote: the count may not grow with confidence, and its cell is named. */
static void test_scribble(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    for (int i = 0; i < 24; i++) {
        double a = cx - 5 + i * 0.45, b = a + 0.45;
        line_mm(&g, a, cy + 2.5 * sin(i * 1.3), b, cy + 2.5 * sin((i + 1) * 1.3));
    }
    c1_tally *t = count(&g);
    CHECK(t->confidence < 0.99 && named(t, 1), "scribble: %d at %.3f, cell 1 %s", t->value, t->confidence,
          named(t, 1) ? "named" : "not named");
    free(t), free(g.area.ink);
}

/* A group drawn and crossed out with a zig-zag: doubt, never a confident count. */
static void test_crossed_out_group(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    group_in(&g, 1, 4, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    for (int i = 0; i < 6; i++)
        line_mm(&g, cx - 5.4 + i * 1.8, cy + (i % 2 ? -4 : 4), cx - 5.4 + (i + 1) * 1.8, cy + (i % 2 ? 4 : -4));
    c1_tally *t = count(&g);
    CHECK(t->confidence < 0.99 && named(t, 1), "crossed out: %d at %.3f", t->value, t->confidence);
    free(t), free(g.area.ink);
}

/* Two strokes of a group drawn across each other, an X: two votes, not one and two fragments. */
static void test_strokes_drawn_across(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    double x0 = cx - 1.5 * GAP;
    line_mm(&g, x0, cy - HEIGHT / 2, x0 + 1.6, cy + HEIGHT / 2);
    line_mm(&g, x0 + 1.6, cy - HEIGHT / 2, x0, cy + HEIGHT / 2);
    for (int i = 2; i < 4; i++)
        line_mm(&g, x0 + i * GAP, cy - HEIGHT / 2, x0 + i * GAP, cy + HEIGHT / 2);
    fifth_stroke(&g, x0, cy, 0);
    c1_tally *t = count(&g);
    CHECK(t->value == 10 && t->cells[1] == 5, "strokes across each other: %d (cell %d), drawn 10", t->value,
          t->cells[1]);
    free(t), free(g.area.ink);
}

/* A fifth stroke drawn broad (two pen lines side by side): one stroke, the group is five. */
static void test_broad_fifth(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    double cx, cy;
    cell_centre(0, &cx, &cy);
    fifth_stroke(&g, cx - 1.5 * GAP, cy, 0.9);
    c1_tally *t = count(&g);
    CHECK(t->value == 5 && t->cells[0] == 5, "broad fifth stroke: %d, drawn 5", t->value);
    free(t), free(g.area.ink);
}

/* Four strokes of a last partial group joined along their tops (as blur joins them): not a crossed
 * group of five, and never a sure count. */
static void test_partial_group_joined_at_top(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    group_in(&g, 1, 4, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    double x0 = cx - 1.5 * GAP, lean = 0.15 * HEIGHT;
    line_mm(&g, x0 + lean / 2, cy - HEIGHT / 2 + 0.2, x0 + 3 * GAP + lean / 2, cy - HEIGHT / 2 + 0.2);
    c1_tally *t = count(&g);
    CHECK(t->value == 9 || t->confidence < 0.99, "partial group joined at the top: %d at %.3f, drawn 9", t->value,
          t->confidence);
    CHECK(t->by_strokes == 9, "its strokes: %d, drawn 9", t->by_strokes);
    free(t), free(g.area.ink);
}

/* Two strokes of a last partial group drawn touching at the top: one mark, two votes, and both
 * methods say so (the narrow mark is counted by its width once upright, not as one stroke). */
static void test_partial_group_touching(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    line_mm(&g, cx, cy - HEIGHT / 2, cx - 0.6, cy + HEIGHT / 2);
    line_mm(&g, cx + 0.3, cy - HEIGHT / 2, cx + 2.6, cy + HEIGHT / 2);
    c1_tally *t = count(&g);
    CHECK(t->value == 7 && t->cells[1] == 2, "touching pair: %d (cell %d), drawn 7", t->value, t->cells[1]);
    CHECK(t->by_groups == 7 && t->confidence >= 0.99, "touching pair: groups say %d, confidence %.3f", t->by_groups,
          t->confidence);
    free(t), free(g.area.ink);
}

/* A fifth stroke drawn low, across the group's feet: it fails the tests of a fifth stroke (it does
 * not cross the group's middle), but four uprights with a stroke across them are a group by the
 * convention, and never a sure one. */
static void test_fifth_drawn_low(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    group_in(&g, 1, 4, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    double x0 = cx - 1.5 * GAP;
    line_mm(&g, x0 - 0.5, cy + 0.45 * HEIGHT, x0 + 3.3 * GAP, cy + 0.35 * HEIGHT);
    c1_tally *t = count(&g);
    CHECK(t->value == 10 && t->cells[1] == 5, "fifth drawn low: %d (cell %d), drawn 10", t->value, t->cells[1]);
    CHECK(t->confidence < 0.99 && named(t, 1), "fifth drawn low: confidence %.3f, cell 1 %s", t->confidence,
          named(t, 1) ? "named" : "not named");
    free(t), free(g.area.ink);
}

/* A stroke gone over twice, the second time short and a little aside: one vote, and the leftover of
 * the second line is no reason for doubt. */
static void test_stroke_gone_over(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    group_in(&g, 1, 5, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    double x = cx + 1.5 * GAP;   /* the fourth upright, leaning 0.15 of its height */
    double top = cy - HEIGHT / 2 + 0.3, lean = 0.15;
    line_mm(&g, x + 0.6, top, x + 1.8, top);
    line_mm(&g, x + 1.8, top, x + 1.8 - lean * 4.2, top + 4.2);
    c1_tally *t = count(&g);
    CHECK(t->value == 10 && t->confidence >= 0.99, "stroke gone over: %d at %.3f, drawn 10", t->value,
          t->confidence);
    free(t), free(g.area.ink);
}

/* A group whose fourth upright is drawn apart, clear of the crossing stroke: the convention would
 * call the crossed mark a group of five with an upright lost where two strokes cross, and with the
 * lone stroke beside it count 6 in one cell. The strokes are the count. */
static void test_fourth_upright_drawn_apart(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    double x0 = cx - 1.5 * GAP, lean = 0.15 * HEIGHT;
    for (int i = 0; i < 3; i++)
        line_mm(&g, x0 + i * GAP + lean / 2, cy - HEIGHT / 2, x0 + i * GAP - lean / 2, cy + HEIGHT / 2);
    line_mm(&g, x0 - 0.8 * GAP, cy + 0.3 * HEIGHT, x0 + 2.9 * GAP, cy - 0.3 * HEIGHT);
    line_mm(&g, x0 + 3.6 * GAP + lean / 2, cy - HEIGHT / 2, x0 + 3.6 * GAP - lean / 2, cy + HEIGHT / 2);
    c1_tally *t = count(&g);
    CHECK(t->value == 10 && t->cells[1] == 5, "fourth upright apart: %d (cell 1: %d), drawn 10", t->value, t->cells[1]);
    CHECK(t->confidence < 0.99 && named(t, 1), "fourth upright apart: confidence %.3f", t->confidence);
    free(t), free(g.area.ink);
}

/* A fifth stroke drawn so lightly that only its FAINT trace is there: four uprights then read as a
 * group of five where groups follow it (only the last group may be partial), doubtful all the same;
 * as the last group, four. */
static void test_faint_fifth(void)
{
    for (int last = 0; last <= 1; last++) {
        grid_page g;
        grid_init(&g);
        double cx, cy;
        cell_centre(0, &cx, &cy);
        group_at(&g, cx, cy, 4, 0);
        double x0 = cx - 1.5 * GAP;
        line_bits(&g, x0 - 0.5 * GAP, cy + 0.3 * HEIGHT, x0 + 3.5 * GAP, cy - 0.3 * HEIGHT, FAINT);
        if (!last)
            group_in(&g, 1, 5, 0);
        c1_tally *t = count(&g);
        if (last)
            CHECK(t->value == 4 && t->cells[0] == 4, "faint fifth in the last group: %d, cell %d, drawn 4 + a trace",
                  t->value, t->cells[0]);
        else
            CHECK(t->value == 10 && t->cells[0] == 5 && named(t, 0),
                  "faint fifth before another group: %d, cell %d (named %d), drawn 10", t->value, t->cells[0], named(t, 0));
        free(t), free(g.area.ink);
    }
}

/* A lone stroke whose pen curled back down at its top: the curl may be traced as a short stroke of
 * its own, but two strokes are never sure where one of them is that short. */
static void test_hooked_stroke(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    line_mm(&g, cx, cy - HEIGHT / 2, cx - 0.4, cy + HEIGHT / 2);
    line_mm(&g, cx, cy - HEIGHT / 2, cx + 1.4, cy - HEIGHT / 2 + 0.6);
    line_mm(&g, cx + 1.4, cy - HEIGHT / 2 + 0.6, cx + 1.9, cy + 1.2);
    c1_tally *t = count(&g);
    CHECK(t->value == 6 || (t->confidence < 0.99 && named(t, 1)), "hooked stroke: %d at %.3f, drawn 6", t->value,
          t->confidence);
    free(t), free(g.area.ink);
}

/* A marker stroke 2 mm broad whose edges are darker than its middle (a coarse JPEG): tracing finds
 * a path along each edge, and the group counter, seeing its width, two strokes too. Ink all the way
 * between the two paths says they are one stroke: never a sure count of two. */
static void test_broad_stroke_traced_twice(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    double cx, cy;
    cell_centre(1, &cx, &cy);
    const double lean = 0.15 * HEIGHT, broad = 2.0;
    line_mm(&g, cx + lean / 2, cy - HEIGHT / 2, cx - lean / 2, cy + HEIGHT / 2);
    line_mm(&g, cx + broad + lean / 2, cy - HEIGHT / 2, cx + broad - lean / 2, cy + HEIGHT / 2);
    for (double d = 0.25; d < broad; d += 0.2)
        line_bits(&g, cx + d + lean / 2, cy - HEIGHT / 2, cx + d - lean / 2, cy + HEIGHT / 2, INK);
    c1_tally *t = count(&g);
    CHECK(t->value == 6 || (t->confidence < 0.99 && named(t, 1)), "broad stroke: %d at %.3f, drawn 6", t->value,
          t->confidence);
    free(t), free(g.area.ink);
}

/* Two strokes drawn apart, paper between them: two votes, sure. */
static void test_two_strokes_apart(void)
{
    grid_page g;
    grid_init(&g);
    group_in(&g, 0, 5, 0);
    group_in(&g, 1, 2, 0);
    c1_tally *t = count(&g);
    CHECK(t->value == 7 && t->confidence >= 0.99, "two strokes apart: %d at %.3f, drawn 7", t->value, t->confidence);
    free(t), free(g.area.ink);
}

/* A crease across the area read, 25 grey levels under the paper from top to bottom, is lifted back to
 * the paper; a stroke, and a column of strokes one in each row (paper between them), are not. */
static void test_crease_lifted(void)
{
    const int w = 200, h = 300, paper = 230, crease_x = 50, column_x = 120, lone_x = 160;
    c1_pix *flat = pix_create(w, h, 1);
    uint8_t *print = malloc((size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = paper + (x * 7 + y * 3) % 5 - 2;   /* the paper's grain */
            if (abs(x - crease_x) <= 2)
                v -= 25;
            if (abs(x - column_x) <= 1 && y % 60 < 40)   /* a stroke in each of five rows */
                v = 150;
            if (abs(x - lone_x) <= 1 && y >= 100 && y < 140)
                v = 150;
            pix_row(flat, y)[x] = (uint8_t)v;
            print[y * w + x] = y % 60 == 59 ? 200 : 255;   /* the grid's lines across */
        }
    tally_lift_creases(flat, print);
    int crease = pix_row(flat, 20)[crease_x], column = pix_row(flat, 20)[column_x], lone = pix_row(flat, 120)[lone_x];
    CHECK(abs(crease - paper) <= 4, "crease lifted to %d, paper %d", crease, paper);
    CHECK(column == 150 && lone == 150, "strokes kept: a column of them %d, a lone one %d (drawn 150)", column, lone);
    CHECK(pix_row(flat, 20)[10] >= paper - 2 && pix_row(flat, 20)[10] <= paper + 2, "paper left as it was: %d",
          pix_row(flat, 20)[10]);
    pix_destroy(&flat), free(print);
}

/* A grid found 1.4 mm further right at its right edge than at its left (the page is not one plane):
 * the blank under the area puts the grid's right line where the photo has it, not where one shift
 * for the whole grid would. */
static void test_blank_follows_the_grid(void)
{
    const double k = C1_PAGE_PX_PER_MM;
    c1_form f;
    memset(&f, 0, sizeof f);
    f.blank = pix_create(400, 200, 1);
    memset(f.blank->data, 255, (size_t)f.blank->stride * f.blank->h);
    c1_form_field fd;
    memset(&fd, 0, sizeof fd);
    fd.has_tally = 1, fd.tally = (c1_rect){10, 10, 60, 20}, fd.tally_cols = 3, fd.tally_rows = 1;
    for (int y = 0; y < f.blank->h; y++)
        pix_row(f.blank, y)[(int)(70 * k)] = 0;   /* the printed right line, at 70 mm */
    const double shift_right = 1.4, grid[8] = {10, 10, 70 + shift_right, 10, 70 + shift_right, 30, 10, 30};
    c1_pix *under = tally_blank_under(&f, &fd, grid, 0, 0, 400, 200);
    int found = -1;
    for (int x = 0; under && x < under->w; x++)
        if (pix_row(under, 100)[x] == 0)
            found = x;
    CHECK(found >= 0 && fabs(found / k - (70 + shift_right)) <= 0.3, "the right line under the area at %.2f mm, found at %.2f mm",
          70 + shift_right, found / k);
    CHECK(under && pix_row(under, 100)[(int)(70 * k)] == 255, "and not where it is printed on the blank");
    pix_destroy(&under), pix_destroy(&f.blank);
}

/* The cells given with the cell model's count add up to it: a shadowed empty cell the model calls 5 at
 * 0.4 stays empty when the grid's likeliest count leaves no room for it, and where a stroke must be
 * taken away it comes off the cell least sure of its own count. */
static void test_cells_add_up_to_the_count(void)
{
    double p[3 * TALLY_CLASSES] = {0};
    p[0 * TALLY_CLASSES + 5] = 0.98, p[0 * TALLY_CLASSES + 4] = 0.02;
    p[1 * TALLY_CLASSES + 5] = 0.7, p[1 * TALLY_CLASSES + 4] = 0.3;
    p[2 * TALLY_CLASSES + 5] = 0.4, p[2 * TALLY_CLASSES + 0] = 0.35, p[2 * TALLY_CLASSES + 1] = 0.25;
    int cells[3] = {-1, -1, -1};
    CHECK(tally_cells_adding_up_to(p, 3, 10, cells) && cells[0] == 5 && cells[1] == 5 && cells[2] == 0,
          "10 as 5 5 0, got %d %d %d", cells[0], cells[1], cells[2]);
    CHECK(tally_cells_adding_up_to(p, 3, 9, cells) && cells[0] == 5 && cells[1] == 4 && cells[2] == 0,
          "9 as 5 4 0, got %d %d %d", cells[0], cells[1], cells[2]);
    CHECK(tally_cells_adding_up_to(p, 3, 15, cells) && cells[2] == 5, "15 as 5 5 5, got %d %d %d", cells[0], cells[1],
          cells[2]);
    CHECK(!tally_cells_adding_up_to(p, 3, 2, cells), "2 has no probability: no cells");
    CHECK(!tally_cells_adding_up_to(p, 3, 3 * (TALLY_CLASSES - 1) + 1, cells), "more than the cells hold: no cells");
}

int main(void)
{
    test_cells_add_up_to_the_count();
    test_groups_and_a_partial_one();
    test_flat_fifth();
    test_broken_stroke();
    test_groups_touching();
    test_scribble();
    test_crossed_out_group();
    test_strokes_drawn_across();
    test_broad_fifth();
    test_partial_group_joined_at_top();
    test_partial_group_touching();
    test_fifth_drawn_low();
    test_stroke_gone_over();
    test_fourth_upright_drawn_apart();
    test_faint_fifth();
    test_hooked_stroke();
    test_broad_stroke_traced_twice();
    test_two_strokes_apart();
    test_crease_lifted();
    test_blank_follows_the_grid();
    return CHECK_SUMMARY();
}
