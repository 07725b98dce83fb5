#!/usr/bin/python3
"""train_digits: trains the digit-cell classifier from scratch and exports it to models/digits.onnx.

    train_digits.py [--epochs 7] [--out models] [--seed 1] [--name digits] [--threads N]
                    [--photo-cells CELLS PHOTOS]... [--calib-cells CELLS PHOTOS]...
    train_digits.py --join CARD ONNX

--name writes NAME.onnx and NAME.json instead; --join adds ONNX to the "members" of the card CARD
(models/digits.json), whose networks the library averages: a second network trained with another
seed (other drawn cells, other initial weights) errs on other cells. The two train side by side
(--threads 1 each), so the second is joined once both are written.

Data: the MNIST *training* split only (indices 0-54999 to learn, 55000-59999 to calibrate), plus
cells drawn by tools/cells.py: MNIST digits redrawn with a pen inside a box with its guide dots,
digits joined over the dots by an unsteady hand, flagged 1s, crossed 7s, open 4s, and the
non-digit classes (empty, dash/x filler, struck-through, other). The t10k split is never read here.
With --photo-cells, also the boxes of generated photos as the library cut them (`c1scan --cells`),
labelled from the generator's truth (`box_labels`); the photos must be drawn from the training
split (`c1gen.py --mnist train` to learn, `--mnist holdout` for the calibration set).
The exported network divides its logits by the fitted temperature, so softmax gives calibrated
probabilities straight away.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import c1gen  # noqa: E402
import cells  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_CLASSES = len(cells.CLASSES)


class DigitNet(nn.Module):
    """Four 3x3 convolutions and two dense layers: ~0.2 M parameters, a few MFLOPs a cell."""

    def __init__(self, n_classes=N_CLASSES):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 96, 3), nn.BatchNorm2d(96), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(96 * 2 * 2, 128), nn.ReLU(), nn.Dropout(0.25),
                                  nn.Linear(128, n_classes))

    def forward(self, x):
        return self.head(self.features(x))


class Calibrated(nn.Module):
    def __init__(self, net, temperature):
        super().__init__()
        self.net = net
        self.register_buffer("inv_t", torch.tensor(1.0 / temperature))

    def forward(self, x):
        return self.net(x) * self.inv_t


def synth_cells(rng, images, labels, n_canvas, n_segment, n_non_digit):
    """Cells as the library sees them, run through the same cleaning and normalisation."""
    xs, ys = [], []

    def add(ink8, dots, cls):
        img = cells.prepare(ink8, dots)
        if img is None:
            if cls != cells.EMPTY:
                return
            img = np.zeros((28, 28), np.float32)
        xs.append(img)
        ys.append(cls)

    for _ in range(n_canvas):
        i = int(rng.integers(len(images)))
        d = int(labels[i])
        add(*cells.sample(rng, d, images[i], euro=rng.random() < 0.5), d)
    for _ in range(n_segment):
        d = int(rng.integers(10))
        add(*cells.sample(rng, d), d)
    weights = {cells.EMPTY: 0.2, cells.FILLER: 0.25, cells.STRUCK: 0.3, cells.OTHER: 0.25}
    for _ in range(n_non_digit):
        cls = int(rng.choice(list(weights), p=list(weights.values())))
        i = int(rng.integers(len(images)))
        add(*cells.sample(rng, cls, images[i] if rng.random() < 0.6 else None), cls)
    return np.array(xs, np.float32), np.array(ys, np.int64)


def photo_cells(cells_dir, truth_dir, prefix):
    """Every box the library gave the model, with the class the generator drew in it. `prefix` is the
    name c1gen gives photos of the split wanted (t: training digits, v: held-out ones): a photo of
    eval digits (e...) is never learned from."""
    xs, ys = [], []
    index = {c: k for k, c in enumerate(cells.CLASSES)}
    for name in sorted(os.listdir(cells_dir)):
        truth = os.path.join(truth_dir, name[:-4] + ".json")
        if not name.endswith(".pgm") or not os.path.exists(truth):
            continue
        if not name.startswith(prefix):
            sys.exit(f"train_digits: {name} in {cells_dir} is not a photo of the split wanted ({prefix}...)")
        with open(truth) as fh:
            labels = json.load(fh)["box_labels"]
        names, stack = cells.read_cells_pgm(os.path.join(cells_dir, name))
        for (field, box), img in zip(names, stack):
            xs.append(img)
            ys.append(index[labels[field][box]])
    if not xs:
        sys.exit(f"train_digits: no cells in {cells_dir} with truth in {truth_dir}")
    return np.stack(xs).astype(np.float32)[:, None] / 255.0, np.array(ys, np.int64)


def add_photo_cells(x, y, dirs, prefix):
    for cells_dir, truth_dir in dirs:
        px, py = photo_cells(cells_dir, truth_dir, prefix)
        x, y = torch.cat([x, torch.from_numpy(px)]), torch.cat([y, torch.from_numpy(py)])
    return x, y


def build_set(seed, images, labels, scale):
    rng = np.random.default_rng(seed)
    raw = images.astype(np.float32) / 255.0
    sx, sy = synth_cells(rng, images, labels, int(32000 * scale), int(16000 * scale), int(14000 * scale))
    x = np.concatenate([raw, sx])[:, None]
    y = np.concatenate([labels.astype(np.int64), sy])
    return torch.from_numpy(x), torch.from_numpy(y)


def augment(x):
    """Small random affine per image, done on the batch: rotation, scale, shear, shift."""
    n = x.shape[0]
    ang = (torch.rand(n) - 0.5) * 0.3
    sc = 1 + (torch.rand(n) - 0.5) * 0.2
    sh = (torch.rand(n) - 0.5) * 0.3
    tx, ty = (torch.rand(2, n) - 0.5) * 0.12
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos, -sin + sh, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def fit_temperature(logits, y):
    t = torch.ones(1, requires_grad=True)
    opt = torch.optim.LBFGS([t], lr=0.05, max_iter=200)

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(logits / t.clamp(min=0.05), y)
        loss.backward()
        return loss
    opt.step(closure)
    return float(t.detach().clamp(min=0.05))


def predict(model, x, batch=2048):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(x[i:i + batch]))
    return torch.cat(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    ap.add_argument("--scale", type=float, default=1.0, help="synthetic set size factor (tests use less)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--name", default="digits", help="write NAME.onnx and NAME.json")
    ap.add_argument("--photo-cells", nargs=2, action="append", default=[], metavar=("CELLS", "PHOTOS"),
                    help="learn also from `c1scan --cells` output CELLS of the generated photos PHOTOS")
    ap.add_argument("--calib-cells", nargs=2, action="append", default=[], metavar=("CELLS", "PHOTOS"),
                    help="the same for the calibration set (photos from the held-out digits)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2,
                    help="torch's threads (two networks trained side by side: 1 each)")
    ap.add_argument("--join", nargs=2, metavar=("CARD", "ONNX"),
                    help="only list ONNX among CARD's members, whose networks the library averages")
    a = ap.parse_args()
    if a.join:
        join_card(*a.join)
        return
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    t0 = time.time()
    images, labels = cells.load_idx("train-images-idx3-ubyte"), cells.load_idx("train-labels-idx1-ubyte")
    learn = slice(0, 55000)
    held = slice(55000, 60000)
    x, y = build_set(a.seed, images[learn], labels[learn], a.scale)
    xc, yc = build_set(a.seed + 1000, images[held], labels[held], a.scale * 0.15)
    n_drawn, n_drawn_c = len(x), len(xc)
    x, y = add_photo_cells(x, y, a.photo_cells, c1gen.NAME_PREFIX["train"])
    xc, yc = add_photo_cells(xc, yc, a.calib_cells, c1gen.NAME_PREFIX["holdout"])
    print(f"photo cells: {len(x) - n_drawn} to learn, {len(xc) - n_drawn_c} to calibrate", flush=True)
    print(f"data: {len(x)} training cells, {len(xc)} calibration cells ({time.time() - t0:.0f} s)", flush=True)

    model = DigitNet()
    n_params = sum(p.numel() for p in model.parameters())
    batch = 128
    steps = a.epochs * ((len(x) + batch - 1) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.2)
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(len(x))
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            xb, yb = augment(x[idx]), y[idx]
            opt.zero_grad()
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == yb).sum())
            total += len(idx)
        acc_c = float((predict(model, xc).argmax(1) == yc).float().mean())
        print(f"epoch {epoch + 1}/{a.epochs}: loss {loss_sum / total:.4f}, train {correct / total:.4f}, "
              f"held-out {acc_c:.4f} ({time.time() - t0:.0f} s)", flush=True)

    logits = predict(model, xc)
    temperature = fit_temperature(logits, yc)
    print(f"temperature {temperature:.3f}", flush=True)
    export(Calibrated(model, temperature).eval(), a.out, a.name)
    info = {"classes": cells.CLASSES, "input": "1x28x28 float, 0 paper .. 1 ink, MNIST-style framing",
            "temperature": round(temperature, 4), "parameters": n_params, "epochs": a.epochs,
            "training_cells": len(x), "photo_cells": len(x) - n_drawn, "calibration_photo_cells": len(xc) - n_drawn_c,
            "training_seconds": round(time.time() - t0),
            "held_out_accuracy": round(float((logits.argmax(1) == yc).float().mean()), 4),
            "held_out_photo_accuracy": round(float((logits[n_drawn_c:].argmax(1) == yc[n_drawn_c:]).float().mean()), 4)
            if len(xc) > n_drawn_c else None}
    card_path = os.path.join(a.out, a.name + ".json")
    # The publish gate's thresholds stay those of the card replaced until they are measured again with
    # the new model (tools/c1thresholds.py on the validation set): the engine needs some to run at all.
    if os.path.exists(card_path):
        with open(card_path) as fh:
            old = json.load(fh)
        for key in ("gate", "members", "ensemble_temperature"):
            if key in old:
                info[key] = old[key]
    with open(card_path, "w") as fh:
        json.dump(info, fh, indent=1)
        fh.write("\n")
    print(json.dumps(info))


def join_card(card_path, onnx_name):
    """Lists a network among the card's members, after the card's own (digits.onnx)."""
    with open(card_path) as fh:
        card = json.load(fh)
    members = card.get("members", ["digits.onnx"])
    if onnx_name not in members:
        members.append(onnx_name)
    card["members"] = members
    with open(card_path, "w") as fh:
        json.dump(card, fh, indent=1)
        fh.write("\n")


def export(model, out_dir, name="digits"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name + ".onnx")
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(model, dummy, path, input_names=["cells"], output_names=["logits"], opset_version=11,
                      dynamic_axes={"cells": {0: "n"}, "logits": {0: "n"}})
    print(f"wrote {path} ({os.path.getsize(path)} bytes)", flush=True)


if __name__ == "__main__":
    main()
