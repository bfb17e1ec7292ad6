"""A vanilla RNN as in the third assignment: a step function returning (next_h, cache), a
forward loop writing each state into a preallocated (N, T, H) array and appending caches."""
import numpy as np

IDIOM = "step returns (h, cache), h[:, t, :] = next_h in a local zeros array, caches.append"
EXPECT = "right"


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    prev_h = h0
    for t in range(T):
        next_h, cache_t = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = next_h
        cache.append(cache_t)
        prev_h = next_h
    return h, cache


def rnn_loss(x, h0, Wx, Wh, b, dh):
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    return np.sum(h * dh)


def make():
    rng = np.random.default_rng(15)
    N, T, D, H = 2, 4, 3, 5
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh = 0.4 * rng.standard_normal((D, H)), 0.4 * rng.standard_normal((H, H))
    b = 0.1 * rng.standard_normal(H)
    dh = rng.standard_normal((N, T, H))
    return [dict(name="Wx, Wh, b", fn=rnn_loss, args=(x, h0, Wx, Wh, b, dh), wrt=(2, 3, 4)),
            dict(name="x, h0", fn=rnn_loss, args=(x, h0, Wx, Wh, b, dh), wrt=("x", "h0"))]
