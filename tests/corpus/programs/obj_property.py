"""@property on a model object: the weights exposed through properties reading a params dict,
and a derived quantity (the penalty) as a property."""
import numpy as np

IDIOM = "@property W / b reading self.params, @property penalty, wrt='params'"
EXPECT = "right"


class LinearModel:
    def __init__(self, params, reg):
        self.params = params
        self.reg = reg

    @property
    def W(self):
        return self.params["W"]

    @property
    def b(self):
        return self.params["b"]

    @property
    def penalty(self):
        return self.reg * np.sum(self.W ** 2)

    def loss(self, X, y):
        pred = X @ self.W + self.b
        return np.mean((pred - y) ** 2) + self.penalty


def make():
    rng = np.random.default_rng(110)
    model = LinearModel({"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}, 0.1)
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    return [dict(name="params", fn=model.loss, args=(X, y), wrt="params"),
            dict(name="input X", fn=model.loss, args=(X, y), wrt=0)]
