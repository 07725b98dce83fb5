/* Quality gate: refuses photos whose page is too small or too blurred to read handwriting, so that
 * nothing is ever guessed from them. Reads the rectified page and the registration; writes the
 * result's px_per_mm/blur_mm figures and, below the bar, the rejection. */
#include <math.h>
#include <stdlib.h>

#include "stages.h"

/* Below this a 12 mm digit box is under 15 photo pixels wide: strokes merge. */
#define MIN_PX_PER_MM 1.2
/* Gaussian blur (sigma, mm) beyond which a 0.5 mm pen stroke fades into the paper; the estimate
 * reads about 0.8 where the true blur is 1.1 mm (measured on the eval set). */
#define MAX_BLUR_MM 0.75

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

/* The median edge blur around the four solid markers of the rectified page. */
static double marker_blur_mm(const c1_form *f, const c1_pix *page)
{
    double s[4 * 4 * 5];
    int n = 0;
    for (int k = 0; k < 4; k++) {
        c1_rect m = f->markers[k];
        for (int i = 1; i <= 5; i++) {
            double t = i / 6.0;
            double edges[4][4] = {{m.x, m.y + t * m.h, -1, 0}, {m.x + m.w, m.y + t * m.h, 1, 0},
                                  {m.x + t * m.w, m.y, 0, -1}, {m.x + t * m.w, m.y + m.h, 0, 1}};
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

c1_error check_quality(const c1_engine *e, c1_result *r)
{
    r->blur_mm = marker_blur_mm(&e->form, r->page);
    if (r->error)
        return r->error;
    if (r->px_per_mm < MIN_PX_PER_MM)
        result_fail(r, C1_ERR_TOO_SMALL, "the page is %.2f px/mm in the photo; at least %.1f is needed",
                    r->px_per_mm, MIN_PX_PER_MM);
    else if (r->blur_mm > MAX_BLUR_MM)
        result_fail(r, C1_ERR_TOO_BLURRED, "the print is blurred by %.2f mm; at most %.2f can be read",
                    r->blur_mm, MAX_BLUR_MM);
    return r->error;
}
