#!/usr/bin/python3
"""fit_ensemble: fits the temperature of the digit model's averaged members and writes it to the card.

    fit_ensemble.py CARD CELLS PHOTOS [--dry-run]

Each member's temperature is fitted alone (tools/train_digits.py), so each member's probabilities are
calibrated; their average is not: members that agree are right more often than either is alone, so
the average is less sure than it is right. This fits one more temperature, p_k ∝ avg_k ** (1 / T), by
least negative log-likelihood on the calibration photos' cells as the library cuts them
(`c1scan --cells CELLS PHOTOS`, photos of held-out training digits; any other is refused), with the members
run and combined as the library does (OpenCV dnn; the others only where the first reads a cell below
0.999), and writes it as the card's "ensemble_temperature" (lib/model.c applies it after averaging).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import c1gen  # noqa: E402
from calibration import fit, nll  # noqa: E402
import eval_model  # noqa: E402
import train_digits  # noqa: E402


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    card_path, cells_dir, photos_dir = argv[:3]
    # The trainer's own reader of labelled photo cells, refusing any photo not of held-out digits.
    x, y = train_digits.photo_cells(cells_dir, photos_dir, c1gen.NAME_PREFIX["holdout"])
    nets = eval_model.load_model(os.path.dirname(os.path.abspath(card_path)), card_path)
    avg = eval_model.average(nets, x[:, 0])
    t = fit(avg, y)
    print(f"{len(y)} cells, {len(nets)} members: NLL {nll(avg, y, 1.0):.5f} at T = 1, "
          f"{nll(avg, y, t):.5f} at T = {t:.3f}; wrong {(avg.argmax(1) != y).sum()}")
    if "--dry-run" in argv:
        return
    card = json.load(open(card_path))
    card["ensemble_temperature"] = round(t, 4)
    with open(card_path, "w") as fh:
        json.dump(card, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
