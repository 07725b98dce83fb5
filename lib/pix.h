/* Images and plane geometry: the c1_pix buffer every stage passes along, page rectangles in mm,
 * homographies. No stage state lives here. */
#ifndef C1_PIX_H
#define C1_PIX_H

#include <stddef.h>
#include <stdint.h>

/* 8-bit images, 1 or 3 channels, rows `stride` bytes apart. */
typedef struct {
    int w, h, channels, stride;
    uint8_t *data;
} c1_pix;

c1_pix *pix_create(int w, int h, int channels);
void pix_destroy(c1_pix **pix);
c1_pix *pix_gray(const c1_pix *src);                                /* a grey copy of a colour or grey image */
double pix_sample(const c1_pix *p, double x, double y);             /* bilinear, pixel centres at +0.5; -1 outside */
c1_pix *pix_crop(const c1_pix *p, int x0, int y0, int x1, int y1);  /* clipped to the image; NULL if empty */
double pix_correlate(const c1_pix *a, const c1_pix *b);             /* grey, same size: Pearson's r; -1 if not */
static inline uint8_t *pix_row(const c1_pix *p, int y) { return p->data + (size_t)y * p->stride; }

/* A rectangle on the printed page, mm from its top-left corner. */
typedef struct {
    double x, y, w, h;
} c1_rect;

/* The rectified page's resolution: 5 px/mm keeps a 12 mm digit box at 60 px. */
#define C1_PAGE_PX_PER_MM 5.0

/* A crop of a page image at C1_PAGE_PX_PER_MM around a page rectangle, `margin` mm wider. */
c1_pix *pix_crop_mm(const c1_pix *page, c1_rect r, double margin);

double segment_distance(double px, double py, double ax, double ay, double bx, double by); /* to the segment a-b */
void homography_apply(const double h[9], double x, double y, double *ox, double *oy);
int homography_invert(const double h[9], double inv[9]);
double now_ms(void);

#endif
