"""A small layer framework: a base Layer whose __call__ runs self.forward, subclasses that
inherit it (and a helper method) and override forward, and a model called like a function."""
import numpy as np

IDIOM = "Layer.__call__ -> self.forward, subclass overrides, inherited helper, model(x)"
EXPECT = "right"


class Layer:
    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def l2(self):
        return 0.0


class Dense(Layer):
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        return x @ self.W + self.b

    def l2(self):
        return np.sum(self.W ** 2)


class Tanh(Layer):
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out


class Sequential(Layer):
    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def l2(self):
        return sum(layer.l2() for layer in self.layers)


def loss(W1, b1, W2, b2, x, y, reg):
    model = Sequential(Dense(W1, b1), Tanh(), Dense(W2, b2))
    pred = model(x)
    return np.mean((pred - y) ** 2) + reg * model.l2()


class Regressor:
    def __init__(self, model, reg):
        self.model, self.reg = model, reg

    def loss(self, x, y):
        return np.mean((self.model(x) - y) ** 2) + self.reg * self.model.l2()


def make():
    rng = np.random.default_rng(34)
    W1, b1 = rng.standard_normal((3, 4)), np.zeros(4)
    W2, b2 = rng.standard_normal((4, 1)), np.zeros(1)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    reg = Regressor(Sequential(Dense(W1.copy(), b1.copy()), Tanh(), Dense(W2.copy(), b2.copy())), 0.01)
    return [dict(name="model built in the loss", fn=loss, args=(W1, b1, W2, b2, x, y, 0.01), wrt=(0, 1, 2, 3)),
            dict(name="model held on an object, input x", fn=reg.loss, args=(x, y), wrt=0)]
