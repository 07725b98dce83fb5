/* Identify: which form and page the photo shows, and which way up. The printed page marker (an
 * AprilTag, read with the reference decoder, libapriltag) names the page, and its corner order says
 * which of register.c's two candidate homographies is upright. When it cannot be read (glare,
 * blur, a fold across it), the page's print is compared with each page's blank, and Tesseract reads
 * the title as a second opinion: a page whose layout is ours is read even if its title reads
 * badly, and a title that reads as another form's makes it another form. Reads the photo and the
 * candidates; writes the result's form, homography, corners and rectified page. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <apriltag/apriltag.h>
#include <apriltag/tag36h10.h>
#include <apriltag/common/zarray.h>
#include <tesseract/capi.h>

#include "cv.h"
#include "stages.h"

#define TAG_MARGIN_MM 12.0    /* paper read round the marker: its white border, and registration's error */
#define TAG_PX_PER_MM 5.0
#define TAG_OFF_MM 4.0        /* a marker corner found this far from its printed place: not the page's */
#define CELL_SHIFT_MM 1.5     /* registration's error the marker's cell grid is slid over */
#define CELL_STEP_MM 0.5
#define CELLS_MIN 0.80        /* a marker's cells correlate this well with a page's own ... */
#define CELLS_LEAD 0.35       /* ... and this much better than with any other page's */
#define LAYOUT_PX_PER_MM 1.0  /* the page compared with the blanks at this resolution */
#define LAYOUT_MIN 0.45       /* a page's print correlates at least this with its own blank ... */
#define LAYOUT_LEAD 0.08      /* ... and this much more than with any other page or way up */
#define MARKER_BITS_CORRECTED 1   /* a code read this many bits off a marker's is that marker */

/* ---- the page marker */

/* The family's decoding table is built once per engine and shared by its decoders, which only read
 * it: libapriltag keeps the table in the family and builds it when a detector first takes the family,
 * and frees it when one lets go. The owner, a detector that never detects, builds and frees it; the
 * decoders take the family as built and let go of it unfreed. It holds every code within one bit of
 * a marker's (4 MB for tag36h10). Within two bits it took 144 MB and most of an engine's start, and on
 * 1 150 generated photos and the real ones no marker was read with two bits wrong (four with one);
 * a marker blurred past the decoder is told by its cells (docs/measurements.md, 2026-12-07). */
struct marker_family {
    apriltag_detector_t *owner;
    apriltag_family_t *family;
};

marker_family *identify_family_create(void)
{
    marker_family *m = calloc(1, sizeof *m);
    if (!m || !(m->owner = apriltag_detector_create()) || !(m->family = tag36h10_create())) {
        identify_family_free(m);
        return NULL;
    }
    apriltag_detector_add_family_bits(m->owner, m->family, MARKER_BITS_CORRECTED);
    return m;
}

const void *identify_family_table(const marker_family *m)
{
    return m && m->family ? m->family->impl : NULL;
}

void identify_family_free(marker_family *m)
{
    if (!m)
        return;
    if (m->owner)
        apriltag_detector_destroy(m->owner);
    if (m->family)
        tag36h10_destroy(m->family);
    free(m);
}

typedef struct {
    apriltag_detector_t *td;
} tag_reader;

static tag_reader *reader_create(const marker_family *m)
{
    tag_reader *t = calloc(1, sizeof *t);
    if (!t || !m || !(t->td = apriltag_detector_create())) {
        identify_reader_free(t);
        return NULL;
    }
    apriltag_detector_add_family(t->td, m->family);
    t->td->nthreads = 1;
    /* The crop is 5 px/mm, finer than most photos: at half that the quads are found in a quarter of
     * the time, and under blur more often (the decimation smooths; the code is still read at full
     * resolution). Measured 2026-12-07: on every cached set the decoder read 141 markers that only
     * their cells had told, and lost none (docs/measurements.md). */
    t->td->quad_decimate = 2;
    return t;
}

void *identify_reader_create(const void *engine)
{
    return reader_create(((const c1_engine *)engine)->markers);
}

void identify_reader_free(void *reader)
{
    tag_reader *t = reader;
    if (!t)
        return;
    if (t->td) {
        zarray_clear(t->td->tag_families);   /* the family and its table are the engine's */
        apriltag_detector_destroy(t->td);
    }
    free(t);
}

/* The marker's square with its margin, as a rectangle of the page. */
static c1_rect tag_area(const c1_form *f)
{
    const c1_rect t = f->tag.at;
    return (c1_rect){t.x - TAG_MARGIN_MM, t.y - TAG_MARGIN_MM, t.w + 2 * TAG_MARGIN_MM, t.h + 2 * TAG_MARGIN_MM};
}

/* A page rectangle of the photo through homography h, at `k` px/mm. */
static c1_pix *warp_area(const c1_pix *photo, const double h[9], c1_rect area, double k)
{
    const double to_area[9] = {1 / k, 0, area.x, 0, 1 / k, area.y, 0, 0, 1};
    double m[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            m[3 * i + j] = h[3 * i] * to_area[j] + h[3 * i + 1] * to_area[3 + j] + h[3 * i + 2] * to_area[6 + j];
    return cv_warp(photo, m, (int)lround(area.w * k), (int)lround(area.h * k));
}

/* The marker read from a page image whose pixel (0, 0) is page point (x0, y0) at `k` px/mm: its id and
 * the direction from its centre to its first corner (page mm), 1 if one is found near `expect`. */
static int read_marker(tag_reader *t, const c1_pix *img, double x0, double y0, double k, const c1_rect expect,
                       int *id, double corner[2], double *margin)
{
    image_u8_t im = {.width = img->w, .height = img->h, .stride = img->stride, .buf = img->data};
    zarray_t *found = apriltag_detector_detect(t->td, &im);
    int ok = 0;
    for (int i = 0; found && i < zarray_size(found) && !ok; i++) {
        apriltag_detection_t *d;
        zarray_get(found, i, &d);
        /* every corner where the page prints it: a homography from marks that are not the page's puts
         * a marker read through it out of square */
        const double sq[4][2] = {{expect.x, expect.y}, {expect.x + expect.w, expect.y},
                                 {expect.x + expect.w, expect.y + expect.h}, {expect.x, expect.y + expect.h}};
        double worst = 0;
        for (int i = 0; i < 4; i++) {
            double px = x0 + d->p[i][0] / k, py = y0 + d->p[i][1] / k, nearest = 1e9;
            for (int j = 0; j < 4; j++)
                nearest = fmin(nearest, hypot(px - sq[j][0], py - sq[j][1]));
            worst = fmax(worst, nearest);
        }
        if (worst > TAG_OFF_MM)
            continue;
        *id = d->id;
        *margin = d->decision_margin;
        corner[0] = (d->p[0][0] - d->c[0]) / k, corner[1] = (d->p[0][1] - d->c[1]) / k;
        ok = 1;
    }
    if (found)
        apriltag_detections_destroy(found);
    return ok;
}

/* ---- the marker's cells, where the decoder finds no marker (too blurred or too small for its edges)
 * but the corner marks put the page: its 64 cells sampled where the page prints them and compared
 * with each page's own, read off the blanks. Its code's Hamming distance from every other code of the
 * family, any way turned, is at least 10 of 36 bits, so a blurred marker is still told apart. */

/* The grey of each cell's middle half, on an image whose pixel (0, 0) is page point (x0, y0) at `k`
 * px/mm, the grid moved by (sx, sy) mm; 0 when a cell falls off the image. */
static int sample_cells(const c1_pix *img, double x0, double y0, double k, c1_rect at, double sx, double sy,
                        double out[C1_TAG_CELLS * C1_TAG_CELLS])
{
    const double cell = at.w / C1_TAG_CELLS;
    for (int cy = 0; cy < C1_TAG_CELLS; cy++)
        for (int cx = 0; cx < C1_TAG_CELLS; cx++) {
            double sum = 0;
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < 3; i++) {
                    double x = at.x + sx + (cx + 0.25 + 0.25 * i) * cell, y = at.y + sy + (cy + 0.25 + 0.25 * j) * cell;
                    double v = pix_sample(img, (x - x0) * k, (y - y0) * k);
                    if (v < 0)
                        return 0;
                    sum += v;
                }
            out[cy * C1_TAG_CELLS + cx] = sum / 9;
        }
    return 1;
}

static double correlate_cells(const double *v, const signed char *pattern)
{
    const int n = C1_TAG_CELLS * C1_TAG_CELLS;
    double mv = 0, mp = 0, vv = 0, pp = 0, vp = 0;
    for (int i = 0; i < n; i++)
        mv += v[i] / n, mp += pattern[i] / (double)n;
    for (int i = 0; i < n; i++)
        vv += (v[i] - mv) * (v[i] - mv), pp += (pattern[i] - mp) * (pattern[i] - mp), vp += (v[i] - mv) * (pattern[i] - mp);
    return vv > 0 && pp > 0 ? vp / sqrt(vv * pp) : 0;
}

/* The best correlation of the marker's cells on `img` with each page's, the grid slid over the
 * registration's error. */
static void match_cells(const c1_engine *e, const c1_pix *img, double x0, double y0, double k, double *best)
{
    const c1_rect at = e->forms[0].tag.at;
    double v[C1_TAG_CELLS * C1_TAG_CELLS];
    for (int i = 0; i < e->n_forms; i++)
        best[i] = -1;
    for (double sy = -CELL_SHIFT_MM; sy <= CELL_SHIFT_MM + 1e-9; sy += CELL_STEP_MM)
        for (double sx = -CELL_SHIFT_MM; sx <= CELL_SHIFT_MM + 1e-9; sx += CELL_STEP_MM)
            if (sample_cells(img, x0, y0, k, at, sx, sy, v))
                for (int i = 0; i < e->n_forms; i++)
                    best[i] = fmax(best[i], correlate_cells(v, e->forms[i].tag.cells));
}

static void learn_cells(c1_form *f, const c1_pix *blank)
{
    double v[C1_TAG_CELLS * C1_TAG_CELLS];
    if (sample_cells(blank, 0, 0, C1_PAGE_PX_PER_MM, f->tag.at, 0, 0, v))
        for (int i = 0; i < C1_TAG_CELLS * C1_TAG_CELLS; i++)
            f->tag.cells[i] = v[i] < 128 ? -1 : 1;
}

c1_error identify_learn_marker(c1_form *f, const marker_family *markers, char *msg, size_t msg_size)
{
    learn_cells(f, f->blank);
    tag_reader *t = reader_create(markers);
    c1_rect area = tag_area(f);
    c1_pix *crop = t ? pix_crop_mm(f->blank, area, 0) : NULL;
    double margin;
    int id = -1, ok = crop && read_marker(t, crop, floor(area.x * C1_PAGE_PX_PER_MM) / C1_PAGE_PX_PER_MM,
                                          floor(area.y * C1_PAGE_PX_PER_MM) / C1_PAGE_PX_PER_MM, C1_PAGE_PX_PER_MM,
                                          f->tag.at, &id, f->tag.first_corner, &margin);
    pix_destroy(&crop);
    identify_reader_free(t);
    if (!ok || id != f->tag.id) {
        if (msg && msg_size)
            snprintf(msg, msg_size, "%s page %d: its blank's marker reads as %d, not the template's %d", f->id, f->page,
                     ok ? id : -1, f->tag.id);
        return C1_ERR_FORM_TEMPLATE;
    }
    return C1_OK;
}

/* The loaded page whose marker has this id, or NULL. */
static const c1_form *form_with_tag(const c1_engine *e, int id)
{
    for (int i = 0; i < e->n_forms; i++)
        if (e->forms[i].tag.id == id)
            return &e->forms[i];
    return NULL;
}

/* The marker under each candidate homography: 1 when one names a page and the candidate it is upright
 * in; 0 when none is read; -1 when a marker names no page of the engine's forms. */
static int by_marker(const c1_engine *e, c1_result *r, const c1_form **form, int *cand)
{
    const c1_form *f0 = &e->forms[0];
    tag_reader *t = pool_take(&e->tag_readers);
    int found = 0;
    for (int c = 0; t && c < r->n_candidates && !found; c++) {
        const c1_rect area = tag_area(f0);
        c1_pix *crop = warp_area(r->photo, r->h_candidates[c], area, TAG_PX_PER_MM);
        int id;
        double corner[2], margin;
        if (crop && read_marker(t, crop, area.x, area.y, TAG_PX_PER_MM, f0->tag.at, &id, corner, &margin)) {
            r->tag_id = id, r->tag_margin = margin;
            const c1_form *f = form_with_tag(e, id);
            const double *want = f ? f->tag.first_corner : f0->tag.first_corner;
            /* upright in this candidate: the marker's first corner where the blank has it */
            int upright = corner[0] * want[0] + corner[1] * want[1] > 0;
            if (!f)
                found = -1;
            else if (upright)
                found = 1, *form = f, *cand = c;
        }
        pix_destroy(&crop);
    }
    if (t)
        pool_give(&e->tag_readers, t);
    return found;
}

/* The page and candidate whose marker cells match one page's clearly, when the decoder read none. */
static int by_cells(const c1_engine *e, c1_result *r, const c1_form **form, int *cand)
{
    const c1_rect area = tag_area(&e->forms[0]);
    double score[C1_MAX_PAGES], best = -1;
    for (int c = 0; c < r->n_candidates; c++) {
        c1_pix *crop = warp_area(r->photo, r->h_candidates[c], area, TAG_PX_PER_MM);
        if (crop) {
            match_cells(e, crop, area.x, area.y, TAG_PX_PER_MM, score);
            int top = 0;
            double second = -1;
            for (int i = 1; i < e->n_forms; i++)
                if (score[i] > score[top])
                    top = i;
            for (int i = 0; i < e->n_forms; i++)
                if (i != top)
                    second = fmax(second, score[i]);
            if (score[top] > best && score[top] >= CELLS_MIN && score[top] - second >= CELLS_LEAD)
                best = score[top], *form = &e->forms[top], *cand = c;
        }
        pix_destroy(&crop);
    }
    r->marker_cells = best;
    return best >= CELLS_MIN;
}

/* ---- the page's print, when the marker cannot be read */

/* The best page and way up by the print, and how much better it is than the next: 1 if clear. */
static int by_layout(const c1_engine *e, c1_result *r, const c1_form **form, int *cand)
{
    const c1_form *f0 = &e->forms[0];
    double best = -2, second = -2;
    for (int c = 0; c < r->n_candidates; c++) {
        c1_pix *page = warp_area(r->photo, r->h_candidates[c], (c1_rect){0, 0, f0->page_w, f0->page_h},
                                 LAYOUT_PX_PER_MM);
        for (int i = 0; page && i < e->n_forms; i++) {
            double s = pix_correlate(page, e->blanks_small[i]);
            if (s > best)
                second = best, best = s, *form = &e->forms[i], *cand = c;
            else if (s > second)
                second = s;
        }
        pix_destroy(&page);
    }
    r->layout_match = best;
    return best >= LAYOUT_MIN && best - second >= LAYOUT_LEAD;
}

static int read_title(const c1_engine *e, const c1_pix *img, char *out, size_t out_size)
{
    TessBaseAPI *api = pool_take(&e->tesseract);
    if (!api)
        return 0;
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_BLOCK);
    TessBaseAPISetImage(api, img->data, img->w, img->h, 1, img->stride);
    char *text = TessBaseAPIGetUTF8Text(api);
    int ok = text != NULL;
    if (text) {
        snprintf(out, out_size, "%s", text);
        TessDeleteText(text);
    }
    TessBaseAPIClear(api);
    pool_give(&e->tesseract, api);
    return ok;
}

/* Letters and digits only, upper case: OCR's spaces and punctuation are not evidence. */
static void normalise(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s && n + 1 < size; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)toupper((unsigned char)*s);
    out[n] = '\0';
}

/* Edits to turn `pattern` into some substring of `text`: OCR adds junk at the ends of a line. */
static int substring_distance(const char *text, const char *pattern)
{
    size_t lt = strlen(text), lp = strlen(pattern);
    int *prev = malloc(sizeof(int) * (lt + 1)), *cur = malloc(sizeof(int) * (lt + 1));
    if (!prev || !cur) {
        free(prev), free(cur);
        return 1 << 20;
    }
    for (size_t j = 0; j <= lt; j++)
        prev[j] = 0;
    for (size_t i = 1; i <= lp; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lt; j++) {
            int sub = prev[j - 1] + (pattern[i - 1] != text[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        int *t = prev;
        prev = cur, cur = t;
    }
    int best = (int)lp;
    for (size_t j = 0; j <= lt; j++)
        best = prev[j] < best ? prev[j] : best;
    free(prev), free(cur);
    return best;
}

static int title_distance(const char *read, const char *title)
{
    char a[256], b[128];
    normalise(read, a, sizeof a);
    normalise(title, b, sizeof b);
    return substring_distance(a, b);
}

/* Another form's: the OCR text is near a sibling form's title and nearer it than ours. Blur turns
 * letters into others, but not DPD into PPWP; a title read badly is no evidence either way. */
static int title_is_another_forms(const c1_form *f, const char *read)
{
    int ours = title_distance(read, f->title);
    for (int i = 0; i < f->n_other_titles; i++) {
        char other[64];
        normalise(f->other_titles[i], other, sizeof other);
        int d = title_distance(read, f->other_titles[i]);
        if (d <= (int)strlen(other) / 4 && d < ours)
            return 1;
    }
    return 0;
}

c1_error identify_form(const c1_engine *e, c1_result *r)
{
    const c1_form *form = NULL;
    int cand = 0;
    r->tag_id = -1, r->marker_cells = -1;
    int marker = by_marker(e, r, &form, &cand);
    if (marker < 0) {
        result_fail(r, C1_ERR_WRONG_FORM, "the page marker is tag36h10 %d, a page of none of the engine's forms",
                    r->tag_id);
        return r->error;
    }
    if (!marker)
        marker = by_cells(e, r, &form, &cand);
    if (marker)
        r->tag_id = form->tag.id;
    if (!marker && !by_layout(e, r, &form, &cand)) {
        /* Nothing names the page: too blurred to read, or four dark marks that are not a page's. */
        double blur = 99;
        if (!register_settle(&e->forms[0], r->h_candidates[0], r->photo, r))
            blur = quality_blur_mm(&e->forms[0], r->page);
        pix_destroy(&r->page);
        r->have_page = 0;
        if (quality_too_blurred(blur))
            result_fail(r, C1_ERR_TOO_BLURRED, "no page marker or layout can be read: the print is blurred by %.2f mm",
                        blur);
        else
            result_fail(r, C1_ERR_PAGE_NOT_FOUND, "four dark marks, but no page marker read and no page's layout "
                                                  "where they put it (best match %.2f)", r->layout_match);
        return r->error;
    }
    r->form = form;
    if (register_settle(form, r->h_candidates[cand], r->photo, r))
        return r->error;
    if (!marker) {
        /* The second opinion, from the print: the title read where it is printed. */
        c1_pix *crop = pix_crop_mm(r->page, form->title_box, 1);
        c1_pix *flat = crop ? cv_flatten(crop, (int)(4 * C1_PAGE_PX_PER_MM)) : NULL;
        if (flat && read_title(e, flat, r->title_text, sizeof r->title_text) &&
            title_is_another_forms(form, r->title_text))
            result_fail(r, C1_ERR_WRONG_FORM, "no page marker read, and the title reads '%.60s', another form's",
                        r->title_text);
        pix_destroy(&crop);
        pix_destroy(&flat);
        for (char *c = r->title_text; *c; c++)
            if (*c == '\n')
                *c = ' ';
    }
    return r->error;
}
