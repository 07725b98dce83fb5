/* Debug drawing: the rectified page with every located box on it, written as PNG through libpng,
 * so that a person can see what the library thinks is where. Reads the result only. */
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "result.h"

typedef struct {
    int w, h;
    uint8_t *rgb;
} canvas;

static void put(canvas *c, int x, int y, const uint8_t col[3])
{
    if (x >= 0 && y >= 0 && x < c->w && y < c->h)
        memcpy(c->rgb + 3 * ((size_t)y * c->w + x), col, 3);
}

static void line(canvas *c, double x0, double y0, double x1, double y1, const uint8_t col[3])
{
    int steps = (int)fmax(fabs(x1 - x0), fabs(y1 - y0)) + 1;
    for (int i = 0; i <= steps; i++) {
        double t = (double)i / steps;
        int x = (int)lround(x0 + t * (x1 - x0)), y = (int)lround(y0 + t * (y1 - y0));
        put(c, x, y, col), put(c, x + 1, y, col), put(c, x, y + 1, col);
    }
}

static void quad_mm(canvas *c, const double mm[8], const uint8_t col[3])
{
    const double k = C1_PAGE_PX_PER_MM;
    for (int i = 0; i < 4; i++) {
        int j = (i + 1) % 4;
        line(c, mm[2 * i] * k, mm[2 * i + 1] * k, mm[2 * j] * k, mm[2 * j + 1] * k, col);
    }
}

static int write_png(const char *path, const canvas *c)
{
    FILE *fh = fopen(path, "wb");
    if (!fh)
        return 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(fh);
        return 0;
    }
    png_init_io(png, fh);
    png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < c->h; y++)
        png_write_row(png, c->rgb + 3 * (size_t)y * c->w);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(fh) == 0;
}

static canvas page_canvas(const c1_result *r)
{
    canvas c = {r->page->w, r->page->h, malloc((size_t)r->page->w * r->page->h * 3)};
    for (int y = 0; c.rgb && y < c.h; y++)
        for (int x = 0; x < c.w; x++)
            memset(c.rgb + 3 * ((size_t)y * c.w + x), pix_row(r->page, y)[x], 3);
    return c;
}

/* Under a field's boxes, what the library made of it: its value, and for a field in review the
 * reasons, so that a person sees why without opening the JSON. */
static void label_field(canvas *c, const c1_field_result *f, const uint8_t col[3])
{
    char text[256];
    int n = snprintf(text, sizeof text, "%d", f->value);
    for (int k = 0; k < f->n_reasons && n > 0 && n < (int)sizeof text; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s%s", k ? ", " : " ", f->reasons[k]);
    const double k = C1_PAGE_PX_PER_MM;
    double x = f->mm[0][0], y = f->mm[0][5];   /* leftmost and lowest corner of the boxes */
    for (int d = 0; d < C1_DIGITS; d++)
        x = fmin(x, fmin(f->mm[d][0], f->mm[d][6])), y = fmax(y, fmax(f->mm[d][5], f->mm[d][7]));
    cv_put_text(c->rgb, c->w, c->h, (int)lround(x * k), (int)lround((y + 3.5) * k), text, col);
}

/* The page with every field drawn: green accepted, red review with its reasons written under it;
 * tally grids and counted strokes. */
static canvas annotated_page(const c1_result *r)
{
    canvas c = page_canvas(r);
    if (!c.rgb)
        return c;
    static const uint8_t green[3] = {0, 170, 0}, red[3] = {220, 0, 0}, blue[3] = {0, 90, 230},
                         magenta[3] = {200, 0, 200};
    for (int i = 0; i < r->n_fields; i++) {
        const c1_field_result *f = &r->fields[i];
        for (int d = 0; d < C1_DIGITS; d++)
            quad_mm(&c, f->mm[d], f->status == C1_FIELD_ACCEPTED ? green : red);
        label_field(&c, f, f->status == C1_FIELD_ACCEPTED ? green : red);
        if (r->form->fields[i].has_tally)
            quad_mm(&c, f->tally_mm, blue);
        for (int n = 0; f->tally && n < f->tally->n_strokes; n++) {
            const c1_stroke *s = &f->tally->strokes[n];
            const double k = C1_PAGE_PX_PER_MM;
            line(&c, s->x0 * k, s->y0 * k, s->x1 * k, s->y1 * k, s->crossing ? magenta : blue);
        }
    }
    return c;
}

c1_error c1_result_write_debug_png(const c1_result *r, const char *path)
{
    if (!r || !path || !r->page)
        return C1_ERR_INVALID_ARGUMENT;
    canvas c = annotated_page(r);
    if (!c.rgb)
        return C1_ERR_NO_MEMORY;
    int ok = write_png(path, &c);
    free(c.rgb);
    return ok ? C1_OK : C1_ERR_IO;
}

c1_error c1_result_write_field_png(const c1_result *r, int index, const char *path)
{
    if (!r || !path || !r->page || index < 0 || index >= r->n_fields)
        return C1_ERR_INVALID_ARGUMENT;
    const c1_field_result *f = &r->fields[index];
    double x0 = f->mm[0][0], y0 = f->mm[0][1], x1 = f->mm[C1_DIGITS - 1][4], y1 = f->mm[C1_DIGITS - 1][5];
    if (r->form->fields[index].has_tally) {
        x0 = fmin(x0, f->tally_mm[0]), y0 = fmin(y0, f->tally_mm[1]);
        y1 = fmax(y1, f->tally_mm[5]);
    }
    const double k = C1_PAGE_PX_PER_MM, m = 4;
    int px0 = (int)fmax(0, (x0 - m) * k), py0 = (int)fmax(0, (y0 - m) * k);
    int px1 = (int)fmin(r->page->w, (x1 + m) * k), py1 = (int)fmin(r->page->h, (y1 + m) * k);
    canvas full = annotated_page(r);
    if (!full.rgb)
        return C1_ERR_NO_MEMORY;
    canvas c = {px1 - px0, py1 - py0, malloc((size_t)(px1 - px0) * (py1 - py0) * 3)};
    for (int y = 0; c.rgb && y < c.h; y++)
        memcpy(c.rgb + 3 * (size_t)y * c.w, full.rgb + 3 * ((size_t)(py0 + y) * full.w + px0), 3 * (size_t)c.w);
    int ok = c.rgb && write_png(path, &c);
    free(full.rgb), free(c.rgb);
    return ok ? C1_OK : C1_ERR_IO;
}
