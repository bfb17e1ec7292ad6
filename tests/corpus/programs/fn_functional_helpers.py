"""Functional-style NumPy in the way JAX-minded code is written: parameters in a namedtuple,
layers made by a closure factory and composed with functools.reduce, a pairwise penalty over
itertools.combinations, a deep copy of the parameters before a change, the walrus operator,
and an f-string progress print of the loss."""
import copy
import functools
import itertools
from collections import namedtuple

import numpy as np

IDIOM = "namedtuple params, closure factory + functools.reduce, itertools.combinations, copy.deepcopy, :=, print(f'...')"
EXPECT = "right"

Layer = namedtuple("Layer", ["W", "b"])


def make_layer(layer, activation=np.tanh):
    scale = 1.0 / np.sqrt(layer.W.shape[0])

    def apply(h):
        return activation(scale * (h @ layer.W) + layer.b)
    return apply


def compose(*functions):
    return functools.reduce(lambda f, g: (lambda h: g(f(h))), functions)


def loss(layers, x, y, step=0, verbose=True):
    net = compose(*[make_layer(layer) for layer in layers])
    if (n := x.shape[0]) > 4:
        x, y = x[:n - 1], y[:n - 1]
    pred = net(x)
    shadow = copy.deepcopy(layers)
    decay = sum(np.sum(a.W * b.W) for a, b in itertools.combinations(shadow[:2], 2))
    value = np.mean((pred - y) ** 2) + 1e-2 * decay
    if verbose:
        print(f"step {step:3d}: loss={value:.4f}")
    return value


def make():
    rng = np.random.default_rng(77)
    layers = [Layer(rng.standard_normal((3, 3)), rng.standard_normal(3)),
              Layer(rng.standard_normal((3, 3)), rng.standard_normal(3)),
              Layer(rng.standard_normal((3, 1)), rng.standard_normal(1))]
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    return [dict(name="namedtuple layers", fn=loss, args=(layers, x, y), wrt=0)]
