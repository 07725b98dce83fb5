/* Register: finds the four corner markers in the photo, decides which way is up from the QR code's
 * place, and computes the page-to-photo homography and the rectified page. Reads the photo and the
 * form; writes the result's geometry and page. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "stages.h"

#define MAX_QUADS 400
#define MAX_CANDIDATES 40
#define DETECT_LONG_SIDE 1600

typedef struct {
    double cx, cy, side;
} marker_candidate;

static double quad_area(const double p[8])
{
    double a = 0;
    for (int i = 0; i < 4; i++) {
        int j = (i + 1) % 4;
        a += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
    }
    return fabs(a) / 2;
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

/* Orders four points clockwise on screen (y down), starting anywhere. */
static void order_clockwise(marker_candidate *m[4])
{
    double cx = 0, cy = 0, ang[4];
    for (int i = 0; i < 4; i++)
        cx += m[i]->cx / 4, cy += m[i]->cy / 4;
    for (int i = 0; i < 4; i++)
        ang[i] = atan2(m[i]->cy - cy, m[i]->cx - cx);
    for (int i = 1; i < 4; i++)
        for (int j = i; j > 0 && ang[j] < ang[j - 1]; j--) {
            double t = ang[j];
            ang[j] = ang[j - 1], ang[j - 1] = t;
            marker_candidate *s = m[j];
            m[j] = m[j - 1], m[j - 1] = s;
        }
}

/* Keeps the largest solid quadrilaterals, sorted by size; a square found twice is kept once. */
static int add_candidate(marker_candidate *out, int n, const double *q)
{
    marker_candidate c = {0, 0, sqrt(q[8])};
    for (int k = 0; k < 4; k++)
        c.cx += q[2 * k] / 4, c.cy += q[2 * k + 1] / 4;
    for (int i = 0; i < n; i++)
        if (hypot(out[i].cx - c.cx, out[i].cy - c.cy) < 0.5 * fmax(out[i].side, c.side))
            return n;
    int at = n < MAX_CANDIDATES ? n++ : MAX_CANDIDATES;
    while (at > 0 && out[at - 1].side < c.side) {
        if (at < MAX_CANDIDATES)
            out[at] = out[at - 1];
        at--;
    }
    if (at < MAX_CANDIDATES)
        out[at] = c;
    return n;
}

static int collect_candidates(const c1_pix *small, marker_candidate *out)
{
    double *quads = malloc(sizeof(double) * 10 * MAX_QUADS);
    int n = 0;
    for (int mode = 0; quads && mode < 2; mode++) {
        int nq = cv_find_dark_quads(small, mode, quads, MAX_QUADS);
        for (int i = 0; i < nq; i++)
            if (quads[10 * i + 9] >= 0.8 && quads[10 * i + 8] >= 64)
                n = add_candidate(out, n, quads + 10 * i);
    }
    free(quads);
    return n;
}

/* The four candidates that look most like the page's markers: similar squares spanning the
 * largest convex quadrilateral, each about 16 mm on a page about 560 mm across. */
static int pick_markers(marker_candidate *c, int n, const c1_form *f, marker_candidate *best[4])
{
    double best_area = 0;
    double expect = f->markers[0].w / sqrt((f->markers[1].x - f->markers[0].x) * (f->markers[3].y - f->markers[0].y));
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            for (int d = b + 1; d < n; d++)
                for (int e = d + 1; e < n; e++) {
                    marker_candidate *m[4] = {&c[a], &c[b], &c[d], &c[e]};
                    double lo = 1e9, hi = 0;
                    for (int i = 0; i < 4; i++)
                        lo = fmin(lo, m[i]->side), hi = fmax(hi, m[i]->side);
                    if (hi > 2.2 * lo)
                        continue;
                    order_clockwise(m);
                    double p[8];
                    for (int i = 0; i < 4; i++)
                        p[2 * i] = m[i]->cx, p[2 * i + 1] = m[i]->cy;
                    double area = quad_area(p);
                    double ratio = sqrt(lo * hi) / sqrt(area);
                    if (!is_convex(p) || ratio < expect * 0.45 || ratio > expect * 2.2 || area <= best_area)
                        continue;
                    best_area = area;
                    memcpy(best, m, sizeof m);
                }
    return best_area > 0;
}

static void marker_centre_mm(const c1_form *f, int k, double *x, double *y)
{
    *x = f->markers[k].x + f->markers[k].w / 2;
    *y = f->markers[k].y + f->markers[k].h / 2;
}

static int homography_from_markers(const c1_form *f, const double photo_xy[8], double h[9])
{
    double page_xy[8];
    for (int k = 0; k < 4; k++)
        marker_centre_mm(f, k, &page_xy[2 * k], &page_xy[2 * k + 1]);
    return cv_find_homography(page_xy, photo_xy, 4, h);
}

/* Spread of grey levels over a page rectangle: high where the QR code's modules are. */
static double region_contrast(const c1_pix *img, const double h[9], c1_rect r, double scale)
{
    double sum = 0, sum2 = 0;
    int n = 0;
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            double x, y;
            homography_apply(h, r.x + r.w * (i + 0.5) / 16, r.y + r.h * (j + 0.5) / 16, &x, &y);
            int px = (int)(x * scale), py = (int)(y * scale);
            if (px < 0 || py < 0 || px >= img->w || py >= img->h)
                continue;
            double v = pix_row(img, py)[px];
            sum += v, sum2 += v * v, n++;
        }
    if (n < 64)
        return 0;
    double mean = sum / n;
    return sqrt(fmax(0, sum2 / n - mean * mean)) / fmax(mean, 1);
}

/* Which of the four cyclic assignments is upright: the one that puts the QR code where it is printed. */
static int choose_orientation(const c1_form *f, const c1_pix *small, double scale, const double centres[8],
                              double h_best[9])
{
    double best = -1, second = -1;
    if (!homography_from_markers(f, centres, h_best))
        return 0;
    for (int rot = 0; rot < 4; rot++) {
        double xy[8], h[9];
        for (int k = 0; k < 4; k++) {
            xy[2 * k] = centres[2 * ((k + rot) % 4)];
            xy[2 * k + 1] = centres[2 * ((k + rot) % 4) + 1];
        }
        if (!homography_from_markers(f, xy, h))
            continue;
        double s = region_contrast(small, h, f->qr, scale);
        if (s > best) {
            second = best;
            best = s;
            memcpy(h_best, h, sizeof(double) * 9);
        } else if (s > second) {
            second = s;
        }
    }
    return best > 0.15 && best > 1.5 * second;
}

/* The dark-weighted centroid of a marker at full resolution: sub-pixel and robust to blur. */
static void refine_centre(const c1_pix *g, const marker_candidate *m, double scale, double *x, double *y)
{
    double half = m->side / scale * 0.85;
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

static c1_error rectify(const c1_form *f, const c1_pix *gray, c1_result *r)
{
    double s = 1.0 / C1_PAGE_PX_PER_MM, scale_m[9] = {s, 0, 0, 0, s, 0, 0, 0, 1}, m[9];
    const double *h = r->h_page_to_photo;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            m[3 * i + j] = h[3 * i] * scale_m[j] + h[3 * i + 1] * scale_m[3 + j] + h[3 * i + 2] * scale_m[6 + j];
    r->page = cv_warp(gray, m, (int)(f->page_w * C1_PAGE_PX_PER_MM + 0.5), (int)(f->page_h * C1_PAGE_PX_PER_MM + 0.5));
    if (!r->page) {
        result_fail(r, C1_ERR_NO_MEMORY, "no memory for the rectified page");
        return r->error;
    }
    return C1_OK;
}

c1_error register_page(const c1_engine *e, c1_result *r)
{
    const c1_pix *gray = r->photo;
    const c1_form *f = &e->form;
    int longest = gray->w > gray->h ? gray->w : gray->h;
    double scale = longest > DETECT_LONG_SIDE ? (double)DETECT_LONG_SIDE / longest : 1.0;
    c1_pix *small = cv_resize(gray, (int)(gray->w * scale + 0.5), (int)(gray->h * scale + 0.5));
    marker_candidate cand[MAX_CANDIDATES + 1], *m[4];
    int n = small ? collect_candidates(small, cand) : 0;
    if (n < 4 || !pick_markers(cand, n, f, m)) {
        pix_destroy(&small);
        result_fail(r, C1_ERR_PAGE_NOT_FOUND, "found %d of the 4 corner markers: no whole form in the photo",
                    n < 4 ? n : 3);
        return r->error;
    }
    double rough[8], fine[8], h[9];
    for (int k = 0; k < 4; k++) {
        rough[2 * k] = m[k]->cx / scale, rough[2 * k + 1] = m[k]->cy / scale;
        refine_centre(gray, m[k], scale, &fine[2 * k], &fine[2 * k + 1]);
    }
    /* Without a clear QR the page is still rectified, so that the quality gate can say whether
     * blur is why; the markers are symmetric, so their edges measure blur in any orientation. */
    r->upright_unknown = !choose_orientation(f, small, scale, rough, h);
    pix_destroy(&small);
    /* Re-solve with the refined centres in the orientation just chosen. */
    double page_xy[8], xy[8];
    for (int k = 0; k < 4; k++)
        marker_centre_mm(f, k, &page_xy[2 * k], &page_xy[2 * k + 1]);
    for (int k = 0; k < 4; k++) {
        double px, py, best = 1e18;
        homography_apply(h, page_xy[2 * k], page_xy[2 * k + 1], &px, &py);
        for (int j = 0; j < 4; j++) {
            double d = hypot(fine[2 * j] - px, fine[2 * j + 1] - py);
            if (d < best)
                best = d, xy[2 * k] = fine[2 * j], xy[2 * k + 1] = fine[2 * j + 1];
        }
    }
    if (!homography_from_markers(f, xy, r->h_page_to_photo)) {
        result_fail(r, C1_ERR_PAGE_NOT_FOUND, "the corner markers do not form a page");
        return r->error;
    }
    const double pc[4][2] = {{0, 0}, {f->page_w, 0}, {f->page_w, f->page_h}, {0, f->page_h}};
    r->px_per_mm = 1e9;
    for (int k = 0; k < 4; k++) {
        homography_apply(r->h_page_to_photo, pc[k][0], pc[k][1], &r->corners[2 * k], &r->corners[2 * k + 1]);
        r->px_per_mm = fmin(r->px_per_mm, local_px_per_mm(r->h_page_to_photo, page_xy[2 * k], page_xy[2 * k + 1]));
    }
    r->have_page = 1;
    return rectify(f, gray, r);
}
