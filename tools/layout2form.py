#!/usr/bin/python3
"""layout2form: writes the library's form template (forms/NAME.form) from the commission's layout.json.

The template is a line-per-fact text file so that the C loader can name the line of any mistake.
Printed text becomes `anchor` lines: the tight ink box of each label, measured on blank.png, which
the library matches locally to follow a folded or curved page.

    layout2form.py forms/c1-ppwp/layout.json > forms/c1-ppwp.form
"""
import json
import os
import sys

import cv2
import numpy as np


def ink_box(blank, pxmm, x0, y0, x1, y1):
    """The tight box of the printed ink inside a rough box (mm), or None if there is none."""
    h, w = blank.shape
    a, b = max(0, int(x0 * pxmm)), max(0, int(y0 * pxmm))
    c, d = min(w, int(x1 * pxmm)), min(h, int(y1 * pxmm))
    ys, xs = np.nonzero(blank[b:d, a:c] < 128)
    if len(xs) == 0:
        return None
    return ((a + xs.min()) / pxmm, (b + ys.min()) / pxmm,
            (xs.max() - xs.min() + 1) / pxmm, (ys.max() - ys.min() + 1) / pxmm)


def text_rough_box(t):
    width = len(t["s"]) * t["size"] * 0.62
    if t["anchor"].startswith("m"):
        x0 = t["x"] - width / 2
    else:
        x0 = t["x"]
    y0 = t["y"] - (t["size"] * 0.8 if t["anchor"].endswith("m") else 0.5)
    return x0 - 1, y0 - 0.5, x0 + width + 1, y0 + t["size"] * 1.25


# The commission's other result forms: a photo of one of them must never be read as this one.
OTHER_TITLES = ["MODEL C.HASIL-DPR", "MODEL C.HASIL-DPD", "MODEL C.HASIL-DPRD PROVINSI",
                "MODEL C.HASIL-DPRD KAB/KOTA"]

# What the election law adds to a form's printed rules (UU 7/2017, Pasal 350 (3)): a polling station
# receives a ballot for every voter on its DPT plus 2 % of the DPT as a reserve. Officers do not always
# keep to it (late deliveries, rounding, ballots for DPTb voters), so it is only a hint: where the
# numbers keep to it, it is evidence for both; where they do not, it is no objection.
LAW_HINTS = {"c1-ppwp": [("ballots_reserve", "dpt", 2, "ss_diterima")]}


def fmt(*vals):
    return " ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in vals)


def main(path):
    layout = json.load(open(path))
    folder = os.path.dirname(path)
    pxmm = layout["blank"]["px_per_mm"]
    blank = cv2.imread(os.path.join(folder, layout["blank"]["file"]), cv2.IMREAD_GRAYSCALE)
    out = [f"# {layout['form']} form template, written by tools/layout2form.py from layout.json; mm from the page's top-left.",
           f"form {layout['form']}", f"title {layout['title']}",
           *[f"other_title {t}" for t in OTHER_TITLES if t != layout["title"]],
           fmt("page", layout["page"]["width"], layout["page"]["height"]),
           fmt("blank", os.path.basename(folder) + "/" + layout["blank"]["file"], pxmm)]
    q = layout["qr"]
    out.append(fmt("qr", q["x"], q["y"], q["w"], q["h"], q["payload"]))
    for m in sorted(layout["markers"], key=lambda m: "tl tr br bl".split().index(m["id"])):
        out.append(fmt("marker", m["id"], m["x"], m["y"], m["w"], m["h"]))
    title = next(t for t in layout["text"] if t["s"] == layout["title"])
    box = ink_box(blank, pxmm, *text_rough_box(title))
    out.append(fmt("title_box", *[round(float(v), 2) for v in box]))
    for i, (x, y) in enumerate(layout["guide"]["dots"]):
        out.append(fmt("dot", i, float(x), float(y)))
    for s, (i, j) in sorted(layout["guide"]["segments"].items()):
        out.append(fmt("segment", s, i, j))
    for d, segs in sorted(layout["guide"]["digits"].items()):
        out.append(fmt("digit", d, segs))
    for f in layout["fields"]:
        boxes = [v for b in f["digits"] for v in (b["x"], b["y"], b["w"], b["h"])]
        out.append(fmt("field", f["id"], f["max"], *boxes))
        if "tally" in f:
            t = f["tally"]
            out.append(fmt("tally", f["id"], t["x"], t["y"], t["cols"], t["rows"], t["cell_w"], t["cell_h"]))
    for r in layout["rules"]:
        if "sum" in r:
            out.append(fmt("rule", r["id"], "sum", *r["sum"], "=", r["equals"]))
        else:
            out.append(fmt("rule", r["id"], "le", *r["le"]))
    for hint_id, base, percent, target in LAW_HINTS.get(layout["form"], []):
        out.append(fmt("hint", hint_id, "reserve", base, percent, "=", target))
    for t in layout["text"] + [dict(s, size=4.2, anchor="lm", y=s["y"]) for s in layout.get("sections", [])]:
        if t["s"] == layout["title"] or t["size"] < 3.5:
            continue
        box = ink_box(blank, pxmm, *text_rough_box(t))
        if box and box[2] > 3 and box[3] > 1.5:
            out.append(fmt("anchor", *[round(float(v), 2) for v in box]) + f"  # {t['s'][:40]}")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "forms/c1-ppwp/layout.json")
