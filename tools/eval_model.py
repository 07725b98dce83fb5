#!/usr/bin/python3
"""eval_model: measures the digit model (models/digits.json: digits.onnx, or its members averaged)
through OpenCV's dnn module, as the library runs it.

Prints one `name: value` line per figure:
- mnist_t10k_accuracy: all 14 classes compete (a digit read as "other" is wrong), raw t10k images;
- mnist_t10k_digit_accuracy: the argmax over the ten digits only (the usual MNIST figure);
- mnist_t10k_ece: expected calibration error (15 bins) of the top class on t10k;
- font_*: digits in handwriting fonts MNIST does not have (Debian's fonts-dkg-handwriting,
  fonts-breip, fonts-humor-sans), distorted and drawn in a box with its guide dots;
- euro_*: flagged 1, crossed 7, open 4 written over MNIST t10k digits 5000-9999 (never in fixtures);
- segment_digits_accuracy: digits joined over the guide dots; nondigit_accuracy: empty, dash/x,
  struck-through and other marks;
- confusion: the most frequent confusions on t10k.
"""
import collections
import json
import os
import sys

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cells  # noqa: E402
from calibration import ece, sharpen, softmax  # noqa: E402,F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONTS = {
    "dkg": "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "dkg_oblique": "/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf",
    "breip": "/usr/share/fonts/truetype/breip/Breip.ttf",
    "humor_sans": "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
}


class Members(list):
    """The card's member networks, (name, net) pairs, and the temperature of their average."""
    temperature = 1.0


def load_model(models_dir=os.path.join(ROOT, "models"), card_path=None):
    """The card's member networks (one when it lists none), as lib/model.c loads them."""
    card = json.load(open(card_path or os.path.join(models_dir, "digits.json")))
    names = card.get("members", ["digits.onnx"])
    nets = Members((n, cv2.dnn.readNetFromONNX(os.path.join(models_dir, n))) for n in names)
    nets.temperature = card.get("ensemble_temperature", 1.0)
    return nets


def softmax_of(net, images):
    """One member's calibrated probabilities."""
    out = []
    for i in range(0, len(images), 1000):
        net.setInput(images[i:i + 1000, None].astype(np.float32))
        out.append(net.forward())
    return softmax(np.concatenate(out))


OTHERS_BELOW = 0.999   # lib/model.c OTHERS_BELOW


def average(nets, images):
    """The members' calibrated probabilities as lib/model.c combines them, before the average's own
    temperature: the first member's, and where it reads a cell below OTHERS_BELOW every member's
    averaged."""
    p = softmax_of(nets[0][1], images)
    unsure = p.max(1) < OTHERS_BELOW
    if len(nets) > 1 and unsure.any():
        p[unsure] = sum(softmax_of(net, images[unsure]) for _, net in nets) / len(nets)
    return p


def run(nets, images):
    """The members' average, calibrated by its temperature, as the library reads a box (a plain list
    of one member: that member alone)."""
    return sharpen(average(nets, images), getattr(nets, "temperature", 1.0))


def font_cells(rng, font_path, n_per_digit):
    """Font digits rendered large, warped elastically and by a random affine, then written in a box."""
    xs, ys = [], []
    for d in range(10):
        for _ in range(n_per_digit):
            size = 64
            font = ImageFont.truetype(font_path, size)
            img = Image.new("L", (96, 96), 0)
            ImageDraw.Draw(img).text((48, 48), str(d), fill=255, font=font, anchor="mm")
            a = np.asarray(img, np.float32)
            m = cv2.getRotationMatrix2D((48, 48), rng.normal(0, 8), rng.uniform(0.85, 1.1))
            m[0, 1] += rng.normal(0, 0.2)
            a = cv2.warpAffine(a, m, (96, 96))
            dx = cv2.GaussianBlur(rng.normal(0, 1, (96, 96)).astype(np.float32), (0, 0), 8) * 60
            dy = cv2.GaussianBlur(rng.normal(0, 1, (96, 96)).astype(np.float32), (0, 0), 8) * 60
            gx, gy = np.meshgrid(np.arange(96, dtype=np.float32), np.arange(96, dtype=np.float32))
            a = cv2.remap(a, gx + dx, gy + dy, cv2.INTER_LINEAR)
            small = cv2.resize(a, (28, 28), interpolation=cv2.INTER_AREA)
            w_mm, h_mm = cells.pick_box(rng)
            pen = cells.Pen(rng, cells.interior_size(w_mm, h_mm)[1])
            ink = cells.mnist_ink(rng, small, w_mm, h_mm, pen)
            x = cells.prepare(cells.finish(rng, ink, w_mm, h_mm, pen.level), cells.dot_mask(w_mm, h_mm))
            if x is not None:
                xs.append(x)
                ys.append(d)
    return np.array(xs), np.array(ys)


def synthetic(rng, n, make):
    xs, ys = [], []
    for _ in range(n):
        cls, (ink8, dots) = make(rng)
        x = cells.prepare(ink8, dots)
        if x is None:
            x = np.zeros((28, 28), np.float32)
            if cls != cells.EMPTY:
                continue
        xs.append(x)
        ys.append(cls)
    return np.array(xs), np.array(ys)


def main():
    net = load_model()
    images = cells.load_idx("t10k-images-idx3-ubyte").astype(np.float32) / 255.0
    labels = cells.load_idx("t10k-labels-idx1-ubyte").astype(np.int64)
    p = run(net, images)
    figures = collections.OrderedDict()
    figures["mnist_t10k_accuracy"] = (p.argmax(1) == labels).mean()
    figures["mnist_t10k_digit_accuracy"] = (p[:, :10].argmax(1) == labels).mean()
    figures["mnist_t10k_ece"] = ece(p, labels)
    wrong = p.argmax(1) != labels
    figures["mnist_t10k_wrong_with_p_over_0.99"] = (p.max(1)[wrong] > 0.99).mean() if wrong.any() else 0.0
    if len(net) > 1:
        for name, member in net:
            figures[f"member_{name}_t10k_accuracy"] = (run([(name, member)], images).argmax(1) == labels).mean()
    pairs = collections.Counter((int(a), int(b)) for a, b in zip(labels[wrong], p.argmax(1)[wrong]))

    rng = np.random.default_rng(2024)
    fx, fy = [], []
    for name, path in FONTS.items():
        x, y = font_cells(rng, path, 60)
        figures[f"font_{name}_accuracy"] = (run(net, x).argmax(1) == y).mean()
        fx.append(x)
        fy.append(y)
    x, y = np.concatenate(fx), np.concatenate(fy)
    pf = run(net, x)
    figures["font_accuracy"] = (pf.argmax(1) == y).mean()
    figures["font_wrong_with_p_over_0.99"] = (pf.max(1)[pf.argmax(1) != y] > 0.99).mean()

    unseen = np.arange(5000, 10000)
    raw = cells.load_idx("t10k-images-idx3-ubyte")
    for d in (1, 7, 4):
        ids = unseen[labels[unseen] == d][:300]
        x, y = synthetic(rng, len(ids), lambda r, it=iter(ids), d=d: (d, cells.sample(r, d, raw[next(it)], euro=True)))
        figures[f"euro_{d}_accuracy"] = (run(net, x).argmax(1) == y).mean()
    x, y = synthetic(rng, 2000, lambda r: (lambda d: (d, cells.sample(r, d)))(int(r.integers(10))))
    figures["segment_digits_accuracy"] = (run(net, x).argmax(1) == y).mean()
    non = [cells.EMPTY, cells.FILLER, cells.STRUCK, cells.OTHER]
    x, y = synthetic(rng, 2000, lambda r: (lambda c: (c, cells.sample(r, c, raw[int(r.integers(5000, 10000))])))(
        non[int(r.integers(4))]))
    figures["nondigit_accuracy"] = (run(net, x).argmax(1) == y).mean()

    for k, v in figures.items():
        print(f"{k}: {v:.4f}")
    print("confusion: " + ", ".join(f"{cells.CLASSES[a]}->{cells.CLASSES[b]} x{n}" for (a, b), n in pairs.most_common(8)))
    card = json.load(open(os.path.join(ROOT, "models", "digits.json")))
    print(f"parameters: {card['parameters']} per member, {len(net)} members")
    print("model_bytes: " + " + ".join(str(os.path.getsize(os.path.join(ROOT, 'models', n))) for n, _ in net))


if __name__ == "__main__":
    main()
