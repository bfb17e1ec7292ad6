"""An LSTM written as a step function (gates sliced out of one product by H) and a loop over
time that collects hidden states into a preallocated array."""
import numpy as np

IDIOM = "gates a[:, :H], a[:, H:2*H]..., sigmoid helper, tuple of states returned by the step"
EXPECT = "right"


def sigmoid(x):
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, _ = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
    return h


def loss(Wx, Wh, b, x, h0, dh):
    return np.sum(lstm_forward(x, h0, Wx, Wh, b) * dh)


def make():
    rng = np.random.default_rng(18)
    N, T, D, H = 2, 3, 3, 2
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh = 0.5 * rng.standard_normal((D, 4 * H)), 0.5 * rng.standard_normal((H, 4 * H))
    b = 0.1 * rng.standard_normal(4 * H)
    dh = rng.standard_normal((N, T, H))
    return [dict(name="Wx, Wh, b", fn=loss, args=(Wx, Wh, b, x, h0, dh), wrt=(0, 1, 2))]
