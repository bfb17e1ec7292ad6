"""Models whose helpers get generated forward/backward pairs (see diffc/compiler/call_pairs.py)."""
import numpy as np

from tests.calls import helpers
from tests.calls.helpers import layer


def two_layers(x, W1, b1, W2, b2):
    h = layer(x, W1, b1)             # x needs no gradient here...
    y = layer(h, W2, b2)             # ...but h does here: two specialisations
    return np.sum(y ** 2)


def shared(x1, x2, W, b):
    return np.sum(layer(x1, W, b) * layer(x2, W, b))


def keywords(x, W, b):
    h = helpers.relu_layer(x, W, b=b, leak=0.1)
    return np.sum(helpers.relu_layer(h, W.T, leak=0.2) ** 2)


def rnn_step(h, x, Wx, Wh, b):
    a = x @ Wx + h @ Wh + b
    return np.tanh(a)


def rnn(xs, h0, Wx, Wh, b):
    h = h0
    for t in range(xs.shape[0]):
        h = rnn_step(h, xs[t], Wx, Wh, b)
    return 0.5 * np.sum(h ** 2)


def block(x, W, b):
    u = layer(x, W, b)
    v = layer(u, W, b)
    return u + v


def nested(x, W, b):
    return np.sum(block(x, W, b) ** 2)


def split(x, w):
    a = x * w
    return a, np.sin(a)


def uses_a_pair_of_results(x, w):
    a, s = split(x, w)
    return np.sum(a * s)


def branchy(x, w):
    y = x * w
    if np.sum(y) > 0:
        y = y * y
    else:
        y = -y
    return y


def both_branches(x, w):
    return np.sum(branchy(x, w) + branchy(-x, w))


def constant_path(x, w):
    c = layer(x, x.T, 1.0)           # depends on x only: no gradient flows through this call
    return np.sum(c) * 0.0 + np.sum(w * x)


def hand_bptt(xs, h0, Wx, Wh, b):
    """Backpropagation through time written by hand, for the loop test."""
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(xs[t] @ Wx + hs[-1] @ Wh + b))
    dh = hs[-1]
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dxs = np.zeros_like(xs)
    for t in reversed(range(xs.shape[0])):
        da = dh * (1 - hs[t + 1] ** 2)
        dWx += xs[t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dxs[t] = da @ Wx.T
        dh = da @ Wh.T
    return dxs, dh, dWx, dWh, db


def net(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    return h @ params["W2"]


def dict_loss(params, x, y):
    return np.mean((net(params, x) - y) ** 2)


def horner(x, coeffs):
    acc = 0.0 * x
    for c in coeffs:
        acc = acc * x + c
    return acc


def list_loss(x, a, b):
    return np.sum(horner(x, [a, b, a * b]) ** 2)


def power_iteration(A, v):
    for i in range(4):
        v = A @ v
        v = v / np.sqrt(np.sum(v ** 2))
    return v


def rayleigh(A, v):
    w = power_iteration(A, v)
    return np.sum(w * (A @ w))


def rnn_over_time(xs, h0, Wx, Wh, b):
    """A helper with the loop over time (products with ``@``), its states written into
    an array: the gradient's pair is two functions, forward and backward."""
    h = np.zeros((xs.shape[0], xs.shape[1], h0.shape[1]))
    prev = h0
    for t in range(xs.shape[1]):
        prev = np.tanh(xs[:, t, :] @ Wx + prev @ Wh + b)
        h[:, t, :] = prev
    return h


def rnn_sequence_loss(Wx, Wh, b, xs, h0, dh):
    return np.sum(rnn_over_time(xs, h0, Wx, Wh, b) * dh)
