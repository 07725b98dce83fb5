#!/usr/bin/python3
"""c1stations: the station list a commission holds before election day, for `c1scan --known`.

    c1stations.py PHOTOS [FIELD ...] > known.csv      (fields: dpt_l dpt_p dpt by default)

Writes "photo,field,value" for every labelled photo in PHOTOS, taking the values from its label.
The commission knows the voters on each station's list (DPT, men and women) before the day, and the
officer copies them onto page 1, so the label's values are the list's.
"""
import json
import os
import sys


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__)
    photos, fields = argv[0], argv[1:] or ["dpt_l", "dpt_p", "dpt"]
    print("photo,field,value")
    for root, _, files in os.walk(photos):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(root, name)) as fh:
                label = json.load(fh)
            rel = os.path.relpath(os.path.join(root, name[:-5]), photos)
            for f in fields:
                if f in label.get("fields", {}):
                    print(f"{rel},{f},{label['fields'][f]}")


if __name__ == "__main__":
    main(sys.argv[1:])
