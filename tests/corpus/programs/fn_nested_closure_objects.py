"""Nested functions closing over arrays and over an object's settings, defined inside the loss."""
import numpy as np

IDIOM = "def inside the loss closing over locals, closure over a config object's attributes"
EXPECT = "right"


class Config:
    def __init__(self, temperature, smoothing):
        self.temperature = temperature
        self.smoothing = smoothing


def make_classifier_loss(config, class_weights):
    def log_softmax(z):
        z = z / config.temperature
        z = z - np.max(z, axis=1, keepdims=True)
        return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))

    def loss(W, X, y):
        n, k = X.shape[0], W.shape[1]

        def smoothed_targets():
            onehot = np.eye(k)[y]
            return (1 - config.smoothing) * onehot + config.smoothing / k

        logp = log_softmax(X @ W)
        return -np.sum(class_weights * smoothed_targets() * logp) / n

    return loss


def make():
    rng = np.random.default_rng(74)
    loss = make_classifier_loss(Config(2.0, 0.1), np.array([1.0, 2.0, 0.5]))
    W, X, y = rng.standard_normal((4, 3)), rng.standard_normal((6, 4)), rng.integers(0, 3, size=6)
    return [dict(name="W", fn=loss, args=(W, X, y))]
