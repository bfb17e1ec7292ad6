"""A small framework-style model: layers are callables (`__call__`), the model calls itself
(`self(x)`) inside its loss, `parameters()` gathers arrays with a nested comprehension, and
the weight decay sums a generator over them; the layers share their arrays with `self.params`
so that the gradient can be taken with respect to that list."""
import numpy as np

IDIOM = "self(x) in a method, layer __call__, parameters() comprehension, sum(np.sum(p**2) for p in ...)"
EXPECT = "right"


class Linear:
    def __init__(self, n_in, n_out, rng):
        self.W = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        self.b = np.zeros(n_out)

    def __call__(self, x):
        return x @ self.W + self.b

    def parameters(self):
        return [self.W, self.b]


class MLP:
    def __init__(self, sizes, rng):
        self.layers = [Linear(a, b, rng) for a, b in zip(sizes[:-1], sizes[1:])]
        self.params = self.parameters()

    def __call__(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = np.tanh(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def loss(self, x, y, weight_decay=1e-3):
        pred = self(x)
        return np.mean((pred - y) ** 2) + weight_decay * sum(np.sum(p ** 2) for p in self.parameters())


def make():
    rng = np.random.default_rng(72)
    model = MLP([3, 5, 4, 2], rng)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    return [dict(name="input x", fn=model.loss, args=(x, y), wrt=0),
            dict(name="params shared with the layers", fn=model.loss, args=(x, y), wrt="params")]
