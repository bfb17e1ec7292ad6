"""Softmax regression with one-hot targets and a log-sum-exp written by hand."""
import numpy as np

IDIOM = "straight-line: X @ W + b, logsumexp by hand, one-hot targets"
EXPECT = "right"


def loss(W, b, X, T):
    S = X @ W + b
    m = np.max(S, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(S - m), axis=1, keepdims=True))
    return -np.sum(T * (S - lse)) / X.shape[0]


def make():
    rng = np.random.default_rng(142)
    X, T = rng.standard_normal((6, 4)), np.eye(3)[rng.integers(0, 3, size=6)]
    return [dict(name="W, b", fn=loss, args=(rng.standard_normal((4, 3)), rng.standard_normal(3), X, T), wrt=(0, 1))]
