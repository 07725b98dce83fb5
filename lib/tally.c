/* Tally: counts the marks in each tally grid three ways that fail differently. The stroke counter
 * traces strokes as ink paths: near-vertical ones top to bottom, crossing ones left to right, each
 * long enough to be a stroke, gaps in faint ink bridged. The group counter knows only the
 * convention: a mark as wide as a group is a crossed group of five, a narrower one as many strokes
 * as fit its width. The cell model (models/tally.onnx) reads each cell's picture. Where they
 * disagree, or a mark is neither whole groups nor a few loose strokes (a scribble, a crossed-out
 * group, a stroke broken in two), the confidence drops and the cell is named. Reads the rectified
 * page, the blank page, the located grid and the engine's networks; writes each tally field's
 * `tally` reading. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "engine.h"
#include "model.h"
#include "pool.h"
#include "stages.h"
#include "tally.h"

#define MAX_SURE_BLUR_MM 0.55    /* above this blur no count is sure */
#define MODEL_SPEAKS 0.9         /* the cell model's count this probable is the tally's ... */
#define MODEL_SURE 0.99          /* ... and this probable, evidence on its own */
#define MODEL_DISSENTS 0.5       /* another count than the agreeing tracers' this probable: in doubt */
#define VIEWS_BELOW 0.999        /* a cell read less surely is read again a pixel to either side */
#define BLANK_CELL_INK 0.15f     /* a cell whose own darkest pixel is lighter (of the grid's darkest ink) holds none */
#define FLATTEN_MM 3.0           /* paper brightness is taken as the brightest within this: wide enough to
                                  * span a stroke, narrow enough to follow the edge of a shadow (6 mm read
                                  * a shadow's edge as strokes; measured, docs/design.md "Tally counter") */
#define MARGIN_MM 3.0            /* ink read above and below the grid */
#define LEFT_MARGIN_MM 10.0      /* and left of it: a group spilled out of the first cell (to the right, the
                                  * field's digit boxes are near, and their strokes may cross their lines) */
#define MIN_MARK_MM 2.0          /* smaller ink is a speck */
#define MIN_STROKE_MM 3.5        /* a stroke is at least this long */
#define MIN_CROSS_MM 4.5         /* a crossing stroke spans at least this far (groups span 9 mm or more) */
#define MAX_GAP_MM 1.6           /* a dry pen's gap along a stroke, bridged */
#define REMNANT_MM 0.8           /* a path this close to a traced stroke most of its way is that stroke's edge */
#define MAX_CROSSED_MM 2.5       /* how far an upright stroke may run over one traced before, where they cross */
#define MAX_CROSS_GAP_MM 0.4     /* along a crossing stroke only a small gap: a wider one is the space between two strokes */
#define PEN_MM 1.2               /* half the widest pen line: what tracing a stroke takes away with it */
#define GROUP_WIDTH_MM 5.0       /* a mark this wide is a crossed group, not one stroke */
#define UNCROSSED_MAX_MM 7.5     /* upright, three strokes of a partial group span less; a crossed group more */
#define STROKE_GAP_MM 2.7        /* between the strokes of a group */
#define PEN_GUESS_MM 0.5         /* a stroke's own width */
#define GROUP_PITCH_MM 11.0      /* width per group when groups touch */
#define RIDGE_MM 1.2             /* half the window a stroke's core is compared with */
#define RIDGE_SLACK 3            /* grey levels of noise a flat stroke's core may rise above its mean */
#define FRAGMENT_ON_STROKE_MM 1.5 /* a fragment whose middle is this close to a counted stroke is its leftover */
#define FRAGMENT_SHARE 0.55      /* an upright piece shorter than this share of the grid's typical stroke is a fragment */
#define SHORT_UPRIGHT_SHARE 0.75 /* of two or three uprights uncrossed, one shorter than this share of the grid's stroke is doubtful */
#define CROSS_SPAN_SHARE 0.75    /* a fifth stroke spans at least this share of its group's width */
#define CROSS_OFF_MIDDLE 0.3     /* and its middle is at most this share of the group's height off the group's middle */
#define END_TO_END_SHARE 1.7     /* an upright path this much longer than the grid's typical stroke is two, end to end */
#define TALL_SHARE 1.45          /* a mark this many cells tall is groups of two rows touching */
#define THICK_SHARE 1.4          /* a mark this much inkier per traced length than the grid's typical one is doubtful */
#define BLACK_PRINT 160          /* the blank page darker than this: print no stroke is read on */
#define GREY_PRINT 235           /* lighter than BLACK_PRINT, darker than this: the grid's grey lines */
#define ACROSS_GREY 40           /* a stroke over a grey line is this much darker than the line shows */
#define SOFT_PRINT_MM 0.3        /* blurrier than this, the print is compared as the photo blurs it */
#define FAINT_INK 190            /* a grid whose darkest ink is lighter than this was written faintly */
#define FAINT_SEEN 28            /* ... yet this far below its paper (an empty grid's noise reaches 16-27) */
#define FAINT_CLEAR 20           /* ... and its ink bar is this far below its paper */
#define SHARP_LEVEL 215          /* otherwise the bar is at most this */
#define FAINT_RIDGE 1            /* ... and this much darker than its column around it: a line across */
#define FAINT_DIP 12             /* FAINT ink: this far under the paper, not as far as the ink bar */
#define JOIN_SAMPLES 10          /* between two uprights, ink is looked for at each tenth of their length (9 points) */
#define JOINED_SHARE 0.8         /* ... found at this share of them (8 of 9): one stroke */
#define CREASE_LIGHT_SHARE 850   /* a crease darkens a line's pixels up to this share of them (per 1000) */
#define CREASE_MIN_DIP 4         /* grey levels: less is the paper's own unevenness */
#define CREASE_MAX_DIP 60        /* a crease's shade is lighter than this: more is ink or print */
#define FIFTH_REACH_MM 2.0       /* a fifth stroke is looked for this far beside its group's uprights */
#define PRINT_REACH_PX 2         /* registration's error, in page pixels */
#define MAX_MARKS 2048
#define MAX_PATHS 24

typedef struct {
    int x0, y0, x1, y1, n;
    double cx, cy;
} blob;

/* One mark cut out on its own: its ink, in a box of its own size. */
typedef struct {
    int w, h;
    uint8_t *ink;
} mark_img;

typedef struct {
    int ax, ay, bx, by;          /* a traced stroke's two ends in mark pixels */
    int len;                     /* its length along its direction, less what crosses strokes traced before */
} path_ends;

/* Under blur the gap between two strokes 2.5 mm apart turns grey and dark enough to be ink, and
 * neighbouring strokes melt into one blob. A stroke's own core stays darker than what lies either
 * side of it: ink that is no lighter than the mean across a vertical stroke (along the row) is
 * that stroke's core, and likewise down a column for a crossing stroke. */
static int ridges(const c1_pix *flat, int x, int y)
{
    int reach = (int)lround(RIDGE_MM * C1_PAGE_PX_PER_MM), v = pix_row(flat, y)[x], bits = 0;
    int sum_row = 0, n_row = 0, sum_col = 0, n_col = 0;
    for (int d = -reach; d <= reach; d++) {
        if (x + d >= 0 && x + d < flat->w)
            sum_row += pix_row(flat, y)[x + d], n_row++;
        if (y + d >= 0 && y + d < flat->h)
            sum_col += pix_row(flat, y + d)[x], n_col++;
    }
    if (v * n_row <= sum_row + RIDGE_SLACK * n_row)
        bits |= UPRIGHT_CORE;
    if (v * n_col <= sum_col + RIDGE_SLACK * n_col)
        bits |= CROSSING_CORE;
    return bits;
}

/* Is the pixel darker by `by` than the mean down its column within RIDGE_MM: the core of a line
 * across, not the even grey that blur leaves between two uprights? */
static int darker_than_column(const c1_pix *flat, int x, int y, int by)
{
    int reach = (int)lround(RIDGE_MM * C1_PAGE_PX_PER_MM), sum = 0, n = 0;
    for (int d = -reach; d <= reach; d++)
        if (y + d >= 0 && y + d < flat->h)
            sum += pix_row(flat, y + d)[x], n++;
    return (pix_row(flat, y)[x] + by) * n <= sum;
}

static int percentile(const int hist[256], int n, int share_of_1000)
{
    int acc = 0, v = 0;
    for (; v < 255; v++)
        if ((acc += hist[v]) * 1000L > (long)n * share_of_1000)
            break;
    return v;
}

/* The grey below which a grid's pixel is ink: halfway from its paper to its dark ink. A grid whose
 * darkest ink is itself light (a faint or thin pen, softened by blur) but clearly below its paper
 * gets a bar just clear of the paper's noise; otherwise the bar stays well below the paper, which
 * an empty grid's noise (its darkest pixels 16-27 levels below the paper) must not cross. */
static int ink_level(const int hist[256], int n, int *paper_out)
{
    int paper = percentile(hist, n, 500), dark = percentile(hist, n, 5), core = percentile(hist, n, 1);
    int faint = core >= FAINT_INK && paper - core >= FAINT_SEEN;
    int top = faint ? paper - FAINT_CLEAR : SHARP_LEVEL, level = (paper + dark) / 2;
    *paper_out = paper;
    return level < 140 ? 140 : level > top ? top : level;
}

/* Where a page point lies in the located grid: u across, v down, 0 to 1 inside (the grid's corners
 * each have their own shift, so it is a quadrilateral, nearly a rectangle). */
static void grid_uv(const double g[8], double x, double y, double *u, double *v)
{
    *v = (y - (g[1] + g[3]) / 2) / ((g[5] + g[7]) / 2 - (g[1] + g[3]) / 2);
    for (int pass = 0; pass < 2; pass++) {
        double left_x = g[0] + *v * (g[6] - g[0]), right_x = g[2] + *v * (g[4] - g[2]);
        *u = (x - left_x) / (right_x - left_x);
        double top_y = g[1] + *u * (g[3] - g[1]), bottom_y = g[7] + *u * (g[5] - g[7]);
        *v = (y - top_y) / (bottom_y - top_y);
    }
}

/* A value given at the grid's four corners (clockwise from top left), blended at (u, v). */
static double bilinear(const double at[4], double u, double v)
{
    return (1 - v) * ((1 - u) * at[0] + u * at[1]) + v * ((1 - u) * at[3] + u * at[2]);
}

/* The blank page as printed under the area read: each pixel from where the grid's located corners
 * say it was printed, their shifts blended across the grid. */
c1_pix *tally_blank_under(const c1_form *f, const c1_form_field *fd, const double grid_mm[8], double x_mm, double y_mm,
                          int w, int h)
{
    const double k = C1_PAGE_PX_PER_MM, form_x[4] = {0, 1, 1, 0}, form_y[4] = {0, 0, 1, 1};
    double dx[4], dy[4];
    for (int c = 0; c < 4; c++)
        dx[c] = grid_mm[2 * c] - (fd->tally.x + form_x[c] * fd->tally.w), dy[c] = grid_mm[2 * c + 1] - (fd->tally.y + form_y[c] * fd->tally.h);
    c1_pix *out = pix_create(w, h, 1);
    for (int y = 0; out && y < h; y++) {
        /* The shifts vary smoothly (bilinearly) across the grid: along a row, linearly between the
         * row's two ends. */
        double py = y_mm + (y + 0.5) / k, end_x[2], end_y[2];
        for (int e = 0; e < 2; e++) {
            double u, v;
            grid_uv(grid_mm, x_mm + (e ? w - 0.5 : 0.5) / k, py, &u, &v);
            end_x[e] = bilinear(dx, u, v), end_y[e] = bilinear(dy, u, v);
        }
        /* the blank's pixel coordinates, stepped along the row */
        const double span = w > 1 ? w - 1 : 1;
        double bx = (x_mm + 0.5 / k - end_x[0]) * k, by = (py - end_y[0]) * k;
        const double step_x = 1 - (end_x[1] - end_x[0]) / span * k, step_y = -(end_y[1] - end_y[0]) / span * k;
        uint8_t *row = pix_row(out, y);
        for (int x = 0; x < w; x++, bx += step_x, by += step_y) {
            /* truncation is the floor where it matters: a negative coordinate is off the blank anyway */
            int inside = bx >= 0 && by >= 0 && bx < f->blank->w && by < f->blank->h;
            row[x] = inside ? pix_row(f->blank, (int)by)[(int)bx] : 255;
        }
    }
    return out;
}

/* A line is a crease only if more than CREASE_LIGHT_SHARE of its pixels lie CREASE_MIN_DIP under the
 * paper, which one pass over the area counts for every column and row at once (n: pixels not print;
 * low: those under the paper); only those few lines are then sorted out, pixel by pixel. */
static void count_low(const c1_pix *flat, const uint8_t *print, int paper, int *n_col, int *low_col, int *n_row,
                      int *low_row)
{
    const int w = flat->w, h = flat->h;
    memset(n_col, 0, sizeof *n_col * (size_t)w), memset(low_col, 0, sizeof *low_col * (size_t)w);
    memset(n_row, 0, sizeof *n_row * (size_t)h), memset(low_row, 0, sizeof *low_row * (size_t)h);
    for (int y = 0; y < h; y++) {
        const uint8_t *v = pix_row(flat, y), *p = print + (size_t)y * w;
        for (int x = 0; x < w; x++)
            if (p[x] >= GREY_PRINT) {
                int is_low = v[x] <= paper - CREASE_MIN_DIP;
                n_col[x]++, low_col[x] += is_low, n_row[y]++, low_row[y] += is_low;
            }
    }
}

/* Lifts the creases among one direction's lines; returns how many. */
static int lift_lines(c1_pix *flat, const uint8_t *print, int paper, int vertical, const int *n, const int *low)
{
    const int w = flat->w, lines = vertical ? w : flat->h, along = vertical ? flat->h : w;
    int lifted = 0;
    for (int i = 0; i < lines; i++) {
        if (n[i] * 2 < along || (long)low[i] * 1000 <= (long)n[i] * CREASE_LIGHT_SHARE)
            continue;
        int hist[256] = {0}, m = 0;
        for (int j = 0; j < along; j++) {
            int x = vertical ? i : j, y = vertical ? j : i;
            if (print[y * w + x] >= GREY_PRINT)
                hist[pix_row(flat, y)[x]]++, m++;
        }
        int dip = paper - percentile(hist, m, CREASE_LIGHT_SHARE);
        dip = dip > CREASE_MAX_DIP ? CREASE_MAX_DIP : dip;
        for (int j = 0; j < along; j++) {
            uint8_t *v = vertical ? &pix_row(flat, j)[i] : &pix_row(flat, i)[j];
            *v = *v + dip > 255 ? 255 : (uint8_t)(*v + dip);
        }
        lifted++;
    }
    return lifted;
}

/* A plano sheet comes folded, and its crease photographs as a soft dark line across the whole page:
 * on a faint pen's grid, whose ink bar sits just under the paper, the crease beside a cell line was
 * counted as strokes. A line that darkens all of the area read, lightest parts too, is no stroke (a
 * column of strokes, one per row, leaves paper between the rows): each such column, then each such
 * row, is lifted back to the paper. Print is left out of both. */
void tally_lift_creases(c1_pix *flat, const uint8_t *print)
{
    int all[256] = {0}, n_all = 0, w = flat->w, h = flat->h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (print[y * w + x] >= GREY_PRINT)
                all[pix_row(flat, y)[x]]++, n_all++;
    int *counts = n_all ? malloc(sizeof(int) * 2 * ((size_t)w + h)) : NULL;
    if (!counts)
        return;
    const int paper = percentile(all, n_all, 500);
    int *n_col = counts, *low_col = n_col + w, *n_row = low_col + w, *low_row = n_row + h;
    count_low(flat, print, paper, n_col, low_col, n_row, low_row);
    if (lift_lines(flat, print, paper, 1, n_col, low_col))   /* the rows as the columns left them */
        count_low(flat, print, paper, n_col, low_col, n_row, low_row);
    lift_lines(flat, print, paper, 0, n_row, low_row);
    free(counts);
}

static int cut_area(const c1_result *r, const c1_form *f, const c1_form_field *fd, const double grid_mm[8], ink_area *a)
{
    const double k = C1_PAGE_PX_PER_MM;
    double x0 = fmin(grid_mm[0], grid_mm[6]), x1 = fmax(grid_mm[2], grid_mm[4]);
    double y0 = fmin(grid_mm[1], grid_mm[3]), y1 = fmax(grid_mm[5], grid_mm[7]);
    c1_rect g = {x0 - LEFT_MARGIN_MM, y0 - MARGIN_MM, x1 - x0 + LEFT_MARGIN_MM + MARGIN_MM, y1 - y0 + 2 * MARGIN_MM};
    c1_pix *crop = pix_crop_mm(r->page, g, 0);
    c1_pix *flat = crop ? cv_flatten(crop, (int)(FLATTEN_MM * k)) : NULL;
    /* What the blank prints near each pixel (registration's error): its darkest grey. */
    c1_pix *padded = flat ? tally_blank_under(f, fd, grid_mm, floor(g.x * k) / k, floor(g.y * k) / k, flat->w, flat->h) : NULL;
    c1_pix *near = padded ? cv_min_filter(padded, PRINT_REACH_PX) : NULL;
    /* On a blurred photo the table's black lines spread a grey halo wider than registration's error,
     * which the counter took for strokes beside the grid's first and last columns: there the print is
     * also the blank blurred as the photo is, whichever is darker. */
    c1_pix *soft = near && r->blur_mm > SOFT_PRINT_MM ? cv_gaussian(padded, r->blur_mm * k) : NULL;
    pix_destroy(&padded);
    uint8_t *print = NULL;
    int ok = flat && near && (print = malloc((size_t)flat->w * flat->h)) != NULL;
    int level = 0, paper = 255;
    for (int y = 0; ok && y < flat->h; y++)
        for (int x = 0; x < flat->w; x++)
            print[y * flat->w + x] = soft && pix_row(soft, y)[x] < pix_row(near, y)[x] ? pix_row(soft, y)[x] : pix_row(near, y)[x];
    if (ok)
        tally_lift_creases(flat, print);
    if (ok) {
        /* Faint ballpoint under blur is grey, not black: put the bar halfway to the darkest ink, the
         * print (the table's black lines) left out. */
        int hist[256] = {0}, n = 0;
        for (int y = 0; y < flat->h; y++)
            for (int x = 0; x < flat->w; x++)
                if (print[y * flat->w + x] >= GREY_PRINT)
                    hist[pix_row(flat, y)[x]]++, n++;
        level = ink_level(hist, n, &paper);
        a->w = flat->w, a->h = flat->h;
        a->x_mm = floor(g.x * k) / k, a->y_mm = floor(g.y * k) / k;
        a->ink = calloc((size_t)a->w * a->h, 1);
        a->dark = calloc((size_t)a->w * a->h, 1);
        ok = a->ink && a->dark;
    }
    for (int y = 0; ok && y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            /* Printed lines and text near the grid are not marks: where the blank prints black, nothing
             * is read; where it prints the grid's light grey, only ink clearly darker than that grey
             * (a stroke drawn across a cell line) is. */
            int p = print[y * a->w + x], v = pix_row(flat, y)[x];
            double shows = 255 - (255 - p) * r->print_black / 255.0;
            if (p < BLACK_PRINT || (p < GREY_PRINT && v > shows - ACROSS_GREY))
                continue;
            a->dark[y * a->w + x] = (uint8_t)(v < paper ? paper - v : 0);
            if (v < level)
                a->ink[y * a->w + x] = INK | ridges(flat, x, y);
            else if (v < paper - FAINT_DIP && darker_than_column(flat, x, y, FAINT_RIDGE))
                a->ink[y * a->w + x] = FAINT;
        }
    free(print);
    pix_destroy(&crop), pix_destroy(&flat), pix_destroy(&near), pix_destroy(&soft);
    return ok;
}

/* Joins the pieces of a stroke that a dry pen broke: ink within MAX_GAP_MM above or below counts
 * as connected when marks are found (the ink itself is unchanged). */
static uint8_t *bridge_vertically(const ink_area *a)
{
    int reach = (int)lround(MAX_GAP_MM * C1_PAGE_PX_PER_MM / 2);
    uint8_t *out = calloc((size_t)a->w * a->h, 1);
    for (int x = 0; out && x < a->w; x++)
        for (int y = 0; y < a->h; y++)
            if (a->ink[y * a->w + x] & INK)
                for (int d = -reach; d <= reach; d++)
                    if (y + d >= 0 && y + d < a->h)
                        out[(y + d) * a->w + x] = 1;
    return out;
}

/* 8-connected components of a binary image; labels written to `label` (0 background). */
static int components(const uint8_t *img, int w, int h, int *label, blob *blobs, int max_blobs)
{
    int n = 0;
    int *stack = malloc(sizeof(int) * (size_t)w * h);
    if (!stack)
        return 0;
    memset(label, 0, sizeof(int) * (size_t)w * h);
    for (int start = 0; start < w * h; start++) {
        if (!img[start] || label[start] || n == max_blobs)
            continue;
        blob b = {w, h, -1, -1, 0, 0, 0};
        int top = 0;
        stack[top++] = start;
        label[start] = n + 1;
        while (top) {
            int p = stack[--top], x = p % w, y = p / w;
            b.x0 = x < b.x0 ? x : b.x0, b.x1 = x > b.x1 ? x : b.x1;
            b.y0 = y < b.y0 ? y : b.y0, b.y1 = y > b.y1 ? y : b.y1;
            b.n++, b.cx += x, b.cy += y;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy, q = yy * w + xx;
                    if (xx >= 0 && yy >= 0 && xx < w && yy < h && img[q] && !label[q]) {
                        label[q] = n + 1;
                        stack[top++] = q;
                    }
                }
        }
        b.cx /= b.n, b.cy /= b.n;
        blobs[n++] = b;
    }
    free(stack);
    return n;
}

static int cell_of(const c1_form_field *fd, const ink_area *a, const double grid_mm[8], double px, double py)
{
    double u, v;
    grid_uv(grid_mm, a->x_mm + px / C1_PAGE_PX_PER_MM, a->y_mm + py / C1_PAGE_PX_PER_MM, &u, &v);
    int col = (int)floor(u * fd->tally_cols), row = (int)floor(v * fd->tally_rows);
    col = col < 0 ? 0 : col >= fd->tally_cols ? fd->tally_cols - 1 : col;
    row = row < 0 ? 0 : row >= fd->tally_rows ? fd->tally_rows - 1 : row;
    return row * fd->tally_cols + col;
}

static int ink_at(const mark_img *m, int along, int across, int vertical)
{
    int x = vertical ? across : along, y = vertical ? along : across;
    return x >= 0 && y >= 0 && x < m->w && y < m->h && m->ink[y * m->w + x];
}

/* How far sideways a path may move while advancing `step` pixels. Vertical strokes are traced in
 * a mark sheared upright, so they may drift only half a pixel per row: enough for a bowed or wobbly
 * stroke, too little to follow a crossing stroke over to the next one. Crossing strokes slope up
 * to 45 degrees either way (steeper ones are missed, and their group looks implausible: measured,
 * 60 degrees let the tracer run up slanted upright strokes and did worse). */
static int max_drift(int vertical, int step)
{
    return vertical ? step / 2 : step;
}

/* Scratch for longest_path, each of the mark's size, kept from one search to the next: taking a
 * stroke away changes the best paths only to the points downstream of its ink, and only those are
 * searched again (`stale`), which gives the same paths as searching the whole mark each time. */
typedef struct {
    double *score;
    int *from;                   /* the previous step of the best path to here (-1: it starts here) */
    int *erased;                 /* how far the best path to here has run over ink taken away */
    uint8_t *stale;              /* points to search again: all at first, then downstream of a change */
    int searched;                /* whether the whole mark has been searched once */
    int *first, *last;           /* along each row, the span across of the points a path reaches:
                                    only those can be stepped from, and most of a mark is paper */
} path_scratch;

typedef struct {
    int vertical, n_along, n_across, max_gap, max_erased;
    double charge;
} path_rules;

static path_rules path_rules_for(const mark_img *m, int vertical)
{
    return (path_rules){vertical, vertical ? m->h : m->w, vertical ? m->w : m->h,
                        (int)lround((vertical ? MAX_GAP_MM : MAX_CROSS_GAP_MM) * C1_PAGE_PX_PER_MM),
                        (int)lround(MAX_CROSSED_MM * C1_PAGE_PX_PER_MM), vertical ? 1.5 : 0.3};
}

/* The best path to point (t, c) from the points before it; returns whether it differs from the one
 * found before. */
static int step_to(const mark_img *m, const mark_img *drawn, const path_rules *r, path_scratch *p, int t, int c)
{
    const int at = t * r->n_across + c, fresh = ink_at(m, t, c, r->vertical);
    const double old_score = p->score[at];
    const int old_from = p->from[at], old_erased = p->erased[at];
    p->score[at] = fresh, p->from[at] = -1, p->erased[at] = 0;
    if (fresh || (r->vertical && ink_at(drawn, t, c, r->vertical)))
        for (int g = 1; g <= r->max_gap + 1 && t - g >= 0; g++) {
            int drift = max_drift(r->vertical, g);
            int d_lo = p->first[t - g] - c > -drift ? p->first[t - g] - c : -drift;
            int d_hi = p->last[t - g] - c < drift ? p->last[t - g] - c : drift;
            for (int d = d_lo; d <= d_hi; d++) {
                int prev = (t - g) * r->n_across + c + d;
                if (p->score[prev] <= 0)
                    continue;
                int erased = fresh ? 0 : p->erased[prev] + g;
                double s = p->score[prev] + (fresh ? g : 0) - r->charge * abs(d);
                if (erased <= r->max_erased && s > p->score[at])
                    p->score[at] = s, p->from[at] = prev, p->erased[at] = erased;
            }
        }
    return p->score[at] != old_score || p->from[at] != old_from || p->erased[at] != old_erased;
}

/* Marks stale every point a path may step to from (t, c). */
static void stale_downstream(const path_rules *r, path_scratch *p, int t, int c)
{
    for (int g = 1; g <= r->max_gap + 1 && t + g < r->n_along; g++) {
        int drift = max_drift(r->vertical, g);
        for (int cc = c - drift > 0 ? c - drift : 0; cc <= c + drift && cc < r->n_across; cc++)
            p->stale[(t + g) * r->n_across + cc] = 1;
    }
}

/* The straightest long path through the ink along rows (`vertical`) or columns, jumping the gaps
 * a dry pen leaves: each step scores the distance it advances less a charge for moving sideways,
 * so that a stroke is traced down its own line, not across to the next one where a crossing stroke
 * joins them. An upright path may also run over ink already taken away with a stroke traced
 * before (`drawn` is the ink before any was taken), for as far as a stroke drawn across it is
 * wide: two strokes drawn across each other are two strokes, not one and two fragments. Returns
 * the path's length along the direction less what it ran over taken-away ink (0: none);
 * `p->from` links it back to its start from `end`. */
static int longest_path(const mark_img *m, const mark_img *drawn, int vertical, path_scratch *p, int *end)
{
    const path_rules r = path_rules_for(m, vertical);
    for (int t = 0; t < r.n_along; t++) {
        int row_searched = 0;
        for (int c = 0; c < r.n_across; c++) {
            int at = t * r.n_across + c;
            if (!p->stale[at])
                continue;
            p->stale[at] = 0, row_searched = 1;
            if (step_to(m, drawn, &r, p, t, c) && p->searched)
                stale_downstream(&r, p, t, c);
        }
        if (row_searched) {
            p->first[t] = r.n_across, p->last[t] = -1;
            for (int c = 0; c < r.n_across; c++)
                if (p->score[t * r.n_across + c] > 0)
                    p->first[t] = c < p->first[t] ? c : p->first[t], p->last[t] = c;
        }
    }
    p->searched = 1;
    double best = 0;
    *end = -1;
    for (int at = 0; at < r.n_along * r.n_across; at++)
        if (p->score[at] > best)
            best = p->score[at], *end = at;
    if (*end < 0)
        return 0;
    int len = 1;
    for (int at = *end; p->from[at] >= 0; at = p->from[at])
        if (ink_at(m, at / r.n_across, at % r.n_across, vertical))
            len += at / r.n_across - p->from[at] / r.n_across;
    return len;
}

/* Takes a traced stroke's ink away, so that the next search finds the next stroke: at every step
 * along it (gaps included), the run of ink across it, up to PEN_MM either side; the points taken
 * away are marked `stale`. */
static void erase_path(mark_img *m, int vertical, const int *from, int end, uint8_t *stale)
{
    int n_across = vertical ? m->w : m->h, reach = (int)lround(PEN_MM * C1_PAGE_PX_PER_MM);
    for (int at = end; at >= 0 && from[at] >= 0; at = from[at]) {
        int t1 = at / n_across, c1 = at % n_across, t0 = from[at] / n_across, c0 = from[at] % n_across;
        for (int t = t0; t <= t1; t++) {
            int c = (int)lround(c0 + (double)(c1 - c0) * (t - t0) / (t1 - t0));
            for (int d = 1; d <= 2 && !ink_at(m, t, c, vertical); d++)
                c = ink_at(m, t, c - d, vertical) ? c - d : ink_at(m, t, c + d, vertical) ? c + d : c;
            int lo = c, hi = c;
            while (lo - 1 >= c - reach && ink_at(m, t, lo - 1, vertical))
                lo--;
            while (hi + 1 <= c + reach && ink_at(m, t, hi + 1, vertical))
                hi++;
            for (int cc = lo; cc <= hi; cc++)
                if (ink_at(m, t, cc, vertical))
                    m->ink[vertical ? t * m->w + cc : cc * m->w + t] = 0, stale[t * n_across + cc] = 1;
        }
    }
}

/* Where each traced path lies across, row by row along (INT_MIN: not there), so that a later path
 * can be told from the edge of one traced already. */
static void note_path(int *lies_at, int n_along, int n_across, const int *from, int end)
{
    for (int t = 0; t < n_along; t++)
        lies_at[t] = INT_MIN;
    for (int at = end; at >= 0 && from[at] >= 0; at = from[at]) {
        int t1 = at / n_across, c1 = at % n_across, t0 = from[at] / n_across, c0 = from[at] % n_across;
        for (int t = t0; t <= t1; t++)
            lies_at[t] = (int)lround(c0 + (double)(c1 - c0) * (t - t0) / (t1 - t0));
    }
}

/* Whether a path runs mostly alongside one traced before (`n_traced` rows of `lies_at`): what
 * tracing leaves of a broad or blurred stroke along its edge, not a stroke of its own. Upright
 * strokes of a group stand 2.3 mm apart or more; no group has two crossing strokes side by side, so
 * for those the edge may lie twice as far. */
static int is_remnant(const int *lies_at, int n_traced, int vertical, int n_along, int n_across, const int *from,
                      int end)
{
    int reach = (int)lround((vertical ? 1 : 2) * REMNANT_MM * C1_PAGE_PX_PER_MM), points = 0, beside = 0;
    for (int at = end; at >= 0; at = from[at]) {
        int t = at / n_across, c = at % n_across;
        points++;
        for (int k = 0; k < n_traced; k++)
            if (lies_at[k * n_along + t] != INT_MIN && abs(lies_at[k * n_along + t] - c) <= reach) {
                beside++;
                break;
            }
    }
    return 10 * beside >= 7 * points;
}

/* How many strokes of at least `min_px` run through the mark in one direction, MAX_PATHS at most;
 * their ends go to `found` (in the mark's pixels). Works on a copy, taking each stroke away once traced. */
static int trace_strokes(const mark_img *mark, int vertical, int min_px, path_ends found[MAX_PATHS])
{
    size_t n = (size_t)mark->w * mark->h;
    mark_img m = {mark->w, mark->h, malloc(n)};
    int count = 0, traced = 0, end, len, n_across = vertical ? m.w : m.h, n_along = vertical ? m.h : m.w;
    path_scratch p = {calloc(n, sizeof(double)), calloc(n, sizeof(int)), calloc(n, sizeof(int)), malloc(n),
                      0, malloc(sizeof(int) * (size_t)n_along), malloc(sizeof(int) * (size_t)n_along)};
    int *lies_at = malloc(sizeof(int) * MAX_PATHS * (size_t)n_along);
    if (m.ink && p.score && p.from && p.erased && p.stale && p.first && p.last && lies_at) {
        memcpy(m.ink, mark->ink, n);
        memset(p.stale, 1, n);
        while (traced < MAX_PATHS && (len = longest_path(&m, mark, vertical, &p, &end)) >= min_px) {
            int start = end;
            while (p.from[start] >= 0)
                start = p.from[start];
            int t0 = start / n_across, c0 = start % n_across, t1 = end / n_across, c1 = end % n_across;
            if (!is_remnant(lies_at, traced, vertical, n_along, n_across, p.from, end))
                found[count++] = vertical ? (path_ends){c0, t0, c1, t1, len} : (path_ends){t0, c0, t1, c1, len};
            note_path(lies_at + (size_t)traced++ * n_along, n_along, n_across, p.from, end);
            erase_path(&m, vertical, p.from, end, p.stale);
        }
    }
    free(m.ink), free(p.score), free(p.from), free(p.erased), free(p.stale), free(p.first), free(p.last), free(lies_at);
    return count;
}

/* The writer's slant in a mark, as a shear (pixels sideways per row down): the one that makes
 * its column profile peakiest, as upright strokes do. */
static double mark_slant(const mark_img *m)
{
    double best = 0, best_score = -1;
    int span = m->w + m->h;
    double *prof = malloc(sizeof(double) * (size_t)span);
    for (double shear = -0.6; prof && shear <= 0.601; shear += 0.05) {
        memset(prof, 0, sizeof(double) * (size_t)span);
        for (int y = 0; y < m->h; y++)
            for (int x = 0; x < m->w; x++)
                if (m->ink[y * m->w + x]) {
                    int bin = (int)lround(x - shear * (y - m->h / 2.0)) + m->h / 2;
                    if (bin >= 0 && bin < span)
                        prof[bin] += 1;
                }
        double score = 0;
        for (int i = 0; i < span; i++)
            score += prof[i] * prof[i];
        if (score > best_score)
            best_score = score, best = shear;
    }
    free(prof);
    return best;
}

/* The mark sheared by `shear` so its strokes stand upright; column x of the result is column
 * x - pad + shear * (y - h / 2) of the mark. */
static mark_img shear_mark(const mark_img *m, double shear, int pad)
{
    mark_img out = {m->w + 2 * pad, m->h, NULL};
    out.ink = calloc((size_t)out.w * out.h, 1);
    for (int y = 0; out.ink && y < m->h; y++)
        for (int x = 0; x < out.w; x++) {
            int src = (int)lround(x - pad + shear * (y - m->h / 2.0));
            out.ink[y * out.w + x] = src >= 0 && src < m->w && m->ink[y * m->w + src];
        }
    return out;
}

static void name_cell(c1_tally *t, int cell)
{
    for (int i = 0; i < t->n_doubtful; i++)
        if (t->doubtful[i] == cell)
            return;
    if (t->n_doubtful < C1_MAX_TALLY_CELLS)
        t->doubtful[t->n_doubtful++] = cell;
}

/* What tracing found in one mark, in the mark's own pixels. */
typedef struct {
    int n_up, n_across;
    int upright_w;               /* the mark's width once sheared upright, pixels */
    int ink;                     /* the mark's pixels of crossing-stroke core (all its ink but a blurred one's flanks) */
    path_ends up[MAX_PATHS], across[MAX_PATHS];
} mark_strokes;

static void cut_mark(const ink_area *a, const blob *b, int id, const int *label, int core, mark_img *m)
{
    for (int y = 0; y < m->h; y++)
        for (int x = 0; x < m->w; x++) {
            int q = (b->y0 + y) * a->w + b->x0 + x;
            m->ink[y * m->w + x] = label[q] == id && (a->ink[q] & core);
        }
}

static int ink_width(const mark_img *m)
{
    int lo = m->w, hi = -1;
    for (int y = 0; m->ink && y < m->h; y++)
        for (int x = 0; x < m->w; x++)
            if (m->ink[y * m->w + x])
                lo = x < lo ? x : lo, hi = x > hi ? x : hi;
    return hi >= lo ? hi - lo + 1 : 0;
}

/* Traces one mark: its upright strokes in the mark sheared to the writer's slant, its crossing
 * strokes as it is. */
static void trace_mark(const ink_area *a, const blob *b, int id, const int *label, mark_strokes *ms)
{
    const double k = C1_PAGE_PX_PER_MM;
    mark_img m = {b->x1 - b->x0 + 1, b->y1 - b->y0 + 1, NULL};
    memset(ms, 0, sizeof *ms);
    m.ink = calloc((size_t)m.w * m.h, 1);
    if (!m.ink)
        return;
    cut_mark(a, b, id, label, UPRIGHT_CORE, &m);
    double shear = mark_slant(&m);
    int pad = (int)ceil(fabs(shear) * m.h / 2) + 1;
    mark_img upright = shear_mark(&m, shear, pad);
    ms->upright_w = ink_width(&upright);
    cut_mark(a, b, id, label, CROSSING_CORE, &m);
    for (int q = 0; q < m.w * m.h; q++)
        ms->ink += m.ink[q];
    if (upright.ink)
        ms->n_up = trace_strokes(&upright, 1, (int)lround(MIN_STROKE_MM * k), ms->up);
    ms->n_across = trace_strokes(&m, 0, (int)lround(MIN_CROSS_MM * k), ms->across);
    for (int i = 0; i < ms->n_up; i++) {
        path_ends *e = &ms->up[i];
        e->ax = (int)lround(e->ax - pad + shear * (e->ay - m.h / 2.0));
        e->bx = (int)lround(e->bx - pad + shear * (e->by - m.h / 2.0));
    }
    free(m.ink), free(upright.ink);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The middle of n values, sorting them; 0 when there are none. Of an even count the lower one: in a
 * grid of two marks, one of them two strokes melted together, the typical one is the thinner. */
static double median(double *v, int n)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, by_value);
    return v[(n - 1) / 2];
}

/* The grid's typical stroke length, pixels along its direction (0: none): a writer draws all strokes
 * of a tally about as long. `across` picks the crossing strokes. */
static double typical_length(const mark_strokes *ms, int n_marks, int across)
{
    int n = 0;
    for (int i = 0; i < n_marks; i++)
        n += across ? ms[i].n_across : ms[i].n_up;
    double *len = n ? malloc(sizeof(double) * (size_t)n) : NULL;
    if (!len)
        return 0;
    n = 0;
    for (int i = 0; i < n_marks; i++)
        for (int j = 0; j < (across ? ms[i].n_across : ms[i].n_up); j++)
            len[n++] = across ? ms[i].across[j].len : ms[i].up[j].len;
    double typical = median(len, n);
    free(len);
    return typical;
}

/* The length a stroke must have to count: a piece much shorter than the grid's typical stroke is a
 * fragment (a stroke broken by a dry pen, half of two strokes drawn across each other, a path along
 * the ends of two strokes that touch), not a vote. */
static int counting_length(double typical, int min_px)
{
    return (int)fmax(min_px, lround(FRAGMENT_SHARE * typical));
}

/* Ink per pixel of traced stroke length: the pen's width, if the strokes traced are all the ink. */
static double mark_thickness(const mark_strokes *ms)
{
    int length = 0;
    for (int j = 0; j < ms->n_up; j++)
        length += ms->up[j].len;
    for (int j = 0; j < ms->n_across; j++)
        length += ms->across[j].len;
    return length ? (double)ms->ink / length : 0;
}

static double typical_thickness(const mark_strokes *ms, int n_marks)
{
    double *v = malloc(sizeof(double) * (size_t)(n_marks + 1)), typical = 0;
    int n = 0;
    for (int i = 0; v && i < n_marks; i++) {
        double t = mark_thickness(&ms[i]);
        if (t > 0)
            v[n++] = t;
    }
    typical = v ? median(v, n) : 0;
    free(v);
    return typical;
}

static void add_stroke(c1_tally *t, const ink_area *a, const blob *b, const path_ends *p, int crossing)
{
    if (t->n_strokes == C1_MAX_STROKES)
        return;
    const double k = C1_PAGE_PX_PER_MM;
    c1_stroke *s = &t->strokes[t->n_strokes++];
    s->x0 = a->x_mm + (b->x0 + p->ax + 0.5) / k, s->y0 = a->y_mm + (b->y0 + p->ay + 0.5) / k;
    s->x1 = a->x_mm + (b->x0 + p->bx + 0.5) / k, s->y1 = a->y_mm + (b->y0 + p->by + 0.5) / k;
    s->crossing = crossing;
}

static double mid_x(const blob *b, const path_ends *p)
{
    return b->x0 + (p->ax + p->bx) / 2.0;
}

static double mid_y(const blob *b, const path_ends *p)
{
    return b->y0 + (p->ay + p->by) / 2.0;
}

/* How many counted upright strokes a crossing stroke spans: a fifth stroke crosses the four of its
 * group (three, if one was lost), a piece between two touching strokes crosses one or two. */
static int uprights_crossed(const mark_strokes *ms, const int *counted, const path_ends *across)
{
    int lo = across->ax < across->bx ? across->ax : across->bx, hi = across->ax < across->bx ? across->bx : across->ax;
    int n = 0;
    for (int j = 0; j < ms->n_up; j++) {
        double x = (ms->up[j].ax + ms->up[j].bx) / 2.0;
        n += counted[j] && x >= lo && x <= hi;
    }
    return n;
}

/* Distance from a point to a traced stroke's line between its ends (mark pixels). */
static double distance_to_stroke(const path_ends *s, double x, double y)
{
    return segment_distance(x, y, s->ax, s->ay, s->bx, s->by);
}

/* Fragments of a mark that its count does not explain. One piece whose middle lies within 1.5 mm of
 * a counted stroke is what tracing left of that stroke (the broad end of a crossing stroke, an
 * upright's edge where the crossing stroke took its middle away): strokes of a group stand 2.3 mm
 * apart or more, so it is no stroke of its own. Two pieces are all unexplained: a group struck
 * through leaves several (measured: docs/design.md "Tally counter"). */
static int loose_fragments(const mark_strokes *ms, const int *counted, int n_crossings)
{
    const double on_stroke = FRAGMENT_ON_STROKE_MM * C1_PAGE_PX_PER_MM;
    int loose = 0, fragments = 0;
    for (int j = 0; j < ms->n_up; j++)
        fragments += !counted[j];
    if (fragments > 1)
        return fragments;
    for (int j = 0; j < ms->n_up; j++) {
        if (counted[j])
            continue;
        double x = (ms->up[j].ax + ms->up[j].bx) / 2.0, y = (ms->up[j].ay + ms->up[j].by) / 2.0;
        int on = 0;
        for (int i = 0; i < ms->n_up && !on; i++)
            on = counted[i] && distance_to_stroke(&ms->up[i], x, y) <= on_stroke;
        for (int g = 0; g < n_crossings && !on; g++)
            on = distance_to_stroke(&ms->across[g], x, y) <= on_stroke;
        loose += !on;
    }
    return loose;
}

/* Two or three uprights with no stroke across, one much shorter than the grid's strokes: a hook or
 * a flag on one stroke, traced as a stroke of its own, is as likely as a short second stroke (a lone
 * stroke with a curl at its top was counted 2, sure). */
static int short_upright(const mark_strokes *ms, const int *counted, int n_crossings, double typical_rows)
{
    int uprights = 0, short_one = 0;
    for (int j = 0; j < ms->n_up; j++)
        if (counted[j]) {
            uprights += counted[j];
            short_one |= ms->up[j].len < SHORT_UPRIGHT_SHARE * typical_rows;
        }
    return n_crossings == 0 && uprights >= 2 && short_one;
}

/* Two uprights with ink all the way between them are one broad stroke traced along both its edges (a
 * marker under a coarse JPEG): strokes drawn apart leave paper between them. */
static int edges_of_one_stroke(const ink_area *a, const int *label, int id, const blob *b, const mark_strokes *ms,
                               const int *counted)
{
    for (int j = 0; j < ms->n_up; j++)
        for (int l = j + 1; counted[j] && l < ms->n_up; l++) {
            if (!counted[l])
                continue;
            const path_ends *p = &ms->up[j], *q = &ms->up[l];
            int inked = 0, n = 0;
            for (int s = 1; s < JOIN_SAMPLES; s++) {
                double f = (double)s / JOIN_SAMPLES;
                double x = b->x0 + ((p->ax + f * (p->bx - p->ax)) + (q->ax + f * (q->bx - q->ax))) / 2;
                double y = b->y0 + ((p->ay + f * (p->by - p->ay)) + (q->ay + f * (q->by - q->ay))) / 2;
                int xi = (int)lround(x), yi = (int)lround(y);
                if (xi < 0 || yi < 0 || xi >= a->w || yi >= a->h)
                    continue;
                n++;
                inked += (a->ink[yi * a->w + xi] & INK) && label[yi * a->w + xi] == id;
            }
            if (n > 0 && inked >= JOINED_SHARE * n)
                return 1;
        }
    return 0;
}

/* Puts a mark's counted strokes into cells. A mark is one group, or several drawn touching (a group
 * spilled against its neighbour): then each upright stroke goes with the nearest crossing stroke,
 * and each group to the cell its crossing stroke lies in; loose strokes touching each other go each
 * to its own cell. */
static void fill_cells(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], const blob *b,
                       const mark_strokes *ms, const int *counted, c1_tally *t)
{
    if (ms->n_across == 1 || (ms->n_across == 0 && ms->n_up <= 1)) {
        int n = ms->n_across;
        for (int j = 0; j < ms->n_up; j++)
            n += counted[j];
        t->cells[cell_of(fd, a, grid_mm, b->cx, b->cy)] += n;
        return;
    }
    int per_group[MAX_PATHS] = {0};
    for (int j = 0; j < ms->n_up; j++) {
        if (!counted[j])
            continue;
        if (ms->n_across == 0) {
            t->cells[cell_of(fd, a, grid_mm, mid_x(b, &ms->up[j]), mid_y(b, &ms->up[j]))] += counted[j];
            continue;
        }
        int nearest = 0;
        for (int g = 1; g < ms->n_across; g++)
            if (fabs(mid_x(b, &ms->across[g]) - mid_x(b, &ms->up[j])) <
                fabs(mid_x(b, &ms->across[nearest]) - mid_x(b, &ms->up[j])))
                nearest = g;
        per_group[nearest] += counted[j];
    }
    for (int g = 0; g < ms->n_across; g++)
        t->cells[cell_of(fd, a, grid_mm, mid_x(b, &ms->across[g]), mid_y(b, &ms->across[g]))] += 1 + per_group[g];
}

/* Keeps the crossing strokes of a mark that count, drawing them for the debug image; returns how
 * many. A short crossing piece is dropped without doubt: it is what tracing finds where the ends of
 * strokes touch, and a real fifth stroke that short leaves the group implausible anyway. A fifth
 * stroke spans its group, so one much shorter than the mark's width per group, or crossing fewer than
 * three of its uprights, is a piece of something else (strokes of a partial group touching), and so
 * is one that does not cross the strokes through their middle (a path along their tops where blur
 * joins them). */
static int keep_crossings(c1_tally *t, const ink_area *a, const blob *m, mark_strokes *ms, const int *counted,
                          int min_cols, int groups_wide, int groups_high, int *dropped)
{
    *dropped = 0;
    int min_span = (int)fmax(min_cols, CROSS_SPAN_SHARE * (m->x1 - m->x0 + 1) / groups_wide), kept = 0;
    double middle = (m->y1 - m->y0) / 2.0, off_middle = CROSS_OFF_MIDDLE * (m->y1 - m->y0 + 1) / groups_high;
    for (int j = 0; j < ms->n_across; j++) {
        const path_ends *c = &ms->across[j];
        int through_middle = groups_high > 1 || fabs((c->ay + c->by) / 2.0 - middle) <= off_middle;
        int crosses_three = uprights_crossed(ms, counted, c) >= 3;
        if (c->len >= min_span && crosses_three && through_middle) {
            ms->across[kept++] = *c;
            add_stroke(t, a, m, c, 1);
        } else if (c->len >= min_cols && crosses_three) {
            (*dropped)++;
        }
    }
    ms->n_across = kept;
    return kept;
}

/* Puts a mark counted by the convention into cells, five a group: each group in its crossing
 * stroke's cell, or where there are not as many crossing strokes as groups, in the cell under its
 * share of the mark. */
static void fill_groups(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], const blob *m,
                        const mark_strokes *ms, int groups_wide, int groups_high, int n_groups, c1_tally *t)
{
    for (int g = 0; g < n_groups; g++) {
        double gx = m->x0 + (g % groups_wide + 0.5) * (m->x1 - m->x0 + 1) / groups_wide;
        double gy = m->y0 + (g / groups_wide + 0.5) * (m->y1 - m->y0 + 1) / groups_high;
        if (ms->n_across == n_groups)
            gx = mid_x(m, &ms->across[g]), gy = mid_y(m, &ms->across[g]);
        t->cells[cell_of(fd, a, grid_mm, gx, gy)] += 5;
    }
}

/* The convention's count of a mark from its size alone: as wide as a group, once sheared upright,
 * it is crossed groups of five, one per 11 mm across and one per cell height; narrower, it is the
 * strokes of a last partial group drawn touching, one per stroke gap across. */
static int group_count(double width_mm, double upright_mm, int groups_wide, int groups_high)
{
    if (width_mm >= GROUP_WIDTH_MM && upright_mm >= UNCROSSED_MAX_MM)
        return 5 * groups_wide * groups_high;
    return 1 + (int)fmax(0, floor((upright_mm - PEN_GUESS_MM) / STROKE_GAP_MM + 0.35));
}

/* What the convention made of a mark, kept for a second look at its cell. */
typedef struct {
    int cell, strokes, group, as_groups, verticals, crossings;
} mark_count;

/* A group counted by the convention for an upright lost where two strokes cross is wrong when the
 * upright is not lost but drawn apart: one lone uncrossed stroke beside it in the same cell. Then the
 * strokes are the count. */
static void regroup_detached_uprights(const mark_count *mc, int n, c1_tally *t)
{
    for (int i = 0; i < n; i++) {
        if (!mc[i].as_groups || mc[i].crossings != 1 || mc[i].verticals != 3)
            continue;
        int lone = 0;
        for (int j = 0; j < n; j++)
            lone += j != i && mc[j].cell == mc[i].cell && !mc[j].as_groups && mc[j].crossings == 0 && mc[j].verticals == 1;
        if (lone == 1) {
            t->value += mc[i].strokes - mc[i].group;
            t->cells[mc[i].cell] += mc[i].strokes - mc[i].group;
        }
    }
}

/* A cell holding four uprights and no fifth stroke: is a fifth drawn across them, too lightly to be
 * ink? A thin or faint pen's crossing stroke is the lightest line of a group (it is drawn fast), and
 * without it the four uprights are four marks. It is looked for in the FAINT ink too, across the four
 * and through their middle; found, the cell holds a group of five, named doubtful all the same. */
static int faint_fifth(const ink_area *a, const c1_tally *t, const int *in_cell, int n)
{
    const double k = C1_PAGE_PX_PER_MM;
    double lo_x = 1e9, hi_x = -1e9, lo_y = 1e9, hi_y = -1e9, mid_x[4];
    for (int j = 0; j < n; j++) {
        const c1_stroke *s = &t->strokes[in_cell[j]];
        mid_x[j] = ((s->x0 + s->x1) / 2 - a->x_mm) * k;
        lo_x = fmin(lo_x, mid_x[j]), hi_x = fmax(hi_x, mid_x[j]);
        lo_y = fmin(lo_y, (fmin(s->y0, s->y1) - a->y_mm) * k), hi_y = fmax(hi_y, (fmax(s->y0, s->y1) - a->y_mm) * k);
    }
    int reach = (int)lround(FIFTH_REACH_MM * k);
    int x0 = (int)fmax(0, lo_x - reach), x1 = (int)fmin(a->w - 1, hi_x + reach);
    int y0 = (int)fmax(0, lo_y), y1 = (int)fmin(a->h - 1, hi_y);
    mark_img m = {x1 - x0 + 1, y1 - y0 + 1, NULL};
    if (m.w < 2 || m.h < 2 || !(m.ink = malloc((size_t)m.w * m.h)))
        return 0;
    for (int y = 0; y < m.h; y++)
        for (int x = 0; x < m.w; x++)
            m.ink[y * m.w + x] = (a->ink[(y0 + y) * a->w + x0 + x] & (INK | FAINT)) != 0;
    path_ends found[MAX_PATHS];
    int n_found = trace_strokes(&m, 0, (int)lround(CROSS_SPAN_SHARE * (hi_x - lo_x)), found), fifth = 0;
    for (int i = 0; i < n_found && !fifth; i++) {
        const path_ends *c = &found[i];
        double from = x0 + fmin(c->ax, c->bx), to = x0 + fmax(c->ax, c->bx), crossed = 0;
        for (int j = 0; j < n; j++)
            crossed += mid_x[j] >= from && mid_x[j] <= to;
        fifth = crossed >= 3 && fabs((c->ay + c->by) / 2.0 - (m.h - 1) / 2.0) <= CROSS_OFF_MIDDLE * m.h;
    }
    free(m.ink);
    return fifth;
}

static void find_faint_fifths(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], c1_tally *t)
{
    int last = t->n_cells - 1;   /* groups are drawn in reading order: only the last may be partial */
    while (last >= 0 && t->cells[last] == 0)
        last--;
    for (int c = 0; c < last; c++) {
        if (t->cells[c] != 4)
            continue;
        int in_cell[4], n = 0, crossing = 0;
        for (int i = 0; i < t->n_strokes; i++) {
            const c1_stroke *s = &t->strokes[i];
            double px = ((s->x0 + s->x1) / 2 - a->x_mm) * C1_PAGE_PX_PER_MM, py = ((s->y0 + s->y1) / 2 - a->y_mm) * C1_PAGE_PX_PER_MM;
            if (cell_of(fd, a, grid_mm, px, py) != c)
                continue;
            if (s->crossing)
                crossing = 1;
            else if (n < 4)
                in_cell[n++] = i;
        }
        if (crossing || n != 4 || !faint_fifth(a, t, in_cell, n))
            continue;
        t->cells[c] = 5, t->value++, t->by_strokes++, t->by_groups++;
        name_cell(t, c);
    }
}

/* Both counts, mark by mark. A mark where they differ, or that is no shape the convention allows (up
 * to three loose strokes, or whole groups of four plus a crossing one), or holds a fragment, or has
 * more ink than its strokes account for, or is two cells tall, or runs past the area read, names
 * its cell. */
static void count_marks(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], c1_tally *t)
{
    const double k = C1_PAGE_PX_PER_MM, cell_h = fd->tally.h / fd->tally_rows;
    int w = a->w, h = a->h, n_kept = 0;
    blob *marks = malloc(sizeof(blob) * MAX_MARKS);
    int *label = malloc(sizeof(int) * (size_t)w * h);
    uint8_t *bridged = bridge_vertically(a);
    mark_strokes *ms = NULL;
    mark_count *mc = NULL;
    if (!marks || !label || !bridged)
        goto done;
    int n_marks = components(bridged, w, h, label, marks, MAX_MARKS);
    /* specks go; the marks kept are numbered afresh */
    int renumber[MAX_MARKS + 1] = {0};
    for (int i = 0; i < n_marks; i++) {
        double bw = (marks[i].x1 - marks[i].x0 + 1) / k, bh = (marks[i].y1 - marks[i].y0 + 1) / k;
        if (fmax(bw, bh) >= MIN_MARK_MM)
            marks[n_kept] = marks[i], renumber[i + 1] = ++n_kept;
    }
    for (int p = 0; p < w * h; p++)
        label[p] = renumber[label[p]];
    ms = calloc((size_t)n_kept + 1, sizeof *ms);
    mc = calloc((size_t)n_kept + 1, sizeof *mc);
    if (!ms || !mc)
        goto done;
    for (int i = 0; i < n_kept; i++)
        trace_mark(a, &marks[i], i + 1, label, &ms[i]);
    const double typical_rows = typical_length(ms, n_kept, 0);
    const int min_rows = counting_length(typical_rows, (int)lround(MIN_STROKE_MM * k));
    const int min_cols = counting_length(typical_length(ms, n_kept, 1), (int)lround(MIN_CROSS_MM * k));
    const double pen = typical_thickness(ms, n_kept);
    for (int i = 0; i < n_kept; i++) {
        const blob *m = &marks[i];
        double bw = (m->x1 - m->x0 + 1) / k, bh = (m->y1 - m->y0 + 1) / k;
        int counted[MAX_PATHS], verticals = 0;
        for (int j = 0; j < ms[i].n_up; j++) {
            /* Tall groups in two rows touching: one path runs down two strokes drawn end to end. */
            counted[j] = ms[i].up[j].len < min_rows ? 0 : ms[i].up[j].len >= END_TO_END_SHARE * typical_rows ? 2 : 1;
            verticals += counted[j];
            if (counted[j])
                add_stroke(t, a, m, &ms[i].up[j], 0);
        }
        /* A mark as wide as n groups side by side and as tall as m cells (tall groups in two rows
         * touching) is n x m groups by the convention. */
        int groups_wide = (int)fmax(1, lround(bw / GROUP_PITCH_MM)), groups_high = (int)fmax(1, lround(bh / cell_h));
        int dropped;
        int crossings = keep_crossings(t, a, m, &ms[i], counted, min_cols, groups_wide, groups_high, &dropped);
        int by_strokes = verticals + crossings;
        int by_group = group_count(bw, ms[i].upright_w / k, groups_wide, groups_high);
        int plausible = (crossings == 0 && verticals >= 1 && verticals <= 3) ||
                        (crossings >= 1 && verticals == 4 * crossings);
        /* Crossed groups a stroke or two off (an upright lost where two cross, the edge of a broad
         * stroke, a crossing stroke traced twice, or two groups' crossing strokes traced as one where
         * they run into each other): the convention is the better count. The mark stays doubtful. */
        int n_groups = by_group / 5;
        int as_groups = !plausible && crossings >= 1 && n_groups >= 1 && abs(by_strokes - by_group) <= 2 &&
                        verticals >= 3 * n_groups;
        /* Four uprights and a stroke across three of them that passes no test of a fifth stroke (drawn
         * low, or short): a group whose fifth stroke is drawn oddly is likelier than a partial group of
         * four with a stray stroke across it. */
        as_groups |= crossings == 0 && verticals == 4 && by_group == 5 && dropped >= 1;
        const int centre_cell = cell_of(fd, a, grid_mm, m->cx, m->cy);
        mc[i] = (mark_count){centre_cell, by_strokes, by_group, as_groups, verticals, crossings};
        if (as_groups) {
            fill_groups(a, fd, grid_mm, m, &ms[i], groups_wide, groups_high, n_groups, t);
            t->value += by_group;
            if (n_groups == 1 && ms[i].n_across == 1)   /* where fill_groups put it */
                mc[i].cell = cell_of(fd, a, grid_mm, mid_x(m, &ms[i].across[0]), mid_y(m, &ms[i].across[0]));
        } else {
            fill_cells(a, fd, grid_mm, m, &ms[i], counted, t);
            t->value += by_strokes;
        }
        t->by_strokes += by_strokes;
        t->by_groups += by_group;
        /* More ink than the strokes traced account for: two strokes drawn over each other, or ink
         * that is no stroke at all. */
        int overinked = mark_thickness(&ms[i]) > THICK_SHARE * pen;
        /* Ink running on past the area read may hold more strokes than were seen. */
        int cut_off = m->x0 == 0 || m->y0 == 0 || m->x1 == w - 1 || m->y1 == h - 1;
        int fragments = loose_fragments(&ms[i], counted, crossings);
        int hooked = short_upright(&ms[i], counted, crossings, typical_rows);
        int broad = crossings == 0 && edges_of_one_stroke(a, label, i + 1, m, &ms[i], counted);
        if (by_strokes != by_group || !plausible || fragments || overinked || cut_off || hooked || broad ||
            bh > TALL_SHARE * cell_h)
            name_cell(t, centre_cell);
    }
    regroup_detached_uprights(mc, n_kept, t);
    find_faint_fifths(a, fd, grid_mm, t);
    for (int c = 0; c < t->n_cells; c++)
        if (t->cells[c] > 5)
            name_cell(t, c);
done:
    free(marks), free(label), free(bridged), free(ms), free(mc);
}

/* Counts the tally of one grid from its ink (see ink_area), cut from the page with the grid at
 * `grid_mm` (corners, page mm). */
void tally_count(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], c1_tally *t)
{
    memset(t, 0, sizeof *t);
    t->by_model = -1;
    t->n_cells = fd->tally_cols * fd->tally_rows;
    count_marks(a, fd, grid_mm, t);
    t->valid = 1;
    int agree = t->by_strokes == t->by_groups;
    t->confidence = agree ? (t->n_doubtful ? 0.9 : 0.995) : 0.2;
}

/* A pixel of the area, bilinear, 0 outside. */
static double dark_at(const ink_area *a, double x, double y)
{
    int x0 = (int)floor(x), y0 = (int)floor(y);
    double fx = x - x0, fy = y - y0, v = 0;
    for (int dy = 0; dy <= 1; dy++)
        for (int dx = 0; dx <= 1; dx++) {
            int xx = x0 + dx, yy = y0 + dy;
            if (xx >= 0 && yy >= 0 && xx < a->w && yy < a->h)
                v += (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) * a->dark[yy * a->w + xx];
        }
    return v;
}

int tally_cell_patches(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], float *out)
{
    if (!a->dark || fd->tally_cols <= 0 || fd->tally_rows <= 0)
        return 0;
    /* The grid's own contrast: its darkest ink (the 99.9th percentile, a speck left out) is 1. */
    long hist[256] = {0}, n = (long)a->w * a->h, acc = 0;
    for (long j = 0; j < n; j++)
        hist[a->dark[j]]++;
    int top = 255;
    while (top > 1 && (acc += hist[top]) * 1000 < n)
        top--;
    const double scale = 1.0 / (top < 24 ? 24 : top), k = C1_PAGE_PX_PER_MM;
    const double gx[4] = {grid_mm[0], grid_mm[2], grid_mm[4], grid_mm[6]}, gy[4] = {grid_mm[1], grid_mm[3], grid_mm[5], grid_mm[7]};
    const double span_x = 1 + 2 * TALLY_PATCH_REACH_X, span_y = 1 + 2 * TALLY_PATCH_REACH_Y;
    for (int c = 0; c < fd->tally_cols * fd->tally_rows; c++) {
        const int col = c % fd->tally_cols, row = c / fd->tally_cols;
        float *patch = out + (size_t)c * TALLY_PATCH;
        for (int py = 0; py < TALLY_PATCH_H; py++)
            for (int px = 0; px < TALLY_PATCH_W; px++) {
                double u = (col - TALLY_PATCH_REACH_X + span_x * (px + 0.5) / TALLY_PATCH_W) / fd->tally_cols;
                double v = (row - TALLY_PATCH_REACH_Y + span_y * (py + 0.5) / TALLY_PATCH_H) / fd->tally_rows;
                double x = (bilinear(gx, u, v) - a->x_mm) * k, y = (bilinear(gy, u, v) - a->y_mm) * k;
                double d = dark_at(a, x, y) * scale;
                patch[py * TALLY_PATCH_W + px] = (float)(d > 1 ? 1 : d);
            }
    }
    return 1;
}

int tally_field_patches(const c1_result *r, int i, float *out)
{
    const c1_form_field *fd = &r->form->fields[i];
    ink_area a = {0};
    int ok = fd->has_tally && cut_area(r, r->form, fd, r->fields[i].tally_mm, &a) &&
             tally_cell_patches(&a, fd, r->fields[i].tally_mm, out);
    free(a.ink), free(a.dark);
    return ok;
}

/* The grid's count from its cells' stroke counts, each cell's distribution given by the model: the
 * count's distribution is theirs convolved (cells taken apart). Sets by_model and model_p. */
static void model_count(const double *p, int n_cells, c1_tally *t)
{
    enum { MAX_COUNT = C1_MAX_TALLY_CELLS * (TALLY_CLASSES - 1) };
    static const int top = TALLY_CLASSES - 1;
    double dist[MAX_COUNT + 1] = {1}, next[MAX_COUNT + 1];
    for (int c = 0, reach = 0; c < n_cells; c++, reach += top) {
        memset(next, 0, sizeof(double) * (size_t)(reach + top + 1));
        for (int v = 0; v <= reach; v++)
            for (int k = 0; k < TALLY_CLASSES && dist[v] > 0; k++)
                next[v + k] += dist[v] * p[c * TALLY_CLASSES + k];
        memcpy(dist, next, sizeof(double) * (size_t)(reach + top + 1));
    }
    t->by_model = 0;
    for (int v = 1; v <= n_cells * top; v++)
        if (dist[v] > dist[t->by_model])
            t->by_model = v;
    t->model_p = dist[t->by_model];
}

/* A cell with no ink of its own (only its neighbours' round it, or none) holds no stroke: most of a
 * grid's cells are such, and the network is run only on the others, packed into one batch. */
static int cell_is_blank(const float *patch)
{
    const int x0 = (int)(TALLY_PATCH_W * TALLY_PATCH_REACH_X / (1 + 2 * TALLY_PATCH_REACH_X));
    const int y0 = (int)(TALLY_PATCH_H * TALLY_PATCH_REACH_Y / (1 + 2 * TALLY_PATCH_REACH_Y));
    for (int y = y0; y < TALLY_PATCH_H - y0; y++)
        for (int x = x0; x < TALLY_PATCH_W - x0; x++)
            if (patch[y * TALLY_PATCH_W + x] >= BLANK_CELL_INK)
                return 0;
    return 1;
}

/* Patch `from` moved dx pixels sideways into `to`, the column it leaves empty as paper. */
static void shift_patch(const float *from, int dx, float *to)
{
    for (int y = 0; y < TALLY_PATCH_H; y++)
        for (int x = 0; x < TALLY_PATCH_W; x++) {
            const int sx = x - dx;
            to[y * TALLY_PATCH_W + x] = sx >= 0 && sx < TALLY_PATCH_W ? from[y * TALLY_PATCH_W + sx] : 0;
        }
}

/* A cell the model is not sure of, read again moved a pixel either way, the three readings
 * averaged: its count can turn on where a stroke near the cell's edge falls, which the grid's fit
 * decides only to a pixel (measured on the validation set's cells: fewer grids and rows miscounted,
 * and no fewer for reading the sure cells again; docs/measurements.md). */
static int count_unsure_again(const digit_nets *nets, const float *patches, int inked, double *q)
{
    int n = 0, *at = malloc(sizeof(int) * (size_t)inked);
    for (int k = 0; at && k < inked; k++) {
        double top = 0;
        for (int j = 0; j < TALLY_CLASSES; j++)
            top = fmax(top, q[k * TALLY_CLASSES + j]);
        if (top < VIEWS_BELOW)
            at[n++] = k;
    }
    float *views = n ? malloc(sizeof(float) * TALLY_PATCH * 2 * (size_t)n) : NULL;
    double *pv = n ? malloc(sizeof(double) * TALLY_CLASSES * 2 * (size_t)n) : NULL;
    for (int k = 0; views && k < n; k++) {
        shift_patch(patches + (size_t)at[k] * TALLY_PATCH, -1, views + (size_t)(2 * k) * TALLY_PATCH);
        shift_patch(patches + (size_t)at[k] * TALLY_PATCH, 1, views + (size_t)(2 * k + 1) * TALLY_PATCH);
    }
    int ok = at && (n == 0 || (views && pv && model_count_tally(nets, views, 2 * n, TALLY_PATCH_H, TALLY_PATCH_W, pv)));
    for (int k = 0; ok && k < n; k++)
        for (int j = 0; j < TALLY_CLASSES; j++) {
            double *p = &q[at[k] * TALLY_CLASSES + j];
            *p = (*p + pv[2 * k * TALLY_CLASSES + j] + pv[(2 * k + 1) * TALLY_CLASSES + j]) / 3;
        }
    free(at), free(views), free(pv);
    return ok;
}

static int classify_inked_cells(const digit_nets *nets, float *patches, int n, double *p)
{
    int inked = 0, at[C1_MAX_TALLY_CELLS];
    for (int c = 0; c < n; c++) {
        memset(p + c * TALLY_CLASSES, 0, sizeof(double) * TALLY_CLASSES);
        if (cell_is_blank(patches + (size_t)c * TALLY_PATCH)) {
            p[c * TALLY_CLASSES] = 1;
            continue;
        }
        if (inked != c)
            memmove(patches + (size_t)inked * TALLY_PATCH, patches + (size_t)c * TALLY_PATCH, sizeof(float) * TALLY_PATCH);
        at[inked++] = c;
    }
    double *q = malloc(sizeof(double) * TALLY_CLASSES * (size_t)(inked ? inked : 1));
    int ok = q && (inked == 0 || (model_count_tally(nets, patches, inked, TALLY_PATCH_H, TALLY_PATCH_W, q) &&
                                  count_unsure_again(nets, patches, inked, q)));
    for (int k = 0; ok && k < inked; k++)
        memcpy(p + at[k] * TALLY_CLASSES, q + k * TALLY_CLASSES, sizeof(double) * TALLY_CLASSES);
    free(q);
    return ok;
}

/* Each cell's own likeliest count may add up to another than the grid's likeliest (a shadowed empty
 * cell read 5 at 0.51 beside groups read surely): the rows are counted from the cells, and must add up
 * to the count the tally gives. */
int tally_cells_adding_up_to(const double *p, int n, int count, int *best)
{
    enum { TOP = TALLY_CLASSES - 1 };
    if (n < 0 || n > C1_MAX_TALLY_CELLS || count < 0 || count > n * TOP)
        return 0;
    const size_t width = (size_t)count + 1;   /* sums above the count lead nowhere */
    double *score = malloc(sizeof(double) * (size_t)(n + 1) * width);
    signed char *took = malloc((size_t)(n + 1) * width);
    int ok = score && took;
    for (size_t v = 0; ok && v < width; v++)
        score[v] = v ? -INFINITY : 0;
    for (int c = 0; ok && c < n; c++) {
        double *from = score + (size_t)c * width, *to = from + width, log_p[TALLY_CLASSES];
        signed char *how = took + (size_t)(c + 1) * width;
        for (int k = 0; k <= TOP; k++)
            log_p[k] = p[c * TALLY_CLASSES + k] > 0 ? log(p[c * TALLY_CLASSES + k]) : -INFINITY;
        for (int v = 0; v <= count; v++) {
            to[v] = -INFINITY, how[v] = -1;
            for (int k = 0; k <= TOP && k <= v; k++)
                if (from[v - k] + log_p[k] > to[v])
                    to[v] = from[v - k] + log_p[k], how[v] = (signed char)k;
        }
    }
    ok = ok && isfinite(score[(size_t)n * width + (size_t)count]);
    for (int c = n, v = count; ok && c > 0; c--) {
        best[c - 1] = took[(size_t)c * width + (size_t)v];
        v -= best[c - 1];
    }
    free(score), free(took);
    return ok;
}

/* The cell model's count of each cell as the tally's cells (p: n cells' distributions), adding up
 * to the tally's value where they can; doubtful where the model is unsure, or the tracers counted
 * otherwise, or the sum moved the cell off its own likeliest count. */
static void take_model_cells(const double *p, int n, c1_tally *t)
{
    int summed[C1_MAX_TALLY_CELLS];
    const int adds_up = tally_cells_adding_up_to(p, n, t->value, summed);
    t->n_doubtful = 0;
    for (int c = 0; c < n; c++) {
        int best = 0;
        for (int k = 1; k < TALLY_CLASSES; k++)
            best = p[c * TALLY_CLASSES + k] > p[c * TALLY_CLASSES + best] ? k : best;
        const int chosen = adds_up ? summed[c] : best;
        if (chosen != best || chosen != t->cells[c] || p[c * TALLY_CLASSES + chosen] < MODEL_SPEAKS)
            t->doubtful[t->n_doubtful++] = c;
        t->cells[c] = chosen;
    }
}

/* The cell model as a third counter, failing otherwise than the two tracing the strokes (it sees a
 * cell's picture, not its paths), and right more often than either (docs/design.md, "Tally cell
 * model"). Where it is surely right its count and cells are the tally's: as sure as before when both
 * tracers agree with it, sure enough to be evidence when one does or it is very sure, in doubt
 * otherwise. Unsure, it leaves the tracers' verdict where they agree, in doubt where it finds another
 * count likelier than not. */
static void weigh_model(const ink_area *a, const c1_form_field *fd, const double grid_mm[8], const digit_nets *nets,
                        c1_tally *t)
{
    const int n = fd->tally_cols * fd->tally_rows;
    float *patches = malloc(sizeof(float) * TALLY_PATCH * (size_t)n);
    double *p = malloc(sizeof(double) * TALLY_CLASSES * (size_t)n);
    t->by_model = -1;
    if (nets && patches && p && n <= C1_MAX_TALLY_CELLS && tally_cell_patches(a, fd, grid_mm, patches) &&
        classify_inked_cells(nets, patches, n, p))
        model_count(p, n, t);
    const int speaks = t->by_model >= 0 && t->model_p >= MODEL_SPEAKS;
    /* Less sure, it is still likelier right than the tracers where they split (their verdict then
     * mixes the two: measured, docs/design.md "Tally cell model"): its count is given, in doubt. */
    const int likeliest = t->by_model >= 0 && !speaks && t->by_strokes != t->by_groups;
    if (speaks || likeliest) {
        const int backed = (t->by_model == t->by_strokes) + (t->by_model == t->by_groups);
        if (speaks && backed < 2)
            t->confidence = backed == 1 || t->model_p >= MODEL_SURE ? 0.9 : 0.5;
        t->value = t->by_model;
        take_model_cells(p, n, t);
    } else if (t->by_model >= 0 && t->by_model != t->value && t->model_p >= MODEL_DISSENTS) {
        /* The tracers agree, and the cell model, reading the cells' picture, finds another count
         * likelier than not: two counters against one is no witness (measured: a single faint stroke
         * beside the grid's edge traced as 3 by both, written 3 by the officer, the model 1). */
        t->confidence = fmin(t->confidence, 0.5);
        /* Where both traced nothing, the strokes were too faint for them, as they are on a soft photo:
         * the model's count is the likelier, and the grid is not empty. */
        if (t->by_strokes == 0 && t->by_groups == 0)
            t->value = t->by_model, take_model_cells(p, n, t);
    }
    free(patches), free(p);
}

static void read_one(const c1_result *r, const c1_form *f, int i, const digit_nets *nets, c1_tally *t)
{
    const c1_form_field *fd = &f->fields[i];
    const c1_field_result *fr = &r->fields[i];
    ink_area a = {0};   /* `t` comes zeroed: an area that cannot be cut leaves it invalid */
    if (cut_area(r, f, fd, fr->tally_mm, &a)) {
        tally_count(&a, fd, fr->tally_mm, t);
        weigh_model(&a, fd, fr->tally_mm, nets, t);
    }
    /* An empty grid says nothing: faint strokes lost on a soft photo leave it as empty as no votes do. */
    if (t->valid && t->value == 0 && t->by_strokes == 0 && t->by_groups == 0 && t->n_doubtful == 0)
        t->valid = 0, t->empty = 1;
    /* Blurred this much, strokes 2.5 mm apart melt into each other and the ink between them can
     * pass for a crossing stroke: a count may be right, never sure (measured: docs/design.md "Tally counter"). */
    if (r->blur_mm > MAX_SURE_BLUR_MM)
        t->confidence = fmin(t->confidence, 0.9);
    free(a.ink), free(a.dark);
}

c1_error read_tallies(const c1_engine *e, c1_result *r)
{
    digit_nets *nets = pool_take(&e->digit_nets);
    for (int i = 0; i < r->n_fields; i++)
        if (r->form->fields[i].has_tally) {
            r->fields[i].tally = calloc(1, sizeof(c1_tally));
            if (r->fields[i].tally)
                read_one(r, r->form, i, nets, r->fields[i].tally);
        }
    if (nets)
        pool_give(&e->digit_nets, nets);
    return C1_OK;
}
