"""Layers with an activation method overridden in subclasses and called as
self.activation(x) from the inherited forward; super().forward in a subclass; an attribute
holding a callable (self.act = np.tanh) called like a method."""
import numpy as np

IDIOM = "self.activation(x) overridden in subclasses, super().forward(x), self.act = np.tanh attribute"
EXPECT = "right"


class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def activation(self, z):
        return z

    def forward(self, x):
        return self.activation(x @ self.W + self.b)


class SigmoidDense(Dense):
    def activation(self, z):
        return 1.0 / (1.0 + np.exp(-z))


class ScaledDense(SigmoidDense):
    def __init__(self, W, b, scale):
        super().__init__(W, b)
        self.scale = scale

    def forward(self, x):
        return self.scale * super().forward(x)


class CallableDense(Dense):
    def __init__(self, W, b, act=np.tanh):
        super().__init__(W, b)
        self.act = act

    def forward(self, x):
        return self.act(x @ self.W + self.b)


class Net:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, x, y):
        for layer in self.layers:
            x = layer.forward(x)
        return np.sum((x - y) ** 2)


def make():
    rng = np.random.default_rng(111)
    def W(m, n):
        return rng.standard_normal((m, n)), rng.standard_normal(n)
    net = Net([SigmoidDense(*W(3, 4)), ScaledDense(*W(4, 4), scale=2.0), CallableDense(*W(4, 3)), Dense(*W(3, 2))])
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    return [dict(name="input x", fn=net.loss, args=(x, y), wrt=0)]
