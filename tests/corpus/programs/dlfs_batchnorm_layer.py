"""The textbook's BatchNormalization layer: running statistics created on the first forward
(`if self.running_mean is None`), a train flag, stores on self, gamma and beta held by the
layer; the network's loss takes gamma and beta explicitly to differentiate them."""
import numpy as np

IDIOM = "if self.running_mean is None: create on first call, train_flg branch, self.xc/self.std stores"
EXPECT = "right"


class BatchNormalization:
    def __init__(self, momentum=0.9, running_mean=None, running_var=None):
        self.momentum = momentum
        self.running_mean = running_mean
        self.running_var = running_var
        self.batch_size = None
        self.xc = None
        self.std = None

    def forward(self, x, gamma, beta, train_flg=True):
        if self.running_mean is None:
            N, D = x.shape
            self.running_mean = np.zeros(D)
            self.running_var = np.zeros(D)
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc ** 2, axis=0)
            std = np.sqrt(var + 10e-7)
            xn = xc / std
            self.batch_size = x.shape[0]
            self.xc = xc
            self.xn = xn
            self.std = std
        else:
            xc = x - self.running_mean
            xn = xc / np.sqrt(self.running_var + 10e-7)
        return gamma * xn + beta


def loss(gamma, beta, x, dout, layer, train_flg):
    return np.sum(layer.forward(x, gamma, beta, train_flg) * dout)


def make():
    rng = np.random.default_rng(35)
    x = rng.standard_normal((5, 3)) * 2 + 1
    gamma, beta = np.ones(3), np.zeros(3)
    dout = rng.standard_normal((5, 3))
    fresh = BatchNormalization()
    trained = BatchNormalization(running_mean=np.full(3, 0.5), running_var=np.full(3, 2.0))
    return [dict(name="train, fresh layer", fn=loss, args=(gamma, beta, x, dout, fresh, True), wrt=(0, 1, 2)),
            dict(name="inference, running stats", fn=loss, args=(gamma, beta, x, dout, trained, False),
                 wrt=(0, 1, 2))]
