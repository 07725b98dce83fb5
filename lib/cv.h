/* The OpenCV wrapper (cv.cpp), the library's only C++: plain C functions on c1_pix that own no
 * state and let no exception escape (a failure is NULL or 0). */
#ifndef C1_CV_H
#define C1_CV_H

#include "pix.h"

/* Decodes to grey once, honouring EXIF orientation; NULL on failure. */
c1_pix *cv_decode_gray(const uint8_t *data, size_t size, size_t max_pixels);
c1_pix *cv_read_gray(const char *path);
c1_pix *cv_resize(const c1_pix *src, int w, int h);
/* A dark connected shape: its centroid, area, how much of its convex hull it fills, the corners of
 * its hull simplified, and the direction and ratio of its second moments. */
typedef struct {
    double cx, cy, area, solidity;
    int corners;
    double axis[2], elongation;
} cv_shape;
int cv_find_dark_shapes(const c1_pix *gray, int relative_to_max, cv_shape *out, int max_shapes);
/* The darkest pixel within `reach` px (a square), for every pixel: outside the image counts as white. */
c1_pix *cv_min_filter(const c1_pix *src, int reach);
/* A Gaussian blur of sigma px. */
c1_pix *cv_gaussian(const c1_pix *src, double sigma);
/* Divides by the local paper level (a max filter of `window` px): shadows gone, ink kept. */
c1_pix *cv_flatten(const c1_pix *gray, int window);
int cv_find_homography(const double *src_xy, const double *dst_xy, int n, double h[9]);
/* Warps src into a w x h image by the homography that maps destination to source pixels. */
c1_pix *cv_warp(const c1_pix *src, const double dst_to_src[9], int w, int h);
/* The same into the region (x0, y0, w, h) of dst, whose other pixels it leaves as they are; 0 on failure. */
int cv_warp_into(const c1_pix *src, const double dst_to_src[9], c1_pix *dst, int x0, int y0, int w, int h);
/* Best placement of templ inside image (normalised correlation): top-left and its score. */
int cv_match(const c1_pix *image, const c1_pix *templ, double *x, double *y, double *score);
/* Writes text on an RGB image, baseline-left at (x, y); nothing if it cannot. */
void cv_put_text(uint8_t *rgb, int w, int h, int x, int y, const char *text, const uint8_t col[3]);

/* A network through OpenCV's dnn module; forward() is not thread-safe, so one per thread. */
void *cv_dnn_load(const uint8_t *onnx, size_t size);
void cv_dnn_free(void *net);
/* n inputs of h x w floats in, n rows of n_classes logits out. */
int cv_dnn_forward(void *net, const float *cells, int n, int h, int w, float *out, int n_classes);

#endif
