#!/usr/bin/python3
"""c1score: scores c1scan's JSON results against labelled photos.

    c1score.py [--report FILE] [--pages-alone] FIXTURES RESULTS

FIXTURES holds photos with their labels (NAME.jpg + NAME.json, fixtures/README.md); RESULTS holds
c1scan's output for that folder (RESULTS/NAME.json). Prints, overall and per condition: fields read,
published errors (accepted but not the written value: must be 0), auto-accept coverage, OCR and
tally exact accuracy, how often the two digit readers agree (and are then wrong), the share of each
reader's wrong values given with p > 0.99, must_review fields sent to review, rejected photos, and
registration error.

Exit status: 0 when nothing wrong was published and nothing that must be reviewed was accepted;
1 when there are published errors or missed reviews; 2 when results are missing or unreadable.
"""
import argparse
import collections
import json
import math
import os
import sys

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
LAYOUT_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "forms", "c-hasil-ppwp-2024",
                           "layout.json")
with open(LAYOUT_PATH) as _fh:
    _LAYOUT = json.load(_fh)
BOX_MM = {f["id"]: [(b["w"], b["h"]) for b in f["digits"]] for p in _LAYOUT["pages"] for f in p["fields"]}
PAGE_MM = (_LAYOUT["page"]["width"], _LAYOUT["page"]["height"])


def find_labels(root):
    """(relative name without extension, label path) for every photo that has a label beside it."""
    out = []
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        names = set(files)
        for f in sorted(files):
            stem, ext = os.path.splitext(f)
            if ext.lower() in IMAGE_EXTS and stem + ".json" in names:
                rel = os.path.relpath(os.path.join(dirpath, stem), root)
                out.append((rel, os.path.join(dirpath, stem + ".json")))
    return out


# "intact": a photo none of these touch. Its row in the condition table carries the issue targets
# measured on intact photos (tally exact, coverage).
# Bubbles filled in wholly or in part: "blackened", as the form asks. Circles, crosses and ticks are
# marks too, read and scored, but not what the form asks for.
BLACKENED = {"bubbles_full", "bubbles_half"}
NOT_INTACT = {"blur", "blur_unreadable", "cut_corner", "tally_scribble", "tally_crossed_out", "hostile"}


def mm_scale(quad_px, w_mm, h_mm):
    """Photo pixels per mm along a labelled quadrilateral (mean of its sides)."""
    d = lambda a, b: math.dist(quad_px[a], quad_px[b])   # noqa: E731
    return ((d(0, 1) + d(3, 2)) / (2 * w_mm) + (d(0, 3) + d(1, 2)) / (2 * h_mm)) / 2


class Tally:
    """Counters for one group of photos (all of them, or one condition)."""

    def __init__(self):
        self.c = collections.Counter()
        self.box_err = []
        self.corner_err = []

    def add(self, key, n=1):
        if key:
            self.c[key] += n

    def rows(self):
        c = self.c
        pct = lambda a, b: f"{100.0 * c[a] / c[b]:.2f}%" if c[b] else "-"   # noqa: E731
        within = lambda xs, t: f"{100.0 * sum(e <= t for e in xs) / len(xs):.2f}%" if xs else "-"   # noqa: E731
        return [
            ("photos", c["photos"]),
            ("rejected", f"{c['rejected']} (must: {c['must_reject']}, may: {c['may_reject']}, "
                         f"wrongly: {c['wrongly_rejected']})"),
            ("page_identified", pct("page_ok", "pages_labelled")),
            ("oriented", pct("oriented", "pages_cornered")),
            ("fields_read", c["fields"]),
            ("published_errors", c["published_errors"]),
            ("missed_reviews", f"{c['missed_reviews']} of {c['must_review']} must_review fields"),
            ("auto_accept_coverage", pct("accepted", "fields")),
            ("coverage_of_clean_fields", pct("accepted_clean", "clean_fields")),
            ("ocr_exact", pct("ocr_ok", "fields")),
            ("segments_exact", pct("seg_ok", "seg_fields")),
            ("combined_exact", pct("value_ok", "fields")),
            ("readers_agree", pct("agree", "fields")),
            ("wrong_when_readers_agree", f"{c['agree_wrong']} of {c['agree']}"),
            ("ocr_wrong_with_p_over_0.99", pct("ocr_wrong_sure", "ocr_wrong")),
            ("segments_wrong_with_p_over_0.99", pct("seg_wrong_sure", "seg_wrong")),
            ("tally_exact", pct("tally_ok", "tally_fields")),
            ("tally_exact_unspoiled", pct("tally_ok_unspoiled", "tally_unspoiled")),
            ("tally_cells_exact", pct("tally_cells_ok", "tally_cells")),
            ("tally_methods_agree", pct("tally_agree", "tally_fields")),
            ("tally_sure_wrong", f"{c['tally_sure_wrong']} of {c['tally_sure']} with confidence >= 0.99"),
            ("bubble_columns_exact", pct("bubble_col_ok", "bubble_cols")),
            ("bubble_marked_columns_exact", pct("bubble_marked_ok", "bubble_marked")),
            ("bubble_blackened_columns_exact", pct("bubble_blackened_ok", "bubble_blackened")),
            ("bubble_columns_sure_wrong", f"{c['bubble_col_sure_wrong']} of {c['bubble_col_sure']} with p >= 0.99"),
            ("bubble_values_exact", pct("bubble_value_ok", "bubble_values")),
            ("row_counts_exact", pct("row_ok", "rows")),
            ("row_sums_exact", pct("row_sum_ok", "row_sums")),
            ("row_sums_sure_wrong", f"{c['row_sum_sure_wrong']} of {c['row_sum_sure']} with p >= 0.99"),
            ("tally_rows_exact", pct("tally_row_ok", "tally_rows")),
            ("must_review_in_review", pct("review_ok", "must_review")),
            ("page_corner_err_mm_median", f"{sorted(self.corner_err)[len(self.corner_err) // 2]:.3f}"
             if self.corner_err else "-"),
            ("boxes_within_1mm", within(self.box_err, 1.0)),
            ("boxes_max_err_mm", f"{max(self.box_err):.3f}" if self.box_err else "-"),
        ]


def score_photo(label, result, groups, problems, name, by_field=None, stations_checked=False):
    for g in groups:
        g.add("photos")
    rejected = result.get("status") != "read"
    if label.get("must_reject"):
        for g in groups:
            g.add("must_reject")
        if not rejected:
            problems.append(f"{name}: must be rejected but was read")
    if rejected:
        for g in groups:
            g.add("rejected")
            if not label.get("must_reject"):
                g.add("may_reject" if label.get("expect_reject_ok") else "wrongly_rejected")
        return
    fields = result.get("fields", {})
    must = set(label.get("must_review", []))
    if stations_checked:   # the station's check ran: a mistake across its pages must be in review too
        must |= set(label.get("station_must_review", []))
    score_registration(label, result, groups)
    if label.get("page"):
        for g in groups:
            g.add("pages_labelled")
            g.add("page_ok" if result.get("page") == label["page"] and result.get("form") == label.get("form") else None)
        if result.get("page") != label["page"]:
            problems.append(f"{name}: page {result.get('page')} of {result.get('form')!r}, labelled page {label['page']}")
    if label.get("empty"):
        # a page left empty: anything published from it is wrong
        for fid, r in fields.items():
            if r.get("status") == "accepted":
                for g in groups:
                    g.add("published_errors")
                problems.append(f"{name}: PUBLISHED ERROR {fid}: accepted {r.get('value')} on an empty page")
    for fid, truth in label.get("fields", {}).items():
        r = fields.get(fid)
        if r is None:
            problems.append(f"{name}: field {fid} missing from the result")
            continue
        accepted = r.get("status") == "accepted"
        keys = ["fields", "accepted" if accepted else None]
        if accepted and r.get("value") != truth:
            keys.append("published_errors")
            problems.append(f"{name}: PUBLISHED ERROR {fid}: accepted {r.get('value')}, written {truth}")
        if fid in must:
            keys.append("must_review")
            if accepted:
                keys.append("missed_reviews")
                problems.append(f"{name}: MISSED REVIEW {fid}: accepted although the paper is in doubt")
            else:
                keys.append("review_ok")
        else:
            keys += ["clean_fields", "accepted_clean" if accepted else None]
        if r.get("segments"):
            keys.append("seg_fields")
        for reader, short in (("ocr", "ocr"), ("segments", "seg")):
            rd = r.get(reader) or {}
            if rd.get("value") == truth:
                keys.append(short + "_ok")
            elif rd:
                keys.append(short + "_wrong")
                if rd.get("confidence", 0) > 0.99:
                    keys.append(short + "_wrong_sure")
        o, s = (r.get("ocr") or {}).get("value"), (r.get("segments") or {}).get("value")
        if o is not None and o == s:
            keys.append("agree")
            keys.append("agree_ok" if o == truth else "agree_wrong")
        if r.get("value") == truth:
            keys.append("value_ok")
        if fid in label.get("tally", {}):
            keys += tally_keys(label, fid, r.get("tally") or {})
        keys += bubble_keys(label, fid, r.get("bubbles")) + row_keys(label, fid, r)
        targets = groups + ([by_field[fid]] if by_field is not None else [])
        for g in targets:
            for k in keys:
                if k:
                    g.add(k)
        if fid in label.get("tally", {}) and "tally_cells" in label and (r.get("tally") or {}).get("cells"):
            truth_cells, read_cells = label["tally_cells"][fid], r["tally"]["cells"]
            ok = sum(a == b for a, b in zip(truth_cells, read_cells))
            for g in targets:
                g.add("tally_cells", len(truth_cells))
                g.add("tally_cells_ok", ok)


def bubble_keys(label, fid, b):
    """Each bubble column against what was blackened (a digit, or none where the box holds an X, a dash
    or a blank; a field whose bubbles were left empty is none in every column)."""
    if not b or "bubbles" not in label or fid not in label.get("box_labels", {}):
        return []
    marked = label["bubbles"].get(fid, [None] * len(b["columns"]))
    keys = []
    for truth, col in zip(marked, b["columns"]):
        got = col.get("digit")
        right = got == truth if truth is not None else got == "none"
        keys += ["bubble_cols", "bubble_col_ok" if right else None]
        if truth is not None:
            keys += ["bubble_marked", "bubble_marked_ok" if right else None]
            if BLACKENED & set(label.get("conditions", [])):
                keys += ["bubble_blackened", "bubble_blackened_ok" if right else None]
        if col.get("p", 0) >= 0.99 and got not in ("several", "unclear"):
            keys += ["bubble_col_sure", None if right else "bubble_col_sure_wrong"]
    digits = [d for d in marked if d is not None]
    if digits:
        value = int("".join(map(str, digits)))
        keys += ["bubble_values", "bubble_value_ok" if b.get("value") == value else None]
    return keys


def row_keys(label, fid, r):
    """Each row's written count, their sum, and the tally's own count of each row."""
    truth = (label.get("row_counts") or {}).get(fid)
    if not truth:
        return []
    keys = []
    rc = r.get("row_counts")
    if rc:
        for want, row in zip(truth, rc["rows"]):
            keys += ["rows", "row_ok" if row.get("value") == want else None]
            if row.get("tally") is not None:
                keys += ["tally_rows", "tally_row_ok" if row["tally"] == want else None]
        keys += ["row_sums", "row_sum_ok" if rc.get("sum") == sum(truth) else None]
        if rc.get("confidence", 0) >= 0.99:
            keys += ["row_sum_sure", None if rc.get("sum") == sum(truth) else "row_sum_sure_wrong"]
    return keys


def tally_keys(label, fid, t):
    """The tally's figures: exact, exact where nobody spoiled the grid (a scribble or a crossed-out
    group), whether its two methods agree, and wrong counts given with confidence >= 0.99. A grid
    found empty counts no marks: right where none were drawn (it is no evidence either way, but the
    count is the count)."""
    truth = label["tally"][fid]
    spoiled = bool((label.get("conventions") or {}).get(fid, {}).get("spoil"))
    right = (0 if t.get("empty") else t.get("value")) == truth
    keys = ["tally_fields", "tally_ok" if right else None, None if spoiled else "tally_unspoiled",
            "tally_ok_unspoiled" if right and not spoiled else None,
            "tally_agree" if t.get("by_strokes") == t.get("by_groups") else None]
    if t.get("confidence", 0) >= 0.99:
        keys += ["tally_sure", None if right else "tally_sure_wrong"]
    return keys


def score_registration(label, result, groups):
    truth = label.get("page_corners")
    got = (result.get("registration") or {}).get("corners")
    if truth and got:
        k = mm_scale(truth, *PAGE_MM)
        errs = [math.dist(a, b) / k for a, b in zip(truth, got)]
        for g in groups:
            g.corner_err.extend(errs)
            g.add("pages_cornered")
            g.add("oriented" if max(errs) < 10 else None)   # upside down puts every corner 500 mm away
    for fid, boxes in (label.get("boxes") or {}).items():
        located = ((result.get("fields") or {}).get(fid) or {}).get("boxes")
        if not located:
            continue
        for tb, lb, (w_mm, h_mm) in zip(boxes, located, BOX_MM[fid]):
            k = mm_scale(tb, w_mm, h_mm)      # the photo's local resolution at this box
            err = max(math.dist(a, b) for a, b in zip(tb, lb)) / k
            for g in groups:
                g.box_err.append(err)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("fixtures")
    ap.add_argument("results")
    ap.add_argument("--report", help="also write the figures as JSON here")
    ap.add_argument("--pages-alone", action="store_true",
                    help="each page was read as a station of its own: a mistake across the pages cannot be "
                         "seen, so station_must_review is not scored")
    a = ap.parse_args(argv)
    overall, by_cond, problems, missing = Tally(), collections.defaultdict(Tally), [], []
    by_field = collections.defaultdict(Tally)
    labels = find_labels(a.fixtures)
    if not labels:
        print(f"c1score: no labelled photos in {a.fixtures}", file=sys.stderr)
        return 2
    stations_checked = not a.pages_alone and any(name.endswith(".station.json")
                                                 for _, _, names in os.walk(a.results) for name in names)
    # a station's mistake across pages can be caught only where all its pages are in the set and read:
    # a page rejected leaves the others as they are, and the station names it missing
    pages_of, labelled_pages_of = collections.defaultdict(set), collections.defaultdict(set)
    photos = []   # (name, label, result or None), each file read once
    for rel, label_path in labels:
        with open(label_path) as fh:
            label = json.load(fh)
        try:
            with open(os.path.join(a.results, rel + ".json")) as fh:
                result = json.load(fh)
        except (OSError, ValueError) as e:
            missing.append(f"{rel}: no readable result ({e.__class__.__name__})")
            result = None
        labelled_pages_of[label.get("station")].add(label.get("page"))
        if result is not None and result.get("status") == "read":
            pages_of[label.get("station")].add(label.get("page"))
        photos.append((rel, label, result))
    unchecked = 0
    for rel, label, result in photos:
        if result is None:
            continue
        groups = [overall] + [by_cond[c] for c in label.get("conditions", [])]
        if label.get("page"):
            groups.append(by_cond[f"page{label['page']}"])
        if not set(label.get("conditions", [])) & NOT_INTACT:
            groups.append(by_cond["intact"])
            if label.get("page"):   # the coverage targets are per page, on intact photos
                groups.append(by_cond[f"intact_page{label['page']}"])
        whole = pages_of[label.get("station")] >= {1, 2, 3}
        if not whole and labelled_pages_of[label.get("station")] >= {1, 2, 3} and result.get("status") == "read":
            unchecked += len(label.get("station_must_review", []))
        score_photo(label, result, groups, problems, rel, by_field, stations_checked and whole)
    print_report(overall, by_cond, by_field)
    if stations_checked:
        print(f"station_must_review_unchecked: {unchecked} fields on read pages of stations with a page not read")
    for p in problems + missing:
        print(p)
    if a.report:
        with open(a.report, "w") as fh:
            json.dump({"overall": dict(overall.rows()), "conditions": {c: dict(t.rows()) for c, t in by_cond.items()}},
                      fh, indent=1, default=str)
    if missing:
        return 2
    return 1 if overall.c["published_errors"] or overall.c["missed_reviews"] else 0


def print_report(overall, by_cond, by_field):
    print("== overall")
    for k, v in overall.rows():
        print(f"{k}: {v}")
    keys = ["photos", "rejected", "page_identified", "published_errors", "missed_reviews", "auto_accept_coverage",
            "coverage_of_clean_fields", "ocr_exact", "segments_exact", "combined_exact", "tally_exact",
            "tally_sure_wrong", "boxes_within_1mm"]
    print("== by condition")
    print("condition".ljust(16) + "".join(k[:14].rjust(16) for k in keys))
    for cond in sorted(by_cond):
        rows = dict(by_cond[cond].rows())
        print(cond[:16].ljust(16) + "".join(str(rows[k]).split(" ")[0][:15].rjust(16) for k in keys))
    keys = ["fields_read", "published_errors", "auto_accept_coverage", "ocr_exact", "segments_exact",
            "combined_exact", "tally_exact", "ocr_wrong_with_p_over_0.99"]
    print("== by field")
    print("field".ljust(20) + "".join(k[:14].rjust(16) for k in keys))
    for fid in by_field:
        rows = dict(by_field[fid].rows())
        print(fid[:20].ljust(20) + "".join(str(rows[k]).split(" ")[0][:15].rjust(16) for k in keys))


if __name__ == "__main__":
    sys.exit(main())
