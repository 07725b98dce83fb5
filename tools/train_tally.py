#!/usr/bin/env python3
"""train_tally: trains the tally cell model (how many strokes a cell of a tally grid holds, 0-10) on
the cells lib/tally.c cuts from labelled photos, and exports models/tally.onnx and models/tally.json
(with --name tally-2 --seed 2, the second network, which the library averages with the first on
the cells the first is unsure of).

    train_tally.py TRAIN_CELLS CALIB_CELLS TRAIN_LABELS[,DIR...] CALIB_LABELS [--epochs N] [--out models]
                   [--seed N] [--name NAME]

TRAIN_CELLS holds STEM.FIELD.pgm mosaics from `build/tallycells` (cols x rows cells of 56 x 32);
the labels are the photos' JSON (`tally_cells`), looked for in each labels folder given. The calibration photos fit the temperature and say
how often a cell is misread. Needs torch (python3-torch); the library only reads the ONNX file.
"""
import argparse
import glob
import json
import os
import sys
import time

import numpy as np

PATCH_W, PATCH_H, N_CLASSES = 56, 32, 11


def load(cells_dir, labels_dirs):
    """The cells of every mosaic whose photo's label is in one of labels_dirs (comma-separated)."""
    xs, ys = [], []
    dirs = labels_dirs.split(",")
    for path in sorted(glob.glob(os.path.join(cells_dir, "*.pgm"))):
        stem, field = os.path.basename(path)[:-4].rsplit(".", 1)
        labels = [os.path.join(d, stem + ".json") for d in dirs if os.path.exists(os.path.join(d, stem + ".json"))]
        if not labels:
            continue
        with open(labels[0]) as fh:
            counts = json.load(fh).get("tally_cells", {}).get(field)
        if not counts:
            continue
        with open(path, "rb") as fh:
            head = fh.readline().split()
            w, h = int(head[1]), int(head[2])
            img = np.frombuffer(fh.read(), np.uint8).reshape(h, w)
        cols, rows = w // PATCH_W, h // PATCH_H
        if cols * rows != len(counts):
            continue
        for c, n in enumerate(counts):
            r, q = divmod(c, cols)
            xs.append(img[r * PATCH_H:(r + 1) * PATCH_H, q * PATCH_W:(q + 1) * PATCH_W])
            ys.append(min(int(n), N_CLASSES - 1))
    return np.stack(xs).astype(np.float32)[:, None] / 255.0, np.array(ys, np.int64)


def net():
    import torch.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 48, 3, padding=1), nn.BatchNorm2d(48), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(48 * (PATCH_H // 8) * (PATCH_W // 8), 96), nn.ReLU(), nn.Dropout(0.2), nn.Linear(96, N_CLASSES))


def augment(rng, x):
    """Pens fainter and darker, the grid a little off: a shift of up to 2 pixels, contrast 0.5-1.3, noise."""
    n = len(x)
    out = np.empty_like(x)
    for i in range(n):
        dx, dy = rng.integers(-2, 3, 2)
        out[i] = np.roll(np.roll(x[i], dy, axis=1), dx, axis=2)
    out *= rng.uniform(0.5, 1.3, (n, 1, 1, 1)).astype(np.float32)
    out += rng.normal(0, 0.03, out.shape).astype(np.float32)
    return np.clip(out, 0, 1)


def fit_temperature(logits, y):
    import torch
    t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([t], lr=0.1, max_iter=100)
    lt, yt = torch.tensor(logits), torch.tensor(y)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(lt / torch.exp(t), yt)
        loss.backward()
        return loss
    opt.step(closure)
    return float(torch.exp(t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train_cells")
    ap.add_argument("calib_cells")
    ap.add_argument("train_labels")
    ap.add_argument("calib_labels")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--out", default="models")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--name", default="tally", help="files written: NAME.onnx and NAME.json (tally-2: the second network)")
    a = ap.parse_args()
    import torch
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    rng = np.random.default_rng(a.seed)
    x, y = load(a.train_cells, a.train_labels)
    xc, yc = load(a.calib_cells, a.calib_labels)
    # Most cells are empty and alike: keep a third of them.
    keep = (y > 0) | (rng.random(len(y)) < 0.33)
    x, y = x[keep], y[keep]
    print(f"train cells {len(y)} (by count {np.bincount(y, minlength=N_CLASSES).tolist()}), calibration {len(yc)}",
          flush=True)
    model = net()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=a.epochs * ((len(y) + 255) // 256))
    t0 = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = rng.permutation(len(y))
        for s in range(0, len(y), 256):
            idx = order[s:s + 256]
            xb = torch.tensor(augment(rng, x[idx]))
            loss = torch.nn.functional.cross_entropy(model(xb), torch.tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(torch.tensor(xc[s:s + 1024])) for s in range(0, len(yc), 1024)]).numpy()
        print(f"epoch {epoch + 1}: calibration cells misread {int((logits.argmax(1) != yc).sum())} of {len(yc)} "
              f"({time.time() - t0:.0f} s)", flush=True)
    temperature = fit_temperature(logits, yc)
    p = np.exp(logits / temperature - (logits / temperature).max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    wrong = p.argmax(1) != yc
    sure_wrong = int((wrong & (p.max(1) >= 0.99)).sum())
    print(f"temperature {temperature:.4f}; misread {int(wrong.sum())} of {len(yc)}; at p >= 0.99: {sure_wrong}",
          flush=True)

    from train_digits import Calibrated   # the digit model's: logits divided by the temperature
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, a.name + ".onnx")
    torch.onnx.export(Calibrated(model, temperature).eval(), torch.zeros(1, 1, PATCH_H, PATCH_W), path,
                      input_names=["cells"], output_names=["logits"], opset_version=11,
                      dynamic_axes={"cells": {0: "n"}, "logits": {0: "n"}})
    card = {"input": f"1x{PATCH_H}x{PATCH_W} float, a tally cell, 0.35 of a cell either side and a fifth above and below, 0 paper .. 1 ink",
            "classes": [str(k) for k in range(N_CLASSES - 1)] + [f"{N_CLASSES - 1} or more"],
            "temperature": round(temperature, 4), "training_cells": int(len(y)), "epochs": a.epochs,
            "calibration_cells": int(len(yc)), "calibration_misread": int(wrong.sum()),
            "calibration_misread_at_p99": sure_wrong, "seed": a.seed, "training_seconds": round(time.time() - t0)}
    with open(os.path.join(a.out, a.name + ".json"), "w") as fh:
        json.dump(card, fh, indent=1)
        fh.write("\n")
    print(f"wrote {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
