/* Identify: tells the c1-ppwp page from any other form by its QR code (zbar) and, when the code
 * cannot be decoded, by its printed title (Tesseract). Reads the rectified page; writes the result's
 * qr_text/title_text and, for another form, the rejection. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <tesseract/capi.h>
#include <zbar.h>

#include "internal.h"

/* A crop of the rectified page around a form rectangle, `margin` mm wider, enlarged by `zoom`. */
static c1_pix *page_crop(const c1_pix *page, c1_rect r, double margin, double zoom)
{
    c1_pix *crop = pix_crop_mm(page, r, margin);
    if (!crop || zoom == 1.0)
        return crop;
    c1_pix *big = cv_resize(crop, (int)(crop->w * zoom), (int)(crop->h * zoom));
    pix_destroy(&crop);
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
    TessBaseAPI *api = engine_take_tesseract(e);
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
    engine_give_tesseract(e, api);
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

static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int *row = malloc(sizeof(int) * (lb + 1));
    if (!row)
        return 1 << 20;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int sub = diag + (a[i - 1] != b[j - 1]);
            int best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    int d = row[lb];
    free(row);
    return d;
}

static int title_distance(const char *read, const char *title)
{
    char a[128], b[128];
    normalise(read, a, sizeof a);
    normalise(title, b, sizeof b);
    return edit_distance(a, b);
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
    c1_pix *crop = page_crop(r->page, f->title_box, 2, 1.0);
    int read = crop && read_title(e, crop, r->title_text, sizeof r->title_text);
    pix_destroy(&crop);
    char *nl = strchr(r->title_text, '\n');
    if (nl)
        *nl = '\0';
    if (!read || !title_matches(f, r->title_text))
        result_fail(r, C1_ERR_WRONG_FORM, "no readable QR code and the title reads '%.60s', not '%s'",
                    r->title_text, f->title);
    return r->error;
}
