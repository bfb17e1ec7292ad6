"""NumPy constants and numeric guards in a loss: np.finfo(float).eps, np.pi, np.e, np.inf in a
clip, np.nan_to_num of a log, np.errstate around a division."""
import numpy as np

IDIOM = "np.finfo(float).eps, np.pi, np.e, np.clip(x, -np.inf, .), np.nan_to_num, with np.errstate"
EXPECT = "right"

EPS = np.finfo(float).eps


def loss(p, q):
    p = np.clip(p, EPS, 1 - EPS)
    tiny = np.finfo(np.float64).tiny
    logp = np.nan_to_num(np.log(p + tiny))
    with np.errstate(divide='ignore', invalid='ignore'):
        ratio = p / (q + np.e)
    circ = np.sin(2 * np.pi * p)
    capped = np.clip(q, -np.inf, 2.0)
    return np.sum(logp * q) + np.sum(ratio) + np.sum(circ) + np.sum(capped ** 2)


def make():
    rng = np.random.default_rng(134)
    return [dict(name="p, q", fn=loss, args=(rng.uniform(0.1, 0.9, size=5), rng.standard_normal(5)), wrt=(0, 1))]
