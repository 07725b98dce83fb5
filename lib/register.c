/* Register: finds the page's four corner marks (two solid squares touching at a corner) in the
 * photo and fits the page-to-photo homography. The marks are alike, but the squares' diagonal runs
 * the same way in all four: that rules out a quarter turn, and leaves the page upright or upside
 * down, two candidates the page marker (identify.c) decides between. Reads the photo and the forms'
 * mark geometry; writes the result's candidate homographies, resolution and corners. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "stages.h"

#define MAX_SHAPES 4000
#define MAX_SQUARES 400
#define MAX_MARKS 400
#define MAX_SETS 6         /* sets of four marks the page marker is looked for under */
#define MAX_PICKED 60      /* the best candidates tried four at a time */
#define MIN_MARK_SCORE -0.15
#define DETECT_LONG_SIDE 1600
#define MAX_SIDE_RATIO 4.0 /* a steep tilt shows the far marks small, but not this small */

typedef struct {
    double cx, cy, side;
} square;

/* A candidate mark: the two squares' midpoint, their size and the direction from one to the other. */
typedef struct {
    double cx, cy, side, dx, dy;
    double score;                  /* mark_score */
} mark_candidate;

/* The area of a simple polygon of n corners, x and y in turn (the shoelace formula). */
static double polygon_area(const double *xy, int n)
{
    double a = 0;
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        a += xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
    }
    return fabs(a) / 2;
}

static double quad_area(const double p[8])
{
    return polygon_area(p, 4);
}

static int is_convex(const double p[8])
{
    int sign = 0;
    for (int i = 0; i < 4; i++) {
        const double *a = p + 2 * i, *b = p + 2 * ((i + 1) % 4), *c = p + 2 * ((i + 2) % 4);
        double cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        int s = cross > 0 ? 1 : -1;
        if (sign && s != sign)
            return 0;
        sign = s;
    }
    return 1;
}

/* A number that grows with the angle of (dx, dy) as atan2's does, from just above -pi to pi, without
 * its cost: the sets tried are many. */
static double angle_order(double dx, double dy)
{
    double a = fabs(dx) + fabs(dy), p;
    if (a == 0)
        return 0;
    if (dy >= 0)
        p = dx >= 0 ? dy / a : 1 - dx / a;   /* [0, 2]: 0 to pi */
    else
        p = dx < 0 ? 2 - dy / a : 3 + dx / a;   /* (2, 4): pi to 2 pi */
    return p > 2 ? p - 4 : p;
}

/* Orders four marks clockwise on screen (y down), starting anywhere. */
static void order_clockwise(mark_candidate *m[4])
{
    double cx = 0, cy = 0, ang[4];
    for (int i = 0; i < 4; i++)
        cx += m[i]->cx / 4, cy += m[i]->cy / 4;
    for (int i = 0; i < 4; i++)
        ang[i] = angle_order(m[i]->cx - cx, m[i]->cy - cy);
    for (int i = 1; i < 4; i++)
        for (int j = i; j > 0 && ang[j] < ang[j - 1]; j--) {
            double t = ang[j];
            ang[j] = ang[j - 1], ang[j - 1] = t;
            mark_candidate *s = m[j];
            m[j] = m[j - 1], m[j - 1] = s;
        }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int by_score(const void *a, const void *b)
{
    double x = ((const mark_candidate *)a)->score, y = ((const mark_candidate *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

static double sample_or(const c1_pix *p, double x, double y, double fallback)
{
    double v = pix_sample(p, x, y);
    return v < 0 ? fallback : v;
}

/* How much a candidate looks like a mark printed on paper: its two squares dark, and a ring of
 * clear paper around them (the marks stand alone in the page's corners; a keyboard's keys, a
 * table's edge or a window's chrome do not). */
static double mark_score(const c1_pix *small, const mark_candidate *m)
{
    const double o = m->side / M_SQRT2, e = 1.9 * m->side, px = -m->dy, py = m->dx;
    double inner = (sample_or(small, m->cx + o * m->dx, m->cy + o * m->dy, 255) +
                    sample_or(small, m->cx - o * m->dx, m->cy - o * m->dy, 255)) / 2;
    /* past the squares' far corners, and in the two empty quadrants: paper, not a bar or a blob (on
     * one side at least: a mark near the sheet's edge, cut close, has the background on the other) */
    double ends = fmax(sample_or(small, m->cx + e * m->dx, m->cy + e * m->dy, 0),
                       sample_or(small, m->cx - e * m->dx, m->cy - e * m->dy, 0));
    double sides = fmax(sample_or(small, m->cx + o * px, m->cy + o * py, 0), sample_or(small, m->cx - o * px, m->cy - o * py, 0));
    double ring[32];
    for (int k = 0; k < 32; k++) {
        double a = 2 * M_PI * k / 16, r = (k < 16 ? 1.8 : 2.4) * m->side;
        ring[k] = sample_or(small, m->cx + r * cos(a), m->cy + r * sin(a), 0);
    }
    /* the ring's darkest third may be print crossing it, or the background past a sheet cut close */
    qsort(ring, 32, sizeof *ring, cmp_double);
    double lo = ring[10], paper = ring[24];
    if (paper < 1)
        return -1;
    return (fmin(lo, fmin(ends, sides)) - inner) / paper - 0.5 * (paper - lo) / paper;
}

/* A new candidate, unless one is there already: then the one that looks more like a mark stays (one
 * mark found by both darkness tests, its squares' size measured better by one). */
static int add_mark(const c1_pix *small, mark_candidate *out, int n, mark_candidate m)
{
    m.score = mark_score(small, &m);
    for (int i = 0; i < n; i++) {
        double dx = out[i].cx - m.cx, dy = out[i].cy - m.cy, near = 0.7 * fmax(out[i].side, m.side);
        if (dx * dx + dy * dy < near * near) {
            if (m.score > out[i].score)
                out[i] = m;
            return n;
        }
    }
    if (n < MAX_MARKS)
        out[n++] = m;
    return n;
}

/* Pairs of like solid squares one diagonal apart: where the squares came apart in the photo. */
static int pair_squares(const c1_pix *small, const square *s, int n, mark_candidate *out, int m)
{
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            double lo = fmin(s[a].side, s[b].side), hi = fmax(s[a].side, s[b].side);
            double dx = s[b].cx - s[a].cx, dy = s[b].cy - s[a].cy, d = hypot(dx, dy), side = (lo + hi) / 2;
            /* the centres a diagonal apart: sqrt 2 sides, more where the dark threshold shrank them */
            if (hi > 1.6 * lo || d < 1.2 * side || d > 2.8 * side)
                continue;
            m = add_mark(small, out, m, (mark_candidate){(s[a].cx + s[b].cx) / 2, (s[a].cy + s[b].cy) / 2, side, dx / d, dy / d, 0});
        }
    return m;
}

/* The candidate marks of a photo: two solid squares found apart and paired, or found as one shape that
 * fills about two thirds of its hull (two squares meeting at a corner fill 2 of its 3 square units),
 * stretched along their diagonal. Both darkness tests of cv_find_dark_shapes are tried. */
static int collect_marks(const c1_pix *small, mark_candidate *out)
{
    cv_shape *shapes = malloc(sizeof *shapes * MAX_SHAPES);
    square *squares = malloc(sizeof *squares * MAX_SQUARES);
    int m = 0;
    for (int mode = 0; shapes && squares && mode < 2; mode++) {
        int n = cv_find_dark_shapes(small, mode, shapes, MAX_SHAPES), n_squares = 0;
        for (int i = 0; i < n; i++) {
            const cv_shape *s = &shapes[i];
            /* a square a few pixels wide, blurred, shows a corner too many and stretched by the tilt */
            if (s->solidity >= 0.86 && s->corners >= 4 && s->corners <= 5 && s->elongation <= 4 && n_squares < MAX_SQUARES)
                squares[n_squares++] = (square){s->cx, s->cy, sqrt(s->area)};
            else if (s->solidity >= 0.5 && s->solidity < 0.88 && s->elongation >= 3 && s->elongation <= 25)
                m = add_mark(small, out, m, (mark_candidate){s->cx, s->cy, sqrt(s->area / 2), s->axis[0], s->axis[1], 0});
        }
        m = pair_squares(small, squares, n_squares, out, m);
    }
    free(shapes);
    free(squares);
    qsort(out, (size_t)m, sizeof *out, by_score);
    while (m > 0 && out[m - 1].score < MIN_MARK_SCORE)
        m--;
    return m < MAX_PICKED ? m : MAX_PICKED;
}

/* Do two marks' diagonals run the same way (either sign: which square is "a" is arbitrary)? */
static int alike_diagonals(const mark_candidate *a, const mark_candidate *b)
{
    return fabs(a->dx * b->dx + a->dy * b->dy) > 0.6;   /* a steep tilt turns the far marks' diagonals */
}

/* Are opposite sides of the quadrilateral in about the page's proportion, one way or the other
 * (a tilted camera foreshortens it, but not by half)? */
static int page_shaped(const double p[8], double aspect)
{
    double side[4];
    for (int i = 0; i < 4; i++) {
        int j = (i + 1) % 4;
        side[i] = hypot(p[2 * j] - p[2 * i], p[2 * j + 1] - p[2 * i + 1]);
    }
    double a = (side[0] + side[2]) / (side[1] + side[3]);
    return (a > 0.6 * aspect && a < 1.6 * aspect) || (1 / a > 0.6 * aspect && 1 / a < 1.6 * aspect);
}

typedef struct {
    mark_candidate *m[4];      /* clockwise */
    double rank;               /* its marks' scores added, and the share of the photo it spans twice */
} mark_set;

/* Keeps the sets whose marks look most like marks first, at most MAX_SETS. */
static int add_set(mark_set *sets, int n, mark_candidate *m[4], double rank)
{
    int at = n < MAX_SETS ? n++ : MAX_SETS;
    while (at > 0 && sets[at - 1].rank < rank) {
        if (at < MAX_SETS)
            sets[at] = sets[at - 1];
        at--;
    }
    if (at < MAX_SETS) {
        memcpy(sets[at].m, m, sizeof sets[at].m);
        sets[at].rank = rank;
    }
    return n;
}

static double abs_cos(double ax, double ay, double bx, double by)
{
    double la = hypot(ax, ay), lb = hypot(bx, by);
    return la > 0 && lb > 0 ? fabs(ax * bx + ay * by) / (la * lb) : 0;
}

/* Do the marks' diagonals run along the page's top-left to bottom-right direction, as the sides of the
 * quadrilateral place it (roughly: an affine view from the first corner, whichever corner that is)? */
static int diagonal_along_page(const double p[8], const mark_candidate *m, double span_w, double span_h)
{
    double xx = p[2] - p[0], xy = p[3] - p[1], yx = p[6] - p[0], yy = p[7] - p[1];
    return abs_cos(m->dx, m->dy, xx / span_w + yx / span_h, xy / span_w + yy / span_h) > 0.6 ||
           abs_cos(m->dx, m->dy, xx / span_h - yx / span_w, xy / span_h - yy / span_w) > 0.6;
}

static double cross3(const double *o, const double *a, const double *b)
{
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

static int by_x_then_y(const void *pa, const void *pb)
{
    const double *a = pa, *b = pb;
    return a[0] != b[0] ? (a[0] > b[0]) - (a[0] < b[0]) : (a[1] > b[1]) - (a[1] < b[1]);
}

/* The area of the convex hull of the candidates' centres (Andrew's monotone chain). */
static double hull_area(const mark_candidate *c, int n)
{
    double pts[MAX_PICKED][2], hull[2 * MAX_PICKED][2];
    for (int i = 0; i < n; i++)
        pts[i][0] = c[i].cx, pts[i][1] = c[i].cy;
    qsort(pts, (size_t)n, sizeof pts[0], by_x_then_y);
    int k = 0;
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross3(hull[k - 2], hull[k - 1], pts[i]) <= 0)
            k--;
        hull[k][0] = pts[i][0], hull[k][1] = pts[i][1], k++;
    }
    for (int i = n - 2, lower = k + 1; i >= 0; i--) {
        while (k >= lower && cross3(hull[k - 2], hull[k - 1], pts[i]) <= 0)
            k--;
        hull[k][0] = pts[i][0], hull[k][1] = pts[i][1], k++;
    }
    return polygon_area(&hull[0][0], k - 1);   /* the chain ends where it began */
}

/* The sets of four candidates that could be the page's marks: alike, their diagonals alike, spanning
 * a convex quadrilateral of about the page's proportions, its diagonals along the page's; those whose
 * marks look most like marks on paper, and that span most of the photo, first. The page marker decides among them (identify.c). */
static int pick_marks(mark_candidate *c, int n, const c1_form *f, double image_area, mark_set *sets)
{
    const double span_w = f->marks[1].x - f->marks[0].x, span_h = f->marks[3].y - f->marks[0].y;
    const double expect = f->marks[0].square / sqrt(span_w * span_h);
    /* Two of a page's marks lie a page's width or height apart, and a tilt foreshortens that by less
     * than half: candidates closer than that (a line of text, a row of boxes) are never both marks,
     * which leaves few sets of four to try. */
    const double apart = 0.25 * fmin(span_w, span_h) / f->marks[0].square;
    unsigned char ok[MAX_PICKED][MAX_PICKED];
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            ok[a][b] = hypot(c[a].cx - c[b].cx, c[a].cy - c[b].cy) >= apart * fmin(c[a].side, c[b].side) &&
                       alike_diagonals(&c[a], &c[b]) && fmax(c[a].side, c[b].side) <= MAX_SIDE_RATIO * fmin(c[a].side, c[b].side);
    /* The candidates come best first, and a set's rank is at most its four scores and twice the share
     * of the photo that all the candidates span (a set's quadrilateral lies inside their hull): once
     * MAX_SETS are kept, no later fourth, or third, can rank above the last. */
    const double most_area = 2 * hull_area(c, n) / image_area + 1e-9;
#define CANNOT_RANK(a, b, d, e) \
    (n_sets == MAX_SETS && c[a].score + c[b].score + c[d].score + c[e].score + most_area < sets[MAX_SETS - 1].rank)
    int n_sets = 0;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            for (int d = b + 1; d + 1 < n && ok[a][b] && !CANNOT_RANK(a, b, d, d + 1); d++)
                for (int e = d + 1; e < n && ok[a][d] && ok[b][d] && !CANNOT_RANK(a, b, d, e); e++) {
                    if (!ok[a][e] || !ok[b][e] || !ok[d][e])
                        continue;
                    mark_candidate *m[4] = {&c[a], &c[b], &c[d], &c[e]};
                    double lo = 1e9, hi = 0;
                    for (int i = 0; i < 4; i++)
                        lo = fmin(lo, m[i]->side), hi = fmax(hi, m[i]->side);
                    order_clockwise(m);
                    double p[8];
                    for (int i = 0; i < 4; i++)
                        p[2 * i] = m[i]->cx, p[2 * i + 1] = m[i]->cy;
                    double area = quad_area(p), ratio = sqrt(lo * hi) / sqrt(area);
                    if (is_convex(p) && ratio >= expect * 0.4 && ratio <= expect * 2.5 && page_shaped(p, span_w / span_h) &&
                        diagonal_along_page(p, m[0], span_w, span_h))
                        n_sets = add_set(sets, n_sets, m, m[0]->score + m[1]->score + m[2]->score + m[3]->score +
                                                              2 * area / image_area);
                }
#undef CANNOT_RANK
    return n_sets;
}

static int homography_from_marks(const c1_form *f, const double photo_xy[8], double h[9])
{
    double page_xy[8];
    for (int k = 0; k < 4; k++)
        page_xy[2 * k] = f->marks[k].x, page_xy[2 * k + 1] = f->marks[k].y;
    return cv_find_homography(page_xy, photo_xy, 4, h);
}

/* Does assigning the marks to the page's corners from `first` on put the squares' diagonal where
 * the page prints it (top-left to bottom-right)? A quarter turn puts it across. */
static int diagonal_fits(const c1_form *f, const double h[9], const mark_candidate *m)
{
    double x0, y0, x1, y1;
    homography_apply(h, f->marks[0].x, f->marks[0].y, &x0, &y0);
    homography_apply(h, f->marks[0].x + 1, f->marks[0].y + 1, &x1, &y1);
    double len = hypot(x1 - x0, y1 - y0);
    return len > 0 && fabs(((x1 - x0) * m->dx + (y1 - y0) * m->dy) / len) > 0.7;
}

/* The dark-weighted centroid of a mark at full resolution (its two squares are symmetric about where
 * they touch): sub-pixel and robust to blur. */
static void refine_centre(const c1_pix *g, const mark_candidate *m, double scale, double *x, double *y)
{
    double half = m->side / scale * 1.7;
    int x0 = (int)fmax(0, m->cx / scale - half), x1 = (int)fmin(g->w - 1, m->cx / scale + half);
    int y0 = (int)fmax(0, m->cy / scale - half), y1 = (int)fmin(g->h - 1, m->cy / scale + half);
    int hist[256] = {0}, n = 0;
    for (int yy = y0; yy <= y1; yy++)
        for (int xx = x0; xx <= x1; xx++)
            hist[pix_row(g, yy)[xx]]++, n++;
    int dark = 0, light = 255, acc = 0;
    for (int v = 0; v < 256; v++) {
        acc += hist[v];
        if (acc < n / 10)
            dark = v;
        if (acc < n * 97 / 100)
            light = v;
    }
    double sw = 0, sx = 0, sy = 0;
    for (int yy = y0; yy <= y1; yy++)
        for (int xx = x0; xx <= x1; xx++) {
            double w = (light - pix_row(g, yy)[xx]) / fmax(1.0, light - dark);
            w = w < 0 ? 0 : w > 1 ? 1 : w;
            sw += w, sx += w * xx, sy += w * yy;
        }
    *x = sw > 0 ? sx / sw + 0.5 : m->cx / scale;
    *y = sw > 0 ? sy / sw + 0.5 : m->cy / scale;
}

static double local_px_per_mm(const double h[9], double x, double y)
{
    double x0, y0, x1, y1, x2, y2;
    homography_apply(h, x, y, &x0, &y0);
    homography_apply(h, x + 1, y, &x1, &y1);
    homography_apply(h, x, y + 1, &x2, &y2);
    return sqrt(fabs((x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0)));
}

/* A set of marks refined at full resolution, both ways up: the clockwise marks assigned to the page's
 * corners from each mark whose diagonal fits. */
static void fit_candidates(const c1_form *f, const c1_pix *gray, double scale, const mark_set *set, c1_result *r)
{
    double fine[8];
    for (int k = 0; k < 4; k++)
        refine_centre(gray, set->m[k], scale, &fine[2 * k], &fine[2 * k + 1]);
    for (int rot = 0; rot < 4 && r->n_candidates < C1_MAX_CANDIDATES; rot++) {
        double xy[8], h[9];
        for (int k = 0; k < 4; k++)
            xy[2 * k] = fine[2 * ((k + rot) % 4)], xy[2 * k + 1] = fine[2 * ((k + rot) % 4) + 1];
        if (homography_from_marks(f, xy, h) && diagonal_fits(f, h, set->m[0]))
            memcpy(r->h_candidates[r->n_candidates++], h, sizeof h);
    }
}

c1_error register_page(const c1_engine *e, c1_result *r)
{
    const c1_form *f = &e->forms[0];   /* every page of every form has its marks where this one has */
    const c1_pix *gray = r->photo;
    int longest = gray->w > gray->h ? gray->w : gray->h;
    double scale = longest > DETECT_LONG_SIDE ? (double)DETECT_LONG_SIDE / longest : 1.0;
    c1_pix *small = cv_resize(gray, (int)(gray->w * scale + 0.5), (int)(gray->h * scale + 0.5));
    mark_candidate *cand = malloc(sizeof *cand * MAX_MARKS);
    mark_set sets[MAX_SETS];
    int n = small && cand ? collect_marks(small, cand) : 0;
    int n_sets = n >= 4 ? pick_marks(cand, n, f, (double)small->w * small->h, sets) : 0;
    pix_destroy(&small);
    for (int s = 0; s < n_sets; s++)
        fit_candidates(f, gray, scale, &sets[s], r);
    free(cand);
    if (n_sets == 0 || r->n_candidates == 0)
        result_fail(r, C1_ERR_PAGE_NOT_FOUND, "found %d of the 4 corner marks: no whole form in the photo",
                    n < 4 ? n : 3);
    return r->error;
}

/* Sets the page's homography to one candidate: its corners and the rectified page. */
/* ---- the rectified page, where it is read */

#define TILE_MM 15.0          /* the page is rectified in tiles of this size ... */
#define READ_MARGIN_MM 12.0   /* ... wherever a stage may look: every printed thing it reads, this much
                                 wider (locate's search, a digit spilling out of its box, a fold's shift) */
#define MAX_TILES 4096

static void want_region(unsigned char *tiles, int tw, int th, c1_rect r, double margin)
{
    int x0 = (int)floor((r.x - margin) / TILE_MM), x1 = (int)floor((r.x + r.w + margin) / TILE_MM);
    int y0 = (int)floor((r.y - margin) / TILE_MM), y1 = (int)floor((r.y + r.h + margin) / TILE_MM);
    for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < th; y++)
        for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < tw; x++)
            tiles[y * tw + x] = 1;
}

/* The tiles some stage reads: each field's boxes (with the row above, where a correction is written),
 * tally grid, row counts and bubbles; the anchors locate matches; the corner marks quality measures;
 * the title identify may read. The rest of the page (headers, names, signatures) is never looked at. */
static void wanted_tiles(const c1_form *f, unsigned char *tiles, int tw, int th)
{
    memset(tiles, 0, (size_t)tw * th);
    for (int i = 0; i < f->n_fields; i++) {
        const c1_form_field *fd = &f->fields[i];
        for (int d = 0; d < C1_DIGITS; d++)
            want_region(tiles, tw, th, fd->digits[d], fmax(READ_MARGIN_MM, fd->digits[d].h));
        if (fd->has_tally)
            want_region(tiles, tw, th, fd->tally, READ_MARGIN_MM);
        if (fd->has_row_counts) {
            const c1_row_counts *rc = &fd->row_counts;
            want_region(tiles, tw, th, (c1_rect){rc->x, rc->y, rc->digits * rc->cell_w, rc->rows * rc->cell_h}, READ_MARGIN_MM);
        }
        for (int k = 0; fd->has_bubbles && k < C1_DIGITS; k++)
            want_region(tiles, tw, th, (c1_rect){fd->bubbles.x[k], fd->bubbles.y0, 0, 9 * fd->bubbles.pitch},
                        fd->bubbles.radius + READ_MARGIN_MM);
    }
    for (int i = 0; i < f->n_anchors; i++)
        want_region(tiles, tw, th, f->anchors[i], READ_MARGIN_MM);
    for (int k = 0; k < 4; k++)
        want_region(tiles, tw, th, (c1_rect){f->marks[k].x, f->marks[k].y, 0, 0}, 3 * f->marks[k].square);
    want_region(tiles, tw, th, f->title_box, READ_MARGIN_MM);
}

/* The page at C1_PAGE_PX_PER_MM, page pixel -> photo pixel by m, rectified tile row by tile row where
 * read and white elsewhere: a 600 x 900 mm page is 13.5 million pixels, most of them never looked at. */
static c1_pix *rectify(const c1_form *f, const c1_pix *gray, const double m[9])
{
    const int w = (int)(f->page_w * C1_PAGE_PX_PER_MM + 0.5), h = (int)(f->page_h * C1_PAGE_PX_PER_MM + 0.5);
    const int tw = (int)ceil(f->page_w / TILE_MM), th = (int)ceil(f->page_h / TILE_MM), tile = (int)(TILE_MM * C1_PAGE_PX_PER_MM);
    unsigned char tiles[MAX_TILES];
    if (tw * th > MAX_TILES)
        return cv_warp(gray, m, w, h);
    wanted_tiles(f, tiles, tw, th);
    c1_pix *page = pix_create(w, h, 1);
    int ok = page != NULL;
    if (ok)
        memset(page->data, 255, (size_t)page->stride * h);
    for (int ty = 0; ok && ty < th; ty++)
        for (int tx = 0; ok && tx < tw; tx++) {
            if (!tiles[ty * tw + tx])
                continue;
            int run = tx;   /* a row's run of wanted tiles, warped at once */
            while (run + 1 < tw && tiles[ty * tw + run + 1])
                run++;
            int x0 = tx * tile, y0 = ty * tile, x1 = (run + 1) * tile, y1 = (ty + 1) * tile;
            ok = cv_warp_into(gray, m, page, x0, y0, (x1 < w ? x1 : w) - x0, (y1 < h ? y1 : h) - y0);
            tx = run;
        }
    if (!ok)
        pix_destroy(&page);
    return page;
}

c1_error register_settle(const c1_form *f, const double h[9], const c1_pix *gray, c1_result *r)
{
    memcpy(r->h_page_to_photo, h, sizeof r->h_page_to_photo);
    const double pc[4][2] = {{0, 0}, {f->page_w, 0}, {f->page_w, f->page_h}, {0, f->page_h}};
    for (int k = 0; k < 4; k++)
        homography_apply(h, pc[k][0], pc[k][1], &r->corners[2 * k], &r->corners[2 * k + 1]);
    double s = 1.0 / C1_PAGE_PX_PER_MM, m[9];
    const double scale_m[9] = {s, 0, 0, 0, s, 0, 0, 0, 1};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            m[3 * i + j] = h[3 * i] * scale_m[j] + h[3 * i + 1] * scale_m[3 + j] + h[3 * i + 2] * scale_m[6 + j];
    r->page = rectify(f, gray, m);
    if (!r->page) {
        result_fail(r, C1_ERR_NO_MEMORY, "no memory for the rectified page");
        return r->error;
    }
    r->have_page = 1;
    r->px_per_mm = 0;   /* the mean of the four corners: a steep tilt leaves the far corners finer */
    for (int k = 0; k < 4; k++)
        r->px_per_mm += local_px_per_mm(h, f->marks[k].x, f->marks[k].y) / 4;
    return C1_OK;
}
