"""Loss functions built by a factory: def make_loss(X, y, reg): def loss(w): ...; return loss,
the data and settings captured in the closure, the same factory called twice."""
import numpy as np

IDIOM = "make_loss(X, y) returning a nested def closing over arrays and settings"
EXPECT = "right"


def make_loss(X, y, reg=0.0, kind="logistic"):
    n = X.shape[0]

    def loss(w):
        z = X @ w
        if kind == "logistic":
            data = np.sum(np.logaddexp(0.0, -y * z)) / n
        else:
            data = np.sum((z - y) ** 2) / n
        return data + reg * np.dot(w, w)

    return loss


def make():
    rng = np.random.default_rng(71)
    X = rng.standard_normal((7, 3))
    y = np.sign(rng.standard_normal(7))
    w = rng.standard_normal(3)
    logistic = make_loss(X, y, reg=0.1)
    squared = make_loss(X, y, kind="squared")
    return [dict(name="logistic factory", fn=logistic, args=(w,)),
            dict(name="squared factory", fn=squared, args=(w,))]
