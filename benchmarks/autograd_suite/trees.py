"""Arguments and results as trees: lists, tuples and dicts (nested) of arrays and numbers.

Written here, independently of diffc's own ``trees``, so that the checks do not rely on
the code they check. A leaf is anything that is not a list, tuple or dict.
"""
from __future__ import annotations

import numpy as np


def is_leaf(x):
    return not isinstance(x, (list, tuple, dict))


def leaves(tree):
    """The leaves of ``tree``, depth first, dicts in key order."""
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [tree]


def paths(tree, prefix=()):
    """The index path of each leaf, in the order of ``leaves``."""
    if isinstance(tree, dict):
        return [p for key in tree for p in paths(tree[key], prefix + (key,))]
    if isinstance(tree, (list, tuple)):
        return [p for i, item in enumerate(tree) for p in paths(item, prefix + (i,))]
    return [prefix]


def rebuild(tree, new_leaves):
    """``tree`` with its leaves replaced, in order, by ``new_leaves``."""
    it = iter(new_leaves)
    out = _rebuild(tree, it)
    if next(it, None) is not None:
        raise ValueError("more leaves than the tree has")
    return out


def _rebuild(tree, it):
    if isinstance(tree, dict):
        return {key: _rebuild(tree[key], it) for key in tree}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_rebuild(item, it) for item in tree)
    return next(it)


def structure(tree):
    """A hashable description of ``tree``'s containers (not of its leaves)."""
    if isinstance(tree, dict):
        return ("dict", tuple((k, structure(v)) for k, v in tree.items()))
    if isinstance(tree, (list, tuple)):
        return (type(tree).__name__, tuple(structure(v) for v in tree))
    return "leaf"


def random_like(tree, rng):
    """A tree like ``tree`` with standard normal leaves of each leaf's shape (complex
    where the leaf is complex); a number leaf gets a Python number."""
    def draw(leaf):
        shape = np.shape(leaf)
        value = rng.standard_normal(shape)
        if np.iscomplexobj(leaf):
            value = value + 1j * rng.standard_normal(shape)
        return value if isinstance(leaf, np.ndarray) or shape else value.item()
    return rebuild(tree, [draw(leaf) for leaf in leaves(tree)])


def shifted(tree, direction, h):
    """``tree + h * direction``, leaf by leaf, each leaf keeping its kind (a Python number
    stays a Python number, a NumPy scalar its type, an array becomes a float array)."""
    return rebuild(tree, [_shift_leaf(x, d, h) for x, d in zip(leaves(tree), leaves(direction))])


def _shift_leaf(x, d, h):
    value = np.asarray(x) + h * np.asarray(d)
    if isinstance(x, np.ndarray):
        return value
    if isinstance(x, np.generic):
        return value[()] if value.dtype.kind == "c" else np.float64(value)
    return complex(value) if value.dtype.kind == "c" else float(value)


def flat(tree):
    """All leaves raveled into one 1-D array (complex if any leaf is)."""
    parts = [np.ravel(np.asarray(leaf)) for leaf in leaves(tree)]
    if not parts:
        return np.zeros(0)
    return np.concatenate([p if p.dtype.kind in "fc" else p.astype(float) for p in parts])


def inner(a, b):
    """The real inner product of two trees of the same shape."""
    return float(np.real(np.vdot(flat(a), flat(b))))


def difference_quotient(plus, minus, h):
    """``(plus - minus) / (2 h)``, leaf by leaf."""
    return rebuild(plus, [(np.asarray(p) - np.asarray(m)) / (2 * h)
                          for p, m in zip(leaves(plus), leaves(minus))])


def add(*many):
    """The leafwise sum of trees of the same structure."""
    return rebuild(many[0], [sum(column[1:], column[0]) for column in zip(*map(leaves, many))])


def as_array_like(arg, grad):
    """diffc takes a list of numbers (``[1.0, 2.0]``) for the array it stands for, and its
    derivative is that array: rebuilt here as the list autograd returns, entry by entry.
    Anything else is returned as it is (and compared strictly)."""
    if isinstance(arg, (list, tuple)) and isinstance(grad, np.ndarray) \
            and all(np.ndim(x) == 0 for x in leaves(arg)):
        try:
            shape = np.shape(np.asarray(arg, dtype=float))
        except ValueError:
            return grad
        if grad.shape == shape:
            return rebuild(arg, list(grad.ravel()))
    return grad


def same_shapes(a, b):
    """None when ``a`` and ``b`` have the same containers and leaf shapes, else what differs."""
    if structure(a) != structure(b):
        return f"structure {structure(b)}, expected {structure(a)}"
    for path, x, y in zip(paths(a), leaves(a), leaves(b)):
        if np.shape(x) != np.shape(y):
            return f"shape {np.shape(y)} at {list(path)}, expected {np.shape(x)}"
    return None
