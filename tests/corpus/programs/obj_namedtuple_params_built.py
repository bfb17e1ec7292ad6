"""Parameters as a namedtuple built inside the loss: a flat parameter vector unpacked by a
helper into ``Params(*parts)``, fields read by name, a namedtuple of settings deciding the
activation, and the penalty summed over a tuple of fields."""
import collections

import numpy as np

IDIOM = "namedtuple built in the loss: Params(*parts) from a flat vector, p.W1, settings tuple"
EXPECT = "right"

Params = collections.namedtuple("Params", ["W1", "b1", "W2", "b2"])
Config = collections.namedtuple("Config", "activation reg", defaults=("tanh", 1e-3))

SHAPES = [(3, 5), (5,), (5, 2), (2,)]


def unpack(theta):
    parts, start = [], 0
    for shape in SHAPES:
        size = int(np.prod(shape))
        parts.append(theta[start:start + size].reshape(shape))
        start += size
    return Params(*parts)


def loss(theta, X, y, activation="tanh"):
    p = unpack(theta)
    cfg = Config(activation=activation)
    z = X @ p.W1 + p.b1
    h = np.tanh(z) if cfg.activation == "tanh" else np.maximum(z, 0.0)
    logits = h @ p.W2 + p.b2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    nll = -np.mean(log_probs[np.arange(len(y)), y])
    return nll + cfg.reg * sum(np.sum(w ** 2) for w in (p.W1, p.W2))


def loss_unpacked(theta, X, y):
    W1, b1, W2, b2 = unpack(theta)
    return np.sum(np.tanh(X @ W1 + b1) @ W2 + b2)


def make():
    rng = np.random.default_rng(190)
    n = sum(int(np.prod(s)) for s in SHAPES)
    theta = 0.5 * rng.standard_normal(n)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 2, size=6)
    return [dict(name="fields by name, settings tuple", fn=loss, args=(theta, X, y)),
            dict(name="relu chosen by the settings", fn=loss, args=(theta, X, y),
                 kwargs=dict(activation="relu")),
            dict(name="unpacked like a tuple", fn=loss_unpacked, args=(theta, X, y))]
