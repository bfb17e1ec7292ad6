"""The exact GELU through scipy.special.erf inside a pre-norm MLP block with a residual."""
import numpy as np
from scipy.special import erf

IDIOM = "scipy.special.erf GELU, np.var layer norm, residual block"
EXPECT = "right"


def gelu_exact(x):
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def layer_norm(x, g, b, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return g * (x - mu) / np.sqrt(var + eps) + b


def mlp_block(x, g, b, w1, b1, w2, b2):
    h = gelu_exact(layer_norm(x, g, b) @ w1 + b1)
    return x + h @ w2 + b2


def loss(w1, w2, g, x):
    C = x.shape[1]
    out = mlp_block(x, g, np.zeros(C), w1, np.zeros(w1.shape[1]), w2, np.zeros(C))
    return np.mean(out ** 2)


def make():
    rng = np.random.default_rng(52)
    x = rng.standard_normal((3, 4))
    return [dict(name="w1, w2, g", fn=loss, args=(rng.standard_normal((4, 6)), rng.standard_normal((6, 4)),
                                               np.ones(4), x), wrt=(0, 1, 2))]
