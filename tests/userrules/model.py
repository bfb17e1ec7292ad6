"""A model with a rule of the user's own: a fused softplus whose backward is theirs."""
import numpy as np

import diffc

CALLS = {"forward": 0, "backward": 0}


@diffc.primitive()
def softplus(x):
    CALLS["forward"] += 1
    return np.logaddexp(0.0, x)


@softplus.reverse
def softplus_reverse(out, dout, x):
    "softplus: dx = dout * sigmoid(x)"
    CALLS["backward"] += 1
    dx = dout / (1.0 + np.exp(-x))
    return dx


@diffc.primitive()
def scaled_pair(x, y):
    return 2.0 * x * y


@scaled_pair.reverse
def scaled_pair_reverse(out, dout, x, y):
    "deliberately wrong in y: the true dy is 2 * dout * x"
    dx = 2.0 * dout * y
    dy = 3.0 * dout * x
    return dx, dy


def loss(w, x):
    return np.sum(softplus(x @ w) * 2.0)


def wrong(x, y):
    return np.sum(scaled_pair(x, y))
