#!/usr/bin/python3
"""c1thresholds: what the publish gate's posterior thresholds would give on a labelled set.

    c1thresholds.py FIXTURES RESULTS

For each pair of thresholds (fields with independent evidence / fields with only their digits) it
re-judges every field whose only objection in RESULTS was its posterior (`low_confidence`, maybe with
`no_independent_evidence`), and prints coverage, published errors (accepted, value != label) and the
expected published error rate from the posteriors themselves: sum(1 - p) over accepted fields divided
by all fields read. Run it on the validation set (make validate), never on the eval set.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c1score import find_labels  # noqa: E402

POSTERIOR_ONLY = {"low_confidence", "no_independent_evidence"}


def load(fixtures, results):
    fields = []
    for rel, label_path in find_labels(fixtures):
        label = json.load(open(label_path))
        try:
            r = json.load(open(os.path.join(results, rel + ".json")))
        except OSError:
            continue
        if r.get("status") != "read":
            continue
        must = set(label.get("must_review", []))
        for fid, f in r["fields"].items():
            if fid not in label["fields"]:
                continue
            other = set(f["reasons"]) - POSTERIOR_ONLY
            # Digits only: nothing else agrees (no tally, no sum, no hint of the law; lib/validate.c).
            digits_only = not f["evidence"]
            fields.append((digits_only, f["value"], label["fields"][fid], f["confidence"], not other, fid in must))
    return fields


def main(fixtures, results):
    fields = load(fixtures, results)
    n = len(fields)
    print(f"fields read: {n}")
    print("t_evidence  t_digits   coverage  published_errors  missed_reviews  expected_error_rate")
    for t_ev in (0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999):
        for t_dig in (0.999, 0.9999, 0.99999):
            acc = [f for f in fields if f[4] and f[3] >= (t_dig if f[0] else t_ev)]
            wrong = sum(1 for f in acc if f[1] != f[2])
            missed = sum(1 for f in acc if f[5])
            expected = sum(1 - f[3] for f in acc) / max(n, 1)
            print(f"{t_ev:<11} {t_dig:<9} {len(acc) / max(n, 1):8.2%}  {wrong:16d}  {missed:14d}  {expected:.2e}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
