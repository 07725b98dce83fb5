"""camera: a filled page turned into a phone photo: a tilted, rotated camera, a fold, a background,
uneven light and shadow, blur, noise and JPEG. Used by tools/c1gen.py; everything comes from the
random stream it is given, so a photo is reproduced from its seed.
"""
import math

import cv2
import numpy as np


def camera_homography(rng, opts, page_w, page_h):
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
    centre = np.array([[1, 0, -page_w / 2], [0, 1, -page_h / 2], [0, 0, 1]])
    Rt = np.column_stack([R[:, 0], R[:, 1], np.array([0, 0, dist])])
    H = K @ Rt @ centre
    return H / H[2, 2], math.degrees(tilt), rot % 360


def apply_h(H, pts):
    pts = np.asarray(pts, np.float64)
    p = np.column_stack([pts, np.ones(len(pts))]) @ H.T
    return p[:, :2] / p[:, 2:3]


class Fold:
    """A plano sheet folded in half: the far side of the crease is slightly foreshortened."""

    def __init__(self, rng, on, page_w, page_h):
        self.on = on
        self.vertical = rng.random() < 0.4
        # a plano sheet is folded in half and in half again: the creases run at a half or a quarter
        self.at = (page_w if self.vertical else page_h) * float(rng.choice([0.5, 0.25, 0.75]))
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


def photograph(rng, page, opts, conditions, fold, page_w, page_h, pxmm):
    H0, tilt, rot = camera_homography(rng, opts, page_w, page_h)
    corners_mm = [(0, 0), (page_w, 0), (page_w, page_h), (0, page_h)]
    proj = apply_h(H0, fold.forward(corners_mm))
    span = proj.max(0) - proj.min(0)
    long_side = opts.get("long", rng.choice([rng.integers(1600, 2400), rng.integers(2400, 4001)]))
    if isinstance(long_side, str) and "-" in long_side:   # --set long=1600-2200: from 1600 up to 2199
        lo, hi = (int(t) for t in long_side.split("-"))
        long_side = rng.integers(lo, hi)
    long_side = int(long_side)
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
        off[axis] += sign * (gap + s * rng.uniform(55, 80))   # past the corner mark (25-47 mm in, 3.7 mm wide)
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
    scale = s * pxmm ** -1
    src = page
    if scale < 0.9:   # shrink with a pre-blur so that fine print aliases like a camera, not a decimator
        src = cv2.GaussianBlur(page, (0, 0), 0.45 / scale)
    mapx, mapy = (u * pxmm).astype(np.float32), (v * pxmm).astype(np.float32)
    del u, v
    photo_page = cv2.remap(src, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(-1, -1, -1))
    inside = (photo_page[..., 0] >= 0)[..., None]
    img = np.where(inside, photo_page, background(rng, W, Hh))
    del photo_page, mapx, mapy
    if fold.on:
        crease = np.array([[fold.at, 0], [fold.at, page_h]] if fold.vertical else [[0, fold.at], [page_w, fold.at]])
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
