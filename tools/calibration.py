#!/usr/bin/python3
"""calibration: the arithmetic of calibrated probabilities, with numpy alone (the tests import it,
and a fresh machine has no training stack).

- softmax, and `sharpen(avg, T)`: lib/model.c calibrate_average, avg ** (1 / T) renormalised;
- `nll` and `fit`: the temperature of least negative log-likelihood (tools/fit_ensemble.py);
- `ece`: the expected calibration error (tools/eval_model.py).
"""
import numpy as np


def softmax(x):
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def sharpen(avg, temperature):
    """lib/model.c calibrate_average: avg ** (1 / T), renormalised."""
    logp = np.log(np.maximum(avg, 1e-300)) / temperature
    logp -= logp.max(1, keepdims=True)
    q = np.exp(logp)
    return q / q.sum(1, keepdims=True)


def nll(avg, labels, temperature):
    q = sharpen(avg, temperature)
    return float(-np.log(np.maximum(q[np.arange(len(labels)), labels], 1e-300)).mean())


def fit(avg, labels, lo=0.3, hi=3.0):
    """The temperature of least NLL, by golden-section search (NLL is unimodal in T here)."""
    g = (5 ** 0.5 - 1) / 2
    a, b = lo, hi
    for _ in range(60):
        c, d = b - g * (b - a), a + g * (b - a)
        if nll(avg, labels, c) < nll(avg, labels, d):
            b = d
        else:
            a = c
    return (a + b) / 2


def ece(probs, labels, bins=15):
    conf, pred = probs.max(1), probs.argmax(1)
    err = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        m = (conf > lo) & (conf <= lo + 1 / bins)
        if m.any():
            err += m.mean() * abs((pred[m] == labels[m]).mean() - conf[m].mean())
    return err
