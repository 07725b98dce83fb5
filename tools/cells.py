"""cells: what one digit box looks like to the digit model, for training and measuring it.

The library cuts each digit box from the rectified page (5 px/mm), turns it into an ink map (0 paper,
1 full ink), knows where the printed guide dots are, and normalises MNIST-style with `normalise()`;
lib/cell.c does exactly the same in C. Everything here draws such ink maps: MNIST digits redrawn with
a pen, digits joined over the dots, European habits, and what people put in a box that is not a digit.
"""
import json
import math
import os

import cv2
import numpy as np

MNIST_DIR = os.environ.get("C1_MNIST_DIR", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                          ".cache", "mnist"))


def load_idx(name):
    """An MNIST IDX file from the npm package's data (make data): images as N x 28 x 28, labels as N."""
    with open(os.path.join(MNIST_DIR, name), "rb") as fh:
        data = fh.read()
    if "images" in name:
        return np.frombuffer(data[16:], np.uint8).reshape(-1, 28, 28)
    return np.frombuffer(data[8:], np.uint8)

CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "empty", "filler", "struck", "other"]
EMPTY, FILLER, STRUCK, OTHER = 10, 11, 12, 13
PX_PER_MM = 5.0
INSET_MM = 0.6          # the box interior starts this far inside the printed line (lib/cell.h)
INK_THRESHOLD = 77      # of 255: what counts as ink when framing the digit
# The printed guide of the form's digit boxes (a dotted figure 8), as the library reads it.
with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "forms", "c-hasil-ppwp-2024",
                       "layout.json")) as _fh:
    _LAYOUT = json.load(_fh)
DOTS = [tuple(d) for d in _LAYOUT["guide"]["dots"]]
SEGMENTS = {s: tuple(ij) for s, ij in _LAYOUT["guide"]["segments"].items()}
DIGIT_SEGMENTS = {0: "abcdef", 1: "bc", 2: "abdeg", 3: "abcdg", 4: "bcfg", 5: "acdfg", 6: "acdefg", 7: "abc",
                  8: "abcdefg", 9: "abcdfg"}
DOT_DIAMETER_MM = _LAYOUT["guide"]["dot_diameter_mm"]
# The boxes digits are written in: page 1's, pages 2 and 3's, and the small cells of a tally row's count.
BOX_SIZES_MM = sorted({(b["w"], b["h"]) for p in _LAYOUT["pages"] for f in p["fields"] for b in f["digits"]}) + \
    [(11.5, 15.5), (11.5, 12.0)]


def interior_size(w_mm, h_mm):
    return (int(round((w_mm - 2 * INSET_MM) * PX_PER_MM)), int(round((h_mm - 2 * INSET_MM) * PX_PER_MM)))


def dot_centres(w_mm, h_mm):
    """Guide dot centres in interior pixels."""
    return [((fx * w_mm - INSET_MM) * PX_PER_MM, (fy * h_mm - INSET_MM) * PX_PER_MM) for fx, fy in DOTS]


def dot_mask(w_mm, h_mm):
    w, h = interior_size(w_mm, h_mm)
    m = np.zeros((h, w), np.uint8)
    r = DOT_DIAMETER_MM * PX_PER_MM * 0.8
    for x, y in dot_centres(w_mm, h_mm):
        cv2.circle(m, (int(math.floor(x + 0.5)), int(math.floor(y + 0.5))), int(math.ceil(r)), 1, -1)   # C lround
    return m.astype(bool)


def clean_borders(ink8):
    """Clears rows and columns at the interior's edge that are mostly ink: the printed box line the
    inset missed, never a digit (a 1 is not drawn along the box line). Works in place."""
    h, w = ink8.shape
    for k in range(3):
        for line in (ink8[k, :], ink8[h - 1 - k, :]):
            if (line >= INK_THRESHOLD).mean() > 0.5:
                line[:] = 0
        for line in (ink8[:, k], ink8[:, w - 1 - k]):
            if (line >= INK_THRESHOLD).mean() > 0.5:
                line[:] = 0
    return ink8


def is_blank(ink8, dots):
    """No ink, or only a speck: the ink's box is under a quarter of the interior both ways."""
    ys, xs = np.nonzero((ink8 >= INK_THRESHOLD) & ~dots)
    if len(xs) < 4:
        return True
    h, w = ink8.shape
    return (xs.max() - xs.min() + 1) < w / 4 and (ys.max() - ys.min() + 1) < h / 4


def prepare(ink8, dots):
    """The whole cell pipeline of lib/cell.c: clean the borders, then None for a blank box, else the
    normalised 28x28 image."""
    ink8 = clean_borders(ink8.copy())
    return None if is_blank(ink8, dots) else normalise(ink8, dots)


def normalise(ink8, dots):
    """ink8: uint8 ink map of the box interior; dots: bool mask of the printed dots.
    Returns a 28x28 float32 image in [0, 1]: the ink's box (dots excluded) fitted in 20x20, its centre
    of mass at the centre. An empty box gives all zeros."""
    mask = (ink8 >= INK_THRESHOLD) & ~dots
    ys, xs = np.nonzero(mask)
    out = np.zeros((28, 28), np.float32)
    if len(xs) == 0:
        return out
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    crop = ink8[y0:y1, x0:x1]
    w, h = x1 - x0, y1 - y0
    s = 20.0 / max(w, h)
    nw, nh = max(1, int(w * s + 0.5)), max(1, int(h * s + 0.5))
    interp = cv2.INTER_AREA if (nw < w or nh < h) else cv2.INTER_LINEAR
    small = cv2.resize(crop, (nw, nh), interpolation=interp).astype(np.float32)
    total = small.sum()
    if total <= 0:
        return out
    cy = (small.sum(1) * (np.arange(nh) + 0.5)).sum() / total
    cx = (small.sum(0) * (np.arange(nw) + 0.5)).sum() / total
    ox, oy = int(math.floor(14 - cx + 0.5)), int(math.floor(14 - cy + 0.5))
    for y in range(nh):
        ty = y + oy
        if 0 <= ty < 28:
            for_x0, for_x1 = max(0, ox), min(28, ox + nw)
            if for_x1 > for_x0:
                out[ty, for_x0:for_x1] = small[y, for_x0 - ox:for_x1 - ox]
    return out / 255.0


# ---------------------------------------------------------------- drawing ink maps

class Pen:
    def __init__(self, rng, box_h_px):
        self.rng = rng
        self.width = max(1, int(round(rng.uniform(0.3, 1.0) * PX_PER_MM)))
        self.wobble = rng.uniform(0.0, 0.05) * box_h_px
        self.level = rng.uniform(0.55, 1.0)

    def line(self, img, p0, p1, n=10, width=None):
        rng = self.rng
        p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
        d = p1 - p0
        length = np.hypot(*d) + 1e-9
        normal = np.array([-d[1], d[0]]) / length
        t = np.linspace(0, 1, n)
        bow = rng.normal(0, self.wobble * 0.5) * np.sin(np.pi * t)
        pts = p0 + np.outer(t, d) + np.outer(bow, normal)
        cv2.polylines(img, [np.round(pts * 16).astype(np.int32)], False, 1.0, width or self.width, cv2.LINE_AA,
                      shift=4)


def finish(rng, ink, w_mm, h_mm, pen_level):
    """Ink plus printed dots, blur, noise: what the C code's ink map of a real cell looks like."""
    img = np.clip(ink, 0, 1) * pen_level
    dots = np.zeros_like(img)
    r = DOT_DIAMETER_MM * PX_PER_MM / 2
    level = rng.uniform(0.2, 0.6) if rng.random() < 0.85 else 0.0
    for x, y in dot_centres(w_mm, h_mm):
        cv2.circle(dots, (int(round(x * 16)), int(round(y * 16))), int(round(r * 16)), level, -1, cv2.LINE_AA, shift=4)
    img = np.maximum(img, dots)
    if rng.random() < 0.7:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.6))
    if rng.random() < 0.3:   # fragments of the printed box line the inset did not remove
        side = int(rng.integers(4))
        t = int(rng.integers(1, 3))
        v = rng.uniform(0.2, 0.7)
        if side == 0:
            img[:t] = np.maximum(img[:t], v)
        elif side == 1:
            img[-t:] = np.maximum(img[-t:], v)
        elif side == 2:
            img[:, :t] = np.maximum(img[:, :t], v)
        else:
            img[:, -t:] = np.maximum(img[:, -t:], v)
    img = img + rng.normal(0, rng.uniform(0, 0.06), img.shape)
    return np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)


def pick_box(rng):
    return BOX_SIZES_MM[int(rng.integers(len(BOX_SIZES_MM)))]


def mnist_ink(rng, digit_img, w_mm, h_mm, pen, euro_digit=None):
    """An MNIST digit written in a box: random affine, height 55-90% of the box, redrawn with a pen."""
    W, H = interior_size(w_mm, h_mm)
    img = digit_img.astype(np.float32)
    m = cv2.getRotationMatrix2D((14, 14), rng.normal(0, 8), rng.uniform(0.9, 1.1))
    m[0, 1] += rng.normal(0, 0.18)
    img = cv2.warpAffine(img, m, (28, 28))
    ys, xs = np.nonzero(img > 40)
    ink = np.zeros((H, W), np.float32)
    if len(xs) == 0:
        return ink
    img = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    target_h = H * rng.uniform(0.5, 0.92)
    s = target_h / img.shape[0]
    gw, gh = max(2, int(img.shape[1] * s)), max(2, int(img.shape[0] * s))
    big = cv2.resize(img, (gw, gh), interpolation=cv2.INTER_CUBIC) / 255.0
    if rng.random() < 0.75:   # a pen of its own width, not MNIST's scaled-up stroke
        skel = skeleton_stroke((big > 0.45).astype(np.uint8) * 255)
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen.width, pen.width))
        big = cv2.dilate(skel, k).astype(np.float32) / 255.0
    x0 = int((W - gw) / 2 + rng.normal(0, W * 0.06))
    y0 = int((H - gh) / 2 + rng.normal(0, H * 0.05))
    paste_max(ink, big, x0, y0)
    if euro_digit is not None:
        add_euro_marks(rng, ink, big, x0, y0, euro_digit, pen)
    return ink


def skeleton_stroke(binary):
    """A pen's path through a thick digit: its skeleton, thinned with a margin of paper around it.

    A glyph cut tight to its ink touches the image edge, and thinning then runs the skeleton along
    the edge: an MNIST 1 came out with about six ends, a serifed "I" once redrawn with a pen."""
    pad = 3
    padded = cv2.copyMakeBorder(binary, pad, pad, pad, pad, cv2.BORDER_CONSTANT, 0)
    return cv2.ximgproc.thinning(padded)[pad:-pad, pad:-pad]


def paste_max(dst, src, x0, y0):
    H, W = dst.shape
    h, w = src.shape
    ax0, ay0 = max(0, x0), max(0, y0)
    ax1, ay1 = min(W, x0 + w), min(H, y0 + h)
    if ax1 > ax0 and ay1 > ay0:
        np.maximum(dst[ay0:ay1, ax0:ax1], src[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0], out=dst[ay0:ay1, ax0:ax1])


def add_euro_marks(rng, ink, glyph, x0, y0, digit, pen):
    """A long flag (and foot) on a 1, a bar through a 7."""
    ys, xs = np.nonzero(glyph > 0.5)
    if len(xs) == 0:
        return
    top, bottom = ys.min(), ys.max()
    h = bottom - top + 1
    if digit == 1:
        tx = xs[ys <= top + 1].mean()
        start = (x0 + tx, y0 + top)
        pen.line(ink, start, (start[0] - h * rng.uniform(0.25, 0.45), start[1] + h * rng.uniform(0.2, 0.4)))
        if rng.random() < 0.4:
            bx = xs[ys >= bottom - 1].mean()
            pen.line(ink, (x0 + bx - h * 0.2, y0 + bottom), (x0 + bx + h * 0.2, y0 + bottom))
    elif digit == 7:
        row = int(top + h * rng.uniform(0.45, 0.6))
        near = xs[np.abs(ys - row) <= 2]
        if len(near):
            cx = x0 + near.mean()
            half = h * rng.uniform(0.15, 0.3)
            pen.line(ink, (cx - half, y0 + row), (cx + half, y0 + row + rng.normal(0, 1)))


def open_four_ink(rng, w_mm, h_mm, pen):
    W, H = interior_size(w_mm, h_mm)
    ink = np.zeros((H, W), np.float32)
    s = rng.uniform(0.55, 0.9)
    h, w = H * s, W * s * rng.uniform(0.6, 0.85)
    ox, oy = (W - w) / 2 + rng.normal(0, 2), (H - h) / 2 + rng.normal(0, 2)
    sl = rng.normal(0.08, 0.08) * h
    p = lambda u, v: (ox + u * w + sl * (1 - v), oy + v * h)   # noqa: E731
    bar = rng.uniform(0.5, 0.7)
    pen.line(ink, p(rng.uniform(0.3, 0.5), 0), p(0.02, bar))
    pen.line(ink, p(0.02, bar), p(0.98, bar))
    sx = rng.uniform(0.6, 0.8)
    pen.line(ink, p(sx, rng.uniform(0.0, 0.25)), p(sx + rng.normal(0, 0.03), 1.0))
    return ink


def segment_ink(rng, digit, w_mm, h_mm, pen, left_one=False, serif=False, flag=False, middle_one=False):
    """A digit drawn by joining the guide dots: ends short or long, bowed, off the dot."""
    W, H = interior_size(w_mm, h_mm)
    ink = np.zeros((H, W), np.float32)
    dots = [np.array(p) for p in dot_centres(w_mm, h_mm)]
    segs = set(DIGIT_SEGMENTS[digit])
    if digit == 1 and left_one:
        segs = {"f", "e"}
    elif digit == 1 and middle_one:
        segs = {"h"}
    sloppy = rng.uniform(0, 1)
    jit = 0.02 + 0.05 * sloppy
    for s in sorted(segs):
        i, j = SEGMENTS[s]
        p0, p1 = dots[i], dots[j]
        d = p1 - p0
        a, b = rng.uniform(-0.2, 0.15, 2) * (0.3 + sloppy)
        pen.line(ink, p0 - a * d + rng.normal(0, jit * H, 2), p1 + b * d + rng.normal(0, jit * H, 2))
    tl, tr = dots[SEGMENTS["a"][0]], dots[SEGMENTS["a"][1]]
    if digit == 7 and serif:
        pen.line(ink, tl, tl + (rng.normal(0, 1), H * rng.uniform(0.1, 0.2)))
    if digit == 1 and flag:
        top = tl if left_one else dots[SEGMENTS["h"][0]] if middle_one else tr
        pen.line(ink, top, top + (-W * rng.uniform(0.15, 0.3), H * rng.uniform(0.1, 0.2)))
    return ink


def filler_ink(rng, w_mm, h_mm, pen):
    W, H = interior_size(w_mm, h_mm)
    ink = np.zeros((H, W), np.float32)
    if rng.random() < 0.65:
        y = H * rng.uniform(0.35, 0.65)
        pen.line(ink, (W * rng.uniform(0.1, 0.35), y), (W * rng.uniform(0.65, 0.9), y + rng.normal(0, H * 0.04)))
    else:
        m = rng.uniform(0.1, 0.3)
        pen.line(ink, (W * m, H * m), (W * (1 - m), H * (1 - m)))
        pen.line(ink, (W * (1 - m), H * m), (W * m, H * (1 - m)))
    return ink


def strike(rng, ink, pen):
    H, W = ink.shape
    kind = rng.random()
    if kind < 0.45:
        pen.line(ink, (W * 0.05, H * rng.uniform(0.7, 0.95)), (W * 0.95, H * rng.uniform(0.05, 0.3)),
                 width=pen.width + 1)
    elif kind < 0.8:
        for k in range(int(rng.integers(2, 4))):
            y = H * (0.3 + 0.18 * k) + rng.normal(0, 2)
            pen.line(ink, (W * 0.05, y), (W * 0.95, y - H * 0.05))
    else:   # scribbled over
        pts = np.column_stack([rng.uniform(0.1, 0.9, 12) * W, rng.uniform(0.15, 0.85, 12) * H])
        cv2.polylines(ink, [np.round(pts * 16).astype(np.int32)], False, 1.0, pen.width, cv2.LINE_AA, shift=4)
    return ink


def other_ink(rng, w_mm, h_mm, pen):
    """Marks that are no digit: curls, loose strokes, a letter-like squiggle, a blot."""
    W, H = interior_size(w_mm, h_mm)
    ink = np.zeros((H, W), np.float32)
    kind = rng.random()
    if kind < 0.4:
        n = int(rng.integers(5, 14))
        pts = np.column_stack([rng.uniform(0.1, 0.9, n) * W, rng.uniform(0.1, 0.9, n) * H])
        pts = cv2.GaussianBlur(pts.reshape(-1, 1, 2), (1, 5), 0).reshape(-1, 2) if n > 5 else pts
        cv2.polylines(ink, [np.round(pts * 16).astype(np.int32)], False, 1.0, pen.width, cv2.LINE_AA, shift=4)
    elif kind < 0.7:
        c = (int(W * rng.uniform(0.3, 0.7) * 16), int(H * rng.uniform(0.3, 0.7) * 16))
        ax = (int(W * rng.uniform(0.1, 0.35) * 16), int(H * rng.uniform(0.1, 0.35) * 16))
        start = rng.uniform(0, 360)
        cv2.ellipse(ink, c, ax, rng.uniform(0, 180), start, start + rng.uniform(100, 220), 1.0, pen.width,
                    cv2.LINE_AA, shift=4)
    elif kind < 0.85:
        for _ in range(int(rng.integers(3, 6))):
            pen.line(ink, rng.uniform(0.05, 0.95, 2) * (W, H), rng.uniform(0.05, 0.95, 2) * (W, H))
    else:
        c = (int(W * rng.uniform(0.3, 0.7)), int(H * rng.uniform(0.3, 0.7)))
        cv2.circle(ink, c, int(min(W, H) * rng.uniform(0.08, 0.2)), 1.0, -1, cv2.LINE_AA)
    return ink


def empty_ink(rng, w_mm, h_mm, pen):
    W, H = interior_size(w_mm, h_mm)
    ink = np.zeros((H, W), np.float32)
    if rng.random() < 0.3:   # a speck or the tail of a neighbour's stroke at the edge
        x, y = rng.uniform(0, W), rng.uniform(0, H)
        if rng.random() < 0.5:
            x = rng.choice([rng.uniform(0, 3), W - rng.uniform(0, 3)])
        pen.line(ink, (x, y), (x + rng.normal(0, 3), y + rng.normal(0, 3)))
    return ink


def sample(rng, cls, mnist_img=None, euro=False):
    """One training cell (uint8 ink map, dot mask) of class `cls`."""
    w_mm, h_mm = pick_box(rng)
    H = interior_size(w_mm, h_mm)[1]
    pen = Pen(rng, H)
    if cls < 10:
        if mnist_img is None:
            column = rng.random()
            ink = segment_ink(rng, cls, w_mm, h_mm, pen, left_one=column < 0.25, middle_one=column > 0.7,
                              serif=rng.random() < 0.4, flag=rng.random() < 0.6)
        elif cls == 4 and euro:
            ink = open_four_ink(rng, w_mm, h_mm, pen)
        else:
            ink = mnist_ink(rng, mnist_img, w_mm, h_mm, pen, cls if euro and cls in (1, 7) else None)
    elif cls == EMPTY:
        ink = empty_ink(rng, w_mm, h_mm, pen)
    elif cls == FILLER:
        ink = filler_ink(rng, w_mm, h_mm, pen)
    elif cls == STRUCK:
        d = int(rng.integers(10))
        base = (mnist_ink(rng, mnist_img, w_mm, h_mm, pen) if mnist_img is not None
                else segment_ink(rng, d, w_mm, h_mm, pen))
        ink = strike(rng, base, pen)
    else:
        ink = other_ink(rng, w_mm, h_mm, pen)
    return finish(rng, ink, w_mm, h_mm, pen.level), dot_mask(w_mm, h_mm)


def read_cells_pgm(path):
    """A `c1scan --cells` file: the '# FIELD BOX' header lines and the stacked 28x28 cells."""
    with open(path, "rb") as fh:
        data = fh.read()
    names, pos = [], 0
    lines = []
    while len(lines) < 3:   # magic, size, maxval; comments between them
        end = data.index(b"\n", pos)
        line = data[pos:end].decode()
        pos = end + 1
        if line.startswith("# ") and len(line.split()) == 3:
            names.append((line.split()[1], int(line.split()[2])))
        elif not line.startswith("#"):
            lines.append(line)
    w, h = map(int, lines[1].split())
    cells_ = np.frombuffer(data[pos:pos + w * h], np.uint8).reshape(-1, 28, 28)
    return names, cells_
