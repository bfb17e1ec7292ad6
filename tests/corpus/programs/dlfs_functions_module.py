"""The textbook's function module: softmax over the last axis, a cross entropy that reshapes a
single example and turns one-hot targets into labels when the sizes match."""
import numpy as np

IDIOM = "if y.ndim == 1: reshape, if t.size == y.size: t = t.argmax(axis=1), y[np.arange(n), t]"
EXPECT = "right"


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


def softmax_loss(X, t):
    y = softmax(X)
    return cross_entropy_error(y, t)


def make():
    rng = np.random.default_rng(33)
    X = rng.standard_normal((4, 3))
    labels = rng.integers(0, 3, size=4)
    x1 = rng.standard_normal(3)
    return [dict(name="batch, labels", fn=softmax_loss, args=(X, labels)),
            dict(name="batch, one-hot", fn=softmax_loss, args=(X, np.eye(3)[labels])),
            dict(name="one example, one-hot", fn=softmax_loss, args=(x1, np.eye(3)[1]))]
