"""The textbook's layer-object network: Affine/Relu/SoftmaxWithLoss classes whose forward
stores what backward needs on self (self.x, self.mask, self.y), a network holding its weights
in self.params and the same arrays in an OrderedDict of layers, and predict looping over
self.layers.values(). The user asks for the gradient with respect to net.params: the layers
hold the very same arrays, so they must count (the reference perturbs the arrays in place)."""
from collections import OrderedDict

import numpy as np

IDIOM = "OrderedDict of layer objects sharing net.params' arrays, self.mask/self.x stores, .values()"
EXPECT = "right"


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.5):
        rng = np.random.default_rng(0)
        self.params = {}
        self.params['W1'] = weight_init_std * rng.standard_normal((input_size, hidden_size))
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * rng.standard_normal((hidden_size, output_size))
        self.params['b2'] = np.zeros(output_size)
        self.layers = OrderedDict()
        self.layers['Affine1'] = Affine(self.params['W1'], self.params['b1'])
        self.layers['Relu1'] = Relu()
        self.layers['Affine2'] = Affine(self.params['W2'], self.params['b2'])
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        y = self.predict(x)
        return self.lastLayer.forward(y, t)


def make():
    rng = np.random.default_rng(30)
    net = TwoLayerNet(4, 5, 3)
    x = rng.standard_normal((6, 4))
    t_labels = rng.integers(0, 3, size=6)
    t_onehot = np.eye(3)[t_labels]
    return [dict(name="one-hot t, params", fn=net.loss, args=(x, t_onehot), wrt="params"),
            dict(name="label t, params", fn=net.loss, args=(x, t_labels), wrt="params"),
            dict(name="input x", fn=net.loss, args=(x, t_onehot), wrt=0)]
