"""Least squares and ridge regression written straight-line, the first thing people try."""
import numpy as np

IDIOM = "straight-line: X @ w + b, mean squared error, L2 penalty"
EXPECT = "right"


def mse_loss(w, b, X, y, lam):
    pred = X @ w + b
    return np.mean((pred - y) ** 2) + lam * np.sum(w ** 2)


def make():
    rng = np.random.default_rng(140)
    X, y = rng.standard_normal((8, 3)), rng.standard_normal(8)
    return [dict(name="w, b", fn=mse_loss, args=(rng.standard_normal(3), 0.3, X, y, 0.1), wrt=(0, 1)),
            dict(name="value_and_grad", fn=mse_loss, args=(rng.standard_normal(3), 0.3, X, y, 0.1), wrt=(0, 1),
                 api="value_and_grad")]
