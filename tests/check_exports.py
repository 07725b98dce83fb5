#!/usr/bin/python3
"""Checks that the shared and the static library give the linker nothing but the API: every
defined global symbol starts with c1_ (C1_API in include/c1.h), and every C1_API function of the
header is there.

    check_exports.py build/libc1.so build/libc1.a
"""
import re
import subprocess
import sys

ROOT_HEADER = "include/c1.h"


def defined_globals(args):
    out = subprocess.run(["nm", "--defined-only", "--extern-only", *args], check=True, capture_output=True,
                         text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        # "A" is the symbol-version node itself (LIBC1_0), not a name a program can link to.
        if len(parts) == 3 and parts[1] not in ("U", "w", "v", "A"):
            names.add(parts[2].split("@")[0])
    return names


def api_functions():
    with open(ROOT_HEADER) as fh:
        return set(re.findall(r"^C1_API [^(]*?\b(c1_\w+)\(", fh.read(), re.M))


def main(so, archive):
    api = api_functions()
    bad = 0
    for what, names in (("shared", defined_globals(["-D", so])), ("static", defined_globals([archive]))):
        foreign = sorted(n for n in names if not n.startswith("c1_"))
        missing = sorted(api - names)
        if foreign:
            print(f"{what} library exports {len(foreign)} names outside the API: {' '.join(foreign[:20])}")
            bad = 1
        if missing:
            print(f"{what} library lacks API functions: {' '.join(missing)}")
            bad = 1
        if not foreign and not missing:
            print(f"{what} library: exports exactly the {len(api)} API functions")
    return bad


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
