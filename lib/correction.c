/* Correction: where the model sees a box's digit struck through, finds the digit written beside
 * it (above the box's corner, as officers do) and reads that instead, so that the field's rules can
 * be checked; the field stays in review. Reads the page, the blank page and the model; writes the
 * struck box's readings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"

#define STRUCK_SURE 0.5       /* a box the model takes for a digit struck through, more likely than not */
#define ACROSS_PRINT_PX 12    /* how far either side of print a stroke crossing it is looked for (a dot is 10 px) */
#define MIN_CORRECTION_MM 2.0 /* a correction digit is at least this tall; less is a speck or a tick */
#define MIN_CORRECTION_INK 20 /* pixels of ink, at 5 px/mm */
#define CORRECTION_SURE 0.5   /* a correction whose best digit is less likely than this is not read */

/* ---- a correction: the digit written beside a box whose own digit is struck through */

/* Where officers write it: above the struck box's top corner, to its right (shares of the box from
 * its top-left corner: x0, y0, x1, y1). */
static const double CORRECTION_AREA[4] = {0.3, -0.7, 1.45, 0.12};
/* Written into the row above, the correction may touch that row's digit: then only where it is
 * written is looked at, and what runs off this tighter window is cut at its edge. */
static const double CORRECTION_WINDOW[4] = {0.45, -0.5, 1.25, 0.12};

/* The print taken out of a region whose origin is pixel (x0, y0) of the blank page: a printed pixel
 * (the row above's box line, guide dots) keeps ink only where a stroke crosses it, ink on both
 * sides, so that a correction written across the line stays whole while the line goes. */
static void lift_print(cell *c, const c1_pix *blank, int x0, int y0)
{
    int n = c->w * c->h;
    uint8_t *printed = calloc((size_t)n, 1), *out = malloc((size_t)n);
    if (!printed || !out)
        goto done;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            printed[y * c->w + x] = (uint8_t)cell_printed_near(blank, x0 + x, y0 + y);
    memcpy(out, c->ink, (size_t)n);
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            if (!printed[y * c->w + x])
                continue;
            static const int dirs[4][2] = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};
            /* Across a line only: along it, a stroke beside the line would be drawn into it. A dot is
             * crossed any way, at a slant too. */
            int run[2] = {0, 0};
            for (int t = -ACROSS_PRINT_PX; t <= ACROSS_PRINT_PX; t++) {
                run[0] += x + t >= 0 && x + t < c->w && printed[y * c->w + x + t];
                run[1] += y + t >= 0 && y + t < c->h && printed[(y + t) * c->w + x];
            }
            int only = run[0] > 2 * run[1] ? 1 : run[1] > 2 * run[0] ? 0 : -1;
            int across = 0;
            for (int k = 0; k < 4; k++) {
                if (only >= 0 && k != only)
                    continue;
                int side[2] = {-1, -1};
                for (int s = 0; s < 2; s++)
                    for (int t = 1; t <= ACROSS_PRINT_PX && side[s] < 0; t++) {
                        int xx = x + (s ? t : -t) * dirs[k][0], yy = y + (s ? t : -t) * dirs[k][1];
                        if (xx < 0 || yy < 0 || xx >= c->w || yy >= c->h)
                            break;
                        if (!printed[yy * c->w + xx])
                            side[s] = c->ink[yy * c->w + xx];
                    }
                int v = side[0] < side[1] ? side[0] : side[1];
                across = v > across ? v : across;
            }
            out[y * c->w + x] = (uint8_t)across;
        }
    memcpy(c->ink, out, (size_t)n);
done:
    free(printed), free(out);
}

/* Keeps the marks that are the correction: most of their ink above the box's top line (row
 * `top_y`), tall enough for a digit, and clear of the region's left, top and right edges (what runs
 * off one is the row above's digit or the next box's), unless `cut_at_edges`: then a mark is kept as
 * far as the region reaches. Returns the ink pixels kept. */
static int keep_correction_marks(cell *c, int top_y, int cut_at_edges)
{
    int n = c->w * c->h, kept = 0;
    int *label = malloc(sizeof(int) * (size_t)n), *stack = malloc(sizeof(int) * (size_t)n);
    int *count = calloc((size_t)n + 1, sizeof(int)), *above = calloc((size_t)n + 1, sizeof(int));
    int *bounds = malloc(sizeof(int) * 4 * ((size_t)n + 1));   /* x0, y0, x1, y1 of each mark */
    uint8_t *keep = calloc((size_t)n + 1, 1), *rim = calloc((size_t)n, 1);
    if (!label || !stack || !count || !above || !bounds || !keep || !rim)
        goto done;
    int n_marks = cell_label_marks(c, label, stack);
    for (int id = 1; id <= n_marks; id++)
        bounds[4 * id] = c->w, bounds[4 * id + 1] = c->h, bounds[4 * id + 2] = bounds[4 * id + 3] = -1;
    for (int p = 0; p < n; p++) {
        int id = label[p], x = p % c->w, y = p / c->w, *b = bounds + 4 * id;
        if (!id)
            continue;
        count[id]++, above[id] += y < top_y;
        b[0] = x < b[0] ? x : b[0], b[1] = y < b[1] ? y : b[1], b[2] = x > b[2] ? x : b[2], b[3] = y > b[3] ? y : b[3];
    }
    const int min_h = (int)lround(MIN_CORRECTION_MM * C1_PAGE_PX_PER_MM);
    for (int id = 1; id <= n_marks; id++) {
        const int *b = bounds + 4 * id;
        /* The region stops short of the struck digit, so the correction may run off its lower edge. */
        int off_edge = !cut_at_edges && (b[0] == 0 || b[1] == 0 || b[2] == c->w - 1);
        keep[id] = !off_edge && 2 * above[id] > count[id] && b[3] - b[1] + 1 >= min_h;
    }
    /* A kept mark keeps its faint rim (the model saw strokes with theirs); all else goes. */
    for (int p = 0; p < n; p++) {
        int x = p % c->w, y = p / c->w, near = 0;
        for (int dy = -2; dy <= 2 && !near; dy++)
            for (int dx = -2; dx <= 2 && !near; dx++) {
                int xx = x + dx, yy = y + dy;
                near = xx >= 0 && yy >= 0 && xx < c->w && yy < c->h && keep[label[yy * c->w + xx]];
            }
        kept += keep[label[p]];
        rim[p] = near;
    }
    for (int p = 0; p < n; p++)
        if (!rim[p] || (label[p] && !keep[label[p]]))
            c->ink[p] = 0;
done:
    free(label), free(stack), free(count), free(above), free(bounds), free(keep), free(rim);
    return kept;
}


/* The correction beside struck box d of field i, read by the model: 1 when there is one, its class
 * probabilities in p. */
static int read_correction(const c1_result *r, int i, int d, const digit_nets *nets,
                           double gain, const double where[4], int cut_at_edges, cell *c, double p[C1_N_CLASSES])
{
    const double k = C1_PAGE_PX_PER_MM;
    const c1_rect box = r->form->fields[i].digits[d];
    const double *at = r->fields[i].mm[d];
    double x_mm = at[0] + where[0] * box.w, y_mm = at[1] + where[1] * box.h;
    c1_rect area = {0, 0, (where[2] - where[0]) * box.w, (where[3] - where[1]) * box.h};
    if (!cell_cut_region(r->page, r->form, 0, x_mm, y_mm, area, 0, NULL, c))
        return 0;
    cell_apply_gain(c, gain);
    /* The blank page's print sits where the template puts it; the page here is where the box was
     * found (a fold or the lens shifts it by a millimetre or two). */
    lift_print(c, r->form->blank, (int)lround((x_mm - at[0] + box.x + INSET_MM) * k),
               (int)lround((y_mm - at[1] + box.y + INSET_MM) * k));
    int top_y = (int)lround((at[1] - y_mm - INSET_MM) * k);
    float input[784];
    if (keep_correction_marks(c, top_y, cut_at_edges) < MIN_CORRECTION_INK || !cell_normalise(c, input) ||
        !model_classify(nets, input, 1, p))
        return 0;
    /* A correction the model cannot name leaves the box struck: its value unread, as before. */
    int best = 0;
    for (int j = 1; j <= 9; j++)
        best = p[j] > p[best] ? j : best;
    return p[best] >= CORRECTION_SURE;
}

/* A box whose digit the model sees struck through reads as the correction written beside it, where
 * one is found: so the field has a value (still in review for a person: `correction`) and the rules
 * it is in can be checked. The segment reader has nothing to say there: a correction is drawn freehand. */
void corrections_read(c1_result *r, const digit_nets *nets, double gain, cell *scratch)
{
    for (int i = 0; i < r->n_fields; i++) {
        c1_field_result *fr = &r->fields[i];
        for (int d = 0; d < C1_DIGITS && !fr->correction_of; d++) {
            double p[C1_N_CLASSES];
            if (fr->ocr.cells[d][CLASS_STRUCK] < STRUCK_SURE ||
                (!read_correction(r, i, d, nets, gain, CORRECTION_AREA, 0, scratch, p) &&
                 !read_correction(r, i, d, nets, gain, CORRECTION_WINDOW, 1, scratch, p)))
                continue;
            fr->struck = fr->ocr.cells[d][CLASS_STRUCK];
            fr->correction_of = d + 1;
            memcpy(fr->ocr.cells[d], p, sizeof p);
            memset(fr->segments.cells[d], 0, sizeof fr->segments.cells[d]);
            fr->segments.cells[d][CLASS_OTHER] = 1;
        }
    }
}

