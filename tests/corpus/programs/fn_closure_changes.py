"""State changed between calls, the way interactive work does it: a closure cell updated by a
setter (nonlocal), a module-level setting reassigned, and an object's attribute changed. Each
time, the same gradient object is called again and must see the new value."""
import numpy as np

IDIOM = "nonlocal setter changes a closure cell; global REG reassigned; obj.scale changed between calls"
EXPECT = "right"

REG = 0.1


def make_scaled_loss(X, y):
    scale = 1.0

    def set_scale(value):
        nonlocal scale
        scale = value

    def loss(w):
        return scale * np.sum((X @ w - y) ** 2)

    return loss, set_scale


def regularised(w, X, y):
    return np.sum((X @ w - y) ** 2) + REG * np.sum(w ** 2)


class Model:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, w, X):
        return np.sum(np.tanh(self.scale * (X @ w)) ** 2)


def _set_reg(case):
    global REG
    REG = 2.5


def make():
    global REG
    REG = 0.1
    rng = np.random.default_rng(76)
    X, y, w = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal(3)
    loss, set_scale = make_scaled_loss(X, y)
    model = Model(0.5)
    return [dict(name="closure cell", fn=loss, args=(w,),
                 variants=[("scale set to 3", lambda case: set_scale(3.0))]),
            dict(name="global REG", fn=regularised, args=(w, X, y), variants=[("REG = 2.5", _set_reg)]),
            dict(name="object attribute", fn=model.loss, args=(w, X),
                 variants=[("model.scale = 2", lambda case: setattr(model, "scale", 2.0))])]
