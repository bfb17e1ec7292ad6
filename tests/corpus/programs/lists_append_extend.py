"""Lists of arrays built in loops: append, extend, insert, then np.stack / np.concatenate;
an accumulator starting as None; variables first assigned inside a loop and used after it."""
import numpy as np

IDIOM = "parts.append/extend/insert then np.stack, outputs = None before a loop, loop-defined vars"
EXPECT = "right"


def features(w, X):
    parts = []
    for k in range(3):
        parts.append(np.sin((k + 1) * X @ w))
    parts.extend([np.cos(X @ w), X @ w])
    parts.insert(0, np.ones(X.shape[0]))
    return np.stack(parts, axis=1)


def accumulate(w, X):
    outputs = None
    for i in range(X.shape[0]):
        h = np.tanh(X[i] * w)
        if outputs is None:
            outputs = h
        else:
            outputs = outputs + h
        last = h
    return outputs, last


def loss(w, X, v):
    F = features(w, X)
    total, last = accumulate(w, X)
    rows = []
    for row in F:
        rows.append(row * 2.0)
    G = np.concatenate(rows)
    return np.sum(F @ v) + np.sum(total * last) + np.sum(G ** 2) * 1e-2


def make():
    rng = np.random.default_rng(87)
    w, X, v = rng.standard_normal(3), rng.standard_normal((4, 3)), rng.standard_normal(6)
    return [dict(name="w", fn=loss, args=(w, X, v))]
