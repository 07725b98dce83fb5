/* Identify: tells the c1-ppwp page from any other form by its QR code (zbar) and, when the code
 * cannot be decoded, by its printed title (Tesseract). Reads the rectified page; writes the result's
 * qr_text/title_text and, for another form, the rejection. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <tesseract/capi.h>
#include <zbar.h>

#include "cv.h"
#include "stages.h"

/* A crop of the rectified page around a form rectangle, `margin` mm wider, enlarged by `zoom`. */
static c1_pix *page_crop(const c1_pix *page, c1_rect r, double margin, double zoom)
{
    c1_pix *crop = pix_crop_mm(page, r, margin);
    /* A shadow edge across the title defeats Tesseract's global threshold: flatten the paper first. */
    c1_pix *flat = crop ? cv_flatten(crop, (int)(4 * C1_PAGE_PX_PER_MM)) : NULL;
    pix_destroy(&crop);
    if (!flat || zoom == 1.0)
        return flat;
    c1_pix *big = cv_resize(flat, (int)(flat->w * zoom), (int)(flat->h * zoom));
    pix_destroy(&flat);
    return big;
}

static int decode_qr(const c1_pix *img, char *out, size_t out_size)
{
    zbar_image_scanner_t *scanner = zbar_image_scanner_create();
    zbar_image_t *z = zbar_image_create();
    int found = 0;
    if (scanner && z) {
        zbar_image_scanner_set_config(scanner, 0, ZBAR_CFG_ENABLE, 0);
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
        zbar_image_set_format(z, zbar_fourcc('Y', '8', '0', '0'));
        zbar_image_set_size(z, (unsigned)img->w, (unsigned)img->h);
        zbar_image_set_data(z, img->data, (unsigned long)img->stride * img->h, NULL);
        if (zbar_scan_image(scanner, z) > 0) {
            const zbar_symbol_t *s = zbar_image_first_symbol(z);
            if (s) {
                snprintf(out, out_size, "%s", zbar_symbol_get_data(s));
                found = 1;
            }
        }
    }
    if (z)
        zbar_image_destroy(z);
    if (scanner)
        zbar_image_scanner_destroy(scanner);
    return found;
}

static int read_title(const c1_engine *e, const c1_pix *img, char *out, size_t out_size)
{
    TessBaseAPI *api = pool_take(&e->tesseract);
    if (!api)
        return 0;
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_LINE);
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
    char a[128], b[128];
    normalise(read, a, sizeof a);
    normalise(title, b, sizeof b);
    return substring_distance(a, b);
}

/* Ours only when the OCR text is near our title and clearly nearer it than any sibling form's:
 * blur turns letters into others, but not DPD into PPWP. */
static int title_matches(const c1_form *f, const char *read)
{
    char ours[128];
    normalise(f->title, ours, sizeof ours);
    int d = title_distance(read, f->title), allowed = (int)strlen(ours) / 4;
    if (d > allowed)
        return 0;
    for (int i = 0; i < f->n_other_titles; i++)
        if (title_distance(read, f->other_titles[i]) <= d)
            return 0;
    return 1;
}

c1_error identify_form(const c1_engine *e, c1_result *r)
{
    const c1_form *f = &e->form;
    if (r->upright_unknown) {
        result_fail(r, C1_ERR_PAGE_NOT_FOUND, "four markers found, but no QR code beside any of them");
        return r->error;
    }
    static const double zooms[] = {1.0, 2.0};
    for (size_t i = 0; i < sizeof zooms / sizeof *zooms && !r->qr_text[0]; i++) {
        c1_pix *crop = page_crop(r->page, f->qr, 4, zooms[i]);
        if (crop)
            decode_qr(crop, r->qr_text, sizeof r->qr_text);
        pix_destroy(&crop);
    }
    if (r->qr_text[0]) {
        if (strcmp(r->qr_text, f->qr_payload) != 0)
            result_fail(r, C1_ERR_WRONG_FORM, "the QR code says '%.80s', not '%s'", r->qr_text, f->qr_payload);
        return r->error;
    }
    /* Tesseract reads small blurred capitals better enlarged; try as is first, it is faster. */
    int matched = 0;
    for (size_t i = 0; i < sizeof zooms / sizeof *zooms && !matched; i++) {
        c1_pix *crop = page_crop(r->page, f->title_box, 2, zooms[i]);
        int read = crop && read_title(e, crop, r->title_text, sizeof r->title_text);
        pix_destroy(&crop);
        char *nl = strchr(r->title_text, '\n');
        if (nl)
            *nl = '\0';
        matched = read && title_matches(f, r->title_text);
    }
    if (!matched)
        result_fail(r, C1_ERR_WRONG_FORM, "no readable QR code and the title reads '%.60s', not '%s'",
                    r->title_text, f->title);
    return r->error;
}
