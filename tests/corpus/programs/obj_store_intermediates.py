"""A model whose forward keeps its intermediates on self for later inspection (self.h, self.out,
a list of activations), as debugging code and hand-written backward passes do."""
import numpy as np

IDIOM = "self.h = ..., self.activations.append(...) during the differentiated forward"
EXPECT = "right"


class MLP:
    def __init__(self, weights):
        self.weights = weights
        self.activations = []
        self.h = None
        self.out = None

    def forward(self, x):
        self.activations = [x]
        for W in self.weights[:-1]:
            x = np.tanh(x @ W)
            self.activations.append(x)
        self.h = x
        self.out = x @ self.weights[-1]
        return self.out

    def loss(self, x, y):
        return 0.5 * np.sum((self.forward(x) - y) ** 2)


def make():
    rng = np.random.default_rng(113)
    mlp = MLP([rng.standard_normal((3, 4)), rng.standard_normal((4, 4)), rng.standard_normal((4, 1))])
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    return [dict(name="weights", fn=mlp.loss, args=(x, y), wrt="weights")]
