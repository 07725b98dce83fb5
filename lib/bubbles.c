/* Bubbles: how marked each bubble under a total's boxes is (blackened, half-filled, ticked, crossed or
 * circled), each column's verdict (one digit, none, several, unclear) and the number the columns spell,
 * a witness written apart from the digits. Reads the rectified page, the blank and the located
 * columns; writes each field's `bubbles`. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "stages.h"

#define FLATTEN_MM 12.0     /* wider than a blackened bubble: the paper level is taken around it, not in it */
#define LINE_REACH_MM 3.0   /* a crossing line stands above the rows this far round it */
#define MARGIN_MM 6.0       /* page read round a column for that level */
#define DISC_SHARE 0.72     /* of the radius: inside the printed ring, the bubble's own area */
#define RING_IN 1.12        /* of the radius: a circle drawn round a bubble runs between these */
#define RING_OUT 1.5
#define RING_BINS 24
#define RING_COUNTS 0.5     /* a ring this much drawn round is a circled bubble ... */
#define RING_WEIGHT 0.5     /* ... worth this share of its ring as a mark */
#define PEN_SHARE 0.45      /* a pixel this dark, of the column's darkest ink, is marked */
#define MIN_PEN 25.0        /* ink (0..255 below the paper) fainter than this is no pen: no bubble marked */
#define MIN_INK 15.0
#define PRINT_EXPLAINS 1.2  /* print taken out with a margin for the blur's estimate and registration */
#define PRINT_SLACK 12.0
#define RESIDUE_DISC 0.9    /* of an untouched bubble's inside: the print's residue is under this percentile */
#define RESIDUE_RING 0.98   /* of the band round it, where one pixel marks a bin */
#define RESIDUE_MARGIN 5    /* a mark's ink stands this far above the residue (of 255) */
#define FAINT 0.025         /* a bubble marked less than this is untouched */
#define MARKED 0.05         /* at least this: meant */
#define CLEAR_LEAD 3.0      /* the marked bubble this many times the next: the column's one digit */
#define SEVERAL_SHARE 0.5   /* a second bubble this near the first: both meant */
#define SHARP_MM 0.5        /* blurred more (page blur, Gaussian sigma): a tick or a thin circle melts into
                               the print, and a verdict is never sure */
#define NOISY_PAGE 3        /* marks beyond one a column (marks_beyond_one_a_column): a page's verdicts not sure */
#define BLURRED_P 0.8       /* ... its probability then: neither evidence nor objection */

/* The column's ink with the print taken out: 0..255 below the paper, one byte a page pixel. */
typedef struct {
    uint8_t *ink;
    int w, h, x0, y0;       /* page pixel of ink[0] */
} column_ink;

/* The percentile `share` of a histogram of n values: the value a (1 - share) of them reach. */
static int histogram_percentile(const int hist[256], int n, double share)
{
    int acc = 0, v = 255;
    while (v > 0 && (acc += hist[v]) < n * (1 - share))
        v--;
    return v;
}

static int percentile_of(const uint8_t *v, int n, double share)
{
    int hist[256] = {0};
    for (int i = 0; i < n; i++)
        hist[v[i]]++;
    return histogram_percentile(hist, n, share);
}

/* The lower median of a few values: a histogram read from the bottom, where they mostly lie. */
static int small_median(const uint8_t *v, int n)
{
    int hist[256], acc = 0, m = 0;
    memset(hist, 0, sizeof hist);
    for (int i = 0; i < n; i++)
        hist[v[i]]++;
    while (m < 255 && (acc += hist[m]) * 2 < n)
        m++;
    return m;
}

/* A fold's crease or a shadow's edge runs straight across the page: through a bubble it inks the
 * inside as a tick does. A line a row holds on both sides of the column, in the margins no bubble
 * reaches, standing above the rows round it (a shadow or a blur raises them all alike, and a faint
 * pen's mark lies on that), is taken out of the whole row. A mark drawn over a bubble reaches into at
 * most one side's margin, and into less than half of it. */
static void take_out_crossing_lines(column_ink *c, int margin, int reach)
{
    uint8_t *level = malloc((size_t)c->h), *ridge = malloc((size_t)c->h);
    for (int y = 0; level && ridge && y < c->h; y++) {
        const uint8_t *row = c->ink + (size_t)y * c->w;
        int left = small_median(row, margin), right = small_median(row + c->w - margin, margin);
        level[y] = (uint8_t)(left < right ? left : right);
    }
    for (int y = 0; level && ridge && y < c->h; y++) {
        int y0 = y - reach < 0 ? 0 : y - reach, y1 = y + reach >= c->h ? c->h - 1 : y + reach;
        int around = level[y] ? small_median(level + y0, y1 - y0 + 1) : 0;
        ridge[y] = (uint8_t)(level[y] > around ? level[y] - around : 0);
    }
    for (int y = 0; level && ridge && y < c->h; y++) {
        uint8_t *row = c->ink + (size_t)y * c->w;
        for (int x = 0; ridge[y] && x < c->w; x++)
            row[x] = row[x] > ridge[y] ? row[x] - ridge[y] : 0;
    }
    free(level), free(ridge);
}

/* The ink below the paper at each pair of flattened photo grey and blurred blank grey: the arithmetic
 * of taking the print out, done once a page rather than once a pixel. */
typedef struct {
    uint8_t ink[256][256];   /* [flat][soft] */
} print_table;

static void print_table_fill(const c1_result *r, print_table *t)
{
    for (int soft = 0; soft < 256; soft++) {
        double print = (255 - soft) * r->print_black / 255.0;
        for (int flat = 0; flat < 256; flat++) {
            double v = 255 - flat - PRINT_EXPLAINS * print - (print > 4 ? PRINT_SLACK : 0);
            t->ink[flat][soft] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

/* Where column k's ink is cut: its rectangle on the page and, shifted as the column was located, on
 * the blank (page pixels). */
typedef struct {
    int x0, y0, w, h, bx0, by0;
} column_cut;

static column_cut column_cut_of(const c1_form_field *fd, int k, const double at[2])
{
    const double px = C1_PAGE_PX_PER_MM, R = fd->bubbles.radius;
    const c1_rect col = {at[0] - R - 2, at[1] - R - 2, 2 * R + 4, 9 * fd->bubbles.pitch + 2 * R + 4};
    const c1_rect printed = {col.x - (at[0] - fd->bubbles.x[k]), col.y - (at[1] - fd->bubbles.y0), col.w, col.h};
    return (column_cut){(int)floor((col.x - MARGIN_MM) * px), (int)floor((col.y - MARGIN_MM) * px),
                        (int)ceil((col.w + 2 * MARGIN_MM) * px), (int)ceil((col.h + 2 * MARGIN_MM) * px),
                        (int)floor((printed.x - MARGIN_MM) * px), (int)floor((printed.y - MARGIN_MM) * px)};
}

/* Grows `box` (x0, y0, x1, y1) to take in the w x h rectangle at (x, y). */
static void take_in(int box[4], int x, int y, int w, int h)
{
    box[0] = x < box[0] ? x : box[0], box[1] = y < box[1] ? y : box[1];
    box[2] = x + w > box[2] ? x + w : box[2], box[3] = y + h > box[3] ? y + h : box[3];
}

/* Columns k0..k1 of field i cut from one crop of the page and one of the blank, flattened and blurred
 * once: OpenCV's filters cost about the same on a field's three columns as on one. Returns 0 when that
 * crop is not wholly on the page (the caller then cuts the columns one by one, and those off it are
 * left unread). */
static int cut_columns(const c1_result *r, int i, int k0, int k1, const print_table *t, column_ink *cols)
{
    const c1_form_field *fd = &r->form->fields[i];
    const double px = C1_PAGE_PX_PER_MM;
    column_cut cut[C1_DIGITS];
    int on_page[4] = {INT_MAX, INT_MAX, INT_MIN, INT_MIN}, on_blank[4] = {INT_MAX, INT_MAX, INT_MIN, INT_MIN};
    for (int k = k0; k <= k1; k++) {
        cut[k] = column_cut_of(fd, k, r->fields[i].bubbles_mm[k]);
        take_in(on_page, cut[k].x0, cut[k].y0, cut[k].w, cut[k].h);
        take_in(on_blank, cut[k].bx0, cut[k].by0, cut[k].w, cut[k].h);
    }
    c1_pix *crop = pix_crop(r->page, on_page[0], on_page[1], on_page[2], on_page[3]);
    c1_pix *blank = pix_crop(r->form->blank, on_blank[0], on_blank[1], on_blank[2], on_blank[3]);
    c1_pix *flat = crop ? cv_flatten(crop, (int)(FLATTEN_MM * px)) : NULL;
    c1_pix *soft = blank ? cv_gaussian(blank, fmax(r->blur_mm, 0.2) * px) : NULL;
    int ok = flat && soft && flat->w == on_page[2] - on_page[0] && flat->h == on_page[3] - on_page[1] &&
             soft->w == on_blank[2] - on_blank[0] && soft->h == on_blank[3] - on_blank[1];
    for (int k = k0; ok && k <= k1; k++) {
        column_ink *c = &cols[k - k0];
        const column_cut *at = &cut[k];
        if (!(c->ink = malloc((size_t)at->w * at->h)))
            continue;
        c->w = at->w, c->h = at->h, c->x0 = at->x0, c->y0 = at->y0;
        for (int y = 0; y < c->h; y++) {
            const uint8_t *f = pix_row(flat, at->y0 - on_page[1] + y) + (at->x0 - on_page[0]);
            const uint8_t *b = pix_row(soft, at->by0 - on_blank[1] + y) + (at->bx0 - on_blank[0]);
            uint8_t *out = c->ink + (size_t)y * c->w;
            for (int x = 0; x < c->w; x++)
                out[x] = t->ink[f[x]][b[x]];
        }
        take_out_crossing_lines(c, (int)(MARGIN_MM * px), (int)(LINE_REACH_MM * px));
    }
    pix_destroy(&crop), pix_destroy(&blank), pix_destroy(&flat), pix_destroy(&soft);
    return ok;
}

/* Squared distances: this runs for every pixel round every bubble. */
static int in_ring(double ox, double oy, double R, double pitch_px)
{
    double d2 = ox * ox + oy * oy, on = fabs(oy) - pitch_px;
    return d2 >= RING_IN * R * RING_IN * R && d2 <= RING_OUT * R * RING_OUT * R &&
           ox * ox + on * on >= RING_IN * R * RING_IN * R;
}

/* The ink just round a bubble, its median: what a shadow's edge or a blur leaves there leaves it in
 * the bubble too. */
static int ring_median(const column_ink *c, double cx, double cy, double R, double pitch_px)
{
    int hist[256] = {0}, n = 0, acc = 0;
    const int reach = (int)ceil(RING_OUT * R);
    for (int dy = -reach; dy <= reach; dy++)
        for (int dx = -reach; dx <= reach; dx++) {
            int x = (int)floor(cx) + dx - c->x0, y = (int)floor(cy) + dy - c->y0;
            if (x >= 0 && y >= 0 && x < c->w && y < c->h &&
                in_ring(x + c->x0 + 0.5 - cx, y + c->y0 + 0.5 - cy, R, pitch_px))
                hist[c->ink[y * c->w + x]]++, n++;
        }
    for (int v = 0; v < 256; v++)
        if ((acc += hist[v]) * 2 >= n)
            return v;
    return 0;
}

/* How marked bubble (cx, cy) is, page px: the share of its inside inked, or half the share of a ring
 * drawn round it, whichever is more. Ink nearer a neighbour bubble than RING_IN is the neighbour's. */
static double bubble_mark(const column_ink *c, double cx, double cy, double R, double pitch_px,
                          const int threshold[2])
{
    int inside = 0, inked = 0, bins_seen[RING_BINS] = {0}, bins_inked[RING_BINS] = {0};
    const int reach = (int)ceil(RING_OUT * R);
    const int background = ring_median(c, cx, cy, R, pitch_px);
    for (int dy = -reach; dy <= reach; dy++)
        for (int dx = -reach; dx <= reach; dx++) {
            int x = (int)floor(cx) + dx - c->x0, y = (int)floor(cy) + dy - c->y0;
            if (x < 0 || y < 0 || x >= c->w || y >= c->h)
                continue;
            double ox = x + c->x0 + 0.5 - cx, oy = y + c->y0 + 0.5 - cy;
            int on = c->ink[y * c->w + x] > threshold[1];
            if (ox * ox + oy * oy <= DISC_SHARE * R * DISC_SHARE * R) {
                on = c->ink[y * c->w + x] - background > threshold[0];
                inside++, inked += on;
            } else if (in_ring(ox, oy, R, pitch_px)) {
                int bin = (int)((atan2(oy, ox) + M_PI) / (2 * M_PI) * RING_BINS) % RING_BINS;
                bins_seen[bin] = 1, bins_inked[bin] |= on;
            }
        }
    int seen = 0, drawn = 0;
    for (int b = 0; b < RING_BINS; b++)
        seen += bins_seen[b], drawn += bins_inked[b];
    double fill = inside ? (double)inked / inside : 0, ring = seen ? (double)drawn / seen : 0;
    return fmax(fill, ring >= RING_COUNTS ? RING_WEIGHT * ring : 0);
}

/* What the print leaves of one bubble once it is taken out, where registration or the blur's estimate
 * misses it by a pixel: the RESIDUE_DISC percentile of its inside above the band's median (as
 * bubble_mark measures it) and the RESIDUE_RING percentile of the band round it. Every other pixel
 * of each every other row: a percentile needs no more. */
static void bubble_residue(const column_ink *c, double cx, double cy, double R, double pitch_px, int residue[2])
{
    int disc[256] = {0}, ring[256] = {0}, n_disc = 0, n_ring = 0;
    const int reach = (int)ceil(RING_OUT * R);
    for (int dy = -reach; dy <= reach; dy += 2)
        for (int dx = -reach; dx <= reach; dx += 2) {
            int x = (int)floor(cx) + dx - c->x0, y = (int)floor(cy) + dy - c->y0;
            if (x < 0 || y < 0 || x >= c->w || y >= c->h)
                continue;
            double ox = x + c->x0 + 0.5 - cx, oy = y + c->y0 + 0.5 - cy;
            if (ox * ox + oy * oy <= DISC_SHARE * R * DISC_SHARE * R)
                disc[c->ink[y * c->w + x]]++, n_disc++;
            else if (in_ring(ox, oy, R, pitch_px))
                ring[c->ink[y * c->w + x]]++, n_ring++;
        }
    int above = histogram_percentile(disc, n_disc, RESIDUE_DISC) - histogram_percentile(ring, n_ring, 0.5);
    residue[0] = above > 0 ? above : 0;
    residue[1] = histogram_percentile(ring, n_ring, RESIDUE_RING);
}

/* One column's verdict from its ten marks. The probabilities are tiers, each measured on the
 * validation set (docs/design.md "Bubbles"). */
static void judge_column(const double mark[10], int marks_show, int *verdict, double *p)
{
    int first = 0;
    for (int j = 1; j < 10; j++)
        if (mark[j] > mark[first])
            first = j;
    double m1 = mark[first], m2 = 0;
    for (int j = 0; j < 10; j++)
        if (j != first)
            m2 = fmax(m2, mark[j]);
    if (m1 < FAINT) {
        /* untouched, if marks show on this page at all: else a faint pen may have marked it unseen */
        *verdict = BUBBLE_NONE, *p = !marks_show ? 0.5 : m1 < FAINT / 2 ? 0.999 : 0.99;
    } else if (m2 >= MARKED && m2 >= SEVERAL_SHARE * m1) {
        *verdict = BUBBLE_SEVERAL, *p = 0.9;
    } else if (m1 >= MARKED && m1 >= CLEAR_LEAD * m2 && m2 < FAINT) {
        *verdict = first, *p = m1 >= 2 * MARKED && m2 < FAINT / 2 ? 0.999 : 0.99;
    } else {
        *verdict = BUBBLE_UNCLEAR, *p = 0.5;
    }
}

/* The number the columns spell: columns left of the first marked one unmarked (an X, a dash or a blank
 * box above them), every one from it on a single digit. */
static void spell(c1_bubble_reading *b)
{
    int first = 0;
    double p = 1;
    while (first < C1_DIGITS && b->column[first] == BUBBLE_NONE)
        p *= b->column_p[first++];
    b->empty = first == C1_DIGITS;
    b->value = b->empty ? -1 : 0;
    for (int d = first; d < C1_DIGITS && b->value >= 0; d++) {
        if (b->column[d] < 0)
            b->value = -1;
        else
            b->value = 10 * b->value + b->column[d], p *= b->column_p[d];
    }
    b->confidence = b->value >= 0 ? p : 0;
}

/* Every column of the page cut, and the pen's darkness: the darkest ink in any of them (one officer
 * marks the whole page, and an untouched column has no ink of its own to measure). */
static int cut_page(const c1_result *r, column_ink *cols, int *pen)
{
    print_table *t = malloc(sizeof *t);
    int n = 0;
    *pen = 0;
    if (t)
        print_table_fill(r, t);
    for (int i = 0; t && i < r->n_fields; i++) {
        if (!r->form->fields[i].has_bubbles)
            continue;
        if (!cut_columns(r, i, 0, C1_DIGITS - 1, t, cols + n))
            for (int k = 0; k < C1_DIGITS; k++)
                cut_columns(r, i, k, k, t, cols + n + k);
        n += C1_DIGITS;
    }
    for (int k = 0; k < n; k++)
        if (cols[k].ink)
            *pen = (int)fmax(*pen, percentile_of(cols[k].ink, cols[k].w * cols[k].h, 0.999));
    free(t);
    return n;
}

/* The page's print residue: the median over its bubbles of each one's residue. Most bubbles of a page
 * are untouched (one in ten of a column at most is marked), so the median is theirs. */
static void page_residue(const c1_result *r, const column_ink *cols, int residue[2])
{
    int hist[2][256] = {{0}}, n = 0;
    for (int i = 0, at = 0; i < r->n_fields; i++) {
        const c1_form_field *fd = &r->form->fields[i];
        const double px = C1_PAGE_PX_PER_MM, R = fd->bubbles.radius * px, pitch = fd->bubbles.pitch * px;
        for (int k = 0; fd->has_bubbles && k < C1_DIGITS; k++, at++)
            for (int j = 0; cols[at].ink && j < 10; j++, n++) {
                int v[2];
                const double *centre = r->fields[i].bubbles_mm[k];
                bubble_residue(&cols[at], centre[0] * px, centre[1] * px + j * pitch, R, pitch, v);
                hist[0][v[0]]++, hist[1][v[1]]++;
            }
    }
    for (int z = 0; z < 2; z++)
        residue[z] = n ? histogram_percentile(hist[z], n, 0.5) : 0;
}

static void measure_field(const c1_form_field *fd, const c1_field_result *fr, const column_ink *cols, int pen,
                          const int residue[2], c1_bubble_reading *b)
{
    const double px = C1_PAGE_PX_PER_MM, R = fd->bubbles.radius * px, pitch = fd->bubbles.pitch * px;
    const double base = fmax(MIN_INK, PEN_SHARE * pen);
    const int threshold[2] = {(int)fmax(base, residue[0] + RESIDUE_MARGIN),   /* inside, round */
                              (int)fmax(base, residue[1] + RESIDUE_MARGIN)};
    b->read = 1;
    for (int k = 0; k < C1_DIGITS; k++)
        for (int j = 0; j < 10; j++)
            b->mark[k][j] = cols[k].ink && pen >= MIN_PEN
                                ? bubble_mark(&cols[k], fr->bubbles_mm[k][0] * px, fr->bubbles_mm[k][1] * px + j * pitch, R,
                                              pitch, threshold)
                                : 0;
}

/* Marks a page shows beyond the one a column can mean: an officer who blackens two bubbles in a
 * column corrects one number, rarely more; more such marks are the print's residue or the paper's,
 * as strong as the pen's own (a thin or faint pen on a soft photo), and no verdict of that page is
 * sure. */
static int marks_beyond_one_a_column(const c1_result *r)
{
    int extra = 0;
    for (int i = 0; i < r->n_fields; i++)
        for (int k = 0; r->form->fields[i].has_bubbles && k < C1_DIGITS; k++) {
            int marked = 0;
            for (int j = 0; j < 10; j++)
                marked += r->fields[i].bubbles.mark[k][j] >= MARKED;
            extra += marked > 1 ? marked - 1 : 0;
        }
    return extra;
}

c1_error read_bubbles(const c1_engine *e, c1_result *r)
{
    (void)e;
    column_ink cols[C1_MAX_FIELDS * C1_DIGITS] = {{0}};
    int pen, n = cut_page(r, cols, &pen), marks_show = 0, residue[2];
    page_residue(r, cols, residue);
    for (int i = 0, at = 0; i < r->n_fields; i++)
        if (r->form->fields[i].has_bubbles) {
            measure_field(&r->form->fields[i], &r->fields[i], cols + at, pen, residue, &r->fields[i].bubbles);
            at += C1_DIGITS;
            for (int k = 0; k < C1_DIGITS; k++)
                for (int j = 0; j < 10; j++)
                    marks_show |= r->fields[i].bubbles.mark[k][j] >= 2 * MARKED;
        }
    const int noisy = marks_beyond_one_a_column(r) >= NOISY_PAGE;
    for (int i = 0, at = 0; i < r->n_fields; i++)
        if (r->form->fields[i].has_bubbles) {
            c1_bubble_reading *b = &r->fields[i].bubbles;
            for (int k = 0; k < C1_DIGITS; k++, at++)
                if (cols[at].ink) {
                    judge_column(b->mark[k], marks_show, &b->column[k], &b->column_p[k]);
                    if (r->blur_mm > SHARP_MM || noisy)
                        b->column_p[k] = fmin(b->column_p[k], BLURRED_P);
                } else
                    b->column[k] = BUBBLE_UNCLEAR, b->column_p[k] = 0;   /* off the page */
            spell(b);
        }
    for (int k = 0; k < n; k++)
        free(cols[k].ink);
    return C1_OK;
}
