/* Locate: corrects the marker homography locally, because a folded or curved page is not one
 * plane. Each digit-box group, bubble column and printed label is matched against the blank page
 * nearby; a tally grid by the table's lines at its two edges, and the row-count cells, printed in
 * light grey, by the shift of the anchors around them. Reads the
 * rectified page and the form; writes each field's box corners (page mm and photo pixels). */
#include <math.h>
#include <stdlib.h>

#include "cv.h"
#include "stages.h"

#define SEARCH_MM 4.0
#define MARGIN_MM 1.5
#define MIN_MATCH 0.35
#define EDGE_MM 3.0      /* half the strip a tally grid's edge is fitted on */

typedef struct {
    double cx, cy;     /* centre on the page, mm */
    double dx, dy;     /* where the printed thing really is, relative to the template, mm */
    double score;
} anchor_fit;

/* Finds the printed content of rect (blank page) in the rectified photo near where it should be. */
static anchor_fit fit_anchor(const c1_form *f, const c1_pix *page, c1_rect rect)
{
    anchor_fit a = {rect.x + rect.w / 2, rect.y + rect.h / 2, 0, 0, 0};
    c1_pix *templ = pix_crop_mm(f->blank, rect, MARGIN_MM);
    c1_pix *area = pix_crop_mm(page, rect, MARGIN_MM + SEARCH_MM);
    double x, y, score;
    if (templ && area && area->w > templ->w && area->h > templ->h && cv_match(area, templ, &x, &y, &score)) {
        /* Both crops start on whole pixels: convert the offset back from those pixel origins. */
        const double k = C1_PAGE_PX_PER_MM;
        double tx = floor((rect.x - MARGIN_MM) * k), ax = floor((rect.x - MARGIN_MM - SEARCH_MM) * k);
        double ty = floor((rect.y - MARGIN_MM) * k), ay = floor((rect.y - MARGIN_MM - SEARCH_MM) * k);
        a.dx = (fmax(ax, 0) + x - tx) / k;
        a.dy = (fmax(ay, 0) + y - ty) / k;
        a.score = score;
    }
    pix_destroy(&templ);
    pix_destroy(&area);
    return a;
}

static c1_rect field_group(const c1_form_field *fd)
{
    const c1_rect *a = &fd->digits[0], *c = &fd->digits[C1_DIGITS - 1];
    double y0 = fmin(a->y, c->y), y1 = fmax(a->y + a->h, c->y + c->h);
    return (c1_rect){a->x, y0, c->x + c->w - a->x, y1 - y0};
}

/* A shift for any page point from the trusted anchors around it, nearer ones weighing more. */
static void interpolate_shift(const anchor_fit *fits, int n, double x, double y, double *dx, double *dy)
{
    double sw = 0, sx = 0, sy = 0;
    for (int i = 0; i < n; i++) {
        if (fits[i].score < MIN_MATCH)
            continue;
        double d2 = (fits[i].cx - x) * (fits[i].cx - x) + (fits[i].cy - y) * (fits[i].cy - y);
        double w = 1.0 / (d2 + 25.0);
        w *= w;
        sw += w, sx += w * fits[i].dx, sy += w * fits[i].dy;
    }
    *dx = sw > 0 ? sx / sw : 0;
    *dy = sw > 0 ? sy / sw : 0;
}

static void rect_corners(c1_rect r, double dx, double dy, double out[8])
{
    const double xs[4] = {r.x, r.x + r.w, r.x + r.w, r.x}, ys[4] = {r.y, r.y, r.y + r.h, r.y + r.h};
    for (int k = 0; k < 4; k++)
        out[2 * k] = xs[k] + dx, out[2 * k + 1] = ys[k] + dy;
}

static void to_photo(const double h[9], const double mm[8], double px[8])
{
    for (int k = 0; k < 4; k++)
        homography_apply(h, mm[2 * k], mm[2 * k + 1], &px[2 * k], &px[2 * k + 1]);
}

/* The caller's known values that name fields of this page. */
static void resolve_known(c1_result *r)
{
    for (int k = 0; k < r->n_known_given; k++) {
        int i = form_field_index(r->form, r->known_given[k].field);
        if (i >= 0)
            r->is_known[i] = 1, r->known[i] = r->known_given[k].value;
    }
}

/* A bubble column, rings and printed digits: its own anchor. */
static c1_rect bubble_column(const c1_bubbles *b, int k)
{
    const double m = b->radius + 1.5;
    return (c1_rect){b->x[k] - m, b->y0 - m, 2 * m, 9 * b->pitch + 2 * m};
}

/* Every field group's fit, and the printed anchors' fitted only once a shift must be interpolated (a
 * page whose boxes all match and that has no grid needs none of them). */
typedef struct {
    const c1_form *form;
    const c1_pix *page;
    anchor_fit fits[C1_MAX_FIELDS + C1_MAX_ANCHORS];
    int n, anchors_fitted;
} page_fits;

static void shift_at(page_fits *p, double x, double y, double *dx, double *dy)
{
    if (!p->anchors_fitted) {
        for (int i = 0; i < p->form->n_anchors; i++)
            p->fits[p->n++] = fit_anchor(p->form, p->page, p->form->anchors[i]);
        p->anchors_fitted = 1;
    }
    interpolate_shift(p->fits, p->n, x, y, dx, dy);
}

/* A grid 235 mm wide on a page that is not one plane: one shift for all of it left the table's
 * black line beside its far column 1.4 mm off the blank's, and the line was counted as strokes. Each
 * side takes the fit of its own edge (the table's lines there), else the anchors' shift at its
 * corners. */
static void grid_corners(page_fits *p, c1_rect g, double out[8])
{
    const double xs[4] = {g.x, g.x + g.w, g.x + g.w, g.x}, ys[4] = {g.y, g.y, g.y + g.h, g.y + g.h};
    static const int corners_of[2][2] = {{0, 3}, {1, 2}};   /* the left side's top and bottom, the right's */
    for (int side = 0; side < 2; side++) {
        double edge_x = xs[corners_of[side][0]];
        anchor_fit a = fit_anchor(p->form, p->page, (c1_rect){edge_x - EDGE_MM, g.y - EDGE_MM, 2 * EDGE_MM, g.h + 2 * EDGE_MM});
        for (int c = 0; c < 2; c++) {
            int k = corners_of[side][c];
            double dx = a.dx, dy = a.dy;
            if (a.score < MIN_MATCH)
                shift_at(p, xs[k], ys[k], &dx, &dy);
            out[2 * k] = xs[k] + dx, out[2 * k + 1] = ys[k] + dy;
        }
    }
}

/* The bubble columns by their print, else by the anchors around them; the row-count cells, printed in
 * light grey, by the anchors like a tally grid. */
static void locate_witnesses(const c1_form_field *fd, page_fits *p, c1_field_result *out)
{
    for (int k = 0; fd->has_bubbles && k < C1_DIGITS; k++) {
        c1_rect col = bubble_column(&fd->bubbles, k);
        anchor_fit a = fit_anchor(p->form, p->page, col);
        if (a.score < MIN_MATCH)
            shift_at(p, col.x + col.w / 2, col.y + col.h / 2, &a.dx, &a.dy);
        out->bubbles_mm[k][0] = fd->bubbles.x[k] + a.dx, out->bubbles_mm[k][1] = fd->bubbles.y0 + a.dy;
    }
    if (fd->has_row_counts) {
        const c1_row_counts *rc = &fd->row_counts;
        double dx, dy;
        shift_at(p, rc->x + rc->digits * rc->cell_w / 2, rc->y + rc->rows * rc->cell_h / 2, &dx, &dy);
        out->rows_mm[0] = rc->x + dx, out->rows_mm[1] = rc->y + dy;
    }
}

c1_error locate_boxes(const c1_engine *e, c1_result *r)
{
    (void)e;
    const c1_form *f = r->form;
    resolve_known(r);
    page_fits *p = malloc(sizeof *p);
    if (!p) {
        result_fail(r, C1_ERR_NO_MEMORY, "no memory to locate the boxes");
        return r->error;
    }
    p->form = f, p->page = r->page, p->n = 0, p->anchors_fitted = 0;
    const anchor_fit *fits = p->fits;
    for (int i = 0; i < f->n_fields; i++)
        p->fits[p->n++] = fit_anchor(f, r->page, field_group(&f->fields[i]));
    r->n_fields = f->n_fields;
    for (int i = 0; i < f->n_fields; i++) {
        const c1_form_field *fd = &f->fields[i];
        c1_field_result *out = &r->fields[i];
        double dx = fits[i].dx, dy = fits[i].dy;
        out->match = fits[i].score;
        if (fits[i].score < MIN_MATCH) {
            /* The boxes themselves did not match (ink over them, blur, glare): trust the printed
             * labels around them. `box_match` in the JSON says so; the readings carry the doubt. */
            c1_rect g = field_group(fd);
            shift_at(p, g.x + g.w / 2, g.y + g.h / 2, &dx, &dy);
        }
        for (int d = 0; d < C1_DIGITS; d++) {
            rect_corners(fd->digits[d], dx, dy, out->mm[d]);
            to_photo(r->h_page_to_photo, out->mm[d], out->photo[d]);
        }
        if (fd->has_tally) {
            grid_corners(p, fd->tally, out->tally_mm);
            to_photo(r->h_page_to_photo, out->tally_mm, out->tally_photo);
        }
        locate_witnesses(fd, p, out);
    }
    free(p);
    return C1_OK;
}
