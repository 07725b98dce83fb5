#!/usr/bin/python3
"""c1thresholds: what the publish gate's posterior thresholds would give on a labelled set.

    c1thresholds.py FIXTURES RESULTS

For each set of thresholds (fields with independent evidence / fields with only their digits, on a
sharp page in a familiar hand / on a page blurred more than the gate's sharp_page_mm or in a hand of
which the model reads fewer than its familiar_hand share of the written boxes at p >= 0.99; both read
from the model's card, models/digits.json, as the engine reads them) it re-judges every field whose only objection in RESULTS was its posterior
(`low_confidence`, maybe with `no_independent_evidence`, `blurred_page`, `unfamiliar_hand`), and
prints coverage, published errors (accepted, value != label) and the expected published error rate from the posteriors themselves: sum(1 - p) over accepted fields divided
by all fields read. Run it on the validation set (make validate), never on the eval set.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c1score import find_labels  # noqa: E402

POSTERIOR_ONLY = {"low_confidence", "no_independent_evidence", "blurred_page", "unfamiliar_hand"}
CARD = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", "digits.json")


def gate_value(name):
    """A threshold of the model's gate, as the engine reads it: the gate's lines are written once."""
    with open(CARD) as fh:
        return float(json.load(fh)["gate"][name])


SHARP_PAGE_MM = gate_value("sharp_page_mm")   # the JSON rounds blur_mm to 0.01
FAMILIAR_HAND = gate_value("familiar_hand")
DIGITS = [str(d) for d in range(10)]


def familiar_hand(result):
    """lib/validate.c sure_share from the JSON's cells (rounded to four decimals)."""
    written = sure = 0
    for f in result["fields"].values():
        for cell in f.get("cells", []):
            ocr = cell.get("ocr", {})
            if sum(ocr.get(d, 0) for d in DIGITS) >= 0.5:
                written += 1
                sure += max(ocr.values()) >= 0.99
    return written > 0 and sure / written >= FAMILIAR_HAND


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
        strict = r.get("registration", {}).get("blur_mm", 0) > SHARP_PAGE_MM or not familiar_hand(r)
        for fid, f in r["fields"].items():
            if fid not in label["fields"]:
                continue
            other = set(f["reasons"]) - POSTERIOR_ONLY
            # Digits only: nothing else agrees (no tally, no sum, no hint of the law; lib/validate.c).
            digits_only = not f["evidence"]
            fields.append((digits_only, f["value"], label["fields"][fid], f["confidence"], not other, fid in must,
                           strict))
    return fields


def main(fixtures, results):
    fields = load(fixtures, results)
    n = len(fields)
    print(f"fields read: {n}")
    print("t_evidence  t_digits  t_strict    coverage  published_errors  missed_reviews  expected_error_rate")
    for t_ev in (0.99, 0.995, 0.998):
        for t_dig in (0.998, 0.999, 0.9995, 0.9999):
            for t_strict in (0.999, 0.9999, 0.99999):
                if t_strict < t_dig:
                    continue
                acc = [f for f in fields if f[4] and f[3] >= threshold(f, t_ev, t_dig, t_strict)]
                wrong = sum(1 for f in acc if f[1] != f[2])
                missed = sum(1 for f in acc if f[5])
                expected = sum(1 - f[3] for f in acc) / max(n, 1)
                print(f"{t_ev:<11} {t_dig:<9} {t_strict:<9} {len(acc) / max(n, 1):8.2%}  {wrong:16d}  {missed:14d}"
                      f"  {expected:.2e}")


def threshold(field, t_evidence, t_digits, t_strict):
    digits_only, strict = field[0], field[6]
    return t_evidence if not digits_only else t_strict if strict else t_digits

if __name__ == "__main__":
    main(*sys.argv[1:3])
