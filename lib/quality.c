/* Quality gate: measures the page's resolution and blur, and refuses a page too small or too blurred
 * for anything on it to be read, so that nothing is ever guessed from it; a page that is merely soft
 * is read, and the fields its blur makes doubtful go to review (the gate's blurred_page). Reads the
 * rectified page and the registration; writes the result's px_per_mm/blur_mm and the rejection. */
#include <math.h>
#include <stdlib.h>

#include "stages.h"

/* Below this a 17 mm digit box is under 14 photo pixels wide: strokes merge. */
#define MIN_PX_PER_MM 0.8
/* Gaussian blur (sigma, mm) beyond which a 0.5 mm pen stroke has faded into the paper and nothing
 * handwritten can be read at all; softer pages are read (people read them) with their fields held to
 * more (the gate's blurred_page). */
#define MAX_BLUR_MM 1.3

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sigma of a blurred step from its height and steepest slope: slope = height / (sigma sqrt(2 pi)). */
static double edge_sigma(const c1_pix *page, double x, double y, double nx, double ny)
{
    const double step = 0.1, reach = 3.0;
    double prof[61];
    int n = 0;
    for (double t = -reach; t <= reach + 1e-9 && n < 61; t += step) {
        double v = pix_sample(page, (x + t * nx) * C1_PAGE_PX_PER_MM, (y + t * ny) * C1_PAGE_PX_PER_MM);
        if (v < 0)
            return -1;
        prof[n++] = v;
    }
    double inside = (prof[0] + prof[1] + prof[2] + prof[3] + prof[4]) / 5;
    double outside = (prof[n - 1] + prof[n - 2] + prof[n - 3] + prof[n - 4] + prof[n - 5]) / 5;
    double height = fabs(outside - inside), slope = 0;
    if (height < 25)
        return -1;
    for (int i = 2; i + 2 < n; i++)
        slope = fmax(slope, fabs(prof[i + 2] + prof[i + 1] - prof[i - 1] - prof[i - 2]) / (6 * step));
    return slope > 0 ? height / (slope * sqrt(2 * M_PI)) : -1;
}

/* The median edge blur round the four corner marks of the rectified page: the outer edges of each
 * mark's two squares (top-left square: its top and left; bottom-right square: its bottom and right). */
double quality_blur_mm(const c1_form *f, const c1_pix *page)
{
    double s[4 * 4 * 5];
    int n = 0;
    for (int k = 0; k < 4; k++) {
        const double x = f->marks[k].x, y = f->marks[k].y, q = f->marks[k].square;
        for (int i = 1; i <= 5; i++) {
            double t = i / 6.0;
            double edges[4][4] = {{x - q, y - q + t * q, -1, 0}, {x - q + t * q, y - q, 0, -1},
                                  {x + q, y + t * q, 1, 0}, {x + t * q, y + q, 0, 1}};
            for (int e = 0; e < 4; e++) {
                double v = edge_sigma(page, edges[e][0], edges[e][1], edges[e][2], edges[e][3]);
                if (v > 0)
                    s[n++] = v;
            }
        }
    }
    if (n < 8)
        return 99;
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return s[n / 2];
}

int quality_too_blurred(double blur_mm) { return blur_mm > MAX_BLUR_MM; }

/* How dark the print's black shows, on the ink scale of the cells (255 x (paper - ink) / paper): the
 * corner marks' squares against the paper of their empty quadrants, the median of the four. */
static double print_black(const c1_form *f, const c1_pix *page)
{
    double v[4];
    int n = 0;
    for (int k = 0; k < 4; k++) {
        const double x = f->marks[k].x, y = f->marks[k].y, h = f->marks[k].square / 2, s = C1_PAGE_PX_PER_MM;
        double dark = (pix_sample(page, (x - h) * s, (y - h) * s) + pix_sample(page, (x + h) * s, (y + h) * s)) / 2;
        double paper = fmax(pix_sample(page, (x + h) * s, (y - h) * s), pix_sample(page, (x - h) * s, (y + h) * s));
        if (dark >= 0 && paper > 20)
            v[n++] = fmax(0, 255 * (paper - dark) / paper);
    }
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 200;
}

c1_error check_quality(const c1_engine *e, c1_result *r)
{
    (void)e;
    r->blur_mm = quality_blur_mm(r->form, r->page);
    r->print_black = print_black(r->form, r->page);
    if (r->error)
        return r->error;
    if (r->px_per_mm < MIN_PX_PER_MM)
        result_fail(r, C1_ERR_TOO_SMALL, "the page is %.2f px/mm in the photo; at least %.1f is needed",
                    r->px_per_mm, MIN_PX_PER_MM);
    else if (quality_too_blurred(r->blur_mm))
        result_fail(r, C1_ERR_TOO_BLURRED, "the print is blurred by %.2f mm; at most %.2f can be read",
                    r->blur_mm, MAX_BLUR_MM);
    return r->error;
}
