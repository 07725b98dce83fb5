/* Load: recognises JPEG, PNG and TIFF, checks what the header claims before any decoding (size
 * within the engine's pixel cap, no absurd shape, no data cut short, no endless progressive scans),
 * and decodes once, to grey, honouring EXIF orientation. Touches only the bytes it is given and the
 * result's photo. */
#include <string.h>

#include "cv.h"
#include "stages.h"

/* A photo whose short side is below this holds no readable page; 1 x 100000 is no photo at all. */
#define MIN_SIDE_PX 200
/* A progressive JPEG decodes in one pass per scan: a camera writes about ten, a bomb thousands. */
#define MAX_JPEG_SCANS 100

typedef enum { FMT_UNKNOWN, FMT_JPEG, FMT_PNG, FMT_TIFF } image_format;

static const char *const format_names[] = {"unknown", "JPEG", "PNG", "TIFF"};

static image_format sniff(const uint8_t *d, size_t n)
{
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return FMT_JPEG;
    if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
        return FMT_PNG;
    if (n >= 4 && (!memcmp(d, "II*\0", 4) || !memcmp(d, "MM\0*", 4)))
        return FMT_TIFF;
    return FMT_UNKNOWN;
}

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }
static uint32_t le16(const uint8_t *p) { return (uint32_t)p[1] << 8 | p[0]; }
static uint32_t le32(const uint8_t *p) { return le16(p + 2) << 16 | le16(p); }

/* The size a JPEG claims in its first start-of-frame marker; a progressive one's scans counted. */
static int jpeg_size(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h, int *scans)
{
    size_t i = 2;
    int found = 0;
    *scans = 0;
    while (i + 1 < n) {
        if (d[i] != 0xFF) {
            i++;
            continue;
        }
        uint8_t m = d[i + 1];
        if (m == 0x00 || m == 0xFF || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) {   /* stuffing, fill, RSTn */
            i += m == 0xFF ? 1 : 2;
            continue;
        }
        if (m == 0xD9 || i + 4 > n)
            break;
        size_t len = be16(d + i + 2);
        if (!found && m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC && i + 9 <= n) {
            *h = be16(d + i + 5);
            *w = be16(d + i + 7);
            found = 1;
            if (!(m & 2))
                return 1;      /* sequential: one scan per component, nothing more to count */
        }
        if (m == 0xDA) {
            (*scans)++;
            i += 2 + len;      /* the entropy-coded data that follows is walked byte by byte */
            continue;
        }
        if (len < 2)
            break;
        i += 2 + len;
    }
    return found;
}

/* The first image's size in a TIFF's first directory. Offsets are checked as 64-bit numbers: a
 * directory at 0xFFFFFFFF must not wrap round to the file's start. */
static int tiff_size(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h)
{
    if (n < 8)
        return 0;
    int little = d[0] == 'I';
    uint32_t (*u16)(const uint8_t *) = little ? le16 : be16;
    uint32_t (*u32)(const uint8_t *) = little ? le32 : be32;
    uint64_t ifd = u32(d + 4);
    if (ifd < 8 || ifd + 2 > n)
        return 0;
    uint64_t count = u16(d + ifd);
    *w = *h = 0;
    for (uint64_t k = 0; k < count && ifd + 2 + 12 * (k + 1) <= n; k++) {
        const uint8_t *e = d + ifd + 2 + 12 * k;
        uint32_t tag = u16(e), type = u16(e + 2);
        uint32_t v = type == 3 ? u16(e + 8) : u32(e + 8);
        if (tag == 256)
            *w = v;
        if (tag == 257)
            *h = v;
    }
    return *w && *h;
}

static int claimed_size(image_format f, const uint8_t *d, size_t n, uint32_t *w, uint32_t *h, int *scans)
{
    *scans = 0;
    switch (f) {
    case FMT_PNG:
        if (n < 24 || memcmp(d + 12, "IHDR", 4))
            return 0;
        *w = be32(d + 16);
        *h = be32(d + 20);
        return 1;
    case FMT_JPEG:
        return jpeg_size(d, n, w, h, scans);
    case FMT_TIFF:
        return tiff_size(d, n, w, h);
    default:
        return 0;
    }
}

/* Decoders fill a cut-off image with grey and carry on; a reader must not. */
static int looks_complete(image_format f, const uint8_t *d, size_t n)
{
    size_t tail = n < 4096 ? n : 4096;
    if (f == FMT_JPEG) {
        for (size_t i = n - tail; i + 1 < n; i++)
            if (d[i] == 0xFF && d[i + 1] == 0xD9)
                return 1;
        return 0;
    }
    if (f == FMT_PNG) {
        for (size_t i = n - tail; i + 4 <= n; i++)
            if (!memcmp(d + i, "IEND", 4))
                return 1;
        return 0;
    }
    return 1;
}

/* Everything that can be judged before decoding: the code, or C1_OK. */
static c1_error check_header(const c1_engine *e, const uint8_t *data, size_t size, c1_result *r)
{
    if (size == 0) {
        result_fail(r, C1_ERR_EMPTY_INPUT, "the file is empty");
        return r->error;
    }
    image_format f = sniff(data, size);
    if (f == FMT_UNKNOWN) {
        result_fail(r, C1_ERR_NOT_AN_IMAGE, "not a JPEG, PNG or TIFF image (%zu bytes)", size);
        return r->error;
    }
    uint32_t w = 0, h = 0;
    int scans;
    if (!claimed_size(f, data, size, &w, &h, &scans) || w == 0 || h == 0)
        result_fail(r, C1_ERR_TRUNCATED, "the %s header is incomplete or inconsistent", format_names[f]);
    else if ((double)w * h > (double)e->max_pixels)
        result_fail(r, C1_ERR_IMAGE_TOO_LARGE, "the %s header claims %ux%u pixels, more than the %zu allowed",
                    format_names[f], w, h, e->max_pixels);
    else if (w < MIN_SIDE_PX || h < MIN_SIDE_PX)
        result_fail(r, C1_ERR_TOO_SMALL, "the photo is %ux%u pixels; a readable page needs at least %d each way",
                    w, h, MIN_SIDE_PX);
    else if (scans > MAX_JPEG_SCANS)
        result_fail(r, C1_ERR_DECODE, "the JPEG has %d scans; a photo has at most %d", scans, MAX_JPEG_SCANS);
    else if (!looks_complete(f, data, size))
        result_fail(r, C1_ERR_TRUNCATED, "the %s data stops early (%zu bytes, no end marker)", format_names[f], size);
    return r->error;
}

c1_error load_image(const c1_engine *e, c1_result *r)
{
    if (check_header(e, r->input, r->input_size, r))
        return r->error;
    r->photo = cv_decode_gray(r->input, r->input_size, e->max_pixels);
    if (!r->photo) {
        result_fail(r, C1_ERR_DECODE, "the decoder could not read the image");
        return r->error;
    }
    r->photo_w = r->photo->w;
    r->photo_h = r->photo->h;
    if (r->photo_w < MIN_SIDE_PX || r->photo_h < MIN_SIDE_PX || (double)r->photo_w * r->photo_h > (double)e->max_pixels) {
        /* what the decoder made of it is not what the header said */
        result_fail(r, C1_ERR_DECODE, "the image decodes to %dx%d pixels, not what its header says", r->photo_w,
                    r->photo_h);
        pix_destroy(&r->photo);
    }
    return r->error;
}
