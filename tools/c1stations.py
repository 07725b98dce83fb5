#!/usr/bin/python3
"""c1stations: the station list a commission holds before election day, for `c1scan --known`, and
which photos are one station's, for `c1scan --stations`.

    c1stations.py PHOTOS [FIELD ...] > known.csv      (fields: dpt_l dpt_p dpt by default)
    c1stations.py --stations PHOTOS > stations.csv

Writes "photo,field,value" for every labelled photo in PHOTOS, taking the values from its label.
The commission knows the voters on each station's list (DPT, men and women) before the day, and the
officer copies them onto page 1, so the label's values are the list's. With --stations, writes
"photo,station" from the labels' `station`.
"""
import json
import os
import sys


def main(argv):
    stations = bool(argv) and argv[0] == "--stations"
    argv = argv[1:] if stations else argv
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__)
    photos, fields = argv[0], argv[1:] or ["dpt_l", "dpt_p", "dpt"]
    print("photo,station" if stations else "photo,field,value")
    for root, _, files in os.walk(photos):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(root, name)) as fh:
                label = json.load(fh)
            rel = os.path.relpath(os.path.join(root, name[:-5]), photos)
            if stations:
                if label.get("station"):
                    print(f"{rel},{label['station']}")
                continue
            for f in fields:
                if f in label.get("fields", {}):
                    print(f"{rel},{f},{label['fields'][f]}")


if __name__ == "__main__":
    main(sys.argv[1:])
