"""functools.partial fixing the data and settings of a loss, as passed to optimisers."""
import functools

import numpy as np

IDIOM = "functools.partial(loss, X=X, y=y, reg=...), partial with positional data"
EXPECT = "right"


def ridge_loss(w, X, y, reg):
    r = X @ w - y
    return 0.5 * np.dot(r, r) + 0.5 * reg * np.dot(w, w)


def huber_loss(X, y, w, delta=1.0):
    r = X @ w - y
    small = np.abs(r) <= delta
    return np.sum(np.where(small, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta)))


def make():
    rng = np.random.default_rng(72)
    X, y = rng.standard_normal((6, 3)), 2 * rng.standard_normal(6)
    w = rng.standard_normal(3)
    return [dict(name="keyword partial", fn=functools.partial(ridge_loss, X=X, y=y, reg=0.3), args=(w,)),
            dict(name="positional partial", fn=functools.partial(huber_loss, X, y), args=(w,), kwargs={"delta": 0.5})]
