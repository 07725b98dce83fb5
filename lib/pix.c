/* Image buffers and small geometry: the c1_pix type every stage passes along, homographies, time. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pix.h"

c1_pix *pix_create(int w, int h, int channels)
{
    if (w <= 0 || h <= 0 || (channels != 1 && channels != 3))
        return NULL;
    c1_pix *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->w = w;
    p->h = h;
    p->channels = channels;
    p->stride = w * channels;
    p->data = malloc((size_t)p->stride * h);
    if (!p->data) {
        free(p);
        return NULL;
    }
    return p;
}

void pix_destroy(c1_pix **pix)
{
    if (!pix || !*pix)
        return;
    free((*pix)->data);
    free(*pix);
    *pix = NULL;
}

c1_pix *pix_gray(const c1_pix *src)
{
    c1_pix *g = pix_create(src->w, src->h, 1);
    if (!g)
        return NULL;
    for (int y = 0; y < src->h; y++) {
        const uint8_t *s = pix_row(src, y);
        uint8_t *d = pix_row(g, y);
        if (src->channels == 1) {
            memcpy(d, s, (size_t)src->w);
            continue;
        }
        for (int x = 0; x < src->w; x++, s += 3) /* BGR, ITU-R 601 weights */
            d[x] = (uint8_t)((29 * s[0] + 150 * s[1] + 77 * s[2] + 128) >> 8);
    }
    return g;
}

void homography_apply(const double h[9], double x, double y, double *ox, double *oy)
{
    double w = h[6] * x + h[7] * y + h[8];
    if (fabs(w) < 1e-12)
        w = 1e-12;
    *ox = (h[0] * x + h[1] * y + h[2]) / w;
    *oy = (h[3] * x + h[4] * y + h[5]) / w;
}

int homography_invert(const double m[9], double inv[9])
{
    double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                 m[2] * (m[3] * m[7] - m[4] * m[6]);
    if (fabs(det) < 1e-18)
        return 0;
    inv[0] = (m[4] * m[8] - m[5] * m[7]) / det;
    inv[1] = (m[2] * m[7] - m[1] * m[8]) / det;
    inv[2] = (m[1] * m[5] - m[2] * m[4]) / det;
    inv[3] = (m[5] * m[6] - m[3] * m[8]) / det;
    inv[4] = (m[0] * m[8] - m[2] * m[6]) / det;
    inv[5] = (m[2] * m[3] - m[0] * m[5]) / det;
    inv[6] = (m[3] * m[7] - m[4] * m[6]) / det;
    inv[7] = (m[1] * m[6] - m[0] * m[7]) / det;
    inv[8] = (m[0] * m[4] - m[1] * m[3]) / det;
    return 1;
}

double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double pix_sample(const c1_pix *p, double x, double y)
{
    x -= 0.5, y -= 0.5;
    int x0 = (int)floor(x), y0 = (int)floor(y);
    if (x0 < 0 || y0 < 0 || x0 + 1 >= p->w || y0 + 1 >= p->h)
        return -1;
    double fx = x - x0, fy = y - y0;
    const uint8_t *a = pix_row(p, y0) + x0, *b = pix_row(p, y0 + 1) + x0;
    return (a[0] * (1 - fx) + a[1] * fx) * (1 - fy) + (b[0] * (1 - fx) + b[1] * fx) * fy;
}

double segment_distance(double px, double py, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(px - ax - t * dx, py - ay - t * dy);
}

c1_pix *pix_crop(const c1_pix *p, int x0, int y0, int x1, int y1)
{
    x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > p->w ? p->w : x1, y1 = y1 > p->h ? p->h : y1;
    if (x1 <= x0 || y1 <= y0)
        return NULL;
    c1_pix *c = pix_create(x1 - x0, y1 - y0, p->channels);
    if (!c)
        return NULL;
    for (int y = y0; y < y1; y++)
        memcpy(pix_row(c, y - y0), pix_row(p, y) + (size_t)x0 * p->channels, (size_t)(x1 - x0) * p->channels);
    return c;
}

double pix_correlate(const c1_pix *a, const c1_pix *b)
{
    if (a->w != b->w || a->h != b->h || a->channels != 1 || b->channels != 1)
        return -1;
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int y = 0; y < a->h; y++) {
        const uint8_t *ra = pix_row(a, y), *rb = pix_row(b, y);
        long ya = 0, yb = 0, yaa = 0, ybb = 0, yab = 0;   /* a row's sums are exact in integers */
        for (int x = 0; x < a->w; x++)
            ya += ra[x], yb += rb[x], yaa += ra[x] * ra[x], ybb += rb[x] * rb[x], yab += ra[x] * rb[x];
        sa += ya, sb += yb, saa += yaa, sbb += ybb, sab += yab;
    }
    const double n = (double)a->w * a->h, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
    return va > 0 && vb > 0 ? (sab - sa * sb / n) / sqrt(va * vb) : 0;
}

c1_pix *pix_crop_mm(const c1_pix *page, c1_rect r, double margin)
{
    const double k = C1_PAGE_PX_PER_MM;
    return pix_crop(page, (int)floor((r.x - margin) * k), (int)floor((r.y - margin) * k),
                    (int)ceil((r.x + r.w + margin) * k), (int)ceil((r.y + r.h + margin) * k));
}
