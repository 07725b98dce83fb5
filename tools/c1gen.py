#!/usr/bin/python3
"""c1gen: fills the blank c1-ppwp page with handwriting and turns it into a phone photo.

Everything is drawn from one seed, so a fixture is reproduced from its name and seed alone.
Writes NAME.jpg and NAME.json (the label format documented in fixtures/README.md).

    c1gen.py --out DIR --seed 7 --name f007 [--set key=value ...]
    c1gen.py --out DIR --spec fixtures/fixtures.txt          # one photo per spec line
    c1gen.py --out DIR --range 1000 1300 --jobs 2            # the eval set
"""
import argparse
import json
import math
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cells  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORM_DIR = os.path.join(ROOT, "forms", "c1-ppwp")
MNIST_DIR = os.environ.get("C1_MNIST_DIR", os.path.join(ROOT, ".cache", "mnist"))
GENERATOR_VERSION = 7
# The t10k digits the fixtures may use; 5000-9999 stay unseen for independent checks.
MNIST_FIXTURE_RANGE = (0, 5000)

with open(os.path.join(FORM_DIR, "layout.json")) as fh:
    LAYOUT = json.load(fh)
PXMM = LAYOUT["blank"]["px_per_mm"]
PAGE_W, PAGE_H = LAYOUT["page"]["width"], LAYOUT["page"]["height"]
FIELDS = {f["id"]: f for f in LAYOUT["fields"]}
GUIDE = LAYOUT["guide"]
SEGMENT_DIGITS = {d: set(s) for d, s in GUIDE["digits"].items()}


# ---------------------------------------------------------------- values

def check_rules(values):
    """Ids of the rules that do not hold for these values."""
    broken = []
    for rule in LAYOUT["rules"]:
        if "sum" in rule:
            if sum(values[f] for f in rule["sum"]) != values[rule["equals"]]:
                broken.append(rule)
        elif "le" in rule:
            a, b = rule["le"]
            if values[a] > values[b]:
                broken.append(rule)
    return broken


def rule_fields(rule):
    return list(rule["sum"]) + [rule["equals"]] if "sum" in rule else list(rule["le"])


def sample_true_values(rng):
    """A polling station's honest count: every rule of the form holds."""
    dpt = int(rng.integers(100, 301))
    diterima = min(320, int(math.ceil(dpt * 1.02)))
    rusak = int(rng.choice([0, 0, 0, 1, 1, 2, 3]))
    turnout = rng.uniform(0.5, 0.93)
    pengguna_dpt = min(dpt, int(round(dpt * turnout)))
    dptb = int(rng.choice([0, 0, 1, 2, 3, 5, 8]))
    dpk = int(rng.choice([0, 0, 0, 1, 2, 4]))
    while pengguna_dpt + dptb + dpk + rusak > diterima or pengguna_dpt + dptb + dpk > 300:
        pengguna_dpt -= 1
    total = pengguna_dpt + dptb + dpk
    tidak_sah = int(rng.integers(0, max(1, int(total * 0.05)) + 1))
    sah = total - tidak_sah
    share = rng.dirichlet([rng.uniform(1, 6) for _ in range(3)])
    votes = rng.multinomial(sah, share)
    v = {
        "tps": int(rng.choice([rng.integers(1, 40), rng.integers(1, 130), rng.integers(100, 999)],
                              p=[0.6, 0.3, 0.1])),
        "dpt": dpt, "pengguna_dpt": pengguna_dpt, "pengguna_dptb": dptb, "pengguna_dpk": dpk,
        "pengguna_total": total, "ss_diterima": diterima, "ss_rusak": rusak,
        "ss_tidak_digunakan": diterima - total - rusak, "ss_digunakan": total,
        "paslon1": int(votes[0]), "paslon2": int(votes[1]), "paslon3": int(votes[2]),
        "suara_sah": sah, "suara_tidak_sah": tidak_sah, "total_suara": total,
    }
    assert not check_rules(v), check_rules(v)
    return v


# ---------------------------------------------------------------- the writer

class Writer:
    """One person's hand: pen, style and habits stay the same across the whole form."""

    def __init__(self, rng, style=None, opts=None):
        self.rng = rng
        self.style = style or ("dots" if rng.random() < 0.5 else "free")
        inks = [(150, 50, 20), (120, 40, 40), (40, 35, 30), (170, 80, 40), (60, 30, 120)]
        self.ink = inks[int(rng.integers(len(inks)))]       # BGR
        self.width_mm = float(rng.uniform(0.35, 0.95))
        self.wobble_mm = float(rng.uniform(0.05, 0.35))
        self.slant = float(rng.uniform(-0.12, 0.25))
        self.care = float(rng.uniform(0.0, 1.0))             # 0 sloppy, 1 neat
        self.euro = rng.random() < 0.6                       # flagged 1, crossed 7, open 4
        self.left_one = rng.random() < 0.25                  # dots writers: 1 on the left dots
        self.seven_serif = rng.random() < 0.4
        self.leading = str(rng.choice(["zero", "zero", "zero", "blank", "blank", "dash", "x"]))
        self.tally_slant = float(rng.uniform(-0.25, 0.3))
        self.flat_fifth = rng.random() < 0.2
        self.spill = rng.random() < 0.3
        self.tally_faint = rng.random() < 0.15               # a ballpoint running dry: thin, grey
        self.tally_tall = rng.random() < 0.12                # strokes as tall as the cell
        for habit in ("flat_fifth", "spill", "tally_faint", "tally_tall"):   # pinned by a fixture
            if habit in (opts or {}):
                setattr(self, habit, bool(int(opts[habit])))


class Canvas:
    """The page at the blank's resolution with an ink layer on top, in millimetres."""

    def __init__(self, rng, writer):
        blank = cv2.imread(os.path.join(FORM_DIR, "blank.png"), cv2.IMREAD_GRAYSCALE)
        self.blank = blank
        self.ink = np.zeros(blank.shape, np.uint8)
        self.rng = rng
        self.w = writer

    def px(self, pts):
        return np.round(np.asarray(pts, np.float64) * PXMM * 16).astype(np.int32)

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
        width = max(1, int(round((width_mm or self.w.width_mm) * PXMM)))
        value = value or int(self.rng.integers(200, 256))
        cv2.polylines(self.ink, [self.px(pts)], False, value, width, cv2.LINE_AA, shift=4)

    def line(self, p0, p1, **kw):
        self.stroke(self.wobbly(p0, p1), **kw)

    def paste(self, glyph, x_mm, y_mm):
        """Max-blends a glyph mask (uint8) with its top-left corner at (x_mm, y_mm)."""
        x0, y0 = int(round(x_mm * PXMM)), int(round(y_mm * PXMM))
        h, w = glyph.shape
        H, W = self.ink.shape
        gx0, gy0 = max(0, -x0), max(0, -y0)
        x1, y1 = min(W, x0 + w), min(H, y0 + h)
        if x1 <= max(0, x0) or y1 <= max(0, y0):
            return
        roi = self.ink[max(0, y0):y1, max(0, x0):x1]
        np.maximum(roi, glyph[gy0:gy0 + roi.shape[0], gx0:gx0 + roi.shape[1]], out=roi)


# ---------------------------------------------------------------- digits

class Mnist:
    def __init__(self, lo, hi, split="t10k"):
        path = os.path.join(MNIST_DIR, f"{split}-images-idx3-ubyte")
        lab = os.path.join(MNIST_DIR, f"{split}-labels-idx1-ubyte")
        if not os.path.exists(path):
            sys.exit(f"c1gen: MNIST not found in {MNIST_DIR} (run: make data)")
        with open(path, "rb") as fh:
            images = np.frombuffer(fh.read()[16:], np.uint8).reshape(-1, 28, 28)
        with open(lab, "rb") as fh:
            labels = np.frombuffer(fh.read()[8:], np.uint8)
        self.images, self.labels = images, labels
        self.by_digit = {d: [i for i in range(lo, hi) if labels[i] == d] for d in range(10)}

    def pick(self, rng, digit):
        ids = self.by_digit[digit]
        return int(ids[int(rng.integers(len(ids)))])


def mnist_glyph(canvas, mnist, index, height_mm):
    """An MNIST digit redrawn with this writer's pen: skeleton, then the writer's stroke width."""
    w = canvas.w
    rng = canvas.rng
    img = mnist.images[index].astype(np.float32)
    shear = w.slant + rng.normal(0, 0.05)
    angle = rng.normal(0, 4)
    m = cv2.getRotationMatrix2D((14, 14), angle, 1.0)
    m[0, 1] += -shear
    m[0, 2] += shear * 14
    img = cv2.warpAffine(img, m, (28, 28))
    ys, xs = np.nonzero(img > 60)
    if len(xs) == 0:
        return None
    img = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    scale = height_mm * PXMM / img.shape[0]
    size = (max(2, int(round(img.shape[1] * scale))), max(2, int(round(img.shape[0] * scale))))
    big = cv2.resize(img, size, interpolation=cv2.INTER_CUBIC)
    binary = (big > 110).astype(np.uint8) * 255
    skel = cells.skeleton_stroke(binary)
    pen = max(1, int(round(w.width_mm * PXMM)))
    pad = pen + 2
    skel = cv2.copyMakeBorder(skel, pad, pad, pad, pad, cv2.BORDER_CONSTANT, 0)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen, pen))
    glyph = cv2.dilate(skel, k)
    glyph = cv2.GaussianBlur(glyph, (3, 3), 0)
    return glyph, pad / PXMM, skel


def draw_mnist_digit(canvas, mnist, digit, box, big=False):
    """An ordinary handwritten digit over the guide dots, with European habits when the writer has them."""
    x, y, bw, bh = box
    rng, w = canvas.rng, canvas.w
    if digit == 4 and w.euro:
        return draw_open_four(canvas, box, big)
    height = bh * rng.uniform(0.62, 0.82) * (1.25 if big else 1.0)
    glyph, pad, skel = mnist_glyph(canvas, mnist, mnist.pick(rng, digit), height)
    gw, gh = glyph.shape[1] / PXMM, glyph.shape[0] / PXMM
    cx = x + bw / 2 + rng.normal(0, bw * 0.04) + (rng.uniform(-0.35, 0.35) * bw if big else 0)
    cy = y + bh / 2 + rng.normal(0, bh * 0.04) + (rng.uniform(-0.3, 0.3) * bh if big else 0)
    gx, gy = cx - gw / 2, cy - gh / 2
    canvas.paste(glyph, gx, gy)
    if not w.euro:
        return
    ys, xs = np.nonzero(skel)
    top, bottom = ys.min(), ys.max()
    to_mm = lambda px, py: (gx + px / PXMM, gy + py / PXMM)   # noqa: E731
    if digit == 1:
        tx = xs[ys == top].mean()
        t = to_mm(tx, top)
        flag = (t[0] - height * rng.uniform(0.25, 0.4), t[1] + height * rng.uniform(0.2, 0.35))
        canvas.line(t, flag)
        if rng.random() < 0.5:
            bx = xs[ys == bottom].mean()
            b = to_mm(bx, bottom)
            canvas.line((b[0] - height * 0.2, b[1]), (b[0] + height * 0.2, b[1]))
    elif digit == 7:
        row = int(top + (bottom - top) * 0.55)
        near = xs[np.abs(ys - row) <= 2]
        if len(near):
            c = to_mm(near.mean(), row)
            half = height * rng.uniform(0.18, 0.28)
            canvas.line((c[0] - half, c[1] + rng.normal(0, 0.3)), (c[0] + half, c[1] + rng.normal(0, 0.3)))


def draw_open_four(canvas, box, big):
    x, y, bw, bh = box
    rng = canvas.rng
    s = rng.uniform(0.62, 0.8) * (1.2 if big else 1.0)
    h, wd = bh * s, bw * s * 0.8
    ox, oy = x + (bw - wd) / 2 + rng.normal(0, 0.3), y + (bh - h) / 2 + rng.normal(0, 0.3)
    sl = canvas.w.slant * h
    p = lambda u, v: (ox + u * wd + sl * (1 - v), oy + v * h)   # noqa: E731
    canvas.stroke(np.vstack([canvas.wobbly(p(0.35, 0.0), p(0.05, 0.62)),
                             canvas.wobbly(p(0.05, 0.62), p(0.95, 0.62))]))
    canvas.line(p(0.68, 0.12), p(0.7, 1.0))


def dot_mm(box, i):
    x, y, bw, bh = box
    fx, fy = GUIDE["dots"][i]
    return (x + fx * bw, y + fy * bh)


def segments_for(digit, writer, rng):
    segs = set(SEGMENT_DIGITS[str(digit)])
    if digit == 1 and writer.left_one:
        segs = {"f", "e"}
    if writer.care < 0.35 and len(segs) > 2 and rng.random() < 0.15:
        # A forgotten segment, only where no other digit is then one stroke away.
        s = sorted(segs)[int(rng.integers(len(segs)))]
        rest = segs - {s}
        near = [d for d, p in SEGMENT_DIGITS.items() if len(p ^ rest) <= 1]
        if rest not in SEGMENT_DIGITS.values() and near == [str(digit)]:
            segs = rest
    return segs


def draw_segment_digit(canvas, digit, box, big=False):
    """A digit drawn 'digital style' by joining the printed dots, by an unsteady hand."""
    rng, w = canvas.rng, canvas.w
    x, y, bw, bh = box
    sloppy = 1.0 - w.care
    shift = np.array([rng.uniform(-0.3, 0.3) * bw, rng.uniform(-0.25, 0.25) * bh]) if big else 0
    for s in sorted(segments_for(digit, w, rng)):
        i, j = GUIDE["segments"][s]
        p0, p1 = np.array(dot_mm(box, i)) + shift, np.array(dot_mm(box, j)) + shift
        d = p1 - p0
        a = rng.uniform(-0.2, 0.12) * (0.3 + sloppy)        # negative: stops short, positive: overshoots
        b = rng.uniform(-0.2, 0.12) * (0.3 + sloppy)
        jit = lambda: rng.normal(0, 0.25 + 0.45 * sloppy, 2)   # noqa: E731
        canvas.line(p0 - a * d + jit(), p1 + b * d + jit())
    top_left = np.array(dot_mm(box, 0)) + shift
    if digit == 7 and w.seven_serif:
        canvas.line(top_left, top_left + (rng.normal(0, 0.3), bh * rng.uniform(0.12, 0.22)))
    if digit == 1 and w.euro:
        top = np.array(dot_mm(box, 0 if w.left_one else 1)) + shift
        canvas.line(top, top + (-bw * rng.uniform(0.2, 0.3), bh * rng.uniform(0.12, 0.2)))


def draw_digit(canvas, mnist, digit, box, big=False):
    if canvas.w.style == "dots":
        draw_segment_digit(canvas, digit, box, big)
    else:
        draw_mnist_digit(canvas, mnist, digit, box, big)


def draw_filler(canvas, kind, box):
    """What people put in a leading box instead of a zero: a dash or an x."""
    x, y, bw, bh = box
    rng = canvas.rng
    if kind == "dash":
        yy = y + bh * rng.uniform(0.42, 0.58)
        canvas.line((x + bw * rng.uniform(0.2, 0.35), yy), (x + bw * rng.uniform(0.65, 0.8), yy + rng.normal(0, 0.3)))
    elif kind == "x":
        m = 0.25
        canvas.line((x + bw * m, y + bh * m), (x + bw * (1 - m), y + bh * (1 - m)))
        canvas.line((x + bw * (1 - m), y + bh * m), (x + bw * m, y + bh * (1 - m)))


def strike_and_correct(canvas, mnist, wrong, right, box):
    """A digit struck through with its correction written beside it, above the box's corner."""
    x, y, bw, bh = box
    rng = canvas.rng
    draw_digit(canvas, mnist, wrong, box)
    if rng.random() < 0.5:
        canvas.line((x + bw * 0.1, y + bh * 0.85), (x + bw * 0.9, y + bh * 0.15), width_mm=canvas.w.width_mm * 1.3)
    else:
        for k in range(3):
            yy = y + bh * (0.35 + 0.15 * k)
            canvas.line((x + bw * 0.1, yy), (x + bw * 0.9, yy - bh * 0.05))
    small = (x + bw * 0.55, y - bh * 0.45, bw * 0.6, bh * 0.6)
    style = canvas.w.style
    canvas.w.style = "free"        # nobody joins dots outside the box
    draw_mnist_digit(canvas, mnist, right, small)
    canvas.w.style = style


# ---------------------------------------------------------------- tallies

def draw_tally(canvas, field, count):
    """Groups of four strokes crossed by a fifth, one group a cell, row by row. Returns how many
    groups spilled out of their cell and the true count per cell (a group belongs to the cell its
    centre was drawn in)."""
    g = field["tally"]
    rng, w = canvas.rng, canvas.w
    spilled, pushed_right = 0, -2
    cells = [0] * (g["cols"] * g["rows"])
    groups = [5] * (count // 5) + ([count % 5] if count % 5 else [])
    for k, n in enumerate(groups):
        col, row = k % g["cols"], k // g["cols"]
        cx = g["x"] + (col + 0.5) * g["cell_w"]
        cy = g["y"] + (row + 0.5) * g["cell_h"]
        if w.spill and rng.random() < 0.25:
            # Over the line into the next cell, but nobody draws a group on top of another: where
            # the neighbour on that side holds a group, only as far as touching it.
            side = int(rng.choice([-1, 1]))
            if side < 0 and pushed_right == k - 1:
                side = 1
            if side > 0:
                pushed_right = k
            neighbour = k + side
            free = col + side < 0 or col + side >= g["cols"] or neighbour >= len(groups)
            cx += side * rng.uniform(0.25, 0.5 if free else 0.27) * g["cell_w"]
            cy += rng.uniform(-0.15, 0.15) * g["cell_h"]
            spilled += 1
        else:
            cx += rng.normal(0, 0.05 * g["cell_w"])
            cy += rng.normal(0, 0.04 * g["cell_h"])
        draw_tally_group(canvas, n, cx, cy, g["cell_w"], g["cell_h"])
        cells[tally_cell(g, cx, cy)] += n
    return spilled, cells


def tally_cell(g, x, y):
    col = min(g["cols"] - 1, max(0, int((x - g["x"]) // g["cell_w"])))
    row = min(g["rows"] - 1, max(0, int((y - g["y"]) // g["cell_h"])))
    return row * g["cols"] + col


def tally_stroke(canvas, p0, p1):
    w = canvas.w
    line = canvas.wobbly(p0, p1, amp=w.wobble_mm * 1.5)
    faint = {"width_mm": min(w.width_mm, 0.45), "value": int(canvas.rng.integers(110, 170))} if w.tally_faint else {}
    canvas.stroke(line, **faint)


def draw_tally_group(canvas, n, cx, cy, cw, ch):
    rng, w = canvas.rng, canvas.w
    h = ch * (rng.uniform(0.8, 1.0) if w.tally_tall else rng.uniform(0.55, 0.75))
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


def spoil_tally(rng, canvas, field, count, kind):
    """Ink in a tally grid that is not a vote: a crossed-out group (a group drawn, then scribbled
    over) or a scribble, in the first cell after the last group."""
    g = field["tally"]
    k = -(-count // 5)
    if k >= g["cols"] * g["rows"]:
        return False
    cx = g["x"] + (k % g["cols"] + 0.5) * g["cell_w"]
    cy = g["y"] + (k // g["cols"] + 0.5) * g["cell_h"]
    if kind == "tally_crossed_out":
        draw_tally_group(canvas, int(rng.integers(1, 6)), cx, cy, g["cell_w"], g["cell_h"])
        xs = np.linspace(cx - 0.3 * g["cell_w"], cx + 0.3 * g["cell_w"], int(rng.integers(5, 9)))
        ys = cy + np.where(np.arange(len(xs)) % 2, -1, 1) * 0.3 * g["cell_h"]
        canvas.stroke(np.stack([xs, ys], 1))
    else:
        scribble(canvas, cx - 0.25 * g["cell_w"], cy + 2, 0.5 * g["cell_w"], 4)
    return True


# ---------------------------------------------------------------- the rest of the handwriting

def scribble(canvas, x, y, length, height):
    """Cursive-looking words on the name lines and signatures: ink that is not a number."""
    rng = canvas.rng
    t = np.linspace(0, 1, int(length * 3))
    xs = x + t * length + 0.6 * np.sin(t * length * rng.uniform(1.5, 2.5))
    ys = y - height * (0.5 + 0.45 * np.sin(t * length * rng.uniform(1.8, 3.0) + rng.uniform(0, 6)))
    canvas.stroke(np.stack([xs, ys], 1), width_mm=canvas.w.width_mm * 0.8)


def fill_form(rng, canvas, mnist, values, tally_counts, plan):
    """Writes every field; returns what each box holds, as the digit model's classes name it."""
    box_labels = {}
    for fid, field in FIELDS.items():
        box_labels[fid] = write_number(canvas, mnist, field, values[fid], plan.get(fid, {}))
        if "tally" in field:
            how = plan.setdefault(fid, {})
            how["spilled"], how["tally_cells"] = draw_tally(canvas, field, tally_counts[fid])
            if how.get("spoil") and not spoil_tally(rng, canvas, field, tally_counts[fid], how["spoil"]):
                del how["spoil"]
    for x0 in (120, 245, 370, 495):
        scribble(canvas, x0 + rng.uniform(0, 10), 51, rng.uniform(30, 65), 3.5)
    for x0 in (235, 325, 400):
        if rng.random() < 0.8:
            scribble(canvas, x0, 403, rng.uniform(12, 22), 4)
    return box_labels


def write_number(canvas, mnist, field, value, how):
    boxes = [(b["x"], b["y"], b["w"], b["h"]) for b in field["digits"]]
    rng, w = canvas.rng, canvas.w
    digits = [int(c) for c in f"{value:03d}"]
    lead = 0
    while lead < 2 and digits[lead] == 0:
        lead += 1
    if how.get("left_aligned"):
        written = [int(c) for c in str(value)] + [None]
        cells = list(zip(boxes, written))
    else:
        cells = []
        for k, (box, d) in enumerate(zip(boxes, digits)):
            if k < lead and w.leading != "zero":
                cells.append((box, None if w.leading == "blank" else w.leading))
            else:
                cells.append((box, d))
    labels = []
    for k, (box, d) in enumerate(cells):
        big = k in how.get("border_cross", ())
        if d is None:
            labels.append("empty")
            continue
        if isinstance(d, str):
            labels.append("filler")
            draw_filler(canvas, d, box)
        elif how.get("correction") == k:
            labels.append("struck")
            wrong = int((d + rng.integers(1, 10)) % 10)
            strike_and_correct(canvas, mnist, wrong, d, box)
        else:
            labels.append(str(d))
            draw_digit(canvas, mnist, d, box, big)
    return labels


# ---------------------------------------------------------------- the photo

def page_image(canvas, rng):
    """Paper, print and ink as colour at the blank's resolution."""
    paper = np.array([rng.uniform(225, 250), rng.uniform(232, 252), rng.uniform(235, 255)], np.float32)
    printed = canvas.blank.astype(np.float32)[..., None] / 255.0
    img = printed * paper + (1 - printed) * np.float32(rng.uniform(15, 45))
    alpha = canvas.ink.astype(np.float32)[..., None] / 255.0 * np.float32(rng.uniform(0.8, 0.97))
    img = img * (1 - alpha) + alpha * np.array(canvas.w.ink, np.float32)
    return img


def camera_homography(rng, opts):
    """mm on the page -> pixels in a unit-less image plane, from a tilted, rotated camera."""
    tilt = math.radians(float(opts.get("tilt", rng.uniform(0, 35) if rng.random() < 0.75 else rng.uniform(0, 8))))
    axis = rng.uniform(0, 2 * math.pi)
    if "rot" in opts:
        rot = float(opts["rot"])
    else:
        r = rng.random()
        rot = (rng.normal(0, 6) if r < 0.7 else rng.choice([90, 180, 270]) + rng.normal(0, 5) if r < 0.9
               else rng.uniform(0, 360))
    ax = np.array([math.cos(axis), math.sin(axis), 0.0])
    rv_tilt, _ = cv2.Rodrigues(ax * tilt)
    rv_rot, _ = cv2.Rodrigues(np.array([0, 0, math.radians(rot)]))
    R = rv_tilt @ rv_rot
    dist = 900.0
    f = 1000.0
    K = np.array([[f, 0, 0], [0, f, 0], [0, 0, 1]])
    centre = np.array([[1, 0, -PAGE_W / 2], [0, 1, -PAGE_H / 2], [0, 0, 1]])
    Rt = np.column_stack([R[:, 0], R[:, 1], np.array([0, 0, dist])])
    H = K @ Rt @ centre
    return H / H[2, 2], math.degrees(tilt), rot % 360


def apply_h(H, pts):
    pts = np.asarray(pts, np.float64)
    p = np.column_stack([pts, np.ones(len(pts))]) @ H.T
    return p[:, :2] / p[:, 2:3]


class Fold:
    """A plano sheet folded in half: the far side of the crease is slightly foreshortened."""

    def __init__(self, rng, on):
        self.on = on
        self.vertical = rng.random() < 0.6
        self.at = PAGE_W / 2 if self.vertical else PAGE_H / 2
        self.scale = float(rng.uniform(0.988, 0.997)) if on else 1.0
        self.sign = 1 if rng.random() < 0.5 else -1

    def forward(self, pts):
        pts = np.array(pts, np.float64)
        c = pts[:, 0] if self.vertical else pts[:, 1]
        side = (c - self.at) * self.sign > 0
        c[side] = self.at + (c[side] - self.at) * self.scale
        return pts

    def inverse(self, u, v):
        c = u if self.vertical else v
        side = (c - self.at) * self.sign > 0
        c[side] = self.at + (c[side] - self.at) / self.scale
        return u, v


def background(rng, w, h):
    small = (max(8, w // 8), max(8, h // 8))
    base = np.array([rng.uniform(40, 200) for _ in range(3)], np.float32)
    tex = rng.normal(0, 1, (small[1], small[0], 1)).astype(np.float32)
    tex = cv2.GaussianBlur(tex, (0, 0), rng.uniform(1, 6))[..., None]
    grain = np.sin(np.linspace(0, rng.uniform(20, 80), small[0]) + rng.normal(0, 0.3, (small[1], 1)))
    img = base + tex * rng.uniform(8, 25) + grain[..., None].astype(np.float32) * rng.uniform(0, 15)
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)


def lighting(rng, w, h, conditions):
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    gx, gy = rng.normal(0, 0.25, 2)
    light = 1.0 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
    light *= 1.0 - rng.uniform(0, 0.25) * (((xx / w - 0.5) ** 2 + (yy / h - 0.5) ** 2) * 2)
    if rng.random() < 0.45:
        # A shadow of the phone or a hand: a dark soft-edged blob over part of the page.
        mask = np.zeros_like(light)
        c = (int(rng.uniform(0, w / 8)), int(rng.uniform(0, h / 8)))
        axes = (int(rng.uniform(0.1, 0.45) * w / 8), int(rng.uniform(0.1, 0.45) * h / 8))
        cv2.ellipse(mask, c, axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(2, 12))
        light *= 1 - mask * rng.uniform(0.25, 0.55)
        conditions.append("shadow")
    light *= rng.uniform(0.75, 1.1)
    return cv2.resize(light, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]


def photograph(rng, page, opts, conditions, fold):
    H0, tilt, rot = camera_homography(rng, opts)
    corners_mm = [(0, 0), (PAGE_W, 0), (PAGE_W, PAGE_H), (0, PAGE_H)]
    proj = apply_h(H0, fold.forward(corners_mm))
    span = proj.max(0) - proj.min(0)
    long_side = int(opts.get("long", rng.choice([rng.integers(1600, 2400), rng.integers(2400, 4001)])))
    landscape = span[0] >= span[1]
    W, Hh = (long_side, long_side * 3 // 4) if landscape else (long_side * 3 // 4, long_side)
    fill = float(opts.get("fill", rng.uniform(0.72, 0.94)))
    s = fill * min(W / span[0], Hh / span[1])
    centre = (proj.max(0) + proj.min(0)) / 2
    off = np.array([W / 2, Hh / 2]) - s * centre
    off += rng.uniform(-1, 1, 2) * (np.array([W, Hh]) - s * span) * 0.4
    if int(opts.get("cut", rng.random() < 0.04)):
        # Push one page corner and its marker past the nearest frame edge; a neighbour may follow.
        k = int(rng.integers(4))
        x, y = s * proj[k] + off
        gaps = [(x, 0, -1), (W - x, 0, 1), (y, 1, -1), (Hh - y, 1, 1)]
        gap, axis, sign = min(gaps)
        off[axis] += sign * (gap + s * rng.uniform(22, 45))   # past the corner marker (10-26 mm in)
        conditions.append("cut_corner")
    S = np.array([[s, 0, off[0]], [0, s, off[1]], [0, 0, 1]])
    H = S @ H0
    # Render: photo pixel -> mm plane (H^-1) -> unfolded mm -> blank pixel.
    Hinv = np.linalg.inv(H)
    ys, xs = np.mgrid[0:Hh, 0:W].astype(np.float32)
    den = Hinv[2, 0] * xs + Hinv[2, 1] * ys + Hinv[2, 2]
    u = (Hinv[0, 0] * xs + Hinv[0, 1] * ys + Hinv[0, 2]) / den
    v = (Hinv[1, 0] * xs + Hinv[1, 1] * ys + Hinv[1, 2]) / den
    del xs, ys, den
    u, v = fold.inverse(u, v)
    scale = s * PXMM ** -1
    src = page
    if scale < 0.9:   # shrink with a pre-blur so that fine print aliases like a camera, not a decimator
        src = cv2.GaussianBlur(page, (0, 0), 0.45 / scale)
    mapx, mapy = (u * PXMM).astype(np.float32), (v * PXMM).astype(np.float32)
    del u, v
    photo_page = cv2.remap(src, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(-1, -1, -1))
    inside = (photo_page[..., 0] >= 0)[..., None]
    img = np.where(inside, photo_page, background(rng, W, Hh))
    del photo_page, mapx, mapy
    if fold.on:
        crease = np.array([[fold.at, 0], [fold.at, PAGE_H]] if fold.vertical else [[0, fold.at], [PAGE_W, fold.at]])
        a, b = apply_h(H, fold.forward(crease))
        shade = np.ones((Hh, W), np.float32)
        cv2.line(shade, tuple(int(t) for t in a), tuple(int(t) for t in b), 0.8, max(2, int(s * 0.6)), cv2.LINE_AA)
        shade = cv2.GaussianBlur(shade, (0, 0), max(1.0, s * 0.8))
        img *= shade[..., None]
        conditions.append("fold")
    img *= lighting(rng, W, Hh, conditions)
    blur = float(opts.get("blur", rng.choice([0, 0, rng.uniform(0.3, 1.2), rng.uniform(1.2, 2.6)])))
    if blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), blur)
        if blur >= 1.2:
            conditions.append("blur")
    img += rng.normal(0, rng.uniform(1.5, 6), img.shape).astype(np.float32)
    quality = int(opts.get("jpeg", rng.integers(55, 93)))
    if quality < 70:
        conditions.append("jpeg_low")
    if tilt >= 20:
        conditions.append("tilt_high")
    r = round(rot / 90) % 4 if abs(rot - 90 * round(rot / 90)) < 20 else None
    conditions.append({0: "upright", 1: "rot90", 2: "rot180", 3: "rot270", None: "rot_any"}[r])
    if long_side < 2200:
        conditions.append("lowres")
    img = np.clip(img, 0, 255).astype(np.uint8)
    geom = {"tilt_deg": round(tilt, 2), "rotation_deg": round(rot, 2), "blur_sigma": round(blur, 2),
            "jpeg_quality": quality, "width": W, "height": Hh,
            "fold": ({"vertical": fold.vertical, "at_mm": fold.at, "scale": round(fold.scale, 4)} if fold.on else None)}
    return img, H, quality, geom


# ---------------------------------------------------------------- one form

def plan_conventions(rng, values, opts):
    """Which fields get the harder conventions: left-aligned, a correction, digits over the border."""
    plan = {}
    two_digit = [f for f, v in values.items() if 10 <= v <= 99 and f != "tps"]
    if two_digit and rng.random() < float(opts.get("p_left", 0.08)):
        plan.setdefault(str(rng.choice(two_digit)), {})["left_aligned"] = True
    if rng.random() < float(opts.get("p_correction", 0.12)):
        f = str(rng.choice([f for f in FIELDS if f != "tps"]))
        if not plan.get(f, {}).get("left_aligned"):
            plan.setdefault(f, {})["correction"] = 2 if values[f] < 10 else int(rng.integers(1, 3))
    if rng.random() < float(opts.get("p_border", 0.35)):
        for f in rng.choice(list(FIELDS), size=int(rng.integers(1, 4)), replace=False):
            if not plan.get(str(f), {}).get("left_aligned"):
                plan.setdefault(str(f), {})["border_cross"] = (int(rng.integers(0, 3)),)
    for kind, p in (("tally_crossed_out", 0.04), ("tally_scribble", 0.05)):
        if rng.random() < float(opts.get("p_" + kind, p)):
            plan.setdefault(str(rng.choice([f for f in FIELDS if "tally" in FIELDS[f]])), {})["spoil"] = kind
    return plan


def make_mistakes(rng, values, opts):
    """Officers' real mistakes: a sum off by a few, or a tally that disagrees with its number."""
    written = dict(values)
    tally = {f: values[f] for f, d in FIELDS.items() if "tally" in d}
    kinds = []
    if rng.random() < float(opts.get("p_sum_error", 0.04)):
        rule = [r for r in LAYOUT["rules"] if "sum" in r][int(rng.integers(5))]
        f = rule["equals"]
        delta = int(rng.choice([-3, -2, -1, 1, 2, 3]))
        if 0 <= written[f] + delta <= FIELDS[f]["max"]:
            written[f] += delta
            kinds.append("mistake_sum")
    if rng.random() < float(opts.get("p_tally_error", 0.04)):
        f = str(rng.choice(list(tally)))
        delta = int(rng.choice([-2, -1, 1, 2]))
        cap = FIELDS[f]["tally"]["cols"] * FIELDS[f]["tally"]["rows"] * 5
        if 0 <= tally[f] + delta <= cap:
            tally[f] += delta
            kinds.append("mistake_tally")
    return written, tally, kinds


def break_reserve(seed, values):
    """A station that received more ballots than its DPT plus the 2 % reserve (a late extra delivery):
    every rule of the form still holds, only the law's hint does not. Its own random stream, so that
    the rest of the photo is the one the seed gives without it."""
    rng = np.random.default_rng(seed + 7_000_000)
    extra = int(rng.integers(1, 13))
    if values["ss_diterima"] + extra <= FIELDS["ss_diterima"]["max"]:
        values["ss_diterima"] += extra
        values["ss_tidak_digunakan"] += extra
    return values


def generate(seed, opts, mnist):
    rng = np.random.default_rng(seed)
    writer = Writer(rng, opts.get("style"), opts)
    values = sample_true_values(rng)
    if int(opts.get("reserve_broken", 0)):
        values = break_reserve(seed, values)
        assert not check_rules(values), check_rules(values)
    written, tally, conditions = make_mistakes(rng, values, opts)
    plan = plan_conventions(rng, written, opts)
    canvas = Canvas(rng, writer)
    box_labels = fill_form(rng, canvas, mnist, written, tally, plan)
    must_review = set()
    for rule in check_rules(written):
        must_review.update(rule_fields(rule))
    for f, n in tally.items():
        if n != written[f]:
            must_review.add(f)
    for f, how in plan.items():
        if how.get("left_aligned") or "correction" in how or how.get("spoil") == "tally_crossed_out":
            must_review.add(f)
        if how.get("spoil"):
            conditions.append(how["spoil"])
        for key in ("left_aligned", "correction", "border_cross"):
            if key in how and how[key] is not False:
                conditions.append(key)
        if how.get("spilled"):
            conditions.append("spill")
    conditions += ["style_" + writer.style, "lead_" + writer.leading]
    conditions += ["euro"] if writer.euro and writer.style == "free" else []
    fold = Fold(rng, bool(int(opts.get("fold", rng.random() < 0.35))))
    page = page_image(canvas, rng)
    del canvas
    img, H, quality, geom = photograph(rng, page, opts, conditions, fold)
    to_photo = lambda pts: [[round(float(a), 2), round(float(b), 2)] for a, b in apply_h(H, fold.forward(pts))]  # noqa: E731
    corners = to_photo([(0, 0), (PAGE_W, 0), (PAGE_W, PAGE_H), (0, PAGE_H)])
    inside = all(0 <= x < geom["width"] and 0 <= y < geom["height"] for x, y in corners)
    # Blur beyond 0.75 mm (sigma on the page) smears a 0.5 mm pen stroke away: rejecting is right.
    px_per_mm = (math.dist(corners[0], corners[1]) + math.dist(corners[3], corners[2])) / (2 * PAGE_W)
    geom["blur_mm"] = round(geom["blur_sigma"] / px_per_mm, 3)
    if geom["blur_mm"] > 0.75:
        conditions.append("blur_unreadable")
    label = {
        "form": "c1-ppwp",
        "fields": written,
        "tally": tally,
        "must_review": sorted(must_review),
        "expect_reject_ok": not inside or geom["blur_mm"] > 0.75,
        "page_corners": corners,
        "style": writer.style,
        "tally_cells": {f: how["tally_cells"] for f, how in sorted(plan.items()) if "tally_cells" in how},
        "conventions": {f: {k: (list(v) if isinstance(v, tuple) else v) for k, v in how.items() if k not in GEN_ONLY}
                        for f, how in sorted(plan.items()) if any(k not in GEN_ONLY for k in how)},
        "conditions": sorted(set(conditions)),
        "boxes": {f: [to_photo(rect(b)) for b in d["digits"]] for f, d in FIELDS.items()},
        "box_labels": box_labels,
        "tally_grids": {f: to_photo(rect(tally_rect(d["tally"]))) for f, d in FIELDS.items() if "tally" in d},
        "synth": dict(geom, seed=seed, generator=GENERATOR_VERSION, options=opts),
    }
    return img, quality, label


GEN_ONLY = ("spilled", "tally_cells")


def rect(b):
    return [(b["x"], b["y"]), (b["x"] + b["w"], b["y"]), (b["x"] + b["w"], b["y"] + b["h"]), (b["x"], b["y"] + b["h"])]


def tally_rect(t):
    return {"x": t["x"], "y": t["y"], "w": t["cols"] * t["cell_w"], "h": t["rows"] * t["cell_h"]}


# ---------------------------------------------------------------- photos that are not a c1-ppwp page

def hostile(kind, seed, out_dir, name):
    """The bad input every reader meets: not an image, a truncated file, a wall, another form."""
    rng = np.random.default_rng(seed)
    label = {"form": None, "fields": {}, "tally": {}, "must_review": [], "expect_reject_ok": True,
             "must_reject": True, "page_corners": None, "conditions": ["hostile", kind],
             "synth": {"seed": seed, "generator": GENERATOR_VERSION, "kind": kind}}
    path = os.path.join(out_dir, name)
    label["expect_error"] = {"not_image": "not_an_image", "empty": "empty_input", "truncated": "truncated",
                             "huge_header": "image_too_large", "no_form": "page_not_found",
                             "wrong_form": "wrong_form"}.get(kind)
    if kind == "not_image":
        with open(path + ".jpg", "w") as fh:
            fh.write("This is a text file with a .jpg name, not a photo.\n" * 20)
    elif kind == "empty":
        open(path + ".jpg", "wb").close()
    elif kind == "truncated":
        img, q, _ = generate(seed, {"long": 1800}, load_mnist())
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
        with open(path + ".jpg", "wb") as fh:
            fh.write(buf.tobytes()[: len(buf) // 2])
    elif kind == "huge_header":
        write_huge_png(path + ".png", 100000, 100000)
    elif kind == "no_form":
        img = background(rng, 2000, 1500)
        cv2.rectangle(img, (400, 300), (1500, 1200), (235, 235, 235), -1)
        for k in range(12):
            y = 380 + k * 60
            cv2.line(img, (470, y), (int(rng.uniform(900, 1400)), y), (60, 60, 60), 6)
        img += rng.normal(0, 3, img.shape).astype(np.float32)
        cv2.imwrite(path + ".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 85])
    elif kind in HOSTILE_FILES:
        label["expect_error"] = HOSTILE_FILES[kind](path)
    elif kind == "wrong_form":
        img, q = wrong_form_photo(seed)
        label["form"] = "c1-dpd"
        cv2.imwrite(path + ".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
    else:
        raise ValueError(kind)
    write_json(path + ".json", label)


def wrong_form_photo(seed):
    """The same markers and grid, but the DPD form's title and QR: must not be read as c1-ppwp."""
    blank = cv2.imread(os.path.join(FORM_DIR, "blank.png"), cv2.IMREAD_GRAYSCALE)
    other = blank.copy()
    q = LAYOUT["qr"]
    other[int(q["y"] * PXMM):int((q["y"] + q["h"]) * PXMM), int(q["x"] * PXMM):int((q["x"] + q["w"]) * PXMM)] = 255
    code = cv2.QRCodeEncoder.create().encode("KPU/C.HASIL-DPD/2024/HAL-1")
    side = int(q["w"] * PXMM)
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    other[int(q["y"] * PXMM):int(q["y"] * PXMM) + side, int(q["x"] * PXMM):int(q["x"] * PXMM) + side] = code
    y0, y1 = int(12 * PXMM), int(38 * PXMM)
    other[y0:y1, int(150 * PXMM):int(450 * PXMM)] = 255
    from PIL import Image, ImageDraw, ImageFont
    pil = Image.fromarray(other)
    draw = ImageDraw.Draw(pil)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", int(9 * PXMM * 0.95))
    draw.text((297 * PXMM, 14 * PXMM), "MODEL C.HASIL-DPD", font=font, fill=0, anchor="mt")
    font2 = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", int(5.5 * PXMM))
    draw.text((297 * PXMM, 28 * PXMM), "PEMILIHAN UMUM ANGGOTA DPD TAHUN 2024", font=font2, fill=0, anchor="mt")
    rng = np.random.default_rng(seed)
    canvas = Canvas(rng, Writer(rng))
    canvas.blank = np.array(pil)
    values = sample_true_values(rng)
    fill_form(rng, canvas, load_mnist(), values, {f: values[f] for f in FIELDS if "tally" in FIELDS[f]}, {})
    page = page_image(canvas, rng)
    opts = {"long": 2200, "tilt": 12, "rot": 2, "blur": 0, "cut": 0}
    img, _, q, _ = photograph(rng, page, opts, [], Fold(rng, False))
    return img, q


def png_bytes(w, h, rows):
    """A grey 8-bit PNG whose every row is `rows(y)` (bytes), compressed as it goes."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(b"\0" + rows(y)) for y in range(h)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def hostile_tiff_ifd_wrap(path):
    """A TIFF header whose first directory lies at 0xFFFFFFFF: a 32-bit bounds check wraps round."""
    import base64
    with open(path + ".tif", "wb") as fh:
        fh.write(base64.b64decode("SUkqAP///////////////////////////////////////////yCCAAAA"))
    return "truncated"


def hostile_png_bomb(path):
    """50 KB that decode to 49 million white pixels, just under the engine's cap: a bounded read."""
    row = b"\xff" * 7000
    with open(path + ".png", "wb") as fh:
        fh.write(png_bytes(7000, 7000, lambda y: row))
    return "page_not_found"


def hostile_thin(path):
    """An image 1 pixel wide and 100 000 tall."""
    with open(path + ".png", "wb") as fh:
        fh.write(png_bytes(1, 100000, lambda y: b"\x80"))
    return "too_small"


def hostile_jpeg_scans(path):
    """A progressive JPEG with hundreds of scans: each is a decoding pass over the whole image."""
    img = np.full((600, 800), 200, np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    data = buf.tobytes()
    last_sos = data.rfind(b"\xff\xda")
    scan = data[last_sos:-2]                 # the last scan, up to EOI
    with open(path + ".jpg", "wb") as fh:
        fh.write(data[:-2] + scan * 300 + b"\xff\xd9")
    return "decode_failed"


def hostile_tiff_many_ifds(path, n=2000):
    """A TIFF of 2 000 directories (pages), each a 200 x 200 white image sharing one strip."""
    import struct
    w = h = 200
    strip_at = 8
    strip = b"\xff" * (w * h)
    tags = lambda nxt: [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),   # noqa: E731
                        (273, 4, 1, strip_at), (277, 3, 1, 1), (278, 3, 1, h), (279, 4, 1, w * h)]
    out = bytearray(b"II*\0" + struct.pack("<I", 8 + len(strip)) + strip)
    for k in range(n):
        here = len(out)
        entries = tags(0)
        nxt = here + 2 + 12 * len(entries) + 4 if k + 1 < n else 0
        out += struct.pack("<H", len(entries))
        for tag, typ, cnt, val in entries:
            out += struct.pack("<HHI", tag, typ, cnt) + (struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val))
        out += struct.pack("<I", nxt)
    with open(path + ".tif", "wb") as fh:
        fh.write(bytes(out))
    return "page_not_found"


HOSTILE_FILES = {"tiff_ifd_wrap": hostile_tiff_ifd_wrap, "png_bomb": hostile_png_bomb, "thin": hostile_thin,
                 "jpeg_scans": hostile_jpeg_scans, "tiff_many_ifds": hostile_tiff_many_ifds}


def write_huge_png(path, w, h):
    """A valid PNG signature and header that claim w x h pixels, followed by almost no data."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


# ---------------------------------------------------------------- driver

_MNIST = None
# Which digits fill the forms: the t10k half for fixtures and the eval set, or the training split's
# held-out tail (never trained on, only used to calibrate) for the validation set that sets thresholds.
MNIST_SOURCES = {"t10k": ("t10k", MNIST_FIXTURE_RANGE), "holdout": ("train", (55000, 60000)),
                 "train": ("train", (0, 55000))}
NAME_PREFIX = {"t10k": "e", "holdout": "v", "train": "t"}
_SOURCE = "t10k"


def load_mnist():
    global _MNIST
    if _MNIST is None:
        split, (lo, hi) = MNIST_SOURCES[_SOURCE]
        _MNIST = Mnist(lo, hi, split)
    return _MNIST


def write_json(path, obj):
    """One top-level key a line: readable in a diff, small on disk."""
    lines = [f" {json.dumps(k)}: {json.dumps(obj[k], sort_keys=True)}" for k in sorted(obj)]
    with open(path, "w") as fh:
        fh.write("{\n" + ",\n".join(lines) + "\n}\n")


def parse_opts(items):
    opts = {}
    for it in items or []:
        k, _, v = it.partition("=")
        opts[k] = v
    return opts


def make_one(out_dir, name, seed, opts):
    kind = opts.pop("hostile", None)
    if kind:
        hostile(kind, seed, out_dir, name)
        return
    img, quality, label = generate(seed, opts, load_mnist())
    cv2.imwrite(os.path.join(out_dir, name + ".jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    write_json(os.path.join(out_dir, name + ".json"), label)


def read_spec(path):
    """Lines 'NAME SEED [key=value ...]'; '#' starts a comment."""
    jobs = []
    with open(path) as fh:
        for line in fh:
            words = line.split("#", 1)[0].split()
            if words:
                jobs.append((words[0], int(words[1]), parse_opts(words[2:])))
    return jobs


def run_jobs(out_dir, jobs, n_jobs):
    os.makedirs(out_dir, exist_ok=True)
    if n_jobs <= 1:
        for name, seed, opts in jobs:
            make_one(out_dir, name, seed, dict(opts))
            print(f"c1gen: {name}", file=sys.stderr)
        return
    from multiprocessing import Pool
    with Pool(n_jobs) as pool:
        for name in pool.imap_unordered(_worker, [(out_dir, j) for j in jobs]):
            print(f"c1gen: {name}", file=sys.stderr)


def _worker(arg):
    out_dir, (name, seed, opts) = arg
    make_one(out_dir, name, seed, dict(opts))
    return name


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--name")
    ap.add_argument("--set", action="append", help="key=value override (style, tilt, rot, long, blur, jpeg, fold, cut, ...)")
    ap.add_argument("--spec", help="file of 'NAME SEED [key=value ...]' lines")
    ap.add_argument("--range", nargs=2, type=int, metavar=("FIRST", "END"), help="seeds FIRST..END-1, named eNNNNN")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--mnist", choices=sorted(MNIST_SOURCES), default="t10k",
                    help="t10k (fixtures, eval), holdout (validation: training split 55000-59999) "
                         "or train (photos the digit model learns from: training split 0-54999)")
    a = ap.parse_args(argv)
    global _SOURCE
    _SOURCE = a.mnist
    if a.spec:
        jobs = read_spec(a.spec)
    elif a.range:
        jobs = [(f"{NAME_PREFIX[a.mnist]}{s:05d}", s, parse_opts(a.set)) for s in range(*a.range)]
    elif a.seed is not None:
        jobs = [(a.name or f"s{a.seed:05d}", a.seed, parse_opts(a.set))]
    else:
        ap.error("give --seed, --spec or --range")
    run_jobs(a.out, jobs, a.jobs)


if __name__ == "__main__":
    main()
