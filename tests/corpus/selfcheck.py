"""Programs that check the harness itself (not part of the corpus): each outcome must be
reachable, and the reference must count aliases and tuple leaves the way Python does."""
import numpy as np

IDIOM = "harness self-check"
EXPECT = "right"


def refused(w):
    try:
        return np.sum(w)
    except ValueError:
        return 0.0


def good(w, x):
    return np.sum(np.tanh(x @ w))


def writes_argument(w, x):
    x[0] = 1.0
    return np.sum(x @ w)


class Layer:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return np.tanh(x @ self.W)


class Net:
    """The layer holds the same array as net.params["W"]: both uses must count."""

    def __init__(self, W):
        self.params = {"W": W}
        self.layer = Layer(W)

    def loss(self, x):
        return np.sum(self.layer.forward(x)) + np.sum(self.params["W"] ** 2)


def leaves_in_tuples(params):
    (a, b), c = params
    return np.sum(a ** 2) * b + np.sin(c)


def make():
    # a user rule that is deliberately wrong in its second argument; imported here, when a
    # test runs, so that it is not registered while the rule tests list every primitive
    from tests.userrules.model import wrong as wrong_in_y
    rng = np.random.default_rng(0)
    x, y, w = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(2)
    X = rng.standard_normal((4, 2))
    return [dict(name="wrong rule", fn=wrong_in_y, args=(x, y), wrt=(0, 1)),
            dict(name="try", fn=refused, args=(w,)),
            dict(name="good", fn=good, args=(w, X)),
            dict(name="writes its argument", fn=writes_argument, args=(w, X.copy()))]
