"""Helpers with several statements returning tuples, called inside a loop with tuples passed
in; a cache of (a, b) tuples appended and read back."""
import numpy as np

IDIOM = "helper returns (h, c, aux) in a loop, state tuple passed to the helper, cache.append((a, b))"
EXPECT = "right"


def cell(x, state, params):
    h, c = state
    Wx, Wh = params
    pre = x @ Wx + h @ Wh
    c_new = 0.5 * c + np.tanh(pre)
    h_new = np.tanh(c_new)
    return h_new, c_new, pre


def run(xs, h0, params):
    state = (h0, np.zeros_like(h0))
    cache = []
    for x in xs:
        h, c, pre = cell(x, state, params)
        cache.append((h, pre))
        state = (h, c)
    return state, cache


def loss(Wx, Wh, xs, h0):
    (h, c), cache = run(xs, h0, (Wx, Wh))
    return np.sum(h ** 2) + np.sum(c) + 0.1 * sum(np.sum(a * b) for a, b in cache)


def make():
    rng = np.random.default_rng(89)
    Wx, Wh = 0.5 * rng.standard_normal((2, 3)), 0.5 * rng.standard_normal((3, 3))
    xs, h0 = rng.standard_normal((4, 5, 2)), rng.standard_normal((5, 3))
    return [dict(name="Wx, Wh", fn=loss, args=(Wx, Wh, xs, h0), wrt=(0, 1))]
