"""Layer objects that name their weights by key and read them from a params dict passed down
the forward pass, so the loss takes the parameters as its first argument."""
from collections import OrderedDict

import numpy as np

IDIOM = "layer.forward(x, params) with keys held on the layer, OrderedDict.items() loop"
EXPECT = "right"


class Affine:
    def __init__(self, w_key, b_key):
        self.w_key = w_key
        self.b_key = b_key
        self.x = None

    def forward(self, x, params):
        self.x = x
        return x @ params[self.w_key] + params[self.b_key]


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x, params):
        out = 1 / (1 + np.exp(-x))
        self.out = out
        return out


class Net:
    def __init__(self):
        self.layers = OrderedDict()
        self.layers['Affine1'] = Affine('W1', 'b1')
        self.layers['Sigmoid1'] = Sigmoid()
        self.layers['Affine2'] = Affine('W2', 'b2')

    def loss(self, params, x, t):
        for name, layer in self.layers.items():
            x = layer.forward(x, params)
        return 0.5 * np.sum((x - t) ** 2) / x.shape[0]


def make():
    rng = np.random.default_rng(31)
    params = {'W1': rng.standard_normal((3, 4)), 'b1': np.zeros(4),
              'W2': rng.standard_normal((4, 2)), 'b2': np.zeros(2)}
    x, t = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    net = Net()
    return [dict(name="params", fn=net.loss, args=(params, x, t), wrt=0)]
