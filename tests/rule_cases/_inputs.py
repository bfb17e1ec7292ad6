"""Seeded inputs of the standard shapes, shared by the case tables.

The shapes every elementwise rule is tried on: a Python float, a 0-d array, (3,) and
(2, 3); binary rules also get broadcasting, (2, 1) with (1, 3) in both orders, and a
scalar with an array in both positions.
"""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(20240601)


def uniform(lo, hi, shape=()):
    """A float64 array of ``shape`` drawn from (lo, hi); a 0-d array when shape is ()."""
    return rng.uniform(lo, hi, shape)


def unary_cases(prim, lo, hi, **kwargs):
    """``prim`` of one argument drawn from (lo, hi), on each standard shape."""
    return [
        Case(prim, (float(uniform(lo, hi)),), kwargs, "Python float"),
        Case(prim, (uniform(lo, hi),), kwargs, "0-d array"),
        Case(prim, (uniform(lo, hi, (3,)),), kwargs),
        Case(prim, (uniform(lo, hi, (2, 3)),), kwargs),
    ]


SHAPE_PAIRS = [
    (None, None, "Python floats"),
    ((), (), "0-d arrays"),
    ((3,), (3,), ""),
    ((2, 3), (2, 3), ""),
    ((2, 1), (1, 3), "broadcast"),
    ((1, 3), (2, 1), "broadcast"),
    (None, (2, 3), "scalar with array"),
    ((2, 3), None, "array with scalar"),
    ((), (3,), "0-d with array"),
]


def binary_cases(prim, x_range, y_range=None):
    """``prim`` of two broadcasting arguments drawn from the given ranges, on each
    pairing of shapes in ``SHAPE_PAIRS`` (None: a Python float)."""
    y_range = y_range or x_range
    cases = []
    for x_shape, y_shape, note in SHAPE_PAIRS:
        x = float(uniform(*x_range)) if x_shape is None else uniform(*x_range, x_shape)
        y = float(uniform(*y_range)) if y_shape is None else uniform(*y_range, y_shape)
        cases.append(Case(prim, (x, y), note=note))
    return cases
