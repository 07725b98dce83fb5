/* Digits: reads every digit box two independent ways, the handwriting model (the page's boxes in one
 * batch, its second network on those the first is unsure of) and the segment reader, reads
 * corrections, then turns each reader's three cells into a distribution over the field's value under
 * the writing conventions. Reads the page, the located boxes and the model; writes each field's `ocr`
 * and `segments` readings and keeps the cells the model read (c1_field_box_cell). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "stages.h"

/* The page's boxes share one gain, at most this: a faint pen on a low-resolution photo leaves
 * strokes an eighth of a clear pen's darkness. At most 4, its boxes were blank by rule or their
 * strokes broken, and read wrong or not at all (docs/measurements.md, 2026-12-06). */
#define MAX_DIGIT_GAIN 8.0
#define STRIPED_BOXES 4   /* this many boxes lifting into several marks (and a quarter of those lifted): texture */
#define MISREAD_P 0.001   /* a value its reading gives this much is one the field may hold */

/* ---- from three cells to a value */

static void add_alternative(c1_reading *rd, int value, double p)
{
    int at = rd->n_alts < C1_MAX_ALTS ? rd->n_alts++ : C1_MAX_ALTS;
    while (at > 0 && rd->alts[at - 1].p < p) {
        if (at < C1_MAX_ALTS)
            rd->alts[at] = rd->alts[at - 1];
        at--;
    }
    if (at < C1_MAX_ALTS)
        rd->alts[at] = (c1_alternative){value, p};
}

/* Right-aligned with leading zeros, blanks or dashes (078, _78, -78): the probability of v so written. */
static double right_aligned_p(const c1_reading *rd, int v)
{
    const double (*c)[C1_N_CLASSES] = rd->cells;
    int h = v / 100, t = v / 10 % 10, u = v % 10;
    double lead0 = c[0][0] + c[0][CLASS_EMPTY] + c[0][CLASS_FILLER], lead1 = c[1][0] + c[1][CLASS_EMPTY] + c[1][CLASS_FILLER];
    return (h ? c[0][h] : lead0) * (h || t ? c[1][t] : lead1) * c[2][u];
}

/* Left-aligned with the trailing boxes empty (78_). */
static double left_aligned_p(const c1_reading *rd, int v)
{
    const double (*c)[C1_N_CLASSES] = rd->cells;
    if (v >= 10 && v <= 99)
        return c[0][v / 10] * c[1][v % 10] * c[2][CLASS_EMPTY];
    if (v >= 1 && v <= 9)
        return c[0][v] * c[1][CLASS_EMPTY] * c[2][CLASS_EMPTY];
    return 0;
}

double reading_value_p(const c1_reading *rd, int v)
{
    return rd->valid && v >= 0 && v <= 999 ? right_aligned_p(rd, v) + left_aligned_p(rd, v) : 0;
}

int reading_allows(const c1_reading *rd, int v)
{
    return reading_value_p(rd, v) >= MISREAD_P;
}

/* Each value's probability is the sum over the ways it can be written. */
static void combine_cells(c1_reading *rd)
{
    rd->n_alts = 0;
    rd->left_aligned = 0;
    for (int v = 0; v <= 999; v++) {
        double p = right_aligned_p(rd, v), left = left_aligned_p(rd, v);
        rd->left_aligned += left;
        if (p + left > 1e-6)
            add_alternative(rd, v, p + left);
    }
    rd->value = rd->n_alts ? rd->alts[0].value : -1;
    rd->confidence = rd->n_alts ? rd->alts[0].p : 0;
    rd->valid = 1;
}

/* Scratch the boxes of one page share while they are read. */
typedef struct {
    cell_print print;
    cell *cells, spill, own_region, own;
    int *cut;
    int *faint;              /* per box: -1 ink, 0 blank by rule, N blank with N faint marks lifted */
    float *batch;            /* the model's 28x28 inputs, one per box it reads */
    int *where;              /* the box of each input */
    int n;
} page_boxes;

/* Raises every box's ink by the page's gain and lifts the faint strokes of those blank by rule
 * (cell_lift_faint_mark), noting in b->faint what each holds. Lifted, a paper's own pattern (a
 * screen's moire, photographed) shows as parallel stripes across the empty boxes, several to a box,
 * where a faint pen's digit lifts into one mark (on the eval and validation photos, 365 of 374 lifted
 * boxes, and at most 3 boxes of a page with more). Returns whether the lifted marks are strokes: not
 * where many boxes lift into several, the page's texture. */
static int lift_faint_boxes(page_boxes *b, int total, double gain)
{
    int lifted = 0, striped = 0;
    for (int k = 0; k < total; k++) {
        cell *c = &b->cells[k];
        b->faint[k] = -1;
        if (!b->cut[k])
            continue;
        cell_apply_gain(c, gain);
        cell_clean_borders(c);
        if (cell_blank_but_dot_rims(c))   /* is_blank, and more: rims round the dots are no ink */
            b->faint[k] = cell_lift_faint_mark(c);
        lifted += b->faint[k] > 0, striped += b->faint[k] > 1;
    }
    return !(striped >= STRIPED_BOXES && 4 * striped >= lifted);
}

/* Reads box k (field k / C1_DIGITS) with the segment reader and queues it for the model; a box that
 * is blank by rule or off the page is settled here for both readers. */
static void prepare_box(const c1_form *f, c1_result *r, page_boxes *b, int k, double gain, int lift)
{
    c1_field_result *fr = &r->fields[k / C1_DIGITS];
    const int d = k % C1_DIGITS, guided = f->fields[k / C1_DIGITS].guided;
    double *ocr = fr->ocr.cells[d], *seg = fr->segments.cells[d];
    cell *c = &b->cells[k];
    if (!b->cut[k]) {
        ocr[CLASS_OTHER] = seg[CLASS_OTHER] = 1;   /* off the page: unreadable */
        return;
    }
    /* blank by rule, unless a faint stroke was lifted out of it (and the page's lifts are strokes) */
    if (b->faint[k] >= 0 && !(lift && b->faint[k] > 0 && !cell_blank_but_dot_rims(c))) {
        classes_blank(ocr), classes_blank(seg);
        return;
    }
    /* A stroke that runs over the box line is part of the digit: follow it outside the box. */
    const c1_rect box = f->fields[k / C1_DIGITS].digits[d];
    const int m = cell_spill_margin_px(box);
    const int sides[4] = {d == 0, d == C1_DIGITS - 1, 1, 1};
    const cell *framed = c;
    if (cell_touches_edge(c) && cell_cut_region(r->page, f, guided, fr->mm[d][0], fr->mm[d][1], box, m, &b->print, &b->spill)) {
        cell_apply_gain(&b->spill, gain);
        b->own_region = b->spill;
        if (guided)
            segments_read_own_ink(&b->own_region, &b->own, c, m, sides, f, seg);
        if (cell_keep_box_ink(&b->spill, m, c->w, c->h, sides, 0) >= 6)
            framed = &b->spill;
    } else if (guided) {
        segments_read(c, f, seg);
    }
    if (cell_normalise(framed, b->batch + 784 * b->n)) {
        r->model_input_of[k / C1_DIGITS][d] = b->n + 1;
        b->where[b->n++] = k;
    } else {
        ocr[CLASS_OTHER] = 1;
    }
}

/* The model on every queued box in one batch, then the corrections beside struck boxes. A model that
 * fails leaves its boxes unreadable. */
static void classify_boxes(const c1_engine *e, c1_result *r, page_boxes *b, double gain)
{
    double *p = malloc(sizeof(double) * C1_N_CLASSES * (size_t)(b->n > 0 ? b->n : 1));
    digit_nets *nets = b->n && p ? pool_take(&e->digit_nets) : NULL;
    int ok = nets && model_classify(nets, b->batch, b->n, p);
    for (int j = 0; j < b->n; j++) {
        double *cells = r->fields[b->where[j] / C1_DIGITS].ocr.cells[b->where[j] % C1_DIGITS];
        memset(cells, 0, sizeof(double) * C1_N_CLASSES);
        if (ok)
            memcpy(cells, p + C1_N_CLASSES * j, sizeof(double) * C1_N_CLASSES);
        else
            cells[CLASS_OTHER] = 1;
    }
    if (ok)
        corrections_read(r, nets, gain, &b->spill);
    if (nets)
        pool_give(&e->digit_nets, nets);
    free(p);
}

c1_error read_digits(const c1_engine *e, c1_result *r)
{
    const c1_form *f = r->form;
    const int total = r->n_fields * C1_DIGITS;
    page_boxes *b = calloc(1, sizeof *b);
    if (!b || !(b->cells = malloc(sizeof *b->cells * (size_t)total)) || !(b->cut = calloc((size_t)total, sizeof(int))) ||
        !(b->faint = malloc(sizeof(int) * (size_t)total)) ||
        !(b->batch = malloc(sizeof(float) * 784 * (size_t)total)) || !(b->where = malloc(sizeof(int) * (size_t)total))) {
        result_fail(r, C1_ERR_NO_MEMORY, "no memory for the digit boxes");
        goto done;
    }
    b->print = (cell_print){r->blur_mm, r->print_black, NULL, 0, 0};
    for (int i = 0; i < r->n_fields; i++) {
        /* a field's boxes side by side: the blank blurred once for the three */
        const c1_form_field *fd = &f->fields[i];
        cell_print_share(&b->print, f, fd->digits, C1_DIGITS, 0);
        for (int d = 0, k = i * C1_DIGITS; d < C1_DIGITS; d++, k++)
            b->cut[k] = cell_cut(r->page, f, fd->guided, r->fields[i].mm[d][0], r->fields[i].mm[d][1], fd->digits[d],
                                 &b->print, &b->cells[k]);
        cell_print_unshare(&b->print);
    }
    const double gain = fmin(cells_ink_gain(b->cells, b->cut, total), MAX_DIGIT_GAIN);
    const int lift = lift_faint_boxes(b, total, gain);
    for (int k = 0; k < total; k++)
        prepare_box(f, r, b, k, gain, lift);
    classify_boxes(e, r, b, gain);
    for (int i = 0; i < r->n_fields; i++) {
        combine_cells(&r->fields[i].ocr);
        if (f->fields[i].guided)   /* the segment reader reads only boxes with a guide */
            combine_cells(&r->fields[i].segments);
    }
    r->model_inputs = b->batch;   /* kept for c1_field_box_cell: training cells from reviewed forms */
    b->batch = NULL;
done:
    if (b)
        free(b->cells), free(b->cut), free(b->faint), free(b->batch), free(b->where);
    free(b);
    return r->error;
}
