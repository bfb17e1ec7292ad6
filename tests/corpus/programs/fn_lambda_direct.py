"""Lambdas handed straight to the gradient, closing over data arrays defined beside them."""
import numpy as np

IDIOM = "diffc.grad(lambda w: ...), lambda closing over arrays, lambda calling a named function"
EXPECT = "right"


def mse(pred, y):
    return np.mean((pred - y) ** 2)


def make():
    rng = np.random.default_rng(70)
    X, y = rng.standard_normal((6, 3)), rng.standard_normal(6)
    w = rng.standard_normal(3)
    return [dict(name="inline least squares", fn=lambda w: np.sum((X @ w - y) ** 2), args=(w,)),
            dict(name="lambda calling a helper", fn=lambda w: mse(np.tanh(X @ w), y), args=(w,)),
            dict(name="two-argument lambda, wrt 1", fn=lambda b, w: mse(X @ w + b, y), args=(0.5, w), wrt=(0, 1))]
