/* The OpenCV wrapper: the library's only C++. Decoding, warping, contour and template matching
 * behind plain C functions on c1_pix; it owns no state and lets no exception escape. */
#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" {
#include "cv.h"
}

static cv::Mat as_mat(const c1_pix *p)
{
    return cv::Mat(p->h, p->w, p->channels == 3 ? CV_8UC3 : CV_8UC1, p->data, (size_t)p->stride);
}

static c1_pix *from_mat(const cv::Mat &m)
{
    if (m.empty() || m.depth() != CV_8U || (m.channels() != 1 && m.channels() != 3))
        return nullptr;
    c1_pix *p = pix_create(m.cols, m.rows, m.channels());
    if (!p)
        return nullptr;
    for (int y = 0; y < m.rows; y++)
        std::memcpy(pix_row(p, y), m.ptr(y), (size_t)m.cols * m.channels());
    return p;
}

extern "C" c1_pix *cv_decode_gray(const uint8_t *data, size_t size, size_t max_pixels)
{
    try {
        if (size > (size_t)INT32_MAX)
            return nullptr;
        cv::Mat buf(1, (int)size, CV_8UC1, (void *)data);
        cv::Mat img = cv::imdecode(buf, cv::IMREAD_GRAYSCALE);
        if ((double)img.cols * img.rows > (double)max_pixels)
            return nullptr;
        return from_mat(img);
    } catch (...) {
        return nullptr;
    }
}

extern "C" c1_pix *cv_read_gray(const char *path)
{
    try {
        return from_mat(cv::imread(path, cv::IMREAD_GRAYSCALE));
    } catch (...) {
        return nullptr;
    }
}

extern "C" c1_pix *cv_resize(const c1_pix *src, int w, int h)
{
    try {
        cv::Mat out;
        int shrink = w < src->w || h < src->h;
        cv::resize(as_mat(src), out, cv::Size(w, h), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
        return from_mat(out);
    } catch (...) {
        return nullptr;
    }
}

extern "C" int cv_find_dark_shapes(const c1_pix *gray, int relative_to_max, cv_shape *out, int max_shapes)
{
    try {
        cv::Mat g = as_mat(gray), local, dark;
        /* Dark relative to the neighbourhood's mean (right inside a shadow) or to its brightest
         * paper (right beside a dark table): each misses marks the other finds. */
        int win = (std::max(g.cols, g.rows) / (relative_to_max ? 24 : 16)) | 1;
        if (relative_to_max) {
            cv::dilate(g, local, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(win, win)));
            cv::blur(local, local, cv::Size(win, win));
        } else {
            cv::blur(g, local, cv::Size(win, win));
        }
        /* Dark: below 0.62 of the neighbourhood, as float arithmetic has it (g < l * 0.62f). Both are
         * bytes, so the test is a threshold per neighbourhood level, looked up: the same pixels as the
         * float images (every pair of levels checked), without three float copies of the image. */
        cv::Mat levels(1, 256, CV_32F), below(1, 256, CV_8U), threshold;
        for (int l = 0; l < 256; l++)
            levels.at<float>(l) = (float)l;
        cv::Mat scaled = levels * 0.62;
        for (int l = 0; l < 256; l++) {
            int n = 0;
            while (n < 256 && (float)n < scaled.at<float>(l))
                n++;
            below.at<uchar>(l) = (uchar)std::min(n, 255);
        }
        cv::LUT(local, below, threshold);
        dark = g < threshold;
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(dark, contours, cv::RETR_LIST, cv::CHAIN_APPROX_NONE);  /* marks can sit inside a dark frame */
        int n = 0;
        for (const auto &c : contours) {
            double area = cv::contourArea(c);
            if (area < 12 || n >= max_shapes)
                continue;
            cv::Moments m = cv::moments(c);
            if (m.m00 <= 0)
                continue;
            std::vector<cv::Point> hull, poly;
            cv::convexHull(c, hull);
            cv::approxPolyDP(hull, poly, 0.06 * cv::arcLength(hull, true), true);
            double mu20 = m.mu20 / m.m00, mu02 = m.mu02 / m.m00, mu11 = m.mu11 / m.m00;
            double tr = mu20 + mu02, det = mu20 * mu02 - mu11 * mu11, disc = std::sqrt(std::max(0.0, tr * tr / 4 - det));
            double angle = 0.5 * std::atan2(2 * mu11, mu20 - mu02);
            cv_shape *o = &out[n++];
            o->cx = m.m10 / m.m00, o->cy = m.m01 / m.m00, o->area = area;
            o->solidity = area / std::max(1e-9, cv::contourArea(hull));
            o->corners = (int)poly.size();
            o->axis[0] = std::cos(angle), o->axis[1] = std::sin(angle);
            o->elongation = tr / 2 - disc > 1e-9 ? (tr / 2 + disc) / (tr / 2 - disc) : 1e9;
        }
        return n;
    } catch (...) {
        return 0;
    }
}

extern "C" c1_pix *cv_min_filter(const c1_pix *src, int reach)
{
    try {
        cv::Mat out;
        cv::erode(as_mat(src), out, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * reach + 1, 2 * reach + 1)));
        return from_mat(out);
    } catch (...) {
        return nullptr;
    }
}

extern "C" c1_pix *cv_gaussian(const c1_pix *src, double sigma)
{
    try {
        cv::Mat out;
        cv::GaussianBlur(as_mat(src), out, cv::Size(0, 0), sigma);
        return from_mat(out);
    } catch (...) {
        return nullptr;
    }
}

extern "C" c1_pix *cv_flatten(const c1_pix *gray, int window)
{
    try {
        cv::Mat g = as_mat(gray), bg, out;
        cv::dilate(g, bg, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(window | 1, window | 1)));
        cv::blur(bg, bg, cv::Size(window | 1, window | 1));
        cv::divide(g, bg, out, 255.0);
        return from_mat(out);
    } catch (...) {
        return nullptr;
    }
}

extern "C" int cv_find_homography(const double *src_xy, const double *dst_xy, int n, double h[9])
{
    try {
        std::vector<cv::Point2d> s, d;
        for (int i = 0; i < n; i++) {
            s.emplace_back(src_xy[2 * i], src_xy[2 * i + 1]);
            d.emplace_back(dst_xy[2 * i], dst_xy[2 * i + 1]);
        }
        cv::Mat H = cv::findHomography(s, d, 0);
        if (H.empty())
            return 0;
        for (int i = 0; i < 9; i++)
            h[i] = H.at<double>(i / 3, i % 3);
        return 1;
    } catch (...) {
        return 0;
    }
}

extern "C" c1_pix *cv_warp(const c1_pix *src, const double dst_to_src[9], int w, int h)
{
    try {
        cv::Mat H(3, 3, CV_64F, (void *)dst_to_src), out;
        cv::warpPerspective(as_mat(src), out, H, cv::Size(w, h), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                            cv::BORDER_CONSTANT, cv::Scalar::all(255));
        return from_mat(out);
    } catch (...) {
        return nullptr;
    }
}

extern "C" int cv_warp_into(const c1_pix *src, const double dst_to_src[9], c1_pix *dst, int x0, int y0, int w, int h)
{
    try {
        /* the region's pixel (u, v) is dst's (u + x0, v + y0) */
        double m[9];
        for (int i = 0; i < 3; i++)
            m[3 * i] = dst_to_src[3 * i], m[3 * i + 1] = dst_to_src[3 * i + 1],
            m[3 * i + 2] = dst_to_src[3 * i] * x0 + dst_to_src[3 * i + 1] * y0 + dst_to_src[3 * i + 2];
        cv::Mat H(3, 3, CV_64F, m), roi = as_mat(dst)(cv::Rect(x0, y0, w, h));
        cv::warpPerspective(as_mat(src), roi, H, roi.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT,
                            cv::Scalar::all(255));
        return roi.data == pix_row(dst, y0) + x0;   /* written in place, not reallocated */
    } catch (...) {
        return 0;
    }
}

/* The peak of `res` with a parabola through it and its neighbours: sub-pixel placement. */
static void peak_of(const cv::Mat &res, double *x, double *y, double *score)
{
    double best;
    cv::Point at;
    cv::minMaxLoc(res, nullptr, &best, nullptr, &at);
    double dx = 0, dy = 0;
    if (at.x > 0 && at.x < res.cols - 1) {
        float l = res.at<float>(at.y, at.x - 1), c = res.at<float>(at.y, at.x), r = res.at<float>(at.y, at.x + 1);
        double den = l - 2 * c + r;
        dx = den < 0 ? 0.5 * (l - r) / den : 0;
    }
    if (at.y > 0 && at.y < res.rows - 1) {
        float u = res.at<float>(at.y - 1, at.x), c = res.at<float>(at.y, at.x), d = res.at<float>(at.y + 1, at.x);
        double den = u - 2 * c + d;
        dy = den < 0 ? 0.5 * (u - d) / den : 0;
    }
    *x = at.x + dx;
    *y = at.y + dy;
    *score = best;
}

/* Below this many template pixels, or positions to search, one full-resolution pass is cheap. */
#define COARSE_MIN_TEMPLATE 4000
#define COARSE_MIN_POSITIONS 400
/* Around the half-resolution peak, full resolution is searched this far: its rounding and a peak
 * the halving moved (1 px), and the neighbours the parabola needs (1 px). */
#define FINE_REACH 2

/* GCC vectorises the reductions below only at -O3; clang does at -O2 and has no such attribute. */
#if defined(__GNUC__) && !defined(__clang__)
#define VECTORISE __attribute__((optimize("O3")))
#else
#define VECTORISE
#endif

/* Sums of a patch's pixels, their squares and their products with the template's, exactly (a row's
 * sums fit 32 bits for rows up to 66 000 pixels). One pass; OpenCV's sum and dot went row by row,
 * which costs most on the bubble columns' narrow templates. */
VECTORISE static void patch_sums(const cv::Mat &img, int u, int v, const cv::Mat &t, double *si, double *sii, double *sit)
{
    uint64_t a = 0, aa = 0, at = 0;
    for (int y = 0; y < t.rows; y++) {
        const uint8_t *p = img.ptr<uint8_t>(v + y) + u, *q = t.ptr<uint8_t>(y);
        uint32_t ra = 0, raa = 0, rat = 0;
        for (int x = 0; x < t.cols; x++)
            ra += p[x], raa += (uint32_t)p[x] * p[x], rat += (uint32_t)p[x] * q[x];
        a += ra, aa += raa, at += rat;
    }
    *si = (double)a, *sii = (double)aa, *sit = (double)at;
}

/* TM_CCOEFF_NORMED at the positions [x0, x1] x [y0, y1] only, from exact integer sums: a handful of
 * positions cost less that way than the FFT that matchTemplate runs over the whole template. */
static cv::Mat match_at(const cv::Mat &img, const cv::Mat &t, int x0, int x1, int y0, int y1)
{
    double n = (double)t.cols * t.rows, st, stt, unused;
    patch_sums(t, 0, 0, t, &st, &stt, &unused);
    const double t_var = stt - st * st / n;
    cv::Mat res(y1 - y0 + 1, x1 - x0 + 1, CV_32F);
    for (int v = y0; v <= y1; v++)
        for (int u = x0; u <= x1; u++) {
            double si, sii, sit;
            patch_sums(img, u, v, t, &si, &sii, &sit);
            double den = std::sqrt(std::max(sii - si * si / n, 0.0) * std::max(t_var, 0.0));
            double r = den > 1e-6 ? (sit - si * st / n) / den : 0;
            res.at<float>(v - y0, u - x0) = (float)std::max(-1.0, std::min(1.0, r));
        }
    return res;
}

extern "C" int cv_match(const c1_pix *image, const c1_pix *templ, double *x, double *y, double *score)
{
    try {
        cv::Mat img = as_mat(image), t = as_mat(templ), res;
        int pos_w = img.cols - t.cols + 1, pos_h = img.rows - t.rows + 1;
        if (t.cols * t.rows < COARSE_MIN_TEMPLATE || pos_w * pos_h < COARSE_MIN_POSITIONS || t.cols < 8 || t.rows < 8) {
            cv::matchTemplate(img, t, res, cv::TM_CCOEFF_NORMED);
            peak_of(res, x, y, score);
            return 1;
        }
        /* Half resolution finds the peak's basin at a quarter of the cost per position and a quarter
         * of the positions; full resolution then places it on the few pixels round it. */
        cv::Mat img2, t2, res2;
        cv::resize(img, img2, cv::Size(img.cols / 2, img.rows / 2), 0, 0, cv::INTER_AREA);
        cv::resize(t, t2, cv::Size(t.cols / 2, t.rows / 2), 0, 0, cv::INTER_AREA);
        cv::matchTemplate(img2, t2, res2, cv::TM_CCOEFF_NORMED);
        cv::Point at;
        cv::minMaxLoc(res2, nullptr, nullptr, nullptr, &at);
        int x0 = std::max(0, 2 * at.x - FINE_REACH), x1 = std::min(pos_w - 1, 2 * at.x + FINE_REACH);
        int y0 = std::max(0, 2 * at.y - FINE_REACH), y1 = std::min(pos_h - 1, 2 * at.y + FINE_REACH);
        peak_of(match_at(img, t, x0, x1, y0, y1), x, y, score);
        *x += x0, *y += y0;
        return 1;
    } catch (...) {
        return 0;
    }
}

extern "C" void *cv_dnn_load(const uint8_t *onnx, size_t size)
{
    try {
        auto *net = new cv::dnn::Net(cv::dnn::readNetFromONNX(reinterpret_cast<const char *>(onnx), size));
        if (net->empty()) {
            delete net;
            return nullptr;
        }
        net->setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net->setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        return net;
    } catch (...) {
        return nullptr;
    }
}

extern "C" void cv_dnn_free(void *net)
{
    delete static_cast<cv::dnn::Net *>(net);
}

extern "C" int cv_dnn_forward(void *net, const float *cells, int n, int h, int w, float *out, int n_classes)
{
    try {
        const int shape[4] = {n, 1, h, w};
        cv::Mat blob(4, shape, CV_32F, const_cast<float *>(cells));
        auto *nn = static_cast<cv::dnn::Net *>(net);
        nn->setInput(blob);
        cv::Mat res = nn->forward();
        if (res.total() != (size_t)n * n_classes)
            return 0;
        std::memcpy(out, res.ptr<float>(), sizeof(float) * n * n_classes);
        return 1;
    } catch (...) {
        return 0;
    }
}

extern "C" void cv_put_text(uint8_t *rgb, int w, int h, int x, int y, const char *text, const uint8_t col[3])
{
    try {
        cv::Mat canvas(h, w, CV_8UC3, rgb);
        cv::putText(canvas, text, cv::Point(x, y), cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(col[0], col[1], col[2]),
                    1, cv::LINE_AA);
    } catch (...) {
    }
}

