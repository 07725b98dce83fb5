/* Segments: reads a box as the seven segments between its printed guide dots, inked or not, which
 * is how a writer who joins the dots writes; anything else it calls "other" and abstains. Reads the
 * cell only. */
#include <math.h>
#include <string.h>

#include "cell.h"
#include "pix.h"

/* ---- the segment reader */

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }


/* How much of a segment's middle carries ink: the share of points along it with ink across it. */
static double segment_coverage(const cell *c, const double a[2], const double b[2], double reach)
{
    const int samples = 13;
    double dx = b[0] - a[0], dy = b[1] - a[1], len = hypot(dx, dy);
    double nx = -dy / len, ny = dx / len;
    int hits = 0;
    for (int i = 0; i < samples; i++) {
        double t = 0.2 + 0.6 * i / (samples - 1);
        int hit = 0;
        for (double o = -reach; o <= reach && !hit; o += 0.5) {
            int x = (int)(a[0] + t * dx + o * nx), y = (int)(a[1] + t * dy + o * ny);
            hit = x >= 0 && y >= 0 && x < c->w && y < c->h && c->ink[y * c->w + x] >= INK_THRESHOLD;
        }
        hits += hit;
    }
    return (double)hits / samples;
}


static double coverage_on(const cell *c, const double a[2], const double b[2], double reach)
{
    return logistic((segment_coverage(c, a, b, reach) - 0.78) * 12);
}

/* An x in a leading box, from corner to corner: of the guide's outer dots, or of the box itself (the
 * form's own convention for an unused box, drawn across it). */
static double cross_likelihood(const cell *c, const c1_guide *g, double reach)
{
    const double *tl = c->dot_xy[g->segments[0][0]], *tr = c->dot_xy[g->segments[0][1]];
    const double *bl = c->dot_xy[g->segments[3][0]], *br = c->dot_xy[g->segments[3][1]];
    const double w = c->w, h = c->h, m = 0.12;
    const double box[4][2] = {{m * w, m * h}, {(1 - m) * w, m * h}, {m * w, (1 - m) * h}, {(1 - m) * w, (1 - m) * h}};
    double dots = coverage_on(c, tl, br, reach) * coverage_on(c, tr, bl, reach);
    double corners = coverage_on(c, box[0], box[3], reach) * coverage_on(c, box[1], box[2], reach);
    return fmax(dots, corners);
}

/* A distribution over {digits, empty, filler, other}: the guide's digit patterns by their segments'
 * ink, and "other" where the ink lies off the segments or fits no pattern, which is what an ordinary
 * handwritten digit looks like to this reader. */
void segments_read(const cell *c, const c1_form *f, double p[C1_N_CLASSES])
{
    const c1_guide *g = &f->guide;
    memset(p, 0, sizeof(double) * C1_N_CLASSES);
    double reach = fmax(1.2 * C1_PAGE_PX_PER_MM, 0.22 * c->spacing), on[C1_SEGMENTS];
    for (int s = 0; s < g->n_segments; s++)
        /* A segment is on when most of its middle is inked: a flag on a 1 or a serif on a 7 covers
         * part of a neighbouring segment, not most of it (centre 0.78 chosen on the validation set). */
        on[s] = coverage_on(c, c->dot_xy[g->segments[s][0]], c->dot_xy[g->segments[s][1]], reach);
    /* Likelihood of every pattern the guide allows (a 1 may be drawn down either side or the middle). */
    double like[C1_N_CLASSES] = {0}, sum = 0, best = 0;
    const char *best_segments = NULL;
    for (int k = 0; k < g->n_patterns; k++) {
        double l = 1;
        for (int s = 0; s < g->n_segments; s++)
            l *= strchr(g->patterns[k].segments, 'a' + s) ? on[s] : 1 - on[s];
        like[g->patterns[k].digit] = fmax(like[g->patterns[k].digit], l);
        if (l > best)
            best = l, best_segments = g->patterns[k].segments;
    }
    /* Ink off the best pattern's own segments: a freehand 3 covers the right side as a 1 does, and its
     * other strokes lie beside the dots, not along them. */
    int inked = 0, off = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            if (c->ink[y * c->w + x] < INK_THRESHOLD || c->dots[y * c->w + x])
                continue;
            inked++;
            double near = 1e9;
            for (int s = 0; s < g->n_segments; s++) {
                if (best_segments && !strchr(best_segments, 'a' + s))
                    continue;
                const double *a = c->dot_xy[g->segments[s][0]], *b = c->dot_xy[g->segments[s][1]];
                near = fmin(near, segment_distance(x, y, a[0], a[1], b[0], b[1]));
            }
            off += near > reach + 0.5 * C1_PAGE_PX_PER_MM;
        }
    /* A leading box filled in: a lone middle bar (a dash), or an x with no bar above or below it. Both
     * fit their pattern as well as a digit fits its own. */
    double l_dash = 1, l_cross = (1 - on[0]) * (1 - on[3]) * cross_likelihood(c, g, reach);
    for (int s = 0; s < g->n_segments; s++)
        l_dash *= s == 6 ? on[s] : 1 - on[s];
    like[CLASS_FILLER] = fmax(l_dash, l_cross);
    best = fmax(best, like[CLASS_FILLER]);
    for (int k = 0; k < C1_N_CLASSES; k++)
        sum += like[k];
    /* An x's strokes are off the seven segments by nature: its ink off them is no sign of freehand. */
    double off_share = inked && l_cross < best ? (double)off / inked : 0;
    double fit = pow(best, 1.0 / g->n_segments);
    double other = fmax(fmin(1, fmax(0, (off_share - 0.12) / 0.25)), fmin(1, fmax(0, (0.8 - fit) / 0.3)));
    for (int k = 0; k < C1_N_CLASSES; k++)
        p[k] = sum > 0 ? (1 - other) * like[k] / sum : 0;
    p[CLASS_OTHER] += other + (sum > 0 ? 0 : 1 - other);
}

/* The segment reading of a box whose ink touches its edge, with a neighbour's strokes that cross
 * into it taken away: a stroke mostly outside the box is not drawn over its dots, and left in, it
 * makes an empty leading box look like no pattern at all. `region` is the box grown by `m` px; it
 * and `own` are scratch. */
void segments_read_own_ink(cell *region, cell *own, const cell *c, int m, const int sides[4],
                                  const c1_form *f, double p[C1_N_CLASSES])
{
    cell_keep_box_ink(region, m, c->w, c->h, sides, 1);
    *own = *c;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            uint8_t v = region->ink[(y + m) * region->w + x + m];
            own->ink[y * c->w + x] = c->ink[y * c->w + x] < INK_THRESHOLD ? c->ink[y * c->w + x] : v;
        }
    if (cell_blank_but_dot_rims(own))
        classes_blank(p);
    else
        segments_read(own, f, p);
}

