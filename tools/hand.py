"""hand: one person's handwriting on a page, in millimetres: digits (MNIST digits redrawn with the
writer's pen, digits drawn from stroke models, digits from handwriting fonts, digits joined over a
printed guide's dots), what people put in an unused box (X, dash), corrections (struck through with
the correction written beside, or white correction fluid written over), tally groups, blackened
bubbles and scribbled names. Used by tools/c1gen.py; nothing here knows which form it writes on.
"""
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cells  # noqa: E402

# Handwriting fonts Debian packages (fonts-dkg-handwriting, fonts-breip, fonts-humor-sans): hands the
# digit model never learned from. Only those installed are used.
FONTS = ["/usr/share/fonts/truetype/fifthhorseman/dkg.ttf", "/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf",
         "/usr/share/fonts/truetype/breip/Breip.ttf", "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf"]
# Pens (BGR): the commission's standard issue is a small blue marker; ballpoints in blue and black.
INKS = {"blue_marker": (150, 60, 25), "blue_ball": (160, 80, 40), "black": (40, 35, 30), "dark_blue": (110, 40, 30)}


def installed_fonts():
    return [f for f in FONTS if os.path.exists(f)]


def fonts_wanted(opts):
    """The installed fonts a set may use: `--set font=NAME` keeps only those whose file name holds NAME,
    `--set hold_out_font=NAME` drops them (a hand kept out of the model's training photos)."""
    keep, drop = opts.get("font"), opts.get("hold_out_font")
    return [f for f in installed_fonts()
            if (not keep or keep in os.path.basename(f)) and not (drop and drop in os.path.basename(f))]


class Writer:
    """One person's hand: pen, style and habits stay the same across the whole page."""

    def __init__(self, rng, style=None, opts=None):
        opts = opts or {}
        self.rng = rng
        self.style = style or str(rng.choice(["free", "free", "dots", "stroke", "font"]))
        pen = str(opts.get("pen", rng.choice(["blue_marker", "blue_marker", "blue_ball", "black", "dark_blue", "thin",
                                             "faint"])))
        if "|" in pen:   # --set pen=faint|thin: each writer draws one of these
            pen = str(rng.choice(pen.split("|")))
        self.pen = pen
        self.ink = INKS.get(pen, INKS["blue_ball"])
        self.width_mm = {"blue_marker": rng.uniform(0.7, 1.2), "thin": rng.uniform(0.25, 0.35),
                         "faint": rng.uniform(0.3, 0.5)}.get(pen, float(rng.uniform(0.35, 0.7)))
        self.level = (int(rng.integers(110, 170)) if pen == "faint" else None)   # ink density 0..255
        self.wobble_mm = float(rng.uniform(0.05, 0.35))
        self.slant = float(rng.uniform(-0.12, 0.25))
        self.care = float(rng.uniform(0.0, 1.0))             # 0 sloppy, 1 neat
        self.euro = rng.random() < 0.7                       # flagged 1, crossed 7, open 4: Indonesian habits
        self.one_column = str(rng.choice(["right", "left", "middle"]))  # dots writers: which dots a 1 joins
        self.seven_serif = rng.random() < 0.4
        self.leading = str(opts.get("leading", rng.choice(["x", "x", "x", "x", "blank", "zero", "dash"])))
        fonts = fonts_wanted(opts)
        if self.style == "font" and not fonts:
            sys.exit("c1gen: no handwriting font installed (make deps installs them), or none left by "
                     "--set font= / hold_out_font=")
        self.font = str(rng.choice(fonts)) if self.style == "font" else None
        self.tally_slant = float(rng.uniform(-0.25, 0.3))
        self.flat_fifth = rng.random() < 0.2
        self.spill = rng.random() < 0.3
        self.running_row = rng.random() < 0.1                # tallies drawn as a row ignoring the cells
        self.tally_faint = pen == "faint" or rng.random() < 0.1
        self.bubble_style = str(rng.choice(["full", "full", "full", "half", "tick", "cross", "circle"]))
        self.stroke_model = StrokeModel(rng) if self.style == "stroke" else None
        for habit in ("flat_fifth", "spill", "tally_faint", "running_row"):   # pinned by a fixture
            if habit in opts:
                setattr(self, habit, bool(int(opts[habit])))
        if "bubble_style" in opts:
            self.bubble_style = opts["bubble_style"]


class Canvas:
    """A page at the blank's resolution with an ink layer and a correction-fluid layer on top."""

    def __init__(self, rng, writer, blank, px_per_mm):
        self.blank = blank
        self.pxmm = px_per_mm
        self.ink = np.zeros(blank.shape, np.uint8)
        self.fluid = np.zeros(blank.shape, np.uint8)
        self.rng = rng
        self.w = writer

    def px(self, pts):
        return np.round(np.asarray(pts, np.float64) * self.pxmm * 16).astype(np.int32)

    def wobbly(self, p0, p1, n=12, amp=None):
        """A hand-drawn line: a slight bow and a tremor along the way."""
        rng = self.rng
        amp = self.w.wobble_mm if amp is None else amp
        p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
        d = p1 - p0
        length = np.hypot(*d) + 1e-9
        normal = np.array([-d[1], d[0]]) / length
        t = np.linspace(0, 1, n)
        bow = rng.normal(0, amp) * np.sin(np.pi * t)
        phase = rng.uniform(0, 2 * np.pi)
        tremor = amp * 0.4 * np.sin(2 * np.pi * t * rng.uniform(1, 3) + phase)
        return p0 + np.outer(t, d) + np.outer(bow + tremor, normal)

    def stroke(self, pts, width_mm=None, value=None):
        width = max(1, int(round((width_mm or self.w.width_mm) * self.pxmm)))
        value = value or self.w.level or int(self.rng.integers(200, 256))
        cv2.polylines(self.ink, [self.px(pts)], False, value, width, cv2.LINE_AA, shift=4)

    def line(self, p0, p1, **kw):
        self.stroke(self.wobbly(p0, p1), **kw)

    def paste(self, glyph, x_mm, y_mm):
        """Max-blends a glyph mask (uint8) with its top-left corner at (x_mm, y_mm)."""
        if self.w.level:
            glyph = (glyph.astype(np.float32) * self.w.level / 255).astype(np.uint8)
        x0, y0 = int(round(x_mm * self.pxmm)), int(round(y_mm * self.pxmm))
        h, w = glyph.shape
        H, W = self.ink.shape
        gx0, gy0 = max(0, -x0), max(0, -y0)
        x1, y1 = min(W, x0 + w), min(H, y0 + h)
        if x1 <= max(0, x0) or y1 <= max(0, y0):
            return
        roi = self.ink[max(0, y0):y1, max(0, x0):x1]
        np.maximum(roi, glyph[gy0:gy0 + roi.shape[0], gx0:gx0 + roi.shape[1]], out=roi)

    def white_out(self, box):
        """Correction fluid over a box: what was written there goes under a white, slightly raised blob."""
        x, y, bw, bh = box
        rng = self.rng
        k = self.pxmm
        mask = np.zeros(self.ink.shape, np.uint8)
        centre = (int((x + bw / 2 + rng.normal(0, 0.6)) * k), int((y + bh / 2 + rng.normal(0, 0.6)) * k))
        axes = (int(bw * rng.uniform(0.42, 0.55) * k), int(bh * rng.uniform(0.42, 0.55) * k))
        cv2.ellipse(mask, centre, axes, rng.uniform(-20, 20), 0, 360, 255, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), 0.4 * k)
        cover = rng.uniform(0.85, 1.0)               # thin fluid lets the old digit show through a little
        self.ink = (self.ink.astype(np.float32) * (1 - cover * mask / 255.0)).astype(np.uint8)
        np.maximum(self.fluid, mask, out=self.fluid)


# ---------------------------------------------------------------- digits

class Mnist:
    def __init__(self, lo, hi, split="t10k"):
        try:
            images = cells.load_idx(f"{split}-images-idx3-ubyte")
            labels = cells.load_idx(f"{split}-labels-idx1-ubyte")
        except FileNotFoundError:
            sys.exit(f"c1gen: MNIST not found in {cells.MNIST_DIR} (run: make data)")
        self.images, self.labels = images, labels
        self.by_digit = {d: [i for i in range(lo, hi) if labels[i] == d] for d in range(10)}

    def pick(self, rng, digit):
        ids = self.by_digit[digit]
        return int(ids[int(rng.integers(len(ids)))])


def pen_glyph(canvas, img, height_mm, shear=0.0, angle=0.0):
    """A grey digit image redrawn as this writer's pen would: skeleton, then the pen's width."""
    w = canvas.w
    img = img.astype(np.float32)
    h0, w0 = img.shape
    m = cv2.getRotationMatrix2D((w0 / 2, h0 / 2), angle, 1.0)
    m[0, 1] += -shear
    m[0, 2] += shear * h0 / 2
    img = cv2.warpAffine(img, m, (w0, h0))
    ys, xs = np.nonzero(img > 60)
    if len(xs) == 0:
        return None
    img = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    scale = height_mm * canvas.pxmm / img.shape[0]
    size = (max(2, int(round(img.shape[1] * scale))), max(2, int(round(img.shape[0] * scale))))
    big = cv2.resize(img, size, interpolation=cv2.INTER_CUBIC)
    binary = (big > 110).astype(np.uint8) * 255
    skel = cells.skeleton_stroke(binary)
    pen = max(1, int(round(w.width_mm * canvas.pxmm)))
    pad = pen + 2
    skel = cv2.copyMakeBorder(skel, pad, pad, pad, pad, cv2.BORDER_CONSTANT, 0)
    glyph = cv2.dilate(skel, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen, pen)))
    glyph = cv2.GaussianBlur(glyph, (3, 3), 0)
    return glyph, pad / canvas.pxmm, skel


def font_image(font_path, digit, rng):
    """A digit from a handwriting font, rendered large, with an elastic wobble of its own."""
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype(font_path, 96)
    im = Image.new("L", (140, 160), 0)
    ImageDraw.Draw(im).text((70, 80), str(digit), font=font, fill=255, anchor="mm")
    a = np.array(im, np.float32)
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, a.shape).astype(np.float32), (0, 0), 12) * 60
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, a.shape).astype(np.float32), (0, 0), 12) * 60
    ys, xs = np.mgrid[0:a.shape[0], 0:a.shape[1]].astype(np.float32)
    return cv2.remap(a, xs + dx, ys + dy, cv2.INTER_LINEAR)


class StrokeModel:
    """Digits drawn from strokes: each digit a few polylines on a unit box, bent and stretched the same
    way for the whole page (one person), jittered a little each time (one person never writes a
    digit twice alike)."""

    SHAPES = {
        0: [[(0.5, 0), (0.15, 0.2), (0.1, 0.6), (0.35, 1), (0.75, 0.9), (0.9, 0.45), (0.75, 0.08), (0.5, 0)]],
        1: [[(0.3, 0.22), (0.6, 0), (0.6, 1)]],
        2: [[(0.12, 0.25), (0.4, 0), (0.8, 0.1), (0.82, 0.38), (0.1, 1), (0.92, 0.98)]],
        3: [[(0.12, 0.1), (0.6, 0), (0.82, 0.22), (0.45, 0.48), (0.85, 0.7), (0.62, 1), (0.1, 0.9)]],
        4: [[(0.65, 0), (0.08, 0.68), (0.95, 0.68)], [(0.7, 0.3), (0.7, 1)]],
        5: [[(0.85, 0), (0.2, 0), (0.15, 0.45), (0.6, 0.4), (0.85, 0.68), (0.6, 1), (0.1, 0.92)]],
        6: [[(0.75, 0), (0.3, 0.3), (0.12, 0.75), (0.45, 1), (0.82, 0.78), (0.62, 0.5), (0.2, 0.62)]],
        7: [[(0.08, 0.02), (0.9, 0), (0.4, 1)]],
        8: [[(0.5, 0.48), (0.15, 0.25), (0.5, 0), (0.85, 0.22), (0.5, 0.48), (0.12, 0.75), (0.5, 1), (0.88, 0.75),
             (0.5, 0.48)]],
        9: [[(0.82, 0.3), (0.5, 0.52), (0.15, 0.3), (0.45, 0), (0.82, 0.18), (0.8, 0.6), (0.6, 1)]],
    }

    def __init__(self, rng):
        self.bend = {d: [np.array(p) + rng.normal(0, 0.05, (len(p), 2)) for p in s] for d, s in self.SHAPES.items()}
        self.aspect = rng.uniform(0.55, 0.8)
        self.roundness = int(rng.integers(2, 5))

    def polylines(self, rng, digit):
        out = []
        for poly in self.bend[digit]:
            p = poly + rng.normal(0, 0.025, poly.shape)
            # a smooth hand: the polyline's corners rounded by Chaikin's cutting
            for _ in range(self.roundness):
                q = np.empty((2 * len(p) - 2, 2))
                q[0::2] = 0.75 * p[:-1] + 0.25 * p[1:]
                q[1::2] = 0.25 * p[:-1] + 0.75 * p[1:]
                p = np.vstack([p[:1], q, p[-1:]])
            out.append(p)
        return out


def draw_stroke_digit(canvas, digit, box, big=False):
    x, y, bw, bh = box
    rng, w = canvas.rng, canvas.w
    h = bh * rng.uniform(0.6, 0.78) * (1.2 if big else 1.0)
    wd = h * w.stroke_model.aspect
    ox = x + (bw - wd) / 2 + rng.normal(0, bw * 0.04)
    oy = y + (bh - h) / 2 + rng.normal(0, bh * 0.04)
    for poly in w.stroke_model.polylines(rng, digit):
        pts = np.column_stack([ox + poly[:, 0] * wd + w.slant * h * (1 - poly[:, 1]), oy + poly[:, 1] * h])
        canvas.stroke(pts)
    add_euro_habits(canvas, digit, (ox, oy, wd, h))


def add_euro_habits(canvas, digit, glyph_box):
    """The Indonesian (European) habits on a drawn digit: a flag on the 1, a bar across the 7."""
    w, rng = canvas.w, canvas.rng
    if not w.euro:
        return
    gx, gy, gw, gh = glyph_box
    if digit == 1:
        top = (gx + gw * 0.6 + w.slant * gh, gy)
        canvas.line(top, (top[0] - gh * rng.uniform(0.25, 0.4), top[1] + gh * rng.uniform(0.2, 0.35)))
    elif digit == 7:
        c = (gx + gw * 0.6 + w.slant * gh * 0.45, gy + gh * 0.55)
        half = gh * rng.uniform(0.18, 0.28)
        canvas.line((c[0] - half, c[1] + rng.normal(0, 0.3)), (c[0] + half, c[1] + rng.normal(0, 0.3)))


def draw_image_digit(canvas, img, digit, box, big=False):
    """An ordinary handwritten digit (MNIST or a font) over the box, with the writer's habits."""
    x, y, bw, bh = box
    rng, w = canvas.rng, canvas.w
    height = bh * rng.uniform(0.6, 0.8) * (1.25 if big else 1.0)
    made = pen_glyph(canvas, img, height, shear=w.slant + rng.normal(0, 0.05), angle=rng.normal(0, 4))
    if made is None:
        return
    glyph, pad, skel = made
    gw, gh = glyph.shape[1] / canvas.pxmm, glyph.shape[0] / canvas.pxmm
    cx = x + bw / 2 + rng.normal(0, bw * 0.04) + (rng.uniform(-0.3, 0.3) * bw if big else 0)
    cy = y + bh / 2 + rng.normal(0, bh * 0.04) + (rng.uniform(-0.25, 0.25) * bh if big else 0)
    gx, gy = cx - gw / 2, cy - gh / 2
    canvas.paste(glyph, gx, gy)
    if digit in (1, 7):
        ys, xs = np.nonzero(skel)
        add_euro_habits(canvas, digit, (gx + xs.min() / canvas.pxmm, gy + ys.min() / canvas.pxmm,
                                        (xs.max() - xs.min()) / canvas.pxmm, (ys.max() - ys.min()) / canvas.pxmm))


def draw_open_four(canvas, box, big):
    x, y, bw, bh = box
    rng = canvas.rng
    s = rng.uniform(0.6, 0.78) * (1.2 if big else 1.0)
    h, wd = bh * s, bw * s * 0.7
    ox, oy = x + (bw - wd) / 2 + rng.normal(0, 0.3), y + (bh - h) / 2 + rng.normal(0, 0.3)
    sl = canvas.w.slant * h
    p = lambda u, v: (ox + u * wd + sl * (1 - v), oy + v * h)   # noqa: E731
    canvas.stroke(np.vstack([canvas.wobbly(p(0.35, 0.0), p(0.05, 0.62)), canvas.wobbly(p(0.05, 0.62), p(0.95, 0.62))]))
    canvas.line(p(0.68, 0.12), p(0.7, 1.0))


def dot_mm(box, guide, i):
    x, y, bw, bh = box
    fx, fy = guide["dots"][i]
    return (x + fx * bw, y + fy * bh)


SEGMENT_DIGITS = {0: "abcdef", 1: "bc", 2: "abdeg", 3: "abcdg", 4: "bcfg", 5: "acdfg", 6: "acdefg", 7: "abc",
                  8: "abcdefg", 9: "abcdfg"}


def draw_segment_digit(canvas, guide, digit, box, big=False):
    """A digit drawn 'digital style' by joining the guide's dots, by an unsteady hand."""
    rng, w = canvas.rng, canvas.w
    x, y, bw, bh = box
    sloppy = 1.0 - w.care
    shift = np.array([rng.uniform(-0.25, 0.25) * bw, rng.uniform(-0.2, 0.2) * bh]) if big else 0
    segs = set(SEGMENT_DIGITS[digit])
    if digit == 1:
        segs = {"right": {"b", "c"}, "left": {"f", "e"}, "middle": {"h"}}[w.one_column]
    for s in sorted(segs):
        i, j = guide["segments"][s]
        p0, p1 = np.array(dot_mm(box, guide, i)) + shift, np.array(dot_mm(box, guide, j)) + shift
        d = p1 - p0
        a = rng.uniform(-0.15, 0.1) * (0.3 + sloppy)        # negative: stops short, positive: overshoots
        b = rng.uniform(-0.15, 0.1) * (0.3 + sloppy)
        jit = lambda: rng.normal(0, 0.2 + 0.35 * sloppy, 2)   # noqa: E731
        canvas.line(p0 - a * d + jit(), p1 + b * d + jit())
    top_left = np.array(dot_mm(box, guide, guide["segments"]["a"][0])) + shift
    if digit == 7 and w.seven_serif:
        canvas.line(top_left, top_left + (rng.normal(0, 0.3), bh * rng.uniform(0.1, 0.18)))
    if digit == 1 and w.euro:
        top = np.array(dot_mm(box, guide, guide["segments"][{"right": "b", "left": "f", "middle": "h"}[w.one_column]][0])) + shift
        canvas.line(top, top + (-bw * rng.uniform(0.18, 0.26), bh * rng.uniform(0.1, 0.16)))


def draw_digit(canvas, mnist, digit, box, guide=None, big=False):
    w = canvas.w
    if w.style == "dots" and guide:
        draw_segment_digit(canvas, guide, digit, box, big)
    elif digit == 4 and w.euro and w.style != "font":
        draw_open_four(canvas, box, big)
    elif w.style == "stroke":
        draw_stroke_digit(canvas, digit, box, big)
    elif w.style == "font":
        draw_image_digit(canvas, font_image(w.font, digit, canvas.rng), digit, box, big)
    else:
        draw_image_digit(canvas, mnist.images[mnist.pick(canvas.rng, digit)], digit, box, big)


def draw_filler(canvas, kind, box):
    """What people put in an unused leading box instead of a zero: the form's X, or a dash."""
    x, y, bw, bh = box
    rng = canvas.rng
    if kind == "dash":
        yy = y + bh * rng.uniform(0.42, 0.58)
        canvas.line((x + bw * rng.uniform(0.2, 0.35), yy), (x + bw * rng.uniform(0.65, 0.8), yy + rng.normal(0, 0.3)))
    elif kind == "x":
        m = rng.uniform(0.08, 0.25)
        j = lambda: rng.normal(0, 0.4, 2)   # noqa: E731
        canvas.line(np.array((x + bw * m, y + bh * m)) + j(), np.array((x + bw * (1 - m), y + bh * (1 - m))) + j())
        canvas.line(np.array((x + bw * (1 - m), y + bh * m)) + j(), np.array((x + bw * m, y + bh * (1 - m))) + j())


def strike_and_correct(canvas, mnist, wrong, right, box, guide=None):
    """A digit struck through with its correction written beside it, above the box's corner."""
    x, y, bw, bh = box
    rng = canvas.rng
    draw_digit(canvas, mnist, wrong, box, guide)
    if rng.random() < 0.5:
        canvas.line((x + bw * 0.1, y + bh * 0.85), (x + bw * 0.9, y + bh * 0.15), width_mm=canvas.w.width_mm * 1.3)
    else:
        for k in range(3):
            yy = y + bh * (0.35 + 0.15 * k)
            canvas.line((x + bw * 0.1, yy), (x + bw * 0.9, yy - bh * 0.05))
    small = (x + bw * 0.55, y - bh * 0.5, bw * 0.55, bh * 0.55)
    style = canvas.w.style
    canvas.w.style = "free" if style == "dots" else style     # nobody joins dots outside the box
    draw_digit(canvas, mnist, right, small)
    canvas.w.style = style


def fluid_and_rewrite(canvas, mnist, wrong, right, box, guide=None):
    """A digit written, whited out with correction fluid, and the right one written over the fluid."""
    draw_digit(canvas, mnist, wrong, box, guide)
    canvas.white_out(box)
    draw_digit(canvas, mnist, right, box, guide)


# ---------------------------------------------------------------- tallies

def tally_stroke(canvas, p0, p1):
    w = canvas.w
    line = canvas.wobbly(p0, p1, amp=w.wobble_mm * 1.5)
    faint = {"width_mm": min(w.width_mm, 0.4), "value": int(canvas.rng.integers(110, 170))} if w.tally_faint else {}
    canvas.stroke(line, **faint)


def draw_tally_group(canvas, n, cx, cy, cw, ch):
    rng, w = canvas.rng, canvas.w
    h = ch * rng.uniform(0.55, 0.78)
    gap = cw * rng.uniform(0.13, 0.18)
    x0 = cx - 1.5 * gap
    for i in range(min(n, 4)):
        sx = x0 + i * gap + rng.normal(0, gap * 0.08)
        top = cy - h / 2 + rng.normal(0, h * 0.06)
        bot = cy + h / 2 + rng.normal(0, h * 0.06)
        lean = (w.tally_slant + rng.normal(0, 0.06)) * h
        tally_stroke(canvas, (sx + lean / 2, top), (sx - lean / 2, bot))
    if n == 5:
        if w.flat_fifth:
            a = (x0 - gap * 0.6, cy + rng.normal(0, h * 0.08))
            b = (x0 + 3.6 * gap, cy + rng.normal(0, h * 0.08) - h * 0.08)
        else:
            a = (x0 - gap * 0.5, cy + h * rng.uniform(0.25, 0.4))
            b = (x0 + 3.5 * gap, cy - h * rng.uniform(0.25, 0.4))
        tally_stroke(canvas, a, b)


def tally_cell(g, x, y):
    col = min(g["cols"] - 1, max(0, int((x - g["x"]) // g["cell_w"])))
    row = min(g["rows"] - 1, max(0, int((y - g["y"]) // g["cell_h"])))
    return row * g["cols"] + col


def draw_tally(canvas, g, count):
    """Groups of four strokes crossed by a fifth, one group a cell, row by row (or, for a writer who
    ignores the cells, groups spaced evenly along the row). Returns how many groups spilled out of their
    cell and the true count per cell (a group belongs to the cell its centre was drawn in)."""
    rng, w = canvas.rng, canvas.w
    spilled, pushed_right = 0, -2
    cells_ = [0] * (g["cols"] * g["rows"])
    groups = [5] * (count // 5) + ([count % 5] if count % 5 else [])
    for k, n in enumerate(groups):
        col, row = k % g["cols"], k // g["cols"]
        cx = g["x"] + (col + 0.5) * g["cell_w"]
        cy = g["y"] + (row + 0.5) * g["cell_h"]
        if w.running_row:
            cx = g["x"] + (col + 0.5) * g["cell_w"] * rng.uniform(0.86, 0.9)   # its own pace along the row
        elif w.spill and rng.random() < 0.25:
            side = int(rng.choice([-1, 1]))
            if side < 0 and pushed_right == k - 1:
                side = 1
            if side > 0:
                pushed_right = k
            free = col + side < 0 or col + side >= g["cols"] or k + side >= len(groups)
            cx += side * rng.uniform(0.2, 0.45 if free else 0.25) * g["cell_w"]
            cy += rng.uniform(-0.12, 0.12) * g["cell_h"]
            spilled += 1
        else:
            cx += rng.normal(0, 0.05 * g["cell_w"])
            cy += rng.normal(0, 0.04 * g["cell_h"])
        draw_tally_group(canvas, n, cx, cy, g["cell_w"], g["cell_h"])
        cells_[tally_cell(g, cx, cy)] += n
    return spilled, cells_


def draw_small_number(canvas, mnist, value, cells_xy, cell_w, cell_h):
    """A two-digit number written in its small cells (a tally row's count), leading zero left blank."""
    text = f"{value:0{len(cells_xy)}d}"
    for k, (ch, (x, y)) in enumerate(zip(text, cells_xy)):
        if ch == "0" and k < len(text) - 1 and int(text[:k + 1]) == 0:
            continue
        style = canvas.w.style
        canvas.w.style = "free" if style == "dots" else style
        draw_digit(canvas, mnist, int(ch), (x + 0.8, y + 1.0, cell_w - 1.6, cell_h - 2.0))
        canvas.w.style = style


# ---------------------------------------------------------------- bubbles

def mark_bubble(canvas, cx, cy, r, style=None):
    """A bubble marked as people do: blackened, half-filled, ticked, crossed or circled."""
    rng = canvas.rng
    style = style or canvas.w.bubble_style
    if style in ("full", "half"):
        mask = np.zeros(canvas.ink.shape, np.uint8)
        k = canvas.pxmm
        rr = r * rng.uniform(0.85, 1.08)
        c = (int((cx + rng.normal(0, 0.25)) * k), int((cy + rng.normal(0, 0.25)) * k))
        if style == "full":
            cv2.circle(mask, c, int(rr * k), 255, -1, cv2.LINE_AA)
        else:
            start = rng.uniform(0, 360)
            cv2.ellipse(mask, c, (int(rr * k), int(rr * k)), 0, start, start + rng.uniform(160, 260), 255, -1,
                        cv2.LINE_AA)
        mask = cv2.GaussianBlur(mask, (3, 3), 0)
        np.maximum(canvas.ink, (mask.astype(np.float32) * rng.uniform(0.85, 1.0)).astype(np.uint8), out=canvas.ink)
    elif style == "tick":
        canvas.stroke(np.array([(cx - 0.7 * r, cy), (cx - 0.1 * r, cy + 0.7 * r), (cx + 0.9 * r, cy - 0.9 * r)]))
    elif style == "cross":
        canvas.line((cx - 0.75 * r, cy - 0.75 * r), (cx + 0.75 * r, cy + 0.75 * r))
        canvas.line((cx + 0.75 * r, cy - 0.75 * r), (cx - 0.75 * r, cy + 0.75 * r))
    elif style == "circle":
        t = np.linspace(0, 2 * np.pi * rng.uniform(1.0, 1.15), 30)
        rr = r * rng.uniform(1.15, 1.35)
        canvas.stroke(np.column_stack([cx + rr * np.cos(t), cy + rr * np.sin(t)]))


# ---------------------------------------------------------------- the rest of the handwriting

def scribble(canvas, x, y, length, height):
    """Cursive-looking words on the name lines and signatures: ink that is not a number."""
    rng = canvas.rng
    t = np.linspace(0, 1, max(4, int(length * 3)))
    xs = x + t * length + 0.6 * np.sin(t * length * rng.uniform(1.5, 2.5))
    ys = y - height * (0.5 + 0.45 * np.sin(t * length * rng.uniform(1.8, 3.0) + rng.uniform(0, 6)))
    canvas.stroke(np.stack([xs, ys], 1), width_mm=canvas.w.width_mm * 0.8)


def page_image(canvas, rng):
    """Paper, print, correction fluid and ink as colour at the blank's resolution."""
    paper = np.array([rng.uniform(225, 250), rng.uniform(232, 252), rng.uniform(235, 255)], np.float32)
    printed = canvas.blank.astype(np.float32)[..., None] / 255.0
    img = printed * paper + (1 - printed) * np.float32(rng.uniform(15, 45))
    if canvas.fluid.any():
        f = canvas.fluid.astype(np.float32)[..., None] / 255.0
        fluid_colour = np.array([rng.uniform(240, 255)] * 3, np.float32)
        # the blob's raised rim casts a faint shadow on its edge
        edge = cv2.morphologyEx(canvas.fluid, cv2.MORPH_GRADIENT, np.ones((5, 5), np.uint8)).astype(np.float32)
        img = img * (1 - f) + f * fluid_colour
        img *= (1 - 0.12 * cv2.GaussianBlur(edge, (0, 0), 1.5)[..., None] / 255.0)
    alpha = canvas.ink.astype(np.float32)[..., None] / 255.0 * np.float32(rng.uniform(0.8, 0.97))
    img = img * (1 - alpha) + alpha * np.array(canvas.w.ink, np.float32)
    return img

