"""A loss that prints its intermediate values as it runs (the way people debug), with print of
an array, a formatted float and several arguments."""
import numpy as np

IDIOM = "print(...) of forward values inside the loss (kept, printed at each call)"
EXPECT = "right"


def loss(W, X, y):
    scores = X @ W
    print("scores shape", scores.shape)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    value = -np.mean(np.log(probs[np.arange(len(y)), y]))
    print("loss: %.4f" % value, "max prob:", probs.max())
    return value


def make():
    rng = np.random.default_rng(84)
    W, X, y = rng.standard_normal((3, 4)), rng.standard_normal((5, 3)), rng.integers(0, 4, size=5)
    return [dict(name="W", fn=loss, args=(W, X, y))]
