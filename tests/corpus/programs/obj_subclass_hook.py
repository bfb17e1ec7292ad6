"""A template-method design: the base class's loss calls self.activation and self.penalty,
hooks that subclasses override (and one that a subclass of a subclass overrides again). The
gradient of sub.loss must use the subclass's hooks, as Python does."""
import numpy as np

IDIOM = "Base.loss calls self.activation(z) / self.penalty(); subclasses override the hooks; unbound Model.loss"
EXPECT = "right"


class Model:
    def __init__(self, W, reg):
        self.W = W
        self.reg = reg

    def activation(self, z):
        return z

    def penalty(self):
        return 0.0

    def loss(self, x, y):
        pred = self.activation(x @ self.W)
        return np.mean((pred - y) ** 2) + self.penalty()


class TanhModel(Model):
    def activation(self, z):
        return np.tanh(z)


class RidgeTanhModel(TanhModel):
    def penalty(self):
        return self.reg * np.sum(self.W ** 2)


class CubicModel(RidgeTanhModel):
    def activation(self, z):
        return z ** 3


def make():
    rng = np.random.default_rng(114)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    W = 0.5 * rng.standard_normal((3, 2))
    return [dict(name=f"{cls.__name__}, wrt W", fn=cls(W.copy(), 0.3).loss, args=(x, y), wrt="W")
            for cls in (Model, TanhModel, RidgeTanhModel, CubicModel)] + [
            dict(name="CubicModel, wrt x", fn=CubicModel(W.copy(), 0.3).loss, args=(x, y), wrt=0),
            dict(name="unbound Model.loss, then called with a TanhModel", fn=Model.loss,
                 args=(Model(W.copy(), 0.3), x, y), wrt="x",
                 variants=[("object of a subclass", lambda case: case.__setitem__("args", (TanhModel(W.copy(), 0.3), x, y)))])]
