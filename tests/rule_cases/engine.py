"""Cases for the engine's own primitives: indexing, scatters and un-broadcasting."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(1234)
x23 = rng.normal(size=(2, 3))
x5 = rng.normal(size=5)

CASES = [
    Case("getitem", (x23, (slice(None), 1)), note="basic index: a column"),
    Case("getitem", (x23, (np.array([0, 1, 1]), np.array([2, 0, 2]))), note="integer arrays"),
    Case("getitem", (x5, np.array([1, 1, 3])), note="repeated indices accumulate"),
    Case("getitem", (x5, x5 > 0), note="boolean mask"),
    Case("getitem", (x23, (None, Ellipsis, slice(None, None, -1))), note="None, ..., negative step"),
    Case("scatter", (x5, slice(1, 4), rng.normal(size=3)), note="basic index"),
    Case("scatter_add", (x5, np.array([0, 0, 2]), rng.normal(size=3)), note="repeated indices"),
    Case("setitem", (x5, slice(0, 2), rng.normal(size=2)), note="assign a slice"),
    Case("setitem", (x23, (np.arange(2), np.array([0, 2])), rng.normal(size=2)), note="integer arrays"),
    Case("setitem", (x23, (slice(None), 0), 1.5), note="broadcast a scalar"),
    Case("unbroadcast", (rng.normal(size=(4, 2, 3)), rng.normal(size=(1, 3))), note="leading and size-1"),
    Case("unbroadcast", (rng.normal(size=(2, 3)), rng.normal(size=(2, 3))), note="same shape"),
]
CASES += [
    Case("setitem", (x5, np.array([1, 1, 3]), rng.normal(size=3)), note="a repeated position keeps one value"),
    Case("setitem", (x23, 0, rng.normal(size=(1, 3))), note="value with an extra leading 1"),
]
CASES += [
    Case("setitem", (x23, 0, rng.normal(size=(1, 1))), note="a (1, 1) value broadcast along a row"),
    Case("unbroadcast", (rng.normal(size=3), rng.normal(size=(1, 1))), note="operand with more axes, all 1"),
]
CASES += [
    Case("broadcast_like", (rng.normal(size=(1, 3)), rng.normal(size=(4, 2, 3))), note="leading and size-1"),
    Case("broadcast_like", (rng.normal(size=(1, 1, 3)), rng.normal(size=(2, 3))), note="extra leading 1s dropped"),
    Case("container", ([x5, x23],), note="a list of entries"),
    Case("container", ((x5, 2.5),), note="a tuple with a scalar entry"),
]
