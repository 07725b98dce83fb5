#!/usr/bin/python3
"""pdf2layout: the layout of Model C.HASIL-PPWP 2024, measured on the commission's own vector file.

    pdf2layout.py PDF OUT_DIR

Renders each page of the PDF to SVG (poppler's pdftocairo), reads every path with its transform,
and finds, by their printed shape, every mark the library reads: the two-square corner marks, the
AprilTag page marker, the title box, every digit box (its interior, inside the printed line), the
dotted figure-8 guide inside the boxes that have one, the bubble columns, the tally grids and their
row-count cells, the header and signature areas. Writes OUT_DIR/layout.json (mm from the page's
top-left) and the blank pages OUT_DIR/pageN.png at 5 px/mm (pdftocairo, grey). Field ids, labels,
maxima and rules are the form's own words, written here once (PAGE_FIELDS, RULES): the positions
are measured, never typed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

PT = 25.4 / 72
PX_PER_MM = 5
BLACK = "rgb(13.725281%,9.803772%,8.6"     # the print's black, as poppler writes it (prefix)
GREY = "rgb(78.823853%,78.823853%,79"       # the light grey of guides and tally grids (prefix)

# Rows and columns of boxes, top to bottom and left to right, named as the form names them.
PAGE_FIELDS = {
    1: {"rows": [
        ("dpt", "I.A Jumlah pemilih dalam DPT"),
        ("pengguna_dpt", "I.B.1 Pengguna hak pilih dalam DPT"),
        ("pengguna_dptb", "I.B.2 Pengguna hak pilih dalam DPTb"),
        ("pengguna_dpk", "I.B.3 Pengguna hak pilih dalam DPK"),
        ("pengguna_total", "I.B.4 Jumlah pengguna hak pilih (B.1 + B.2 + B.3)"),
        ("ss_diterima", "II.1 Surat suara yang diterima (termasuk cadangan 2 % dari DPT)"),
        ("ss_digunakan", "II.2 Surat suara yang digunakan"),
        ("ss_rusak", "II.3 Surat suara yang dikembalikan (rusak atau keliru coblos)"),
        ("ss_tidak_digunakan", "II.4 Surat suara yang tidak digunakan (termasuk sisa cadangan)"),
        ("disabilitas", "III Pemilih disabilitas yang menggunakan hak pilih")]},
    2: {"rows": [("paslon1", "IV Suara sah pasangan calon 1"), ("paslon2", "IV Suara sah pasangan calon 2"),
                 ("paslon3", "IV Suara sah pasangan calon 3")]},
    3: {"rows": [("suara_sah", "V.A Jumlah seluruh suara sah"), ("suara_tidak_sah", "V.B Jumlah suara tidak sah"),
                 ("total_suara", "V.C Jumlah seluruh suara sah dan tidak sah")]},
}
COLUMNS = ("_l", "_p", "")      # a row of nine boxes: men (L), women (P), both (L+P)
MAX = {"dpt": 300, "ss_diterima": 320, "ss_tidak_digunakan": 320}   # else 300: a station serves at most 300
TALLIED = {2: ["paslon1", "paslon2", "paslon3"], 3: ["suara_tidak_sah"]}

# What must hold on a correctly filled page, in the form's own words ("sum A B = C", "le A B").
RULES = {
    1: [(f"{row}_lp", "sum", [f"{row}_l", f"{row}_p"], row)
        for row in ("dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_dpk", "pengguna_total", "disabilitas")] +
       [(f"pengguna_sum{c}", "sum", [f"pengguna_dpt{c}", f"pengguna_dptb{c}", f"pengguna_dpk{c}"], f"pengguna_total{c}")
        for c in COLUMNS] +
       [(f"pengguna_dpt_le_dpt{c}", "le", [f"pengguna_dpt{c}", f"dpt{c}"], None) for c in COLUMNS] +
       [(f"disabilitas_le_pengguna{c}", "le", [f"disabilitas{c}", f"pengguna_total{c}"], None) for c in COLUMNS] +
       [("ballots_received", "sum", ["ss_digunakan", "ss_rusak", "ss_tidak_digunakan"], "ss_diterima"),
        ("ballots_used", "sum", ["pengguna_total"], "ss_digunakan")],
    2: [],
    3: [("total_sum", "sum", ["suara_sah", "suara_tidak_sah"], "total_suara")],
}
# A relation of the election law, not printed: a station receives ballots for its DPT plus 2 %.
HINTS = {1: [("ballots_reserve", "reserve", "dpt", 2, "ss_diterima")]}
# Across the three pages of one station (read by c1_station_check).
CROSS_PAGE_RULES = [
    ("valid_is_sum_of_pairs", "sum", [[2, "paslon1"], [2, "paslon2"], [2, "paslon3"]], [3, "suara_sah"]),
    ("votes_are_voters", "sum", [[3, "total_suara"]], [1, "pengguna_total"]),
    ("votes_are_ballots_used", "sum", [[3, "total_suara"]], [1, "ss_digunakan"]),
]


def parse_svg(path):
    """Every path: its fill, stroke colour, stroke width (mm) and points (mm), transforms applied."""
    text = open(path).read()
    out = []
    for m in re.finditer(r"<path ([^>]*)/>", text):
        attrs = m.group(1)
        style = dict(kv.split(":", 1) for kv in re.search(r'style="([^"]*)"', attrs).group(1).split(";") if ":" in kv)
        d = re.search(r' d="([^"]*)"', attrs).group(1)
        t = re.search(r'transform="matrix\(([^)]*)\)"', attrs)
        a, b, c, dd, e, f = [float(v) for v in t.group(1).split(",")] if t else (1, 0, 0, 1, 0, 0)
        tokens = re.findall(r"[MLCZ]|-?[\d.]+(?:e-?\d+)?", d)
        pts, subpaths, cmd, i = [], [], None, 0
        while i < len(tokens):
            if tokens[i] in "MLCZ":
                cmd = tokens[i]
                i += 1
                if cmd == "M":
                    subpaths.append([])
                continue
            n = {"M": 2, "L": 2, "C": 6}[cmd]
            v = [float(x) for x in tokens[i:i + n]]
            i += n
            for k in range(0, n, 2):
                x, y = v[k], v[k + 1]
                p = ((a * x + c * y + e) * PT, (b * x + dd * y + f) * PT)
                pts.append(p)
                subpaths[-1].append(p)
        if not pts:
            continue
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        stroke = style.get("stroke", "none")
        width = float(style.get("stroke-width", 0)) * abs(a) * PT if stroke != "none" else 0
        out.append({"fill": style.get("fill", "none"), "stroke": stroke, "sw": width, "curves": d.count("C"),
                    "box": (min(xs), min(ys), max(xs), max(ys)), "subpaths": subpaths})
    return out


def size(p):
    x0, y0, x1, y1 = p["box"]
    return x1 - x0, y1 - y0


def near(a, b, tol=0.15):
    return abs(a - b) <= tol


def rect(x, y, w, h):
    return {"x": round(x, 2), "y": round(y, 2), "w": round(w, 2), "h": round(h, 2)}


def interior(p):
    """A stroked square's inside: the path is the line's centre."""
    x0, y0, x1, y1 = p["box"]
    s = p["sw"] / 2
    return rect(x0 + s, y0 + s, x1 - x0 - 2 * s, y1 - y0 - 2 * s)


def corner_marks(paths):
    """Two dark squares touching at one corner: the mark's centre is where they touch."""
    squares = [p for p in paths if p["fill"].startswith(BLACK) and near(size(p)[0], 7.2, 0.3)
               and near(size(p)[1], 7.2, 0.3)]
    marks = []
    for a in squares:
        for b in squares:
            ax0, ay0, ax1, ay1 = a["box"]
            bx0, by0 = b["box"][:2]
            if near(ax1, bx0, 0.3) and near(ay1, by0, 0.3):      # a top-left of b
                marks.append({"x": round((ax1 + bx0) / 2, 2), "y": round((ay1 + by0) / 2, 2),
                              "square": round((ax1 - ax0 + size(b)[0]) / 2, 2)})
    assert len(marks) == 4, marks
    marks.sort(key=lambda m: (round(m["y"] / 100), m["x"]))
    tl, tr, bl, br = marks
    return {"tl": tl, "tr": tr, "br": br, "bl": bl}


def page_tag(paths):
    """The AprilTag's black square, 8 of its 10 modules (the outer white module is the paper)."""
    tags = [p for p in paths if p["fill"].startswith(BLACK) and near(size(p)[0], 32, 0.5) and near(size(p)[1], 32, 0.5)]
    assert len(tags) == 1, tags
    x0, y0, x1, y1 = tags[0]["box"]
    return rect(x0, y0, x1 - x0, y1 - y0)


def title_box(paths):
    cands = [p for p in paths if p["stroke"].startswith(BLACK) and near(size(p)[0], 44.5, 1) and near(size(p)[1], 20.3, 1)]
    x0, y0, x1, y1 = cands[0]["box"]
    return rect(x0, y0, x1 - x0, y1 - y0)


def digit_boxes(paths):
    """The thick-lined squares people write digits in: 18 mm on page 1, 20 mm on pages 2 and 3."""
    boxes = [p for p in paths if p["stroke"].startswith(BLACK) and near(p["sw"], 1.06, 0.05)
             and near(size(p)[0], size(p)[1], 0.1) and 17 < size(p)[0] < 21]
    seen, out = set(), []
    for p in boxes:
        key = tuple(round(v, 1) for v in p["box"])
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def rows_of(boxes):
    """Boxes grouped into rows (top to bottom), each left to right."""
    rows = []
    for p in sorted(boxes, key=lambda p: (p["box"][1], p["box"][0])):
        if rows and abs(rows[-1][0]["box"][1] - p["box"][1]) < 2:
            rows[-1].append(p)
        else:
            rows.append([p])
    return [sorted(r, key=lambda p: p["box"][0]) for r in rows]


def figure8(paths, first_box):
    """The dotted figure-8 guide: 33 light grey dots, as fractions of the box interior."""
    inner = interior(first_box)
    guides = [p for p in paths if p["fill"].startswith(GREY) and len(p["subpaths"]) >= 30
              and inner["x"] < p["box"][0] < inner["x"] + inner["w"] and inner["y"] < p["box"][1] < inner["y"] + inner["h"]]
    if not guides:
        return None
    dots = []
    for sp in (sp for sp in guides[0]["subpaths"] if len(sp) >= 3):
        xs, ys = [q[0] for q in sp], [q[1] for q in sp]
        dots.append(((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, max(xs) - min(xs)))
    diameter = sum(d[2] for d in dots) / len(dots)
    return {"dots": sorted([[round((x - inner["x"]) / inner["w"], 4), round((y - inner["y"]) / inner["h"], 4)]
                            for x, y, _ in dots], key=lambda d: (d[1], d[0])),
            "dot_diameter_mm": round(diameter, 2)}


def guide_segments(dots):
    """The seven segments of a digital digit between the figure-8's corner dots, and the middle
    column (a 1 drawn down the middle), as pairs of dot indices."""
    def at(fx, fy):
        return min(range(len(dots)), key=lambda i: (dots[i][0] - fx) ** 2 + (dots[i][1] - fy) ** 2)
    xs, ys = sorted({d[0] for d in dots}), sorted({d[1] for d in dots})
    left, mid, right = xs[0], xs[len(xs) // 2], xs[-1]
    top, middle, bottom = ys[0], ys[len(ys) // 2], ys[-1]
    tl, tr, ml, mr, bl, br = at(left, top), at(right, top), at(left, middle), at(right, middle), at(left, bottom), at(right, bottom)
    return {"a": [tl, tr], "b": [tr, mr], "c": [mr, br], "d": [bl, br], "e": [ml, bl], "f": [tl, ml], "g": [ml, mr],
            "h": [at(mid, top), at(mid, bottom)]}


def grid_cells(paths, colour, w, h, tol=0.1):
    return [p for p in paths if p["stroke"].startswith(colour) and near(size(p)[0], w, tol) and near(size(p)[1], h, tol)]


def tally_grids(paths):
    """12 x 5 grey cells a grid; beside each, two grey cells a row for the row's count."""
    cells = [p for p in paths if p["stroke"].startswith(GREY) and near(size(p)[0], 19.58, 0.1) and size(p)[1] > 10]
    # a grid: cells stacked without a gap
    cells.sort(key=lambda p: (p["box"][1], p["box"][0]))
    blocks = []
    for p in cells:
        if blocks and p["box"][1] - blocks[-1][-1]["box"][3] < 1:
            blocks[-1].append(p)
        else:
            blocks.append([p])
    out = []
    for b in blocks:
        x0 = min(p["box"][0] for p in b)
        y0 = min(p["box"][1] for p in b)
        x1 = max(p["box"][2] for p in b)
        y1 = max(p["box"][3] for p in b)
        cw, ch = size(b[0])
        cols, rows = round((x1 - x0) / cw), round((y1 - y0) / ch)
        assert cols * rows == len(b), (cols, rows, len(b))
        counts = [p for p in paths if p["stroke"].startswith(GREY) and near(size(p)[0], 12.0, 0.1)
                  and near(size(p)[1], ch, 0.1) and y0 - 0.5 < p["box"][1] < y1]
        cx = sorted({round(p["box"][0], 2) for p in counts})
        out.append({"x": round(x0, 2), "y": round(y0, 2), "cols": cols, "rows": rows, "cell_w": round(cw, 2),
                    "cell_h": round(ch, 2),
                    "row_counts": {"x": cx[0], "y": round(y0, 2), "digits": len(cx), "cell_w": 12.0,
                                   "cell_h": round(ch, 2), "rows": rows}})
    return out


def bubble_columns(paths, boxes):
    """Ten rings a column (0-9, 10.5 mm apart) under each total box."""
    rings = [p for p in paths if p["stroke"].startswith(BLACK) and p["curves"] >= 4 and near(size(p)[0], 8.0, 0.2)
             and near(size(p)[1], 8.0, 0.2)]
    cols = []
    for b in boxes:
        bx = (b["box"][0] + b["box"][2]) / 2
        under = sorted((p for p in rings if near((p["box"][0] + p["box"][2]) / 2, bx, 0.5)
                        and b["box"][3] < p["box"][1] < b["box"][3] + 130), key=lambda p: p["box"][1])
        under = under[:10]
        if len(under) < 10:
            return None
        ys = [(p["box"][1] + p["box"][3]) / 2 for p in under]
        cols.append({"x": round(bx, 2), "y0": round(ys[0], 2), "pitch": round((ys[-1] - ys[0]) / 9, 3),
                     "radius": round(size(under[0])[0] / 2, 2), "line_mm": round(under[0]["sw"], 2)})
    return cols


def signature_area(paths):
    """The officers' and witnesses' names and signatures: the lowest of the page's wide tables."""
    big = [p for p in paths if p["stroke"].startswith(BLACK) and size(p)[0] > 440 and size(p)[1] > 100]
    x0, y0, x1, y1 = max(big, key=lambda p: (p["box"][1], size(p)[1]))["box"]
    return rect(x0, y0, x1 - x0, y1 - y0)


def header_area(png, first_table_y):
    """Where the place and day are written by hand (province ... polling station number, on page 1
    the day and hour too): the dotted lines above the page's first table, found on the render (the
    file draws them as glyphs), from the tables' left edge."""
    import cv2
    import numpy as np
    img = cv2.imread(png, cv2.IMREAD_GRAYSCALE)
    n, _, stats, cent = cv2.connectedComponentsWithStats((img < 128).astype(np.uint8))
    dots = [(cent[i][0] / PX_PER_MM, cent[i][1] / PX_PER_MM) for i in range(1, n)
            if 4 <= stats[i][cv2.CC_STAT_AREA] <= 25 and stats[i][cv2.CC_STAT_WIDTH] <= 5 and stats[i][cv2.CC_STAT_HEIGHT] <= 5
            and 70 < cent[i][1] / PX_PER_MM < first_table_y]
    rows = {}
    for x, y in dots:
        rows.setdefault(round(y), []).append(x)
    lines = [(min(xs), y, max(xs)) for y, xs in rows.items() if len(xs) >= 12]
    x1 = max(x for _, _, x in lines)
    y0, y1 = min(y for _, y, _ in lines), max(y for _, y, _ in lines)
    return rect(73.0, y0 - 6, x1 + 2 - 73.0, y1 - y0 + 8)


def page_layout(n, paths):
    boxes = digit_boxes(paths)
    rows = rows_of(boxes)
    names = PAGE_FIELDS[n]["rows"]
    fields = []
    guide = figure8(paths, rows[0][0])
    for (name, label), row in zip(names, rows):
        groups = [row[k:k + 3] for k in range(0, len(row), 3)]
        suffixes = COLUMNS if len(groups) == 3 else ("",)
        for suffix, g in zip(suffixes, groups):
            fid = name + suffix
            f = {"id": fid, "label": label + {"_l": " (L)", "_p": " (P)", "": ""}[suffix],
                 "digits": [interior(p) for p in g], "max": MAX.get(name, 300)}
            if guide and n == 2:
                f["guide"] = "figure8"
            fields.append(f)
    assert len(rows) == len(names), (n, len(rows))
    page = {"page": n, "tag_id": 100 + n, "blank": f"page{n}.png", "fields": fields,
            "rules": [{"id": r[0], r[1]: r[2], **({"equals": r[3]} if r[3] else {})} for r in RULES[n]],
            "hints": [{"id": h[0], h[1]: {"base": h[2], "percent": h[3], "equals": h[4]}} for h in HINTS.get(n, [])],
            "signatures": signature_area(paths)}
    if n in TALLIED:
        grids = tally_grids(paths)
        assert len(grids) == len(TALLIED[n]), grids
        by_id = {f["id"]: f for f in fields}
        for fid, g in zip(TALLIED[n], grids):
            by_id[fid]["tally"] = {k: g[k] for k in ("x", "y", "cols", "rows", "cell_w", "cell_h")}
            by_id[fid]["row_counts"] = g["row_counts"]
    if n == 2:
        for f, row in zip(fields, rows):
            f["bubbles"] = bubble_columns(paths, row)
    return page, guide


def main(pdf, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    pages, guide = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, 2, 3):
            svg = os.path.join(tmp, f"p{n}.svg")
            subprocess.run(["pdftocairo", "-svg", "-f", str(n), "-l", str(n), pdf, svg], check=True)
            paths = parse_svg(svg)
            page, g = page_layout(n, paths)
            widths = [p["sw"] for p in digit_boxes(paths)]
            box_line = round(sum(widths) / len(widths), 2)
            guide = guide or g
            if n == 1:
                marks, tag, title = corner_marks(paths), page_tag(paths), title_box(paths)
            png = os.path.join(out_dir, f"page{n}.png")
            subprocess.run(["pdftocairo", "-png", "-gray", "-r", str(PX_PER_MM * 25.4), "-singlefile",
                            "-f", str(n), "-l", str(n), pdf, png[:-4]], check=True)
            first_table = min(f["digits"][0]["y"] for f in page["fields"]) - 40
            page["header"] = header_area(png, first_table)
            pages.append(page)
    layout = {
        "form": "c-hasil-ppwp-2024",
        "title": "MODEL C.HASIL-PPWP",
        "source": os.path.basename(pdf),
        "page": {"width": 600.0, "height": 900.0},
        "blank_px_per_mm": PX_PER_MM,
        "box_line_mm": box_line,            # every digit box's printed line (their "interior" is inside it)
        "marks": marks,
        # printed as the family draws the code (apriltag_to_image), unturned: measured, tests/test_tools.py
        "tag": dict(tag, family="tag36h10", printed_rotation=0),
        "title_box": title,
        "guide": dict(guide, segments=guide_segments(guide["dots"])),
        "pages": pages,
        "cross_page_rules": [{"id": r[0], r[1]: r[2], "equals": r[3]} for r in CROSS_PAGE_RULES],
    }
    with open(os.path.join(out_dir, "layout.json"), "w") as fh:
        json.dump(layout, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
