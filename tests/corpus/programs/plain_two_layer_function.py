"""A two-layer network written as one function of its weights, sigmoid hidden layer, squared
error, the textbook's first network."""
import numpy as np

IDIOM = "straight-line MLP with explicit W1, b1, W2, b2 arguments"
EXPECT = "right"


def loss(W1, b1, W2, b2, X, Y):
    H = 1.0 / (1.0 + np.exp(-(X @ W1 + b1)))
    out = H @ W2 + b2
    return 0.5 * np.sum((out - Y) ** 2) / X.shape[0]


def make():
    rng = np.random.default_rng(143)
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    return [dict(name="all weights", fn=loss, args=(rng.standard_normal((3, 4)), np.zeros(4), rng.standard_normal((4, 2)),
                                                 np.zeros(2), X, Y), wrt=(0, 1, 2, 3))]
