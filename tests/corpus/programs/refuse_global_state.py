"""A loss that records its history in module state that outlives the call: a global counter
incremented, a global list appended to. It must stay refused with a located error."""
import numpy as np

IDIOM = "global CALLS; CALLS += 1; HISTORY.append(value) inside the loss"
EXPECT = "refused"

CALLS = 0
HISTORY = []


def counted_loss(w, X):
    global CALLS
    CALLS += 1
    return np.sum((X @ w) ** 2)


def logged_loss(w, X):
    value = np.sum(np.tanh(X @ w))
    HISTORY.append(value)
    return value


def make():
    rng = np.random.default_rng(152)
    w, X = rng.standard_normal(3), rng.standard_normal((4, 3))
    return [dict(name="global counter", fn=counted_loss, args=(w, X)),
            dict(name="global list append", fn=logged_loss, args=(w, X))]
