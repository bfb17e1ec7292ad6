"""Pruning a weight matrix in place inside the loss (W[mask] = 0, W *= keep): a write into the
caller's differentiated array. It must stay refused with a located error."""
import numpy as np

IDIOM = "W[np.abs(W) < t] = 0 and W *= keep on the caller's differentiated array"
EXPECT = "refused"


def pruned_loss(W, X, y, threshold):
    W[np.abs(W) < threshold] = 0.0
    return np.sum((X @ W - y) ** 2)


def scaled_loss(W, X, keep):
    W *= keep
    return np.sum(np.tanh(X @ W))


def make():
    rng = np.random.default_rng(151)
    W, X, y = rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    return [dict(name="mask assignment", fn=pruned_loss, args=(W, X, y, 0.3)),
            dict(name="augmented assignment", fn=scaled_loss, args=(W, X, 0.5))]
