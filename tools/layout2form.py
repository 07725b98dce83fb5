#!/usr/bin/python3
"""layout2form: writes the library's page templates (forms/SET/pageN.form) from the form's layout.json
(made by tools/pdf2layout.py from the commission's PDF), and the list of pages the engine loads.

A template is a line-per-fact text file so that the C loader can name the line of any mistake. Its
`anchor` lines are patches of the blank page that pin the page down locally (a plano sheet bends and
folds): chosen on a grid over the page where the print has structure and no twin within the locate
stage's search, away from everything that is written by hand.

    layout2form.py forms/c-hasil-ppwp-2024/layout.json     # writes pageN.form and station.rules beside it, and forms/forms.txt
"""
import json
import os
import sys

import cv2
import numpy as np

# The commission's other result forms: a photo of one of them must never be read as this one.
OTHER_TITLES = ["MODEL C.HASIL-DPR", "MODEL C.HASIL-DPD", "MODEL C.HASIL-DPRD PROVINSI",
                "MODEL C.HASIL-DPRD KAB/KOTA"]
ANCHOR_MM = 16          # an anchor patch's side
ANCHOR_STEP_MM = 30     # the grid the patches are tried on
SEARCH_MM = 4           # lib/locate.c SEARCH_MM: a twin nearer than this could be taken for the anchor
MARGIN_MM = 3           # kept clear of anything written by hand


def fmt(*vals):
    return " ".join(f"{round(v, 4):g}" if isinstance(v, float) else str(v) for v in vals)


def rect_of(r):
    return (r["x"], r["y"], r["w"], r["h"])


def written_areas(page):
    """Where people write: boxes, tally grids, row counts, bubbles, header, signatures (x0, y0, x1, y1)."""
    areas = [(page["header"]["x"], page["header"]["y"], page["header"]["x"] + page["header"]["w"],
              page["header"]["y"] + page["header"]["h"]),
             (page["signatures"]["x"], page["signatures"]["y"], page["signatures"]["x"] + page["signatures"]["w"],
              page["signatures"]["y"] + page["signatures"]["h"])]
    for f in page["fields"]:
        b0, b2 = f["digits"][0], f["digits"][-1]
        areas.append((b0["x"] - 3, b0["y"] - 12, b2["x"] + b2["w"] + 3, b2["y"] + b2["h"] + 3))
        if "tally" in f:
            t = f["tally"]
            areas.append((t["x"] - 10, t["y"] - 3, t["x"] + t["cols"] * t["cell_w"] + 3, t["y"] + t["rows"] * t["cell_h"] + 3))
            rc = f["row_counts"]
            areas.append((rc["x"], rc["y"], rc["x"] + rc["digits"] * rc["cell_w"], rc["y"] + rc["rows"] * rc["cell_h"]))
            # the total in words, written under the grid
            areas.append((t["x"], t["y"] + t["rows"] * t["cell_h"], t["x"] + t["cols"] * t["cell_w"] + 40,
                          t["y"] + t["rows"] * t["cell_h"] + 70))
        for c in f.get("bubbles") or []:
            areas.append((c["x"] - 6, c["y0"] - 6, c["x"] + 6, c["y0"] + 9 * c["pitch"] + 6))
    return areas


def overlaps(a, b, margin=MARGIN_MM):
    return a[0] < b[2] + margin and b[0] < a[2] + margin and a[1] < b[3] + margin and b[1] < a[3] + margin


def anchors(blank, pxmm, page, size_mm):
    """Patches with print in them whose best match within SEARCH_MM, away from their own place, is weak."""
    w_mm, h_mm = size_mm
    out, s = [], ANCHOR_MM
    avoid = written_areas(page)
    for cy in np.arange(40, h_mm - 40, ANCHOR_STEP_MM):
        for cx in np.arange(40, w_mm - 40, ANCHOR_STEP_MM):
            box = (cx - s / 2, cy - s / 2, cx + s / 2, cy + s / 2)
            if any(overlaps(box, a) for a in avoid):
                continue
            x0, y0 = int(box[0] * pxmm), int(box[1] * pxmm)
            patch = blank[y0:y0 + s * pxmm, x0:x0 + s * pxmm]
            if (patch < 128).mean() < 0.02 or patch.std() < 20:
                continue
            r = int(SEARCH_MM * pxmm)
            area = blank[y0 - r:y0 + s * pxmm + r, x0 - r:x0 + s * pxmm + r]
            score = cv2.matchTemplate(area, patch, cv2.TM_CCOEFF_NORMED)
            score[r - pxmm:r + pxmm + 1, r - pxmm:r + pxmm + 1] = -1    # its own place, give or take 1 mm
            if score.max() < 0.6:
                out.append((round(box[0], 2), round(box[1], 2), s, s))
    return out


def page_template(layout, page, blank):
    pxmm = layout["blank_px_per_mm"]
    g = layout["guide"]
    n = page["page"]
    lines = [f"# {layout['form']} page {n}, written by tools/layout2form.py from layout.json "
             f"({layout['source']}); mm from the page's top-left.",
             f"form {layout['form']}", f"page_of {n} {len(layout['pages'])}", f"title {layout['title']}"]
    lines += [f"other_title {t}" for t in OTHER_TITLES]
    lines += [f"page {fmt(layout['page']['width'], layout['page']['height'])}",
              f"blank {layout['form']}/{page['blank']} {pxmm}"]
    for corner in ("tl", "tr", "br", "bl"):
        m = layout["marks"][corner]
        lines.append(f"mark {corner} {fmt(m['x'], m['y'], m['square'])}")
    t = layout["tag"]
    lines.append(f"tag {t['family']} {page['tag_id']} {fmt(t['x'], t['y'], t['w'], t['h'])} {t['printed_rotation']}")
    lines.append(f"title_box {fmt(*rect_of(layout['title_box']))}")
    lines.append(f"area header {fmt(*rect_of(page['header']))}")
    lines.append(f"area signatures {fmt(*rect_of(page['signatures']))}")
    lines.append(f"box_line {fmt(layout['box_line_mm'])}")
    if any(f.get("guide") for f in page["fields"]):
        lines.append(f"dot_size {fmt(g['dot_diameter_mm'])}")
        lines += [f"dot {i} {fmt(x, y)}" for i, (x, y) in enumerate(g["dots"])]
        lines += [f"segment {s} {a} {b}" for s, (a, b) in sorted(g["segments"].items())]
        lines += [f"digit {d} {segs}" for d, alts in sorted(DIGITS.items()) for segs in alts]
    for f in page["fields"]:
        boxes = " ".join(fmt(*rect_of(b)) for b in f["digits"])
        lines.append(f"field {f['id']} {f['max']} {boxes}   # {f['label']}")
        if f.get("guide"):
            lines.append(f"guide {f['id']}")
        if "tally" in f:
            tt = f["tally"]
            lines.append(f"tally {f['id']} {fmt(tt['x'], tt['y'], tt['cols'], tt['rows'], tt['cell_w'], tt['cell_h'])}")
            rc = f["row_counts"]
            lines.append(f"row_counts {f['id']} {fmt(rc['x'], rc['y'], rc['digits'], rc['rows'], rc['cell_w'], rc['cell_h'])}")
        if f.get("bubbles"):
            c = f["bubbles"]
            lines.append(f"bubbles {f['id']} {fmt(*[b['x'] for b in c], c[0]['y0'], c[0]['pitch'], c[0]['radius'])}")
    for r in page["rules"]:
        if "sum" in r:
            lines.append(f"rule {r['id']} sum {' '.join(r['sum'])} = {r['equals']}")
        else:
            lines.append(f"rule {r['id']} le {' '.join(r['le'])}")
    for h in page.get("hints", []):
        rv = h["reserve"]
        lines.append(f"hint {h['id']} reserve {rv['base']} {rv['percent']} = {rv['equals']}")
    for a in anchors(blank, pxmm, page, (layout["page"]["width"], layout["page"]["height"])):
        lines.append(f"anchor {fmt(*a)}")
    return "\n".join(lines) + "\n"


# Which segments make each digit when drawn by joining the figure-8's dots; a 1 may be drawn down
# the right column, the left one, or the middle.
DIGITS = {0: ["abcdef"], 1: ["bc", "ef", "h"], 2: ["abdeg"], 3: ["abcdg"], 4: ["bcfg"], 5: ["acdfg"],
          6: ["acdefg"], 7: ["abc"], 8: ["abcdefg"], 9: ["abcdfg"]}


def main(path):
    layout = json.load(open(path))
    folder = os.path.dirname(os.path.abspath(path))
    listed = []
    for page in layout["pages"]:
        blank = cv2.imread(os.path.join(folder, page["blank"]), cv2.IMREAD_GRAYSCALE)
        name = f"page{page['page']}.form"
        with open(os.path.join(folder, name), "w") as fh:
            fh.write(page_template(layout, page, blank))
        listed.append(f"{layout['form']}/page{page['page']}")
    with open(os.path.join(folder, "station.rules"), "w") as fh:
        fh.write(station_rules(layout))
    listed.append(f"station {layout['form']}/station.rules")
    with open(os.path.join(os.path.dirname(folder), "forms.txt"), "w") as fh:
        fh.write("# The page templates the engine loads, one a line (forms/NAME.form), and after a form's pages, its\n"
                 "# rules across the pages of one polling station (\"station forms/NAME\").\n" + "\n".join(listed) + "\n")


def station_rules(layout):
    """The rules across a station's pages, as the engine reads them (lib/station.c): PAGE:FIELD terms."""
    lines = ["# Rules across the pages of one polling station: PAGE:FIELD. Written by tools/layout2form.py from",
             "# layout.json's cross_page_rules.", f"form {layout['form']}"]
    for r in layout["cross_page_rules"]:
        terms = " ".join(f"{p}:{f}" for p, f in r["sum"])
        lines.append(f"rule {r['id']} sum {terms} = {r['equals'][0]}:{r['equals'][1]}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
