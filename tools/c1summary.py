#!/usr/bin/python3
"""c1summary: a person's view of c1scan's results: one block per photo, one line per field, and each
station's rules across its pages.

    c1summary.py PHOTOS RESULTS
"""
import json
import os
import sys


def main(photos, results):
    names = sorted(f for f in os.listdir(photos) if f.lower().endswith((".jpg", ".jpeg", ".png", ".tif", ".tiff")))
    for name in names:
        stem = os.path.splitext(name)[0]
        path = os.path.join(results, stem + ".json")
        if not os.path.exists(path):
            print(f"{name}: no result")
            continue
        r = json.load(open(path))
        t = r.get("timing_ms", {})
        print(f"\n{name}  ({sum(t.values()):.0f} ms: " + ", ".join(f"{k} {v:.0f}" for k, v in t.items()) + ")")
        if r["status"] != "read":
            print(f"  rejected: {r['error']['code']}: {r['error']['message']}")
            continue
        reg = r["registration"]
        how = f"its marker (tag {reg['marker']})" if "marker" in reg else f"its print (match {reg.get('layout_match')})"
        print(f"  form {r['form']} page {r['page']}, identified by {how}; {reg['px_per_mm']:.2f} px/mm, "
              f"blur {reg.get('blur_mm', 0):.2f} mm")
        accepted = sum(f["status"] == "accepted" for f in r["fields"].values())
        print(f"  {len(r['fields'])} fields: {accepted} accepted, {len(r['fields']) - accepted} for review")
        for fid, f in r["fields"].items():
            value = "-" if f["value"] is None else f["value"]
            print(f"    {fid:20s} {str(value):>5s}  {f['status']:8s} {f['confidence']:.3f}  {' '.join(f['reasons'])}")
    for name in sorted(f for f in os.listdir(results) if f.endswith(".station.json")):
        st = json.load(open(os.path.join(results, name)))
        pages = ", ".join(str(p["page"]) for p in st["pages"])
        missing = f"; missing {', '.join(map(str, st['missing_pages']))}" if st["missing_pages"] else ""
        print(f"\nstation {st['station']}: pages {pages}{missing}")
        for rule in st["rules"]:
            why = f"  ({rule['why']})" if rule.get("why") else ""
            print(f"    {rule['rule']:24s} {rule['verdict']:8s} {rule['reads']}{why}")
    print(f"\nJSON results and debug drawings (rectified page with the located boxes) are in {results}/")


if __name__ == "__main__":
    main(*sys.argv[1:3])
