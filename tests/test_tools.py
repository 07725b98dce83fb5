"""Tests of the tools: the fixture generator's labels, the scoring harness, c1scan's batch behaviour
and the form template's agreement with the commission's layout. Run by tests/run_py_tests.py."""
import copy
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
C1SCAN = os.path.join(ROOT, "build", "c1scan")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import c1gen  # noqa: E402
import camera  # noqa: E402
import cells  # noqa: E402
import hand  # noqa: E402

FIXTURES = os.path.join(ROOT, "fixtures")


def labels():
    out = {}
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.json"))):
        out[os.path.basename(path)[:-5]] = json.load(open(path))
    return out


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, cwd=ROOT, **kw)


def page_labels():
    """The labels of generated pages (not the hostile files, not the real photos)."""
    return {n: lab for n, lab in labels().items() if not lab.get("must_reject") and lab.get("synth")}


class GeneratorLabels(unittest.TestCase):
    """The labels are the truth everything is measured against: they must be consistent."""

    def test_rules_hold_except_where_must_review_says(self):
        for name, lab in page_labels().items():
            must = set(lab["must_review"])
            for rule in c1gen.broken_rules(lab["fields"], lab["page"]):
                self.assertTrue(set(c1gen.rule_fields(rule)) <= must, f"{name}: rule {rule['id']} broken silently")
            for fid, n in lab["tally"].items():
                if n != lab["fields"][fid]:
                    self.assertIn(fid, must, f"{name}: tally of {fid} disagrees silently")

    def test_a_held_out_font_never_writes_a_training_page(self):
        fonts = hand.installed_fonts()
        if len(fonts) < 2:
            self.skipTest("fewer than two handwriting fonts installed")
        held = os.path.basename(fonts[-1])[:-4]
        for seed in range(40):
            w = hand.Writer(np.random.default_rng(seed), "font", {"hold_out_font": held})
            self.assertNotIn(held, os.path.basename(w.font))
            only = hand.Writer(np.random.default_rng(seed), "font", {"font": held})
            self.assertIn(held, os.path.basename(only.font))

    def test_a_choice_of_pens_and_a_range_of_sizes(self):
        """--set pen=faint|thin and --set long=1600-2200: the faint-pen photos of docs/measurements.md
        (2026-12-07), made again with them."""
        pens = {hand.Writer(np.random.default_rng(seed), "free", {"pen": "faint|faint|thin"}).pen
                for seed in range(40)}
        self.assertEqual(pens, {"faint", "thin"})
        page = np.full((90, 60, 3), 255, np.float32)
        for seed in range(3):
            conditions = []
            img, *_ = camera.photograph(np.random.default_rng(seed), page, {"long": "1600-2200", "blur": 0},
                                        conditions, camera.Fold(np.random.default_rng(0), False, 60, 90),
                                        60, 90, 1.0)
            self.assertTrue(1600 <= max(img.shape[:2]) < 2200, img.shape)
            self.assertIn("lowres", conditions)

    def test_a_station_keeps_the_rules_across_its_pages(self):
        rng = np.random.default_rng(3)
        for _ in range(200):
            v = c1gen.sample_station(rng)
            self.assertEqual(c1gen.broken_cross_page(v), [])
            self.assertLessEqual(v["pengguna_total"], 300)
            for page in (1, 2, 3):
                self.assertEqual(c1gen.broken_rules(v, page), [], page)

    def test_station_labels_follow_what_is_written(self):
        """The fields a station's check must send to a person are those of the rules across pages that
        break on what the officer wrote on each page: a sum gone wrong on page 1 breaks one as surely as
        page 3 written off by a few."""
        page1_sums_off = 0
        for seed in range(80):
            values = c1gen.sample_station(np.random.default_rng(seed))
            opts = {"p_sum_error": 1, "p_station_error": 0, "p_tally_error": 0}
            self.assertEqual(c1gen.station_mistake(seed, values, opts), values)
            must = c1gen.station_must_review(seed, values, values, opts)
            page1 = c1gen.make_mistakes(np.random.default_rng([seed, 1]), 1, values, opts)[0]
            page3 = c1gen.make_mistakes(np.random.default_rng([seed, 3]), 3, values, opts)[0]
            if page1["pengguna_total"] != page3["total_suara"]:
                page1_sums_off += page1["pengguna_total"] != values["pengguna_total"]
                self.assertIn((1, "pengguna_total"), must)
                self.assertIn((3, "total_suara"), must)
            else:
                self.assertNotIn((1, "pengguna_total"), must)
            opts = {"p_sum_error": 0, "p_station_error": 1, "p_tally_error": 0}
            page3 = c1gen.station_mistake(seed, values, opts)
            self.assertEqual(bool(c1gen.station_must_review(seed, values, page3, opts)), page3 != values, seed)
        self.assertGreater(page1_sums_off, 0)

    def test_values_are_plausible(self):
        for name, lab in page_labels().items():
            for fid, v in lab["fields"].items():
                self.assertTrue(0 <= v <= c1gen.FIELDS[lab["page"]][fid]["max"], f"{name}: {fid}={v}")

    def test_page_corners_inside_unless_reject_ok(self):
        for name, lab in page_labels().items():
            img = cv2.imread(os.path.join(FIXTURES, name + ".jpg"))
            h, w = img.shape[:2]
            inside = all(0 <= x < w and 0 <= y < h for x, y in lab["page_corners"])
            unreadable = lab["synth"]["blur_mm"] > 1.3
            self.assertEqual(not inside or unreadable, lab["expect_reject_ok"], name)

    def test_conventions_are_in_must_review(self):
        for seed, key in ((3, "left"), (4, "correction")):
            opts = {"page": 1, "p_left": 0, "p_correction": 0, "p_fluid": 0, "p_sum_error": 0, "p_tally_error": 0,
                    "long": 1700}
            opts["p_" + key] = 1
            _, _, lab = c1gen.generate(seed, opts, c1gen.load_mnist())
            self.assertIn("left_aligned" if key == "left" else key, lab["conditions"])
            self.assertEqual(len(lab["must_review"]), 1, lab["must_review"])

    def test_box_labels_spell_the_written_value(self):
        """What each box holds, for training on photos: the digit boxes spell the value written,
        and a box struck through is the only one that may not; an X is written in an unused box."""
        for name, lab in page_labels().items():
            for fid, boxes in lab["box_labels"].items():
                self.assertEqual(len(boxes), 3, name)
                self.assertTrue(set(boxes) <= set("0123456789") | {"empty", "filler", "struck"}, boxes)
                written = lab["boxes_as_written"][fid]
                self.assertEqual([b == "filler" for b in boxes], [w in ("X", "-") for w in written], name)
                if "struck" not in boxes:
                    digits = "".join(b for b in boxes if b.isdigit())
                    self.assertEqual(int(digits or -1), lab["fields"][fid], f"{name} {fid} {boxes}")

    def test_bubbles_and_row_counts_say_what_the_boxes_and_tally_say(self):
        for name, lab in page_labels().items():
            for fid, marked in lab["bubbles"].items():
                as_written = lab["boxes_as_written"][fid]
                want = [int(c) if c.isdigit() else None for c in as_written]
                if fid in lab["must_review"] and "bubble_wrong" in lab["conditions"]:   # one blackened wrong
                    self.assertEqual(sum(a != b for a, b in zip(marked, want)), 1, name)
                else:
                    self.assertEqual(marked, want, name)
            for fid, rows in lab["row_counts"].items():
                self.assertEqual(sum(rows), lab["tally"][fid], name)
                self.assertEqual(sum(lab["tally_cells"][fid]), lab["tally"][fid], name)

    def test_mistakes_are_labelled(self):
        _, _, lab = c1gen.generate(9, {"page": 2, "p_sum_error": 1, "p_tally_error": 1, "long": 1700},
                                   c1gen.load_mnist())
        self.assertIn("mistake_tally", lab["conditions"])
        self.assertTrue(lab["must_review"])

    def test_fixtures_cover_every_condition(self):
        seen = set()
        for lab in labels().values():
            seen.update(lab["conditions"])
        need = {"style_dots", "style_free", "style_stroke", "style_font", "euro", "tilt_high", "rot90", "rot180",
                "fold", "shadow", "blur", "lowres", "cut_corner", "spill", "border_cross", "correction", "fluid",
                "mistake_sum", "mistake_tally", "blur_unreadable", "lead_x", "lead_blank", "pen_thin", "pen_faint",
                "pen_blue_marker", "pen_black", "bubbles_half", "not_image", "empty", "truncated", "huge_header",
                "no_form", "wrong_form", "real"}
        self.assertEqual(need - seen, set())
        for page in (1, 2, 3):
            self.assertGreaterEqual(sum(lab.get("page") == page for lab in page_labels().values()), 4, page)
        # a clone stays small
        total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(FIXTURES, "*")))
        self.assertLess(total, 16 << 20)

    def test_rendering_is_deterministic(self):
        spec = {name: (seed, opts) for name, seed, opts in c1gen.read_spec(os.path.join(FIXTURES, "fixtures.txt"))}
        with tempfile.TemporaryDirectory() as tmp:
            for name in ("p2_dots_upright", "p1_lowres_rot180", "bad_wrong_form"):
                seed, opts = spec[name]
                c1gen.make_one(tmp, name, seed, dict(opts))
                self.assertEqual(json.load(open(os.path.join(tmp, name + ".json"))),
                                 json.load(open(os.path.join(FIXTURES, name + ".json"))), name)
                a = cv2.imread(os.path.join(tmp, name + ".jpg")).astype(float)
                b = cv2.imread(os.path.join(FIXTURES, name + ".jpg")).astype(float)
                self.assertEqual(a.shape, b.shape)
                self.assertLess(np.abs(a - b).mean(), 1.0, name)

    def test_redrawn_digits_have_a_pen_strokes_ends(self):
        """MNIST thinned to a pen's path: a 1 has two ends, not the six that thinning a glyph cut
        tight to its ink gave (its skeleton ran along the image edge, a serifed I once redrawn)."""
        m = c1gen.load_mnist()
        ends = []
        for i in [i for i in range(len(m.labels)) if m.labels[i] == 1][:60]:
            img = m.images[i]
            ys, xs = np.nonzero(img > 60)
            img = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)
            s = 56 / img.shape[0]
            big = cv2.resize(img, (max(2, int(img.shape[1] * s)), 56), interpolation=cv2.INTER_CUBIC)
            skel = (cells.skeleton_stroke((big > 110).astype(np.uint8) * 255) > 0).astype(np.float32)
            neighbours = cv2.filter2D(skel, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT) - skel
            ends.append(int(((neighbours == 1) & (skel == 1)).sum()))
        self.assertLess(np.mean(ends), 2.6, ends)

    def test_eval_digits_never_come_from_the_unseen_half(self):
        m = c1gen.load_mnist()
        self.assertTrue(all(i < 5000 for ids in m.by_digit.values() for i in ids))

    def test_other_forms_marker_is_another_id(self):
        code = c1gen.apriltag_image(102)
        page2 = c1gen.blank_page(2)
        t = c1gen.LAYOUT["tag"]
        k = c1gen.PXMM
        printed = page2[int(t["y"] * k):int((t["y"] + t["h"]) * k), int(t["x"] * k):int((t["x"] + t["w"]) * k)]
        bits = cv2.resize(printed, (8, 8), interpolation=cv2.INTER_AREA) < 128
        drawn = code[1:-1, 1:-1] < 128
        self.assertEqual((bits != drawn).sum(), 0, "the tag the generator draws for id 102 is not the printed one")


def perfect_result(label):
    return {"status": "read", "form": label["form"], "page": label["page"], "registration": {"corners": label["page_corners"]},
            "fields": {f: {"value": v, "status": "accepted", "confidence": 0.999, "reasons": [],
                           "ocr": {"value": v}, "boxes": label["boxes"][f]}
                       for f, v in label["fields"].items()}}


class Harness(unittest.TestCase):
    """c1score must not be able to pass silently."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.fx = os.path.join(self.tmp, "fx")
        self.res = os.path.join(self.tmp, "res")
        os.makedirs(self.fx)
        os.makedirs(self.res)
        for name in ("p1_upright", "p1_sum_error", "bad_not_image"):
            for ext in (".json", ".jpg"):
                shutil.copy(os.path.join(FIXTURES, name + ext), self.fx)
        self.labels = {n: json.load(open(os.path.join(self.fx, n + ".json")))
                       for n in ("p1_upright", "p1_sum_error")}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, obj):
        with open(os.path.join(self.res, name + ".json"), "w") as fh:
            json.dump(obj, fh)

    def score(self):
        return run(PY, "tools/c1score.py", self.fx, self.res)

    def write_all(self, results):
        for n, r in results.items():
            self.write(n, r)
        self.write("bad_not_image", {"status": "rejected", "error": {"code": "not_an_image", "message": "x"}})

    def honest(self):
        out = {n: perfect_result(l) for n, l in self.labels.items()}
        for n, l in self.labels.items():
            for f in l["must_review"]:
                out[n]["fields"][f]["status"] = "review"
        return out

    def test_perfect_passes(self):
        self.write_all(self.honest())
        p = self.score()
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("published_errors: 0", p.stdout)
        self.assertIn("boxes_within_1mm: 100.00%", p.stdout)

    def test_published_error_fails(self):
        res = self.honest()
        res["p1_upright"]["fields"]["dpt"]["value"] += 300
        self.write_all(res)
        p = self.score()
        self.assertEqual(p.returncode, 1)
        self.assertIn("published_errors: 1", p.stdout)
        self.assertIn("PUBLISHED ERROR dpt", p.stdout)

    def test_missed_review_fails(self):
        res = copy.deepcopy(self.honest())
        f = self.labels["p1_sum_error"]["must_review"][0]
        res["p1_sum_error"]["fields"][f]["status"] = "accepted"
        self.write_all(res)
        p = self.score()
        self.assertEqual(p.returncode, 1)
        self.assertIn("MISSED REVIEW " + f, p.stdout)

    def test_mistake_across_pages_counts_where_the_station_was_read_whole(self):
        """A field a station's check must send to a person is a missed review only where every page
        of its station was read: a page rejected leaves the others as they are, and those fields are
        printed apart instead."""
        label = self.labels["p1_sum_error"]
        self.assertEqual(label["station_must_review"], ["pengguna_total", "ss_digunakan"])
        for page in (2, 3):   # the station's other pages, with nothing of their own to score
            other = dict(label, page=page, fields={}, must_review=[], station_must_review=[], boxes={})
            with open(os.path.join(self.fx, f"p{page}_same_station.json"), "w") as fh:
                json.dump(other, fh)
            shutil.copy(os.path.join(self.fx, "p1_sum_error.jpg"), os.path.join(self.fx, f"p{page}_same_station.jpg"))
        res = self.honest()
        res["p1_sum_error"]["fields"]["ss_digunakan"]["status"] = "accepted"   # its page's sums hold
        res["p2_same_station"] = dict(perfect_result(dict(label, page=2, fields={})), fields={})
        res["p3_same_station"] = dict(perfect_result(dict(label, page=3, fields={})), fields={})
        self.write("s00105.station", {"station": "s00105"})
        self.write_all(res)
        p = self.score()
        self.assertIn("MISSED REVIEW ss_digunakan", p.stdout)
        self.assertIn("station_must_review_unchecked: 0 ", p.stdout)
        self.write("p3_same_station", {"status": "rejected", "error": {"code": "too_blurred", "message": "x"}})
        p = self.score()
        self.assertNotIn("MISSED REVIEW", p.stdout)
        self.assertIn("station_must_review_unchecked: 2 ", p.stdout)
        # Read whole again, but scored as pages read alone (make eval-pens): no station's check ran, so
        # the mistake across the pages is not scored; the page's own must_review still is.
        self.write("p3_same_station", res["p3_same_station"])
        self.assertIn("MISSED REVIEW ss_digunakan", self.score().stdout)
        p = run(PY, "tools/c1score.py", "--pages-alone", self.fx, self.res)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertNotIn("station_must_review_unchecked", p.stdout)
        res["p1_sum_error"]["fields"][label["must_review"][0]]["status"] = "accepted"
        self.write("p1_sum_error", res["p1_sum_error"])
        p = run(PY, "tools/c1score.py", "--pages-alone", self.fx, self.res)
        self.assertEqual(p.returncode, 1)
        self.assertIn("MISSED REVIEW " + label["must_review"][0], p.stdout)

    def test_empty_tally_grid_counts_no_marks(self):
        import c1score
        label = {"tally": {"paslon1": 0, "paslon2": 7}}
        self.assertIn("tally_ok", c1score.tally_keys(label, "paslon1", {"empty": True}))
        self.assertNotIn("tally_ok", c1score.tally_keys(label, "paslon2", {"empty": True}))
        self.assertNotIn("tally_ok", c1score.tally_keys(label, "paslon1", {}))
        self.assertNotIn("tally_sure", c1score.tally_keys(label, "paslon1", {"empty": True}))

    def test_hostile_photo_read_is_reported(self):
        self.write_all(self.honest())
        self.write("bad_not_image", {"status": "read", "fields": {}})
        p = self.score()
        self.assertIn("must be rejected but was read", p.stdout)

    def test_missing_result_fails(self):
        self.write_all(self.honest())
        os.remove(os.path.join(self.res, "p1_upright.json"))
        self.assertEqual(self.score().returncode, 2)

    def thresholds_row(self, blur_mm, t_digits, t_strict, hand=1.0):
        """c1thresholds' row (evidence 0.995) for a misread dpt at p = 0.9995 on its digits alone, the
        writer's boxes read at p = `hand`."""
        res = self.honest()
        for r in res.values():
            for f in r["fields"].values():
                f["evidence"] = ["rule:x"]
        dpt = res["p1_upright"]["fields"]["dpt"]
        dpt.update(value=dpt["value"] + 1, status="review", confidence=0.9995, evidence=[],
                   reasons=["low_confidence", "no_independent_evidence"], cells=[{"ocr": {"1": hand}}] * 3)
        res["p1_upright"]["registration"]["blur_mm"] = blur_mm
        self.write_all(res)
        p = run(PY, "tools/c1thresholds.py", self.fx, self.res)
        self.assertEqual(p.returncode, 0, p.stderr)
        for line in p.stdout.splitlines():
            cols = line.split()
            if cols[:3] == ["0.995", str(t_digits), str(t_strict)]:
                return int(cols[4])
        self.fail(p.stdout)

    def test_thresholds_hold_blurred_pages_and_unfamiliar_hands_to_more(self):
        self.assertEqual(self.thresholds_row(0.30, 0.999, 0.9999), 1)   # sharp: 0.9995 clears 0.999
        self.assertEqual(self.thresholds_row(0.50, 0.999, 0.9999), 0)   # blurred: it needs 0.9999
        self.assertEqual(self.thresholds_row(0.50, 0.999, 0.999), 1)
        self.assertEqual(self.thresholds_row(0.30, 0.9999, 0.9999), 0)
        self.assertEqual(self.thresholds_row(0.30, 0.999, 0.9999, hand=0.9), 0)   # an unfamiliar hand

    def test_all_review_has_zero_coverage(self):
        res = self.honest()
        for r in res.values():
            for f in r["fields"].values():
                f["status"] = "review"
        self.write_all(res)
        p = self.score()
        self.assertEqual(p.returncode, 0)
        self.assertIn("auto_accept_coverage: 0.00%", p.stdout)


class Scan(unittest.TestCase):
    """c1scan's batch behaviour: output layout, resuming, sharding, CSV, EXIF orientation."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.photos = os.path.join(self.tmp, "photos")
        os.makedirs(os.path.join(self.photos, "a", "b"))
        shutil.copy(os.path.join(FIXTURES, "p1_upright.jpg"), os.path.join(self.photos, "a", "b", "one.jpg"))
        shutil.copy(os.path.join(FIXTURES, "bad_not_image.jpg"), os.path.join(self.photos, "two.jpg"))
        shutil.copy(os.path.join(FIXTURES, "p1_lowres_rot180.jpg"), os.path.join(self.photos, "a", "three.JPG"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def scan(self, *args):
        return run(C1SCAN, *args)

    def test_layout_and_bad_file_does_not_stop_the_batch(self):
        out = os.path.join(self.tmp, "out")
        p = self.scan("--jobs", "2", "--out", out, self.photos)
        self.assertEqual(p.returncode, 0, p.stderr)
        one = json.load(open(os.path.join(out, "a", "b", "one.json")))
        self.assertEqual(one["status"], "read")
        self.assertEqual(len(one["registration"]["corners"]), 4)
        self.assertEqual((one["form"], one["page"]), ("c-hasil-ppwp-2024", 1))
        two = json.load(open(os.path.join(out, "two.json")))
        self.assertEqual(two["error"]["code"], "not_an_image")
        self.assertTrue(os.path.exists(os.path.join(out, "a", "three.json")))
        self.assertIn("3 photos: 2 read, 1 rejected", p.stderr)

    def test_a_folder_linking_to_itself_is_walked_once(self):
        os.symlink(".", os.path.join(self.photos, "a", "again"))
        os.symlink(os.path.join(self.photos, "a"), os.path.join(self.photos, "a", "b", "back"))
        p = self.scan("--quiet", "--out", os.path.join(self.tmp, "out"), self.photos)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("3 photos:", p.stderr)

    def test_resume_skips_done_photos(self):
        out = os.path.join(self.tmp, "out")
        self.scan("--quiet", "--out", out, self.photos)
        p = self.scan("--quiet", "--out", out, self.photos)
        self.assertIn("3 skipped", p.stderr)
        os.remove(os.path.join(out, "two.json"))
        p = self.scan("--quiet", "--out", out, self.photos)
        self.assertIn("2 skipped", p.stderr)
        self.assertTrue(os.path.exists(os.path.join(out, "two.json")))

    def test_shards_partition_the_batch(self):
        seen = []
        for i in range(2):
            out = os.path.join(self.tmp, f"s{i}")
            self.scan("--quiet", "--shard", f"{i}/2", "--out", out, self.photos)
            seen += [os.path.relpath(p, out) for p in glob.glob(os.path.join(out, "**", "*.json"), recursive=True)
                     if not p.endswith(".station.json")]
        self.assertEqual(sorted(seen), ["a/b/one.json", "a/three.json", "two.json"])

    def test_stations_by_folder_and_by_list(self):
        """The photos of a folder are one station: its JSON lies beside its pages, lists them and the
        missing page, and says which rules across pages hold. A lone photo is read alone. --stations
        groups photos across folders instead; a station's pages are never split between shards."""
        src = os.path.join(self.tmp, "st")
        os.makedirs(os.path.join(src, "s130"))
        for n in (1, 2):
            shutil.copy(os.path.join(FIXTURES, f"st_p{n}.jpg"), os.path.join(src, "s130", f"page{n}.jpg"))
        shutil.copy(os.path.join(FIXTURES, "st_p3.jpg"), os.path.join(src, "late.jpg"))
        out = os.path.join(self.tmp, "out")
        p = self.scan("--quiet", "--jobs", "2", "--out", out, src)
        self.assertEqual(p.returncode, 0, p.stderr)
        st = json.load(open(os.path.join(out, "s130", "s130.station.json")))
        self.assertEqual((st["station"], [pg["page"] for pg in st["pages"]], st["missing_pages"]), ("s130", [1, 2], [3]))
        self.assertTrue(all(r["verdict"] == "unknown" for r in st["rules"]), st["rules"])
        self.assertFalse(glob.glob(os.path.join(out, "*.station.json")))   # late.jpg alone in its folder
        listed = os.path.join(self.tmp, "stations.csv")
        with open(listed, "w") as fh:
            fh.write("photo,station\ns130/page1,s130\ns130/page2,s130\nlate,s130\n")
        out2 = os.path.join(self.tmp, "out2")
        p = self.scan("--quiet", "--jobs", "2", "--out", out2, "--stations", listed, src)
        self.assertEqual(p.returncode, 0, p.stderr)
        st = json.load(open(os.path.join(out2, "s130.station.json")))   # beside its first photo, late.jpg
        self.assertEqual(([pg["page"] for pg in st["pages"]], st["missing_pages"]), ([1, 2, 3], []))
        self.assertNotIn("broken", [r["verdict"] for r in st["rules"]], st["rules"])
        # shards: the station stays whole on one of them, and no photo is read twice
        seen = []
        for i in range(2):
            o = os.path.join(self.tmp, f"shard{i}")
            self.scan("--quiet", "--shard", f"{i}/2", "--stations", listed, "--out", o, src, self.photos)
            got = [os.path.relpath(f, o) for f in glob.glob(os.path.join(o, "**", "*.json"), recursive=True)]
            if "s130.station.json" in got:
                self.assertTrue({"s130/page1.json", "s130/page2.json", "late.json"} <= set(got), got)
            seen += [g for g in got if not g.endswith(".station.json")]
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(sorted(seen), ["a/b/one.json", "a/three.json", "late.json", "s130/page1.json",
                                        "s130/page2.json", "two.json"])
        with open(listed, "a") as fh:
            fh.write("late,s8\n")
        p = self.scan("--quiet", "--out", out2, "--stations", listed, src)
        self.assertEqual(p.returncode, 1)
        self.assertIn("named twice", p.stderr)

    def test_csv_and_stdout(self):
        csv = os.path.join(self.tmp, "r.csv")
        p = self.scan("--quiet", "--csv", csv, os.path.join(self.photos, "a", "b", "one.jpg"))
        obj = json.loads(p.stdout.strip())
        self.assertEqual(obj["status"], "read")
        rows = open(csv).read().splitlines()
        self.assertEqual(rows[0], "file,field,value,status,confidence,reasons,evidence")
        self.assertEqual(len(rows), 1 + 22)
        for row in rows[1:]:   # a review row says why; an accepted one has nothing to say
            status, confidence, reasons, evidence = row.split(",")[3:7]
            self.assertIn(status, ("accepted", "review"), row)
            self.assertEqual(status == "review", reasons != "", row)
            if status == "accepted" and not evidence:   # its digits alone: the stricter threshold
                self.assertGreaterEqual(float(confidence), 0.9999, row)

    def test_cells_are_what_the_model_read(self):
        """--cells: one PGM a photo, a '# FIELD BOX' line for every box stacked in it, and the
        trainer reads back a class for each from the generator's truth."""
        cells_dir = os.path.join(self.tmp, "cells")
        p = self.scan("--quiet", "--out", os.path.join(self.tmp, "out"), "--cells", cells_dir, self.photos)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(cells_dir, "two.pgm")))   # not an image: no cells
        names, stack = cells.read_cells_pgm(os.path.join(cells_dir, "a", "b", "one.pgm"))
        self.assertEqual(len(names), len(stack))
        label = json.load(open(os.path.join(FIXTURES, "p1_upright.json")))
        written = [(f, b) for f, boxes in label["box_labels"].items() for b, c in enumerate(boxes) if c.isdigit()]
        self.assertTrue(set(written) <= set(names), set(written) - set(names))
        ink = {nb: float(img.mean()) for nb, img in zip(names, stack)}
        self.assertTrue(all(ink[nb] > 0.01 * 255 for nb in written), ink)

    def test_known_values_by_photo(self):
        """--known: each photo gets its own rows; a value that agrees is evidence, one that does not is
        a reason to review; a malformed file stops the batch before any photo is read."""
        out = os.path.join(self.tmp, "out")
        self.scan("--quiet", "--out", out, self.photos)
        one = json.load(open(os.path.join(out, "a", "b", "one.json")))["fields"]
        three = json.load(open(os.path.join(out, "a", "three.json")))["fields"]
        known = os.path.join(self.tmp, "known.csv")
        with open(known, "w") as fh:
            fh.write("photo,field,value\n")
            fh.write(f"a/three,dpt,{three['dpt']['value'] + 1}\n")
            fh.write(f"a/b/one,dpt_l,{one['dpt_l']['value']}\na/b/one,dpt,{one['dpt']['value']}\n")
        p = self.scan("--quiet", "--force", "--out", out, "--known", known, self.photos)
        self.assertEqual(p.returncode, 0, p.stderr)
        one_k = json.load(open(os.path.join(out, "a", "b", "one.json")))["fields"]
        three_k = json.load(open(os.path.join(out, "a", "three.json")))["fields"]
        self.assertIn("known", one_k["dpt_l"]["evidence"])
        self.assertIn("known", one_k["dpt"]["evidence"])
        self.assertNotIn("known", one["dpt"]["evidence"])
        self.assertIn("known_mismatch", three_k["dpt"]["reasons"])
        self.assertEqual(three_k["dpt"]["value"], three["dpt"]["value"])
        self.assertEqual(three_k["dpt_p"]["value"], three["dpt_p"]["value"])
        with open(known, "a") as fh:
            fh.write("a/b/one,dpt\n")
        p = self.scan("--quiet", "--force", "--out", out, "--known", known, self.photos)
        self.assertEqual(p.returncode, 1)
        self.assertIn("known.csv:5: expected photo,field,value", p.stderr)

    def test_usage_errors(self):
        self.assertEqual(self.scan().returncode, 1)
        self.assertEqual(self.scan("--shard", "3/2", self.photos).returncode, 1)
        self.assertEqual(self.scan("--bogus", self.photos).returncode, 1)

    def test_shadow_across_the_boxes_is_no_ink(self):
        """A soft shadow edge (paper 45 % darker over 30 mm) running across every digit box: the
        digits read about as well as in the light (the shade lowers their contrast: one may change),
        and no box becomes struck through or unreadable (its probability of either rises by under
        0.1). With the paper taken as one level per box, the shaded part of a box was ink: 7 fields
        read right instead of 13, 6 'correction's."""
        name = "p1_upright"
        src = os.path.join(FIXTURES, name + ".jpg")
        label = json.load(open(os.path.join(FIXTURES, name + ".json")))
        page = np.float32([[0, 0], [600, 0], [600, 900], [0, 900]])
        H = cv2.getPerspectiveTransform(page, np.float32(label["page_corners"]))
        img = cv2.imread(src).astype(np.float32)
        ys, xs = np.mgrid[0:img.shape[0], 0:img.shape[1]].astype(np.float32)
        pts = cv2.perspectiveTransform(np.dstack([xs.ravel(), ys.ravel()]), np.linalg.inv(H)).reshape(*xs.shape, 2)
        shade = 1 - 0.45 * np.clip((pts[..., 0] - 420) / 30, 0, 1)   # page x 420-450 mm: through the boxes
        shaded = os.path.join(self.tmp, "shaded.jpg")
        cv2.imwrite(shaded, np.clip(img * shade[..., None], 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])
        light = json.loads(self.scan("--quiet", src).stdout)
        dark = json.loads(self.scan("--quiet", shaded).stdout)
        self.assertEqual(dark["status"], "read")
        right = lambda r: sum(f["ocr"]["value"] == label["fields"][fid] for fid, f in r["fields"].items())  # noqa: E731
        self.assertGreaterEqual(right(dark), right(light) - 1)
        # A box the shade turned struck or unreadable would jump in that class's probability; a box
        # in doubt in the light may cross the reason's line (0.3) by a few hundredths either way.
        most = lambda f, cls: max(c["ocr"].get(cls, 0) for c in f["cells"])  # noqa: E731
        for fid, f in light["fields"].items():
            g = dark["fields"][fid]
            for cls in ("struck", "other"):
                self.assertLessEqual(most(g, cls), most(f, cls) + 0.1, (fid, cls))

    def test_exif_orientation_is_honoured(self):
        from PIL import Image
        src = os.path.join(FIXTURES, "p2_dots_upright.jpg")
        img = Image.open(src)
        exif = Image.Exif()
        exif[0x0112] = 6   # "rotate 90 CW to view": the stored pixels are turned 90 CCW
        turned = os.path.join(self.tmp, "turned.jpg")
        img.transpose(Image.Transpose.ROTATE_90).save(turned, quality=92, exif=exif.tobytes())
        a = json.loads(self.scan("--quiet", src).stdout)
        b = json.loads(self.scan("--quiet", turned).stdout)
        self.assertEqual(b["status"], "read")
        self.assertEqual(b["photo"], a["photo"])
        for p, q in zip(a["registration"]["corners"], b["registration"]["corners"]):
            self.assertLess(np.hypot(p[0] - q[0], p[1] - q[1]), 3.0)


class CellPipeline(unittest.TestCase):
    """The model was trained on tools/cells.py's cells; lib/digits.c must make the same ones."""

    def test_c_and_python_prepare_the_same_cells(self):
        rng = np.random.default_rng(5)
        raw = c1gen.load_mnist().images
        with tempfile.TemporaryDirectory() as tmp:
            for w_mm, h_mm in cells.BOX_SIZES_MM:
                paths, want = [], []
                for k in range(12):
                    cls = k % 14
                    ink8, _ = cells.sample(rng, cls, raw[k] if k % 2 else None)
                    while ink8.shape != cells.interior_size(w_mm, h_mm)[::-1]:
                        ink8, _ = cells.sample(rng, cls, raw[k] if k % 2 else None)
                    dots = cells.dot_mask(w_mm, h_mm)
                    path = os.path.join(tmp, f"c{k}.pgm")
                    cv2.imwrite(path, ink8)
                    paths.append(path)
                    want.append(cells.prepare(ink8, dots))
                out = run(os.path.join(ROOT, "build", "cellprep"), str(w_mm), str(h_mm), *paths).stdout.splitlines()
                self.assertEqual(len(out), len(want))
                for got, exp in zip(out, want):
                    if exp is None:
                        self.assertEqual(got, "blank")
                        continue
                    arr = np.array([float(v) for v in got.split()]).reshape(28, 28)
                    self.assertLess(np.abs(arr - exp).max(), 0.02, (w_mm, h_mm))


class ReadingConventions(unittest.TestCase):
    """How people fill the boxes, read from the committed fixtures through c1scan."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        p = run(C1SCAN, "--quiet", "--jobs", "2", "--out", cls.tmp, FIXTURES)
        assert p.returncode == 0, p.stderr
        cls.results = {}
        for name, lab in labels().items():
            path = os.path.join(cls.tmp, name + ".json")
            r = json.load(open(path))
            if r["status"] == "read":
                cls.results[name] = (lab, r)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def leading_cells(self, lead, reader="ocr", style=None):
        """First-box probabilities of every field under 100 by writers with this leading habit."""
        cells = []
        for lab, r in self.results.values():
            # Blurred photos are measured by make eval; here the habit itself is under test.
            if "lead_" + lead in lab["conditions"] and "blur" not in lab["conditions"] and \
                    style in (None, lab.get("style")):
                for fid, v in lab["fields"].items():
                    conv = lab.get("conventions", {}).get(fid, {})
                    if v < 100 and not conv and reader in r["fields"][fid]["cells"][0]:
                        cells.append(r["fields"][fid]["cells"][0][reader])
        return cells

    def test_blank_leading_boxes_read_as_empty(self):
        cells = self.leading_cells("blank")
        self.assertGreater(len(cells), 10)
        share = np.mean([c.get("empty", 0) > 0.5 for c in cells])
        self.assertGreaterEqual(share, 0.95, cells)

    def test_every_box_left_empty_reads_empty(self):
        """Leading blanks and the trailing boxes of left-aligned numbers, blurred and tilted photos
        included: a box line slanted across the box's edge is no ink (it made 9 of these 109 boxes
        read as 0 or as anything, on dots_tally_error)."""
        n, empty = 0, 0
        for lab, r in self.results.values():
            for fid, v in lab["fields"].items():
                conv = lab.get("conventions", {}).get(fid, {})
                if conv.get("left_aligned"):
                    boxes = range(len(str(v)), 3)
                elif "lead_blank" in lab["conditions"] and not conv:
                    boxes = range(0, 3 - len(str(v)))
                else:
                    continue
                for d in boxes:
                    n += 1
                    empty += r["fields"][fid]["cells"][d]["ocr"].get("empty", 0) > 0.5
        self.assertGreater(n, 30)
        self.assertGreaterEqual(empty / n, 0.98, f"{empty} of {n}")

    def test_dash_and_x_read_as_filler(self):
        """The form's own convention: an X in an unused leading box ("X32" for 32)."""
        cells = self.leading_cells("dash") + self.leading_cells("x")
        self.assertGreater(len(cells), 10)
        share = np.mean([c.get("filler", 0) > 0.5 for c in cells])
        self.assertGreaterEqual(share, 0.8, cells)

    def test_segment_reader_sees_fillers_of_dot_joiners(self):
        """A dash or an x in a leading box is a filler to the segment reader too, not 'no pattern'
        (which made every such field a readers_disagree)."""
        cells = self.leading_cells("dash", "segments", "dots") + self.leading_cells("x", "segments", "dots")
        self.assertGreater(len(cells), 1)
        share = np.mean([c.get("filler", 0) > 0.5 for c in cells])
        self.assertGreaterEqual(share, 0.8, cells)

    def test_struck_digit_sends_field_to_review(self):
        seen = 0
        for lab, r in self.results.values():
            for fid, conv in lab.get("conventions", {}).items():
                if "correction" in conv:
                    f = r["fields"][fid]
                    self.assertEqual(f["status"], "review")
                    self.assertIn("correction", f["reasons"], fid)
                    box = f["cells"][conv["correction"]]
                    # read beside the box, the correction is the box's reading; the struck digit is its own key
                    self.assertGreater(box.get("struck", box["ocr"].get("struck", 0)), 0.5)
                    seen += 1
        self.assertGreaterEqual(seen, 1)

    def test_left_aligned_is_ambiguous_not_guessed(self):
        seen = 0
        for lab, r in self.results.values():
            for fid, conv in lab.get("conventions", {}).items():
                if conv.get("left_aligned"):
                    f = r["fields"][fid]
                    self.assertEqual(f["status"], "review")
                    self.assertIn("ambiguous_alignment", f["reasons"])
                    # the reading finds the left-aligned value, most of its probability: the box
                    # holding the 6 of p1_left_aligned's 65 reads 6 at 0.49 and "other" at 0.37
                    self.assertGreater(f["ocr"].get("left_aligned", 0), 0.3)
                    self.assertEqual(f["ocr"]["alternatives"][0][0], lab["fields"][fid])
                    seen += 1
        self.assertGreaterEqual(seen, 1)

    def test_tally_miscounts_never_publish(self):
        counted, exact = 0, 0
        for lab, r in self.results.values():
            for fid, n in lab.get("tally", {}).items():
                t = r["fields"][fid]["tally"]
                if t.get("empty"):   # no mark found at all: neither evidence nor objection
                    self.assertNotIn("tally", r["fields"][fid]["evidence"], fid)
                    continue
                counted += 1
                exact += t["value"] == n
                f = r["fields"][fid]
                if t["value"] != n and f["status"] == "accepted":
                    # a miscount the counter was unsure of, which weighs nothing, outweighed by another
                    # witness: the officer's own row counts or the bubbles, or the row counts unsure but
                    # landing on the value with the bubbles or a sum of the page
                    self.assertEqual(f["value"], lab["fields"][fid], fid)
                    self.assertLess(t["confidence"], 0.9, fid)
                    witnesses = {"row_counts", "bubbles", "row_counts_and_bubbles", "row_counts_and_sum"}
                    self.assertTrue(witnesses & set(f["evidence"]), fid)
                if t["by_strokes"] != t["by_groups"]:
                    # the tracers split: in doubt, unless the cell model, surely, settles it (as a witness
                    # at most, never as sure as all three agreeing)
                    settled = t.get("model_p", 0) >= 0.9
                    self.assertLessEqual(t["confidence"], 0.9 if settled else 0.499, fid)
                    if settled:
                        self.assertEqual(t["value"], t["by_model"], fid)
                self.assertEqual(len(t["cells"]), 60)
        self.assertGreaterEqual(counted, 20)

    def test_digits_crossing_the_border_are_read_or_reviewed(self):
        read, seen = 0, 0
        for lab, r in self.results.values():
            for fid, conv in lab.get("conventions", {}).items():
                if "border_cross" in conv and len(conv) == 1:
                    f = r["fields"][fid]
                    seen += 1
                    read += f["ocr"]["value"] == lab["fields"][fid]
                    if f["status"] == "accepted":
                        self.assertEqual(f["value"], lab["fields"][fid])
        self.assertGreaterEqual(seen, 2)
        self.assertGreaterEqual(read / seen, 0.5)


class DigitModel(unittest.TestCase):
    """The committed model, run as the library runs it (OpenCV dnn): a broken model cannot land."""

    def test_mnist_t10k_accuracy(self):
        import eval_model
        images = cells.load_idx("t10k-images-idx3-ubyte").astype(np.float32) / 255.0
        labels = cells.load_idx("t10k-labels-idx1-ubyte")
        nets = eval_model.load_model()
        for member in nets:
            self.assertGreaterEqual((eval_model.run([member], images).argmax(1) == labels).mean(), 0.993, member[0])
        self.assertGreaterEqual((eval_model.run(nets, images).argmax(1) == labels).mean(), 0.993)

    def test_members_combined_as_the_library_does(self):
        import eval_model
        src = open(os.path.join(ROOT, "lib", "model.c")).read()
        m = re.search(r"#define OTHERS_BELOW ([0-9.]+)", src)
        self.assertIsNotNone(m)
        self.assertEqual(float(m.group(1)), eval_model.OTHERS_BELOW)
        nets = eval_model.load_model()
        images = cells.load_idx("t10k-images-idx3-ubyte")[:300].astype(np.float32) / 255.0
        first, both = eval_model.average(nets[:1], images), eval_model.average(nets, images)
        sure = first.max(1) >= eval_model.OTHERS_BELOW
        self.assertTrue(sure.any() and (~sure).any())
        np.testing.assert_array_equal(both[sure], first[sure])   # the others not asked where the first is sure
        self.assertFalse(np.allclose(both[~sure], first[~sure]))

    def test_card_matches_the_library(self):
        card = json.load(open(os.path.join(ROOT, "models", "digits.json")))
        self.assertEqual(card["classes"], ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
                                           "empty", "filler", "struck", "other"])
        for name in card.get("members", ["digits.onnx"]):
            self.assertNotIn("/", name)
            self.assertLess(os.path.getsize(os.path.join(ROOT, "models", name)), 2 << 20)


class TallyModel(unittest.TestCase):
    """The committed tally cell model, run as the library runs it (OpenCV dnn)."""

    def test_card_and_network_match_the_library(self):
        import cv2
        # an empty cell, and one with five strokes drawn across it, as lib/tally.c cuts them (56 x 32,
        # the cell itself from x 11 to 45)
        cells = np.zeros((2, 1, 32, 56), np.float32)
        for k in range(4):
            cells[1, 0, 9:24, 18 + 5 * k:20 + 5 * k] = 1.0
        cells[1, 0, 15:17, 14:40] = 1.0
        for name in ("tally", "tally-2"):   # the pair lib/model.c averages
            with self.subTest(name=name):
                card = json.load(open(os.path.join(ROOT, "models", name + ".json")))
                self.assertEqual(len(card["classes"]), 11)   # TALLY_CLASSES in lib/model.h
                self.assertTrue(card["input"].startswith("1x32x56 "))   # TALLY_PATCH_H, TALLY_PATCH_W in lib/tally.h
                path = os.path.join(ROOT, "models", name + ".onnx")
                self.assertLess(os.path.getsize(path), 2 << 20)
                net = cv2.dnn.readNetFromONNX(path)
                net.setInput(cells)
                logits = net.forward()
                self.assertEqual(logits.shape, (2, 11))
                self.assertEqual(int(logits[0].argmax()), 0)
                self.assertEqual(int(logits[1].argmax()), 5)


class GeneratedSets(unittest.TestCase):
    """What make passes to the generator is what the Makefile writes: a comma in a $(call generate)
    argument once cut the page list and every option after it (a tally stress set of page 2 alone, its
    officers' tally mistakes at the default rate)."""

    def commands(self, target, **dirs):
        over = [f"{k}={v}" for k, v in dirs.items()]
        p = run("make", "-n", "--no-print-directory", target, *over)
        return [line for line in p.stdout.splitlines() if "tools/c1gen.py" in line]

    def test_options_after_a_page_list_reach_the_generator(self):
        tmp = tempfile.mkdtemp()
        try:
            cmds = self.commands("eval-tally-mistakes", TALLY_MISTAKE_DIR=os.path.join(tmp, "t"))
            self.assertEqual(len(cmds), 1, cmds)
            self.assertIn("--pages 2,3 --set p_tally_error=1", cmds[0])
            cmds = self.commands("tally-model", TALLY_RUNNING_DIR=os.path.join(tmp, "r"), TRAIN_DIR=os.path.join(tmp, "tr"),
                                 CALIB_DIR=os.path.join(tmp, "c"))
            for option in ("running_row=1",):
                self.assertTrue(any(f"--pages 2,3 --set {option}" in c for c in cmds), (option, cmds))
        finally:
            shutil.rmtree(tmp)


class EnsembleTemperature(unittest.TestCase):
    """tools/calibration.py, which tools/fit_ensemble.py fits the average's temperature with."""

    def test_fit_finds_the_temperature_that_made_the_labels(self):
        import calibration
        rng = np.random.default_rng(7)
        logits = rng.normal(0, 3, (20000, 14))
        avg = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        truth = calibration.sharpen(avg, 0.8)    # an average less sure than its labels say
        labels = np.array([rng.choice(14, p=p) for p in truth])
        t = calibration.fit(avg, labels)
        self.assertAlmostEqual(t, 0.8, delta=0.05)
        self.assertLess(calibration.nll(avg, labels, t), calibration.nll(avg, labels, 1.0))

    def test_sharpen_keeps_the_order_and_sums_to_one(self):
        import calibration
        p = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
        q = calibration.sharpen(p, 0.5)
        np.testing.assert_allclose(q.sum(1), 1)
        self.assertTrue((q.argmax(1) == p.argmax(1)).all())
        self.assertGreater(q[0, 0], p[0, 0])
        np.testing.assert_allclose(calibration.sharpen(p, 1.0), p)

    def test_committed_card_gives_a_reasonable_temperature(self):
        card = json.load(open(os.path.join(ROOT, "models", "digits.json")))
        self.assertGreaterEqual(card.get("ensemble_temperature", 1.0), 0.25)
        self.assertLessEqual(card.get("ensemble_temperature", 1.0), 4)


class FormTemplate(unittest.TestCase):
    """The page templates come from the commission's PDF, not from anyone's eye: the layout sits on the
    printed lines of the rendered blank, and the templates are what the tools write from it."""

    LAYOUT = os.path.join(ROOT, "forms", "c-hasil-ppwp-2024", "layout.json")

    def test_templates_are_written_from_the_layout(self):
        with tempfile.TemporaryDirectory() as tmp:
            folder = os.path.join(tmp, "forms", "c-hasil-ppwp-2024")
            shutil.copytree(os.path.dirname(self.LAYOUT), folder)
            for f in glob.glob(os.path.join(folder, "*.form")):
                os.remove(f)
            p = run(PY, "tools/layout2form.py", os.path.join(folder, "layout.json"))
            self.assertEqual(p.returncode, 0, p.stderr)
            for n in (1, 2, 3):
                self.assertEqual(open(os.path.join(folder, f"page{n}.form")).read(),
                                 open(os.path.join(os.path.dirname(self.LAYOUT), f"page{n}.form")).read(), n)
            self.assertEqual(open(os.path.join(tmp, "forms", "forms.txt")).read(),
                             open(os.path.join(ROOT, "forms", "forms.txt")).read())
            self.assertEqual(open(os.path.join(folder, "station.rules")).read(),
                             open(os.path.join(os.path.dirname(self.LAYOUT), "station.rules")).read())

    def test_layout_is_the_commissions(self):
        pdf = os.path.join(ROOT, "forms", "c-hasil-ppwp-2024", "C.HASIL-PPWP.pdf")
        with tempfile.TemporaryDirectory() as tmp:
            p = run(PY, "tools/pdf2layout.py", pdf, tmp)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.load(open(os.path.join(tmp, "layout.json"))), json.load(open(self.LAYOUT)))

    def test_layout_sits_on_the_printed_lines(self):
        """Every digit box's line is printed where the layout says (dark just outside its interior,
        paper inside), every bubble's ring, every tally cell's grey line, every corner mark's two
        squares, the page marker's black border."""
        layout = json.load(open(self.LAYOUT))
        k = layout["blank_px_per_mm"]
        line = layout["box_line_mm"]
        for page in layout["pages"]:
            blank = cv2.imread(os.path.join(os.path.dirname(self.LAYOUT), page["blank"]), cv2.IMREAD_GRAYSCALE)
            at = lambda x, y: int(blank[int(round(y * k - 0.5)), int(round(x * k - 0.5))])   # noqa: E731
            boxes = 0
            for f in page["fields"]:
                for b in f["digits"]:
                    for t in np.linspace(0.1, 0.9, 9):
                        for x, y in ((b["x"] - line / 2, b["y"] + t * b["h"]), (b["x"] + b["w"] + line / 2, b["y"] + t * b["h"]),
                                     (b["x"] + t * b["w"], b["y"] - line / 2), (b["x"] + t * b["w"], b["y"] + b["h"] + line / 2)):
                            self.assertLess(at(x, y), 100, (page["page"], f["id"], x, y))
                        self.assertGreater(at(b["x"] + 0.8, b["y"] + t * b["h"]), 150, (page["page"], f["id"]))
                    boxes += 1
                for col in f.get("bubbles") or []:
                    for d in range(10):
                        cy = col["y0"] + d * col["pitch"]
                        ring = [at(col["x"] + col["radius"] * np.cos(a), cy + col["radius"] * np.sin(a))
                                for a in np.linspace(0, 2 * np.pi, 12, endpoint=False)]
                        self.assertLess(np.median(ring), 150, (f["id"], d))
                if "tally" in f:
                    g = f["tally"]
                    for c in range(1, g["cols"]):
                        for r in range(g["rows"]):
                            self.assertLess(at(g["x"] + c * g["cell_w"], g["y"] + (r + 0.5) * g["cell_h"]), 235, f["id"])
            self.assertEqual(boxes, {1: 66, 2: 9, 3: 9}[page["page"]])
            for m in layout["marks"].values():
                q = m["square"] / 2
                self.assertLess(at(m["x"] - q, m["y"] - q), 80)
                self.assertLess(at(m["x"] + q, m["y"] + q), 80)
                self.assertGreater(at(m["x"] + q, m["y"] - q), 200)
                self.assertGreater(at(m["x"] - q, m["y"] + q), 200)
            t = layout["tag"]
            self.assertLess(at(t["x"] + 1, t["y"] + t["h"] / 2), 80)
            self.assertGreater(at(t["x"] - 2, t["y"] + t["h"] / 2), 200)
