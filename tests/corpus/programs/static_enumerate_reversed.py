"""enumerate over layers to treat the last one differently, reversed over a list of weights,
len() of a list argument, and a layer count from len(params) // 2."""
import numpy as np

IDIOM = "for i, (W, b) in enumerate(params): if i < len(params) - 1, reversed(weights), len(params)//2"
EXPECT = "right"


def forward(params, x):
    for i, (W, b) in enumerate(params):
        x = x @ W + b
        if i < len(params) - 1:
            x = np.tanh(x)
    return x


def decoder_tied(weights, z):
    for W in reversed(weights):
        z = np.tanh(z @ W.T)
    return z


def flat_forward(params, x):
    n_layers = len(params) // 2
    for i in range(n_layers):
        x = np.tanh(x @ params[2 * i] + params[2 * i + 1])
    return x


def loss(params, weights, flat, x):
    return np.sum(forward(params, x) ** 2) + np.sum(decoder_tied(weights, x[:, :2])) + np.sum(flat_forward(flat, x))


def make():
    rng = np.random.default_rng(85)
    params = [(rng.standard_normal((3, 4)), rng.standard_normal(4)), (rng.standard_normal((4, 2)), rng.standard_normal(2))]
    weights = [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))]
    flat = [rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal((3, 3)), rng.standard_normal(3)]
    x = rng.standard_normal((2, 3))
    return [dict(name="all three lists", fn=loss, args=(params, weights, flat, x), wrt=(0, 1, 2))]
