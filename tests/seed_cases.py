"""The seed examples as a table shared by ``test_oracles.py`` and ``test_seeds.py``.

``CASES``: each model in ``models_seed.py`` with its oracle (same name in ``oracles.py``),
a builder of seeded arguments, and the parameters to differentiate.
``PUBLISHED``: the values the seed notes print, with the tolerance they are printed to.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from tests import models_seed, oracles

N, D, C, H = 5, 4, 3, 6          # batch, input features, classes, hidden units


@dataclass(frozen=True)
class Case:
    id: str
    model: Callable
    oracle: Callable
    args: Callable[[], tuple]
    wrt: tuple


def case(model, args, wrt, id=None):
    return Case(id or model.__name__, model, getattr(oracles, model.__name__), args, wrt)


def _rng(seed):
    return np.random.default_rng(seed)


def _one_hot(labels, classes):
    return np.eye(classes)[labels]


def _away_from_kinks(values, both_sides=True, margin=1e-3):
    """Refuse data that a central difference of step ~1e-6 could straddle a kink in."""
    if np.min(np.abs(values)) < margin:
        raise ValueError("seeded data lies on a kink; choose another seed")
    if both_sides and not (np.any(values > 0) and np.any(values < 0)):
        raise ValueError("seeded data leaves one side of the kink untested")
    return values


def relu_args():
    rng = _rng(0)
    x = _away_from_kinks(rng.normal(size=(N, D)))
    return x, rng.normal(size=(N, D))


def affine_args():
    rng = _rng(1)
    return (rng.normal(size=(N, D)), rng.normal(size=(D, C)),
            rng.normal(size=C), rng.normal(size=(N, C)))


def softmax_with_loss_args():
    rng = _rng(2)
    return rng.normal(size=(N, C)) * 2.0, _one_hot(rng.integers(C, size=N), C)


def softmax_loss_args():
    rng = _rng(3)
    return rng.normal(size=(D, C)), rng.normal(size=(N, D)), rng.integers(C, size=N)


def svm_args(reg):
    def build():
        rng = _rng(4)
        W, X, y = rng.normal(size=(D, C)) * 0.5, rng.normal(size=(N, D)), rng.integers(C, size=N)
        S = X @ W
        margins = S - S[np.arange(N), y][:, None] + oracles.DELTA
        _away_from_kinks(margins[np.arange(C)[None, :] != y[:, None]])
        return W, X, y, reg
    return build


def mlp2_args():
    rng = _rng(5)
    sizes = (D, H, C)
    w1, w2 = rng.normal(size=(sizes[1], sizes[0])), rng.normal(size=(sizes[2], sizes[1]))
    b1, b2 = rng.normal(size=(sizes[1], 1)), rng.normal(size=(sizes[2], 1))
    x, y = rng.normal(size=(D, N)), rng.uniform(size=(C, N))   # one sample per column
    return w1, b1, w2, b2, x, y


def two_layer_args():
    rng = _rng(6)
    W1, b1 = rng.normal(size=(D, H)), rng.normal(size=H) * 0.1
    W2, b2 = rng.normal(size=(H, C)), rng.normal(size=C) * 0.1
    x, t = rng.normal(size=(N, D)), _one_hot(rng.integers(C, size=N), C)
    _away_from_kinks(x @ W1 + b1)
    return W1, b1, W2, b2, x, t


CHAIN_POINTS = [(0.5, 1.0), (-1.2, 0.3), (2.0, -2.5), (0.0, 0.0)]

CASES = [
    case(models_seed.f, lambda: (-2.0, 5.0, -4.0), ("x", "y", "z")),
    case(models_seed.mul, lambda: (4.0, -3.0), ("x", "y")),
    case(models_seed.shopping, lambda: (100.0, 2.0, 150.0, 3.0, 1.1),
         ("apple", "apple_num", "orange", "orange_num", "tax")),
    case(models_seed.neuron, lambda: (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])),
         ("w", "x")),
    *[case(models_seed.chain, lambda s=s, t=t: (s, t), ("s", "t"), id=f"chain({s},{t})")
      for s, t in CHAIN_POINTS],
    case(models_seed.relu_loss, relu_args, ("x",)),
    case(models_seed.affine_loss, affine_args, ("X", "W", "b")),
    case(models_seed.softmax_with_loss, softmax_with_loss_args, ("S",)),
    case(models_seed.softmax_loss, softmax_loss_args, ("W", "X")),
    case(models_seed.svm_loss, svm_args(0.0), ("W", "X", "reg"), id="svm_loss(reg=0)"),
    case(models_seed.svm_loss, svm_args(0.1), ("W", "X", "reg"), id="svm_loss(reg=0.1)"),
    case(models_seed.mlp2_quadratic, mlp2_args, ("w1", "b1", "w2", "b2")),
    case(models_seed.two_layer_net, two_layer_args, ("W1", "b1", "W2", "b2", "x")),
]


@dataclass(frozen=True)
class Published:
    id: str
    model: Callable
    args: tuple
    value: float | None          # None: the notes print no value
    grads: dict
    atol: float                  # how precisely the notes print them


PUBLISHED = [
    Published("f=(x+y)z", models_seed.f, (-2.0, 5.0, -4.0), -12.0,
              {"x": -4.0, "y": -4.0, "z": 3.0}, 1e-12),
    Published("f=xy", models_seed.mul, (4.0, -3.0), -12.0, {"x": -3.0, "y": 4.0}, 1e-12),
    Published("shopping", models_seed.shopping, (100.0, 2.0, 150.0, 3.0, 1.1), 715.0,
              {"apple": 2.2, "apple_num": 110.0, "orange": 3.3, "orange_num": 165.0,
               "tax": 650.0}, 1e-9),
    Published("neuron", models_seed.neuron, (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])),
              None, {"w": [-0.20, -0.39, 0.20], "x": [0.39, -0.59]}, 5e-3),
]
