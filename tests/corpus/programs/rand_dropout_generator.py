"""Dropout inside a loss with a numpy Generator passed in as an argument (rng.random), and
with one captured from the enclosing scope (rng.binomial); masks drawn at every call."""
import numpy as np

IDIOM = "rng.random(shape) < keep with rng an argument; captured Generator.binomial mask"
EXPECT = "right"


def loss(W, X, y, rng, keep=0.8):
    h = np.maximum(X @ W, 0.0)
    mask = (rng.random(h.shape) < keep) / keep
    h = h * mask
    return np.mean((h.sum(axis=1) - y) ** 2)


def make_loss(rng, keep):
    def loss(W, X, y):
        mask = rng.binomial(1, keep, size=X.shape) / keep
        return np.mean((np.tanh((X * mask) @ W) - y[:, None]) ** 2)
    return loss


def make():
    data = np.random.default_rng(120)
    W, X, y = data.standard_normal((3, 4)), data.standard_normal((6, 3)), data.standard_normal(6)
    rng = np.random.default_rng(7)
    state = rng.bit_generator.state
    captured = np.random.default_rng(8)
    captured_state = captured.bit_generator.state

    def reset():
        rng.bit_generator.state = state

    def reset_captured():
        captured.bit_generator.state = captured_state

    return [dict(name="generator argument", fn=loss, args=(W, X, y, rng), before=reset),
            dict(name="captured generator", fn=make_loss(captured, 0.7), args=(W, X, y), before=reset_captured)]
