"""The textbook's extended multi-layer net: layers built in __init__ from a dict of activation
classes, `"Dropout" in key or "BatchNorm" in key` deciding the forward call's arguments, a
dropout layer drawing its mask from np.random.rand, weight decay summed over 'W' + str(idx)."""
from collections import OrderedDict

import numpy as np

IDIOM = "for key, layer in self.layers.items(): if 'Dropout' in key, train_flg, np.random.rand mask"
EXPECT = "right"


class Relu:
    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out


class Sigmoid:
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b


class Dropout:
    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        else:
            return x * (1.0 - self.dropout_ratio)


class MultiLayerNetExtend:
    def __init__(self, input_size, hidden_size_list, output_size, activation='relu',
                 weight_decay_lambda=0, use_dropout=False, dropout_ration=0.5):
        self.hidden_layer_num = len(hidden_size_list)
        self.weight_decay_lambda = weight_decay_lambda
        self.params = {}
        rng = np.random.default_rng(1)
        sizes = [input_size] + hidden_size_list + [output_size]
        for idx in range(1, len(sizes)):
            self.params['W' + str(idx)] = np.sqrt(2.0 / sizes[idx - 1]) * rng.standard_normal((sizes[idx - 1], sizes[idx]))
            self.params['b' + str(idx)] = np.zeros(sizes[idx])
        activation_layer = {'sigmoid': Sigmoid, 'relu': Relu}
        self.layers = OrderedDict()
        for idx in range(1, self.hidden_layer_num + 1):
            self.layers['Affine' + str(idx)] = Affine(self.params['W' + str(idx)], self.params['b' + str(idx)])
            self.layers['Activation_function' + str(idx)] = activation_layer[activation]()
            if use_dropout:
                self.layers['Dropout' + str(idx)] = Dropout(dropout_ration)
        idx = self.hidden_layer_num + 1
        self.layers['Affine' + str(idx)] = Affine(self.params['W' + str(idx)], self.params['b' + str(idx)])

    def predict(self, x, train_flg=False):
        for key, layer in self.layers.items():
            if "Dropout" in key or "BatchNorm" in key:
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        y = self.predict(x, train_flg)
        weight_decay = 0
        for idx in range(1, self.hidden_layer_num + 2):
            W = self.params['W' + str(idx)]
            weight_decay += 0.5 * self.weight_decay_lambda * np.sum(W ** 2)
        y = y - np.max(y, axis=1, keepdims=True)
        p = np.exp(y) / np.sum(np.exp(y), axis=1, keepdims=True)
        return -np.sum(t * np.log(p + 1e-7)) / x.shape[0] + weight_decay


def make():
    rng = np.random.default_rng(32)
    x = rng.standard_normal((5, 4))
    t = np.eye(3)[rng.integers(0, 3, size=5)]
    sig = MultiLayerNetExtend(4, [5, 4], 3, activation='sigmoid', weight_decay_lambda=0.1)
    drop = MultiLayerNetExtend(4, [6], 3, use_dropout=True, dropout_ration=0.3)
    return [dict(name="sigmoid + decay, x", fn=sig.loss, args=(x, t), wrt=0),
            dict(name="dropout train, x", fn=drop.loss, args=(x, t, True), wrt=0,
                 before=lambda: np.random.seed(5)),
            dict(name="dropout train, params", fn=drop.loss, args=(x, t, True), wrt="params",
                 before=lambda: np.random.seed(5))]
