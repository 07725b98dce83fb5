#!/usr/bin/python3
"""c1gen: fills the pages of Model C.HASIL-PPWP 2024 as a polling station would and photographs them.

A seed is one polling station: its honest count (every rule of all three pages holds), one officer's
hand and habits, now and then a real mistake, and a photo of each of its three pages. Everything is
drawn from the seed, so a fixture is reproduced from its name and seed alone. Writes NAME.jpg and
NAME.json (the label format of fixtures/README.md) for each page.

    c1gen.py --out DIR --seed 7 --name f007 [--set page=2] [--set key=value ...]
    c1gen.py --out DIR --spec fixtures/fixtures.txt          # one photo per spec line
    c1gen.py --out DIR --range 1000 1120 --jobs 2            # stations 1000-1119, three pages each
"""
import argparse
import ctypes
import json
import math
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import camera  # noqa: E402
import hand  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORM_DIR = os.path.join(ROOT, "forms", "c-hasil-ppwp-2024")
GENERATOR_VERSION = 9
# The t10k digits the fixtures and the eval set may use; 5000-9999 stay unseen for independent checks.
MNIST_FIXTURE_RANGE = (0, 5000)

with open(os.path.join(FORM_DIR, "layout.json")) as _fh:
    LAYOUT = json.load(_fh)
PXMM = LAYOUT["blank_px_per_mm"]
PAGE_W, PAGE_H = LAYOUT["page"]["width"], LAYOUT["page"]["height"]
PAGES = {p["page"]: p for p in LAYOUT["pages"]}
FIELDS = {n: {f["id"]: f for f in p["fields"]} for n, p in PAGES.items()}
GUIDE = LAYOUT["guide"]
FORM_ID = LAYOUT["form"]
PAGE_OF = {fid: n for n, fs in FIELDS.items() for fid in fs}


# ---------------------------------------------------------------- values

def rules_of(page):
    return PAGES[page]["rules"]


def broken_rules(values, page):
    """The page's rules that do not hold for these values."""
    broken = []
    for rule in rules_of(page):
        if "sum" in rule and sum(values[f] for f in rule["sum"]) != values[rule["equals"]]:
            broken.append(rule)
        elif "le" in rule and values[rule["le"][0]] > values[rule["le"][1]]:
            broken.append(rule)
    return broken


def broken_cross_page(values):
    return [r for r in LAYOUT["cross_page_rules"]
            if sum(values[f] for _, f in r["sum"]) != values[r["equals"][1]]]


def rule_fields(rule):
    return list(rule["sum"]) + [rule["equals"]] if "sum" in rule else list(rule["le"])


def split(rng, total, parts, weights=None):
    w = rng.dirichlet(weights or [rng.uniform(1, 6) for _ in range(parts)])
    return [int(v) for v in rng.multinomial(total, w)]


def sample_station(rng):
    """A polling station's honest count: every rule of all three pages holds."""
    v = {}
    dpt = int(rng.integers(120, 301))
    v["dpt_l"] = int(round(dpt * rng.uniform(0.45, 0.55)))
    v["dpt_p"], v["dpt"] = dpt - v["dpt_l"], dpt
    turnout = rng.uniform(0.55, 0.95)
    for c in ("_l", "_p"):
        v["pengguna_dpt" + c] = min(v["dpt" + c], int(round(v["dpt" + c] * turnout)))
        v["pengguna_dptb" + c] = int(rng.choice([0, 0, 0, 1, 1, 2, 3, 5]))
        v["pengguna_dpk" + c] = int(rng.choice([0, 0, 0, 0, 1, 2, 4]))
    while sum(v[f + c] for f in ("pengguna_dpt", "pengguna_dptb", "pengguna_dpk") for c in ("_l", "_p")) > 300:
        v["pengguna_dpt_l"] -= 1
    for f in ("pengguna_dpt", "pengguna_dptb", "pengguna_dpk"):
        v[f] = v[f + "_l"] + v[f + "_p"]
    for c in ("_l", "_p", ""):
        v["pengguna_total" + c] = v["pengguna_dpt" + c] + v["pengguna_dptb" + c] + v["pengguna_dpk" + c]
        v["disabilitas" + c] = 0
    v["disabilitas_l"] = int(rng.choice([0, 0, 0, 1, 1, 2, 3]))
    v["disabilitas_p"] = int(rng.choice([0, 0, 0, 1, 2, 4]))
    v["disabilitas"] = v["disabilitas_l"] + v["disabilitas_p"]
    total = v["pengguna_total"]
    v["ss_diterima"] = min(320, int(math.ceil(dpt * 1.02)))
    while v["ss_diterima"] < total:
        v["ss_diterima"] += 1          # ballots for DPTb/DPK voters came with a late delivery
    v["ss_digunakan"] = total
    v["ss_rusak"] = int(min(rng.choice([0, 0, 0, 1, 1, 2, 3]), v["ss_diterima"] - total))
    v["ss_tidak_digunakan"] = v["ss_diterima"] - total - v["ss_rusak"]
    v["total_suara"] = total
    v["suara_tidak_sah"] = int(rng.integers(0, max(1, int(total * 0.05)) + 1))
    v["suara_sah"] = total - v["suara_tidak_sah"]
    v["paslon1"], v["paslon2"], v["paslon3"] = split(rng, v["suara_sah"], 3)
    for page in PAGES:
        assert not broken_rules(v, page), broken_rules(v, page)
    assert not broken_cross_page(v)
    return v


def row_counts_of(count, g):
    """The count of each tally row: 12 groups of five a row, filled row by row."""
    per_row = g["cols"] * 5
    return [max(0, min(per_row, count - r * per_row)) for r in range(g["rows"])]


# ---------------------------------------------------------------- the writing

def box_rect(b):
    return (b["x"], b["y"], b["w"], b["h"])


def write_number(canvas, mnist, field, value, how, guide):
    """The three boxes of a number as this officer writes them; what each box holds, as the digit
    model's classes name it, and as written ("X", "", "7")."""
    boxes = [box_rect(b) for b in field["digits"]]
    rng, w = canvas.rng, canvas.w
    digits = [int(c) for c in f"{value:03d}"]
    lead = 0
    while lead < 2 and digits[lead] == 0:
        lead += 1
    if how.get("left_aligned"):
        cells_ = list(zip(boxes, [int(c) for c in str(value)] + [None]))
    else:
        cells_ = [(box, None if k < lead and w.leading == "blank" else w.leading if k < lead and w.leading != "zero" else d)
                  for k, (box, d) in enumerate(zip(boxes, digits))]
    labels, written = [], []
    for k, (box, d) in enumerate(cells_):
        big = k in how.get("border_cross", ())
        if d is None:
            labels.append("empty"), written.append("")
        elif isinstance(d, str):
            labels.append("filler"), written.append("X" if d == "x" else "-")
            hand.draw_filler(canvas, d, box)
        elif how.get("correction") == k:
            labels.append("struck"), written.append(str(d))
            hand.strike_and_correct(canvas, mnist, int((d + rng.integers(1, 10)) % 10), d, box, guide)
        elif how.get("fluid") == k:
            labels.append(str(d)), written.append(str(d))
            hand.fluid_and_rewrite(canvas, mnist, int((d + rng.integers(1, 10)) % 10), d, box, guide)
        else:
            labels.append(str(d)), written.append(str(d))
            hand.draw_digit(canvas, mnist, d, box, guide, big)
    return labels, written


def bubble_digits(written):
    """The bubbles an officer blackens under a number: one a box that holds a digit (a written 0
    included, as the form's example shows), none under an X, a dash or a blank box."""
    return [int(c) if c.isdigit() else None for c in written]


def mark_bubbles(canvas, field, marked, how):
    cols = field["bubbles"]
    rng = canvas.rng
    out = []
    for k, (col, d) in enumerate(zip(cols, marked)):
        if d is None:
            out.append(None)
            continue
        if how.get("bubble_wrong") == k:       # the wrong one blackened: the reader must not agree
            d = int((d + rng.choice([-1, 1])) % 10)
        hand.mark_bubble(canvas, col["x"], col["y0"] + d * col["pitch"], col["radius"])
        out.append(d)
    if how.get("bubbles_left_empty"):
        return [None] * len(out)
    return out


def fill_page(rng, canvas, mnist, page, written, tally, plan):
    """Writes every field of a page with its witnesses; returns what each was written as."""
    out = {"box_labels": {}, "boxes_as_written": {}, "bubbles": {}, "tally_cells": {}, "row_counts": {}}
    for fid, field in FIELDS[page].items():
        how = plan.get(fid, {})
        guide = GUIDE if field.get("guide") else None
        labels, as_written = write_number(canvas, mnist, field, written[fid], how, guide)
        out["box_labels"][fid], out["boxes_as_written"][fid] = labels, as_written
        if field.get("bubbles") and not how.get("bubbles_left_empty"):
            out["bubbles"][fid] = mark_bubbles(canvas, field, bubble_digits(as_written), how)
        if "tally" in field:
            g = field["tally"]
            how["spilled"], out["tally_cells"][fid] = hand.draw_tally(canvas, g, tally[fid])
            rows = row_counts_of(tally[fid], g)
            rc = field["row_counts"]
            for r, n in enumerate(rows):
                if n or r == 0:
                    cells_xy = [(rc["x"] + k * rc["cell_w"], rc["y"] + r * rc["cell_h"]) for k in range(rc["digits"])]
                    hand.draw_small_number(canvas, mnist, n, cells_xy, rc["cell_w"], rc["cell_h"])
            out["row_counts"][fid] = rows
    header = PAGES[page]["header"]
    for k in range(3):
        hand.scribble(canvas, header["x"] + 60 + rng.uniform(0, 20) + (k % 2) * 200, header["y"] + 12 + 10 * (k // 2),
                      rng.uniform(40, 90), 3.5)
    sig = PAGES[page]["signatures"]
    for k in range(7):
        if rng.random() < 0.8:
            hand.scribble(canvas, sig["x"] + 15 + k * 65, sig["y"] + 38, rng.uniform(20, 40), 4)
    return out


# ---------------------------------------------------------------- one station, one page

def plan_conventions(rng, page, values, opts):
    """Which fields get the harder conventions: left-aligned, a correction, digits over the border,
    correction fluid, a wrong or a missing bubble."""
    plan = {}
    fields = list(FIELDS[page])
    two_digit = [f for f in fields if 10 <= values[f] <= 99]
    if two_digit and rng.random() < float(opts.get("p_left", 0.04)):
        plan.setdefault(str(rng.choice(two_digit)), {})["left_aligned"] = True
    if rng.random() < float(opts.get("p_correction", 0.06)):
        f = str(rng.choice(fields))
        if not plan.get(f, {}).get("left_aligned"):
            plan.setdefault(f, {})["correction"] = 2 if values[f] < 10 else int(rng.integers(1, 3))
    if rng.random() < float(opts.get("p_fluid", 0.12)):
        f = str(rng.choice(fields))
        if not plan.get(f):
            plan.setdefault(f, {})["fluid"] = 2 if values[f] < 10 else int(rng.integers(1, 3)) if values[f] < 100 else int(rng.integers(0, 3))
    if rng.random() < float(opts.get("p_border", 0.3)):
        for f in rng.choice(fields, size=min(len(fields), int(rng.integers(1, 4))), replace=False):
            if not plan.get(str(f), {}).get("left_aligned"):
                plan.setdefault(str(f), {})["border_cross"] = (int(rng.integers(0, 3)),)
    bubbled = [f for f in fields if FIELDS[page][f].get("bubbles")]
    if bubbled and rng.random() < float(opts.get("p_bubble_wrong", 0)):
        plan.setdefault(str(rng.choice(bubbled)), {})["bubble_wrong"] = int(rng.integers(0, 3))
    if bubbled and rng.random() < float(opts.get("p_bubbles_empty", 0.05)):
        plan.setdefault(str(rng.choice(bubbled)), {})["bubbles_left_empty"] = True
    return plan


def station_mistake(seed, values, opts):
    """An officer's mistake across pages, decided once for the station (every page's generator makes
    the same decision): page 3 counts the valid or the invalid votes off by a few, and adds its own
    sum right, so that only the rules across pages break. Returns page 3's values."""
    rng = np.random.default_rng([seed, 0])
    if rng.random() >= float(opts.get("p_station_error", 0.05)):
        return values
    off = dict(values)
    field = "suara_sah" if rng.random() < 0.5 else "suara_tidak_sah"
    delta = int(rng.choice([-3, -2, -1, 1, 2, 3]))
    if not (0 <= off[field] + delta and off["total_suara"] + delta <= FIELDS[3]["total_suara"]["max"]):
        return values
    off[field] += delta
    off["total_suara"] += delta
    return off


def station_must_review(seed, values, page3_values, opts):
    """The fields of every page in a rule across pages that breaks on what the officer wrote: each
    page's numbers after its own mistakes too (a sum put right on page 3 can undo a mistake across
    the pages, or a sum gone wrong on page 1 make one). Each page's mistakes come from that page's
    own stream, so any page's generator can replay the others'."""
    written = {}
    for page in PAGES:
        page_values = page3_values if page == 3 else values
        written[page] = make_mistakes(np.random.default_rng([seed, page]), page, page_values, opts)[0]
    broken = [r for r in LAYOUT["cross_page_rules"]
              if sum(written[p][f] for p, f in r["sum"]) != written[r["equals"][0]][r["equals"][1]]]
    return sorted({tuple(t) for r in broken for t in list(r["sum"]) + [r["equals"]]})


def make_mistakes(rng, page, values, opts):
    """Officers' real mistakes on this page: a sum off by a few, or a tally that disagrees."""
    written = dict(values)
    tally = {f: values[f] for f, d in FIELDS[page].items() if "tally" in d}
    kinds = []
    sums = [r for r in rules_of(page) if "sum" in r]
    if sums and rng.random() < float(opts.get("p_sum_error", 0.04)):
        f = sums[int(rng.integers(len(sums)))]["equals"]
        delta = int(rng.choice([-3, -2, -1, 1, 2, 3]))
        if 0 <= written[f] + delta <= FIELDS[page][f]["max"]:
            written[f] += delta
            kinds.append("mistake_sum")
    if tally and rng.random() < float(opts.get("p_tally_error", 0.04)):
        f = str(rng.choice(sorted(tally)))
        delta = int(rng.choice([-2, -1, 1, 2]))
        if 0 <= tally[f] + delta <= 300:
            tally[f] += delta
            kinds.append("mistake_tally")
    return written, tally, kinds


def must_review_of(page, written, tally, plan):
    must = set()
    for rule in broken_rules(written, page):
        must.update(rule_fields(rule))
    for f, n in tally.items():
        if n != written[f]:
            must.add(f)
    for f, how in plan.items():
        if how.get("left_aligned") or "correction" in how or how.get("bubble_wrong") is not None:
            must.add(f)
    return must


def blank_page(page):
    return cv2.imread(os.path.join(FORM_DIR, PAGES[page]["blank"]), cv2.IMREAD_GRAYSCALE)


def generate(seed, opts, mnist):
    """One page's photo of station `seed` (opts page=1|2|3), and its label."""
    page = int(opts.get("page", 1))
    rng = np.random.default_rng(seed)
    writer = hand.Writer(rng, opts.get("style"), opts)   # one officer fills all three pages
    values = sample_station(rng)
    page3_values = station_mistake(seed, values, opts)
    station_must = station_must_review(seed, values, page3_values, opts)
    values = page3_values if page == 3 else values
    rng = np.random.default_rng([seed, page])             # then each page its own stream
    written, tally, conditions = make_mistakes(rng, page, values, opts)
    plan = plan_conventions(rng, page, written, opts)
    canvas = hand.Canvas(rng, writer, blank_page(page), PXMM)
    filled = fill_page(rng, canvas, mnist, page, written, tally, plan)
    must_review = must_review_of(page, written, tally, plan)
    for how in plan.values():
        conditions += [k for k in ("left_aligned", "correction", "fluid", "border_cross", "bubble_wrong",
                                   "bubbles_left_empty") if k in how]
        if how.get("spilled"):
            conditions.append("spill")
    conditions += ["style_" + writer.style, "lead_" + writer.leading, "pen_" + writer.pen]
    conditions += ["mistake_station"] if station_must else []
    conditions += ["bubbles_" + writer.bubble_style] if page == 2 else []
    conditions += ["euro"] if writer.euro and writer.style != "dots" else []
    conditions += ["running_row"] if writer.running_row and page in (2, 3) else []
    fold = camera.Fold(rng, bool(int(opts.get("fold", rng.random() < 0.4))), PAGE_W, PAGE_H)
    img_page = hand.page_image(canvas, rng)
    del canvas
    img, H, quality, geom = camera.photograph(rng, img_page, opts, conditions, fold, PAGE_W, PAGE_H, PXMM)
    del img_page
    to_photo = lambda pts: [[round(float(a), 2), round(float(b), 2)] for a, b in camera.apply_h(H, fold.forward(pts))]  # noqa: E731
    corners = to_photo([(0, 0), (PAGE_W, 0), (PAGE_W, PAGE_H), (0, PAGE_H)])
    inside = all(0 <= x < geom["width"] and 0 <= y < geom["height"] for x, y in corners)
    px_per_mm = (math.dist(corners[0], corners[1]) + math.dist(corners[3], corners[2])) / (2 * PAGE_W)
    geom["blur_mm"] = round(geom["blur_sigma"] / px_per_mm, 3)
    # Beyond 1.3 mm (sigma on the page) a pen stroke has faded into the paper: rejecting is right.
    if geom["blur_mm"] > 1.3:
        conditions.append("blur_unreadable")
    fields = FIELDS[page]
    label = {
        "form": FORM_ID,
        "page": page,
        "station": f"s{seed:05d}",
        "fields": {f: written[f] for f in fields},
        "boxes_as_written": filled["boxes_as_written"],
        "box_labels": filled["box_labels"],
        "bubbles": filled["bubbles"],
        "tally": tally,
        "tally_cells": filled["tally_cells"],
        "row_counts": filled["row_counts"],
        "must_review": sorted(must_review),
        # the fields of this page that a station's check must send to review (a mistake across pages)
        "station_must_review": sorted(f for p, f in station_must if p == page),
        "expect_reject_ok": not inside or geom["blur_mm"] > 1.3,
        "page_corners": corners,
        "style": writer.style,
        "conventions": {f: {k: (list(v) if isinstance(v, tuple) else v) for k, v in how.items() if k not in GEN_ONLY}
                        for f, how in sorted(plan.items()) if any(k not in GEN_ONLY for k in how)},
        "conditions": sorted(set(conditions)),
        "boxes": {f: [to_photo(rect(b)) for b in d["digits"]] for f, d in fields.items()},
        "tally_grids": {f: to_photo(rect(tally_rect(d["tally"]))) for f, d in fields.items() if "tally" in d},
        "synth": dict(geom, seed=seed, generator=GENERATOR_VERSION, options=opts),
    }
    return img, quality, label


GEN_ONLY = ("spilled",)


def rect(b):
    return [(b["x"], b["y"]), (b["x"] + b["w"], b["y"]), (b["x"] + b["w"], b["y"] + b["h"]), (b["x"], b["y"] + b["h"])]


def tally_rect(t):
    return {"x": t["x"], "y": t["y"], "w": t["cols"] * t["cell_w"], "h": t["rows"] * t["cell_h"]}


# ---------------------------------------------------------------- photos that are not a page of this form

def apriltag_image(tag_id):
    """The tag36h10 code `tag_id`, 10 x 10 modules (its white border included), from libapriltag."""
    lib = ctypes.CDLL("libapriltag.so.3")

    class Image(ctypes.Structure):
        _fields_ = [("width", ctypes.c_int32), ("height", ctypes.c_int32), ("stride", ctypes.c_int32),
                    ("buf", ctypes.POINTER(ctypes.c_uint8))]
    lib.tag36h10_create.restype = ctypes.c_void_p
    lib.apriltag_to_image.restype = ctypes.POINTER(Image)
    lib.apriltag_to_image.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    im = lib.apriltag_to_image(lib.tag36h10_create(), tag_id).contents
    return np.ctypeslib.as_array(im.buf, shape=(im.height, im.stride))[:, :im.width].copy()


def other_forms_page(page, tag_id, title):
    """Page `page` as another form of the same election would print it: its own marker and title."""
    blank = blank_page(page).copy()
    t = LAYOUT["tag"]
    code = apriltag_image(tag_id)[1:-1, 1:-1]          # the black square: 8 x 8 modules, as the family draws it
    x0, y0, s = int(t["x"] * PXMM), int(t["y"] * PXMM), int(round(t["w"] * PXMM))
    blank[y0:y0 + s, x0:x0 + s] = cv2.resize(code, (s, s), interpolation=cv2.INTER_NEAREST)
    tb = LAYOUT["title_box"]
    from PIL import Image, ImageDraw, ImageFont
    pil = Image.fromarray(blank)
    draw = ImageDraw.Draw(pil)
    bx, by, bw, bh = (int(tb[k] * PXMM) for k in ("x", "y", "w", "h"))
    draw.rectangle((bx + 4, by + 4, bx + bw - 4, by + bh - 4), fill=255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", int(4.2 * PXMM))
    draw.text((bx + bw // 2, by + bh // 3), "MODEL", font=font, fill=0, anchor="mm")
    draw.text((bx + bw // 2, by + 2 * bh // 3), title, font=font, fill=0, anchor="mm")
    return np.array(pil)


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
        img, q, _ = generate(seed, {"long": 1800, "page": 2}, load_mnist())
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
        with open(path + ".jpg", "wb") as fh:
            fh.write(buf.tobytes()[: len(buf) // 2])
    elif kind == "huge_header":
        write_huge_png(path + ".png", 100000, 100000)
    elif kind == "no_form":
        img = camera.background(rng, 2000, 1500)
        cv2.rectangle(img, (400, 300), (1500, 1200), (235, 235, 235), -1)
        for k in range(12):
            y = 380 + k * 60
            cv2.line(img, (470, y), (int(rng.uniform(900, 1400)), y), (60, 60, 60), 6)
        img += rng.normal(0, 3, img.shape).astype(np.float32)
        cv2.imwrite(path + ".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 85])
    elif kind == "wrong_form":
        img, q = wrong_form_photo(seed)
        label["form"] = "c-hasil-dpr-2024"
        cv2.imwrite(path + ".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
    elif kind in HOSTILE_FILES:
        label["expect_error"] = HOSTILE_FILES[kind](path)
    else:
        raise ValueError(kind)
    write_json(path + ".json", label)


def wrong_form_photo(seed):
    """The DPR form's page 2 as its own print would be: the same marks and grid, its own marker
    (tag36h10 201) and title. It must never be read as this form."""
    rng = np.random.default_rng(seed)
    writer = hand.Writer(rng)
    canvas = hand.Canvas(rng, writer, other_forms_page(2, 201, "C.HASIL-DPR"), PXMM)
    values = sample_station(rng)
    fill_page(rng, canvas, load_mnist(), 2, values, {f: values[f] for f in FIELDS[2]}, {})
    page = hand.page_image(canvas, rng)
    opts = {"long": 2400, "tilt": 12, "rot": 2, "blur": 0, "cut": 0}
    img, _, q, _ = camera.photograph(rng, page, opts, [], camera.Fold(rng, False, PAGE_W, PAGE_H), PAGE_W, PAGE_H, PXMM)
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
    entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, strip_at), (277, 3, 1, 1), (278, 3, 1, h), (279, 4, 1, w * h)]
    out = bytearray(b"II*\0" + struct.pack("<I", 8 + len(strip)) + strip)
    for k in range(n):
        here = len(out)
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
        split_, (lo, hi) = MNIST_SOURCES[_SOURCE]
        _MNIST = hand.Mnist(lo, hi, split_)
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
    ap.add_argument("--set", action="append", help="key=value override (page, style, pen, tilt, rot, long, blur, ...)")
    ap.add_argument("--spec", help="file of 'NAME SEED [key=value ...]' lines")
    ap.add_argument("--range", nargs=2, type=int, metavar=("FIRST", "END"),
                    help="stations FIRST..END-1, each page a photo named eNNNNN-P")
    ap.add_argument("--pages", default="1,2,3", help="with --range: which pages (default all three)")
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
        pages = [int(p) for p in a.pages.split(",")]
        jobs = [(f"{NAME_PREFIX[a.mnist]}{s:05d}-{p}", s, dict(parse_opts(a.set), page=str(p)))
                for s in range(*a.range) for p in pages]
    elif a.seed is not None:
        jobs = [(a.name or f"s{a.seed:05d}", a.seed, parse_opts(a.set))]
    else:
        ap.error("give --seed, --spec or --range")
    run_jobs(a.out, jobs, a.jobs)


if __name__ == "__main__":
    main()
