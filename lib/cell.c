/* Cell: cuts a digit box's ink from the rectified page as the handwriting model was trained to see
 * it: the local paper taken out, the printed line and guide dots left aside, strokes that cross the
 * line followed, MNIST framing. Reads the page and the blank page; writes only the cells it is given. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "cv.h"

#define PAPER_WINDOW_MM 3.0   /* the local paper: the brightest within this */
#define SPILL_MM 2.5          /* how far past its box a digit's stroke is followed */
#define BIG_BOX_MM 20.0       /* in a box this wide (the votes), further: */
#define SPILL_OF_BOX 0.35     /* this share of its width, as far as an oversize digit sits off centre */
#define PRINT_LEVEL 160       /* darker than this on the blank page: printed */
#define PRINT_REACH_PX 2
#define PRINT_EXPLAINS 1.2    /* print taken out with a margin for the blur's estimate ... */
#define PRINT_SLACK 12.0      /* ... and the registration's last pixel */
#define MAX_NOISE_INK 35.0   /* the paper's texture after the gain stays under this (of 255) */
#define FAINT_MARK_SHARE 0.5  /* a faint mark this share of the box tall or wide is a stroke ... */
#define FAINT_EDGE_SHARE 0.15 /* ... counted this share of the box inside its edges */

static void cell_set_dots(cell *c, const c1_form *f, int guided, c1_rect box, int margin);

/* Where the box's printed line lies outside the interior (the template's boxes are the line's inner
 * edge), in cell pixels. */
static void cell_set_line(cell *c, const c1_form *f)
{
    const double k = C1_PAGE_PX_PER_MM;
    c->line_at = (int)lround((INSET_MM + f->box_line_mm / 2) * k);
    c->line_half = (int)lround(f->box_line_mm / 2 * k) + 1;
}

/* Is blank-page pixel (bx, by) printed, or within PRINT_REACH_PX of print (registration's error)? */
int cell_printed_near(const c1_pix *blank, int bx, int by)
{
    for (int dy = -PRINT_REACH_PX; dy <= PRINT_REACH_PX; dy++)
        for (int dx = -PRINT_REACH_PX; dx <= PRINT_REACH_PX; dx++) {
            int x = bx + dx, y = by + dy;
            if (x >= 0 && y >= 0 && x < blank->w && y < blank->h && pix_row(blank, y)[x] < PRINT_LEVEL)
                return 1;
        }
    return 0;
}

/* Beyond SPILL_MM around the box, what the blank page prints there (the next row's box lines,
 * labels) is no ink: a wide margin reaches them, and a stroke that touches one would carry the whole
 * line into the cell. Within PRINT_REACH_PX of print, for registration's error. Nearer, the box's own
 * line is left for cell_keep_box_ink, which erases it and joins the strokes it cut. */
static void erase_print_around(cell *c, const c1_pix *blank, int x0, int y0, int margin)
{
    const int near = (int)lround(SPILL_MM * C1_PAGE_PX_PER_MM);
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            if (x >= margin - near && y >= margin - near && x < c->w - margin + near && y < c->h - margin + near)
                continue;
            if (cell_printed_near(blank, x0 + x, y0 + y))
                c->ink[y * c->w + x] = 0;
        }
}

/* The box interior grown by `margin` px on every side (0: the interior, as the model was trained), as
 * ink = how much darker than the paper, 0..255. The paper is taken locally, as the brightest within
 * PAPER_WINDOW_MM (wider than any pen stroke or guide dot), smoothed: a shadow's edge or a fold's
 * gradient across a box would otherwise stay in the cell as a grey wash, which the handwriting model
 * reads as a digit struck through or scribbled over. */
/* The blank crop a cell's print is taken from: the cell's interior grown by `margin`, and by `pad`
 * for the blur's kernel (blank pixels). */
static void print_crop_of(const c1_rect box, int margin, int w, int h, int pad, int out[4])
{
    const double k = C1_PAGE_PX_PER_MM;
    const int tx0 = (int)lround((box.x + INSET_MM) * k) - margin, ty0 = (int)lround((box.y + INSET_MM) * k) - margin;
    out[0] = tx0 - pad, out[1] = ty0 - pad, out[2] = tx0 + w + pad, out[3] = ty0 + h + pad;
}

/* The blank is blurred as the photo is, never less than 0.2 mm; a crop reaches past its cell by the
 * kernel's radius (about 3 sigma) and a pixel. */
static double print_sigma_px(double blur_mm)
{
    return fmax(blur_mm, 0.2) * C1_PAGE_PX_PER_MM;
}

static int blur_pad_px(double blur_mm)
{
    return (int)ceil(3 * print_sigma_px(blur_mm)) + 1;
}

/* A cell's size in page pixels: the box's interior grown by `margin` on every side. */
static void cell_size_px(c1_rect box, int margin, int *w, int *h)
{
    *w = (int)lround((box.w - 2 * INSET_MM) * C1_PAGE_PX_PER_MM) + 2 * margin;
    *h = (int)lround((box.h - 2 * INSET_MM) * C1_PAGE_PX_PER_MM) + 2 * margin;
}

int cell_print_share(cell_print *print, const c1_form *f, const c1_rect *boxes, int n, int margin)
{
    const int pad = blur_pad_px(print->blur_mm);
    int u[4] = {INT_MAX, INT_MAX, INT_MIN, INT_MIN};
    for (int i = 0; i < n; i++) {
        int at[4], w, h;
        cell_size_px(boxes[i], margin, &w, &h);
        print_crop_of(boxes[i], margin, w, h, pad, at);
        u[0] = at[0] < u[0] ? at[0] : u[0], u[1] = at[1] < u[1] ? at[1] : u[1];
        u[2] = at[2] > u[2] ? at[2] : u[2], u[3] = at[3] > u[3] ? at[3] : u[3];
    }
    u[0] = u[0] < 0 ? 0 : u[0], u[1] = u[1] < 0 ? 0 : u[1];
    u[2] = u[2] > f->blank->w ? f->blank->w : u[2], u[3] = u[3] > f->blank->h ? f->blank->h : u[3];
    c1_pix *blank = n > 0 ? pix_crop(f->blank, u[0], u[1], u[2], u[3]) : NULL;
    cell_print_unshare(print);
    print->soft = blank ? cv_gaussian(blank, print_sigma_px(print->blur_mm)) : NULL;
    print->soft_x0 = u[0], print->soft_y0 = u[1];
    pix_destroy(&blank);
    return print->soft != NULL;
}

void cell_print_unshare(cell_print *print)
{
    pix_destroy(&print->soft);
}

/* Takes out of the cell's ink what the blank page prints at the box's place in the template, blurred
 * as this photo blurs and as dark as its print: the box line's blurred inner edge is a ring a reader
 * takes for a 0, and over an X it makes an 8. Ink darker than the print can explain stays. A crop that
 * runs off the blank is left as it is. */
static void subtract_print(cell *c, const c1_form *f, c1_rect box, int margin, const cell_print *print)
{
    const int pad = blur_pad_px(print->blur_mm);
    int at[4];
    print_crop_of(box, margin, c->w, c->h, pad, at);
    const int on_blank = at[0] >= 0 && at[1] >= 0 && at[2] <= f->blank->w && at[3] <= f->blank->h;
    const c1_pix *shared = print->soft;
    const int in_shared = shared && at[0] >= print->soft_x0 && at[1] >= print->soft_y0 &&
                          at[2] <= print->soft_x0 + shared->w && at[3] <= print->soft_y0 + shared->h;
    c1_pix *own = NULL;
    if (on_blank && !in_shared) {
        c1_pix *blank = pix_crop(f->blank, at[0], at[1], at[2], at[3]);
        own = blank ? cv_gaussian(blank, print_sigma_px(print->blur_mm)) : NULL;
        pix_destroy(&blank);
    }
    const c1_pix *soft = in_shared ? shared : own;
    const int sx = in_shared ? at[0] - print->soft_x0 : 0, sy = in_shared ? at[1] - print->soft_y0 : 0;
    if (on_blank && soft && sx + c->w + 2 * pad <= soft->w && sy + c->h + 2 * pad <= soft->h)
        for (int y = 0; y < c->h; y++) {
            const uint8_t *row = pix_row(soft, sy + y + pad) + sx + pad;
            for (int x = 0; x < c->w; x++) {
                double printed = (255 - row[x]) * print->black / 255.0;
                double v = c->ink[y * c->w + x] - PRINT_EXPLAINS * printed - (printed > 4 ? PRINT_SLACK : 0);
                c->ink[y * c->w + x] = (uint8_t)(v < 0 ? 0 : v);
            }
        }
    pix_destroy(&own);
}

int cell_cut_region(const c1_pix *page, const c1_form *f, int guided, double x_mm, double y_mm, c1_rect box,
                    int margin, const cell_print *print, cell *c)
{
    const double k = C1_PAGE_PX_PER_MM;
    int x0 = (int)lround((x_mm + INSET_MM) * k) - margin, y0 = (int)lround((y_mm + INSET_MM) * k) - margin;
    cell_size_px(box, margin, &c->w, &c->h);
    if (c->w < 8 || c->h < 8 || c->w > MAX_CELL_PX || c->h > MAX_CELL_PX || x0 < 0 || y0 < 0 ||
        x0 + c->w > page->w || y0 + c->h > page->h)
        return 0;
    const int window = (int)lround(PAPER_WINDOW_MM * k), pad = window;
    c1_pix *around = pix_crop(page, x0 - pad, y0 - pad, x0 + c->w + pad, y0 + c->h + pad);
    c1_pix *flat = around ? cv_flatten(around, window) : NULL;
    if (!flat) {
        pix_destroy(&around);
        return 0;
    }
    int fx0 = x0 - (x0 - pad < 0 ? 0 : x0 - pad), fy0 = y0 - (y0 - pad < 0 ? 0 : y0 - pad);
    /* The brightest pixel is the paper plus its noise: the paper is the flattened box's 90th
     * percentile, so that noise and JPEG ringing stay at no ink. */
    int hist[256] = {0}, n = c->w * c->h, acc = 0, paper = 255;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            hist[pix_row(flat, fy0 + y)[fx0 + x]]++;
    while (paper > 40 && (acc += hist[paper]) < n / 10)
        paper--;
    for (int y = 0; y < c->h; y++) {
        const uint8_t *row = pix_row(flat, fy0 + y) + fx0;
        for (int x = 0; x < c->w; x++) {
            double v = 255.0 * (paper - row[x]) / paper;
            c->ink[y * c->w + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
        }
    }
    pix_destroy(&flat);
    pix_destroy(&around);
    if (print)
        subtract_print(c, f, box, margin, print);
    if (margin > 0)
        erase_print_around(c, f->blank, x0, y0, margin);
    cell_set_dots(c, f, guided, box, margin);
    cell_set_line(c, f);
    return 1;
}

int cell_cut(const c1_pix *page, const c1_form *f, int guided, double x_mm, double y_mm, c1_rect box,
             const cell_print *print, cell *c)
{
    return cell_cut_region(page, f, guided, x_mm, y_mm, box, 0, print, c);
}

/* Ink in the interior's outer two pixels: only then can a stroke run on past the box line. */
int cell_touches_edge(const cell *c)
{
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            if ((x < 2 || y < 2 || x >= c->w - 2 || y >= c->h - 2) && c->ink[y * c->w + x] >= INK_THRESHOLD &&
                !c->dots[y * c->w + x])
                return 1;
    return 0;
}

/* Numbers the cell's marks (8-connected ink at INK_THRESHOLD) from 1 in `label` (0: no ink); `stack`
 * is scratch of w * h. Returns how many. */
int cell_label_marks(const cell *c, int *label, int *stack)
{
    int n = c->w * c->h, n_labels = 0;
    memset(label, 0, sizeof(int) * (size_t)n);
    for (int s = 0; s < n; s++) {
        if (c->ink[s] < INK_THRESHOLD || label[s])
            continue;
        int top = 0, id = ++n_labels;
        stack[top++] = s, label[s] = id;
        while (top) {
            int p = stack[--top], x = p % c->w, y = p / c->w;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy, q = yy * c->w + xx;
                    if (xx >= 0 && yy >= 0 && xx < c->w && yy < c->h && c->ink[q] >= INK_THRESHOLD && !label[q])
                        label[q] = id, stack[top++] = q;
                }
        }
    }
    return n_labels;
}

static int find_root(int *parent, int a)
{
    while (parent[a] != a)
        a = parent[a] = parent[parent[a]];
    return a;
}

/* Keeps, in a region grown `m` px around a w x h interior, the ink that belongs to this box: the
 * printed box line is erased, strokes cut by it are joined across the sides in join_side (left,
 * right, top, bottom: never a side shared with the next box, whose digit may come close), and a
 * mark is kept when most of it lies inside. Returns the number of kept ink pixels outside. */
int cell_keep_box_ink(cell *c, int m, int w, int h, const int join_side[4], int clear_foreign)
{
    /* the printed line's centre, INSET_MM and half the line outside the interior, and its half width
     * with a pixel of registration's error */
    const int at = c->line_at, half = c->line_half;
    int band[4][2] = {{m - at, 0}, {m + w - 1 + at, 0}, {m - at, 1}, {m + h - 1 + at, 1}};   /* 1: horizontal */
    for (int b = 0; b < 4; b++)
        for (int t = 0; t < (band[b][1] ? c->w : c->h); t++)
            for (int o = -half; o <= half; o++) {
                int x = band[b][1] ? t : band[b][0] + o, y = band[b][1] ? band[b][0] + o : t;
                if (x >= 0 && y >= 0 && x < c->w && y < c->h)
                    c->ink[y * c->w + x] = 0;
            }
    int n = c->w * c->h, *label = malloc(sizeof(int) * (size_t)n), *parent = malloc(sizeof(int) * (size_t)(n + 1));
    int *stack = malloc(sizeof(int) * (size_t)n), n_labels = 0, outside = 0;
    if (!label || !parent || !stack)
        goto done;
    n_labels = cell_label_marks(c, label, stack);
    for (int id = 1; id <= n_labels; id++)
        parent[id] = id;
    /* Join what the erased line separated: ink just before and just after the band, nearly opposite. */
    for (int b = 0; b < 4; b++)
        for (int t = 0; join_side[b] && t < (band[b][1] ? c->w : c->h); t++)
            for (int d = -2; d <= 2; d++) {
                int ax = band[b][1] ? t : band[b][0] - half - 1, ay = band[b][1] ? band[b][0] - half - 1 : t;
                int bx = band[b][1] ? t + d : band[b][0] + half + 1, by = band[b][1] ? band[b][0] + half + 1 : t + d;
                if (ax < 0 || ay < 0 || bx < 0 || by < 0 || ax >= c->w || bx >= c->w || ay >= c->h || by >= c->h)
                    continue;
                int la = label[ay * c->w + ax], lb = label[by * c->w + bx];
                if (la && lb)
                    parent[find_root(parent, la)] = find_root(parent, lb);
            }
    int *inside = calloc((size_t)n_labels + 1, sizeof(int)), *all = calloc((size_t)n_labels + 1, sizeof(int));
    if (inside && all) {
        for (int p = 0; p < n; p++)
            if (label[p]) {
                int r = find_root(parent, label[p]), x = p % c->w, y = p / c->w;
                all[r]++;
                inside[r] += x >= m && x < m + w && y >= m && y < m + h;
            }
        for (int p = 0; p < n; p++) {
            int x = p % c->w, y = p / c->w, in = x >= m && x < m + w && y >= m && y < m + h;
            int r = label[p] ? find_root(parent, label[p]) : 0;
            int keep = r && inside[r] >= 4 && inside[r] * 5 >= all[r] * 2;
            if (!keep && (!in || clear_foreign))
                c->ink[p] = 0;   /* not ours: a neighbour's stroke, a label, the line */
            else if (keep && !in)
                outside++;
        }
    }
    free(inside), free(all);
done:
    free(label), free(parent), free(stack);
    return outside;
}

/* The guide dots of a box, in interior pixels, and the mask that keeps them out of the framing: each
 * dot grown by its own radius again, for the registration's error. */
static void cell_set_dots(cell *c, const c1_form *f, int guided, c1_rect box, int margin)
{
    const double k = C1_PAGE_PX_PER_MM;
    const c1_guide *g = &f->guide;
    memset(c->dots, 0, (size_t)(c->w * c->h));
    c->n_dots = guided ? g->n_dots : 0;
    c->dot_r = (int)ceil(g->dot_mm * k * 0.8);
    for (int d = 0; d < c->n_dots; d++) {
        c->dot_xy[d][0] = (g->dots[d][0] * box.w - INSET_MM) * k + margin;
        c->dot_xy[d][1] = (g->dots[d][1] * box.h - INSET_MM) * k + margin;
        int cx = (int)lround(c->dot_xy[d][0]), cy = (int)lround(c->dot_xy[d][1]), r = c->dot_r;
        for (int y = cy - r; y <= cy + r; y++)
            for (int x = cx - r; x <= cx + r; x++)
                if (x >= 0 && y >= 0 && x < c->w && y < c->h && (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
                    c->dots[y * c->w + x] = 1;
    }
    c->spacing = c->n_dots ? c->dot_xy[g->segments[0][1]][0] - c->dot_xy[g->segments[0][0]][0] : 0.44 * box.w * k;
}

/* The printed line the inset missed is a row or column at the edge that is mostly ink. */
void cell_clean_borders(cell *c)
{
    for (int k = 0; k < 3; k++) {
        int rows[2] = {k, c->h - 1 - k}, cols[2] = {k, c->w - 1 - k};
        for (int i = 0; i < 2; i++) {
            int inked = 0;
            for (int x = 0; x < c->w; x++)
                inked += c->ink[rows[i] * c->w + x] >= INK_THRESHOLD;
            if (inked * 2 > c->w)
                memset(c->ink + rows[i] * c->w, 0, (size_t)c->w);
        }
        for (int i = 0; i < 2; i++) {
            int inked = 0;
            for (int y = 0; y < c->h; y++)
                inked += c->ink[y * c->w + cols[i]] >= INK_THRESHOLD;
            if (inked * 2 > c->h)
                for (int y = 0; y < c->h; y++)
                    c->ink[y * c->w + cols[i]] = 0;
        }
    }
}

/* The box of the ink that is not a guide dot; 0 when there is none. */
static int ink_box(const cell *c, int *x0, int *y0, int *x1, int *y1, int *count)
{
    *x0 = c->w, *y0 = c->h, *x1 = -1, *y1 = -1, *count = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            if (c->ink[y * c->w + x] >= INK_THRESHOLD && !c->dots[y * c->w + x]) {
                *x0 = x < *x0 ? x : *x0, *x1 = x > *x1 ? x : *x1;
                *y0 = y < *y0 ? y : *y0, *y1 = y > *y1 ? y : *y1;
                (*count)++;
            }
    return *x1 >= 0;
}

/* No ink, or a speck under a quarter of the box both ways. */
static int is_blank(const cell *c)
{
    int x0, y0, x1, y1, n;
    if (!ink_box(c, &x0, &y0, &x1, &y1, &n) || n < 4)
        return 1;
    return (x1 - x0 + 1) * 4 < c->w && (y1 - y0 + 1) * 4 < c->h;
}

/* MNIST framing: the ink's box fitted in 20x20, its centre of mass at the centre of 28x28. */
int cell_normalise(const cell *c, float out[784])
{
    memset(out, 0, sizeof(float) * 784);
    int x0, y0, x1, y1, n;
    if (!ink_box(c, &x0, &y0, &x1, &y1, &n))
        return 0;
    int w = x1 - x0 + 1, h = y1 - y0 + 1;
    c1_pix *crop = pix_create(w, h, 1);
    if (!crop)
        return 0;
    for (int y = 0; y < h; y++)
        memcpy(pix_row(crop, y), c->ink + (y0 + y) * c->w + x0, (size_t)w);
    double s = 20.0 / (w > h ? w : h);
    int nw = (int)(w * s + 0.5), nh = (int)(h * s + 0.5);
    nw = nw < 1 ? 1 : nw, nh = nh < 1 ? 1 : nh;
    c1_pix *small = cv_resize(crop, nw, nh);
    pix_destroy(&crop);
    if (!small)
        return 0;
    double total = 0, sx = 0, sy = 0;
    for (int y = 0; y < nh; y++)
        for (int x = 0; x < nw; x++) {
            double v = pix_row(small, y)[x];
            total += v, sx += v * (x + 0.5), sy += v * (y + 0.5);
        }
    if (total > 0) {
        int ox = (int)floor(14 - sx / total + 0.5), oy = (int)floor(14 - sy / total + 0.5);
        for (int y = 0; y < nh; y++)
            for (int x = 0; x < nw; x++)
                if (y + oy >= 0 && y + oy < 28 && x + ox >= 0 && x + ox < 28)
                    out[(y + oy) * 28 + x + ox] = pix_row(small, y)[x] / 255.0f;
    }
    pix_destroy(&small);
    return total > 0;
}

/* The cell pipeline on a given ink map, for the test that holds it equal to tools/cells.py. */
int cell_prepare(const c1_form *f, int guided, const uint8_t *ink, int w, int h, double box_w_mm, double box_h_mm,
                 float out[784])
{
    cell *c = malloc(sizeof *c);
    int ret = -2;
    if (c && w * h <= MAX_CELL_PX * MAX_CELL_PX) {
        c->w = w, c->h = h;
        memcpy(c->ink, ink, (size_t)(w * h));
        cell_set_dots(c, f, guided, (c1_rect){0, 0, box_w_mm, box_h_mm}, 0);
        cell_clean_borders(c);
        ret = is_blank(c) ? -1 : cell_normalise(c, out);
    }
    free(c);
    return ret;
}


void classes_blank(double p[C1_N_CLASSES])
{
    memset(p, 0, sizeof(double) * C1_N_CLASSES);
    p[CLASS_EMPTY] = 0.995;   /* a rule, not a certainty: a faint stroke may hide below the threshold */
    p[CLASS_OTHER] = 0.005;
}

/* Each mark's box, x0 y0 x1 y1 at 4 * id (id from 1, as cell_label_marks numbers them); NULL when
 * there is no memory. */
static int *mark_boxes(const cell *c, const int *label, int marks)
{
    int *box = malloc(sizeof(int) * 4 * ((size_t)marks + 1));
    for (int id = 1; box && id <= marks; id++)
        box[4 * id] = c->w, box[4 * id + 1] = c->h, box[4 * id + 2] = box[4 * id + 3] = -1;
    for (int p = 0; box && p < c->w * c->h; p++) {
        int *b = box + 4 * label[p], x = p % c->w, y = p / c->w;
        if (label[p])
            b[0] = x < b[0] ? x : b[0], b[1] = y < b[1] ? y : b[1], b[2] = x > b[2] ? x : b[2], b[3] = y > b[3] ? y : b[3];
    }
    return box;
}

/* Blank but for ink round the guide dots (a dot the fold, the lens or blur spread past its mask, or
 * JPEG's ringing about it) and a box line along the edge, slanted or blurred so that no single row or
 * column of it was mostly ink for cell_clean_borders. Seen as ink, either fits no segment pattern, and the
 * handwriting model, which never saw them alone, spreads its belief over every class: an empty box
 * reads as no digit. A mark counts as a dot's rim only when it lies within one dot's reach: a stroke
 * drawn along a row of dots, as the guide asks, joins them and stays. No digit lies wholly within the
 * edge band, so a written box keeps its ink. */
int cell_blank_but_dot_rims(const cell *c)
{
    const int reach = c->dot_r + 2, n = c->w * c->h;
    int *label = malloc(sizeof(int) * (size_t)n), *stack = malloc(sizeof(int) * (size_t)n), blank = 0;
    int *box = NULL, marks = label && stack ? cell_label_marks(c, label, stack) : -1;
    if (marks < 0 || !(box = mark_boxes(c, label, marks)))
        goto done;
    /* the box line's blurred inner edge reaches further in the thicker the line is */
    const int band = c->line_half + 2 > EDGE_BAND_PX ? c->line_half + 2 : EDGE_BAND_PX;
    int x0 = c->w, y0 = c->h, x1 = -1, y1 = -1, count = 0;
    for (int y = band; y < c->h - band; y++)
        for (int x = band; x < c->w - band; x++) {
            const int *b = box + 4 * label[y * c->w + x];
            if (!label[y * c->w + x])
                continue;
            int rim = 0;
            for (int d = 0; d < c->n_dots && !rim; d++)
                rim = b[0] >= c->dot_xy[d][0] - reach && b[2] <= c->dot_xy[d][0] + reach &&
                      b[1] >= c->dot_xy[d][1] - reach && b[3] <= c->dot_xy[d][1] + reach;
            if (rim)
                continue;
            x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1, y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1, count++;
        }
    blank = count < 4 || ((x1 - x0 + 1) * 4 < c->w && (y1 - y0 + 1) * 4 < c->h);
done:
    free(label), free(stack), free(box);
    return blank;
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* The paper's own texture: in each cell the ink level three quarters of its pixels stay under (a digit
 * covers less than a quarter of its box), the median over the cells. Moire from a screen, a rough
 * sheet or JPEG noise raise it; ink does not. */
static int paper_noise(const cell *cells, const int *ok, int n)
{
    int *p75 = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1)), m = 0;
    for (int k = 0; p75 && k < n; k++) {
        if (!ok[k])
            continue;
        const cell *c = &cells[k];
        int hist[256] = {0}, acc = 0, v = 0, total = 0;
        for (int y = EDGE_BAND_PX; y < c->h - EDGE_BAND_PX; y++)
            for (int x = EDGE_BAND_PX; x < c->w - EDGE_BAND_PX; x++)
                if (!c->dots[y * c->w + x])   /* the guide's print is not the paper's texture */
                    hist[c->ink[y * c->w + x]]++, total++;
        while (v < 255 && (acc += hist[v]) < total * 3 / 4)
            v++;
        p75[m++] = v;
    }
    int noise = 0;
    if (m) {
        qsort(p75, (size_t)m, sizeof *p75, cmp_int);
        noise = p75[m / 2];
    }
    free(p75);
    return noise;
}

double cells_ink_gain(cell *cells, const int *ok, int n)
{
    static const int bins = 256;
    long hist[256] = {0}, total = 0;
    for (int k = 0; k < n; k++)
        for (int j = 0; ok[k] && j < cells[k].w * cells[k].h; j++)
            hist[cells[k].ink[j]]++, total++;
    long acc = 0;
    int p = bins - 1;
    while (p > 0 && (acc += hist[p]) < total / 200)
        p--;
    double gain = p > 0 ? 200.0 / p : 1;
    /* Never so much that the paper's texture reaches ink: an empty page's moire is no faint pen. */
    int noise = paper_noise(cells, ok, n);
    if (noise > 0)
        gain = fmin(gain, MAX_NOISE_INK / noise);
    return gain < 1 ? 1 : gain;
}

void cell_apply_gain(cell *c, double gain)
{
    for (int j = 0; j < c->w * c->h; j++) {
        double v = c->ink[j] * gain;
        c->ink[j] = (uint8_t)(v > 255 ? 255 : v);
    }
}


/* How far past its box a stroke is followed. Only in the big vote boxes beyond SPILL_MM: the small
 * boxes sit in rows 2 mm apart, where a wider margin takes in the next row's digits (measured: more
 * misreads there, fewer in the vote boxes). */
int cell_spill_margin_px(c1_rect box)
{
    double narrow = box.w < box.h ? box.w : box.h;
    double mm = narrow >= BIG_BOX_MM && SPILL_OF_BOX * narrow > SPILL_MM ? SPILL_OF_BOX * narrow : SPILL_MM;
    return (int)lround(mm * C1_PAGE_PX_PER_MM);
}

/* Is (x, y) within `reach` of one of the cell's guide dots? */
static int near_a_dot(const cell *c, int x, int y, int reach)
{
    for (int d = 0; d < c->n_dots; d++) {
        double dx = x - c->dot_xy[d][0], dy = y - c->dot_xy[d][1];
        if (dx * dx + dy * dy <= (double)reach * reach)
            return 1;
    }
    return 0;
}

/* A digit too faint for the page's gain: a stroke lighter than INK_THRESHOLD, yet darker than the
 * paper's texture can be after that gain (MAX_NOISE_INK). The cell's ink is lifted as far as the
 * texture stays under the threshold, and of what then reaches it only marks of a stroke's size are
 * kept (at least FAINT_MARK_SHARE of the box's height or width), inside FAINT_EDGE_SHARE of the box's
 * edges and mostly away from the guide's dots: lifted, the box line's blurred inner edge and the dots'
 * rims join into marks a reader takes for a 1 or a 7, and a speck of texture is never a stroke's
 * size (a digit is written over half the box's height, in its middle). Returns how many marks were
 * kept (the cell then holds them alone), 0 when the cell is left as it was. */
int cell_lift_faint_mark(cell *c)
{
    const double lift = (INK_THRESHOLD - 1) / MAX_NOISE_INK;
    const int n = c->w * c->h, reach = c->dot_r + 2;
    cell *lifted = malloc(sizeof *lifted);
    int *label = malloc(sizeof(int) * (size_t)n), *stack = malloc(sizeof(int) * (size_t)n), kept = 0;
    int *box = NULL, *count = NULL, marks = -1;   /* count: per mark, its pixels, those near a dot, kept */
    if (lifted && label && stack) {
        *lifted = *c;
        cell_apply_gain(lifted, lift);
        const int ex = (int)(FAINT_EDGE_SHARE * c->w), ey = (int)(FAINT_EDGE_SHARE * c->h);
        for (int p = 0; p < n; p++)
            if (p % c->w < ex || p % c->w >= c->w - ex || p / c->w < ey || p / c->w >= c->h - ey)
                lifted->ink[p] = 0;
        marks = cell_label_marks(lifted, label, stack);
    }
    if (marks > 0 && (box = mark_boxes(c, label, marks)) && (count = calloc(3 * ((size_t)marks + 1), sizeof(int)))) {
        for (int p = 0; p < n; p++)
            if (label[p])
                count[3 * label[p]]++, count[3 * label[p] + 1] += near_a_dot(c, p % c->w, p / c->w, reach);
        for (int id = 1; id <= marks; id++) {
            const int *b = box + 4 * id;
            int big = b[3] - b[1] + 1 >= FAINT_MARK_SHARE * c->h || b[2] - b[0] + 1 >= FAINT_MARK_SHARE * c->w;
            count[3 * id + 2] = big && 2 * count[3 * id + 1] < count[3 * id];
            kept += count[3 * id + 2];
        }
        for (int p = 0; kept && p < n; p++)
            c->ink[p] = label[p] && count[3 * label[p] + 2] ? lifted->ink[p] : 0;
    }
    free(lifted), free(label), free(stack), free(box), free(count);
    return kept;
}
