"""Centering the data in place inside the loss (X -= X.mean(axis=0)): this writes into the
caller's array, changing their data at every call. It must stay refused with a located error."""
import numpy as np

IDIOM = "X -= X.mean(axis=0) on the caller's (non-differentiated) array"
EXPECT = "refused"


def loss(w, X, y):
    X -= X.mean(axis=0)
    return np.sum((X @ w - y) ** 2)


def make():
    rng = np.random.default_rng(150)
    return [dict(name="w", fn=loss, args=(rng.standard_normal(3), rng.standard_normal((5, 3)), rng.standard_normal(5)))]
