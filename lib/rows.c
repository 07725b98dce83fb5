/* Rows: the count written beside each tally row ("jumlah tiap baris"), read with the handwriting model
 * as the digit boxes are, and the total the rows add up to, a witness to the field written apart from
 * its digits and its strokes. Reads the page, the located cells and the model; writes each field's
 * `rows`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "stages.h"

#define MAX_ROW_GAIN 4.0          /* more turned print round the small cells to ink (validation) */
#define ROW_VALUES 100            /* two cells: 0-99 */
#define SHARP_MM 0.5              /* blurred more, a faint count is lost as blank: never sure */
#define BLURRED_P 0.8
#define BOTH_BLANK 0.9999         /* a row blank by rule whose tally row is empty too, on a sharp page */
#define MAX_SUM (ROW_VALUES * C1_MAX_ROWS)

typedef struct {
    cell *cells;
    int *cut, *where;
    float *batch;
    double *p;                    /* class probabilities, one row of C1_N_CLASSES a cell */
    int n, n_batch;
} row_cells;

static c1_rect row_cell(const c1_row_counts *rc, int row, int d)
{
    return (c1_rect){rc->x + d * rc->cell_w, rc->y + row * rc->cell_h, rc->cell_w, rc->cell_h};
}

static int cells_wanted(const c1_result *r)
{
    int n = 0;
    for (int i = 0; i < r->n_fields; i++)
        if (r->form->fields[i].has_row_counts)
            n += r->form->fields[i].row_counts.rows * r->form->fields[i].row_counts.digits;
    return n;
}

/* Cuts every row-count cell of the page, in field, row, cell order. */
static void cut_cells(const c1_result *r, row_cells *b)
{
    cell_print print = {r->blur_mm, r->print_black, NULL, 0, 0};
    for (int i = 0; i < r->n_fields; i++) {
        const c1_form_field *fd = &r->form->fields[i];
        const double *at = r->fields[i].rows_mm;
        if (!fd->has_row_counts)
            continue;
        /* the field's cells, one column of rows: the blank blurred once for them all */
        c1_rect boxes[C1_MAX_ROWS * C1_DIGITS];
        int n = 0;
        for (int row = 0; row < fd->row_counts.rows; row++)
            for (int d = 0; d < fd->row_counts.digits; d++)
                boxes[n++] = row_cell(&fd->row_counts, row, d);
        cell_print_share(&print, r->form, boxes, n, 0);
        for (int k = 0; k < n; k++, b->n++)
            b->cut[b->n] = cell_cut(r->page, r->form, 0, boxes[k].x + at[0] - fd->row_counts.x,
                                    boxes[k].y + at[1] - fd->row_counts.y, boxes[k], &print, &b->cells[b->n]);
        cell_print_unshare(&print);
    }
}

/* Blank cells settled here; the rest queued for the model in one batch. */
static int classify_cells(const c1_engine *e, row_cells *b)
{
    const double gain = fmin(cells_ink_gain(b->cells, b->cut, b->n), MAX_ROW_GAIN);
    for (int k = 0; k < b->n; k++) {
        double *p = b->p + C1_N_CLASSES * k;
        memset(p, 0, sizeof(double) * C1_N_CLASSES);
        if (!b->cut[k]) {
            p[CLASS_OTHER] = 1;
            continue;
        }
        cell_apply_gain(&b->cells[k], gain);
        cell_clean_borders(&b->cells[k]);
        if (cell_blank_but_dot_rims(&b->cells[k]))
            classes_blank(p);
        else if (cell_normalise(&b->cells[k], b->batch + 784 * b->n_batch))
            b->where[b->n_batch++] = k;
        else
            p[CLASS_OTHER] = 1;
    }
    if (b->n_batch == 0)
        return 1;
    double *out = malloc(sizeof(double) * C1_N_CLASSES * (size_t)b->n_batch);
    digit_nets *nets = out ? pool_take(&e->digit_nets) : NULL;
    int ok = nets && model_classify(nets, b->batch, b->n_batch, out);
    for (int j = 0; j < b->n_batch; j++) {
        double *p = b->p + C1_N_CLASSES * b->where[j];
        if (ok)
            memcpy(p, out + C1_N_CLASSES * j, sizeof(double) * C1_N_CLASSES);
        else
            p[CLASS_OTHER] = 1;
    }
    if (nets)
        pool_give(&e->digit_nets, nets);
    free(out);
    return ok;
}

/* A row's count from its two cells: right-aligned with the tens blank, 0 or a dash; left-aligned (a
 * lone digit in the first cell); or both blank, which is no tally in the row. */
static void row_distribution(const double *tens, const double *units, double out[ROW_VALUES])
{
    const double lead = tens[0] + tens[CLASS_EMPTY] + tens[CLASS_FILLER];
    for (int v = 0; v < ROW_VALUES; v++) {
        int t = v / 10, u = v % 10;
        out[v] = (t ? tens[t] : lead) * units[u];
        if (v == 0)
            out[v] += lead * units[CLASS_EMPTY];
        else if (v < 10)
            out[v] += tens[v] * units[CLASS_EMPTY];
    }
}

/* A row left blank where the tally counter found the grid's row empty: two looks at different ink
 * that agree there is nothing, on a page sharp enough for a faint stroke to show to one of them. */
static int row_seen_empty(const c1_tally *t, int cols, int row, const double *tens, const double *units, double blur_mm)
{
    if (!t || !t->valid || blur_mm > SHARP_MM || tens[CLASS_EMPTY] < 0.99 || units[CLASS_EMPTY] < 0.99)
        return 0;
    int n = 0;
    for (int c = 0; c < cols && row * cols + c < t->n_cells; c++)
        n += t->cells[row * cols + c];
    return n == 0;
}

/* Each row's count and the rows' total, the rows' distributions added up. */
static void read_field(const c1_result *r, int i, const double *p, c1_row_reading *rows)
{
    const c1_form_field *fd = &r->form->fields[i];
    static const int cells_per_row = 2;
    double sum[MAX_SUM] = {1}, next[MAX_SUM], row[ROW_VALUES];
    int top = 0;
    rows->read = fd->row_counts.digits == cells_per_row;
    rows->n_rows = fd->row_counts.rows;
    for (int k = 0; rows->read && k < rows->n_rows; k++) {
        const double *tens = p + C1_N_CLASSES * (2 * k), *units = p + C1_N_CLASSES * (2 * k + 1);
        row_distribution(tens, units, row);
        if (row_seen_empty(r->fields[i].tally, fd->tally_cols, k, tens, units, r->blur_mm))
            row[0] = BOTH_BLANK;
        if (r->blur_mm > SHARP_MM)
            for (int v = 0; v < ROW_VALUES; v++)
                row[v] = fmin(row[v], BLURRED_P);
        int best = 0;
        for (int v = 1; v < ROW_VALUES; v++)
            best = row[v] > row[best] ? v : best;
        rows->value[k] = row[best] > 0 ? best : -1;
        rows->p[k] = row[best];
        memset(next, 0, sizeof next);
        for (int s = 0; s <= top; s++)
            for (int v = 0; v < ROW_VALUES && sum[s] > 0; v++)
                next[s + v] += sum[s] * row[v];
        top += ROW_VALUES - 1;
        memcpy(sum, next, sizeof sum);
    }
    int best = 0;
    for (int s = 1; s <= top; s++)
        best = sum[s] > sum[best] ? s : best;
    rows->sum = rows->read && sum[best] > 0 ? best : -1;
    rows->sum_p = rows->sum >= 0 ? sum[best] : 0;
}

c1_error read_row_counts(const c1_engine *e, c1_result *r)
{
    const int n = cells_wanted(r);
    if (n == 0)
        return C1_OK;
    row_cells b = {0};
    b.cells = malloc(sizeof *b.cells * (size_t)n);
    b.cut = calloc((size_t)n, sizeof(int)), b.where = malloc(sizeof(int) * (size_t)n);
    b.batch = malloc(sizeof(float) * 784 * (size_t)n), b.p = malloc(sizeof(double) * C1_N_CLASSES * (size_t)n);
    if (b.cells && b.cut && b.where && b.batch && b.p) {
        cut_cells(r, &b);
        if (classify_cells(e, &b))
            for (int i = 0, at = 0; i < r->n_fields; i++)
                if (r->form->fields[i].has_row_counts) {
                    read_field(r, i, b.p + C1_N_CLASSES * at, &r->fields[i].rows);
                    at += r->form->fields[i].row_counts.rows * r->form->fields[i].row_counts.digits;
                }
    } else {
        result_fail(r, C1_ERR_NO_MEMORY, "no memory for the row counts");
    }
    free(b.cells), free(b.cut), free(b.where), free(b.batch), free(b.p);
    return r->error;
}
