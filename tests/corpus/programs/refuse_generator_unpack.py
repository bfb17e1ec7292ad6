"""Weights unpacked by a generator function (yield), as some published regression examples do;
generators in the differentiated path stay refused, with a located error."""
import numpy as np

IDIOM = "def unpack_layers(W): ... yield W, b; for W, b in unpack_layers(weights)"
EXPECT = "refused"

SHAPES = [(1, 4), (4, 1)]


def unpack_layers(weights):
    offset = 0
    for m, n in SHAPES:
        yield weights[offset:offset + m * n].reshape((m, n)), weights[offset + m * n:offset + m * n + n]
        offset += (m + 1) * n


def loss(weights, inputs, targets):
    outputs = inputs
    for W, b in unpack_layers(weights):
        outputs = inputs @ W + b
        inputs = np.tanh(outputs)
    return np.sum((outputs - targets) ** 2)


def make():
    rng = np.random.default_rng(154)
    return [dict(name="weights", fn=loss, args=(rng.standard_normal(13), rng.standard_normal((5, 1)), rng.standard_normal((5, 1))))]
