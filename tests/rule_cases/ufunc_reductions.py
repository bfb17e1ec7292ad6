"""Cases for templates/numpy/ufunc_reductions.py: the reductions written as ufunc methods
(default axis 0, then every axis of the reductions table), ptp, the nan-functions on
arrays with and without NaN entries (a NaN entry's gradient is zero, which central
differences also measure: the result does not read it)."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._arrays import distinct, rand
from tests.rule_cases.reductions import AXES, reduction_cases, with_zeros


def ufunc_reduce_cases(prim, make=rand):
    """``prim`` with its default axis 0, then over every shape and axis of AXES."""
    cases = [Case(prim, (make(3),), note="default axis 0"),
             Case(prim, (make(2, 3),), note="default axis 0"),
             Case(prim, (make(2, 3, 4),), {"keepdims": True}, "default axis 0")]
    for shape, axis in AXES:
        for keepdims in (False, True):
            cases.append(Case(prim, (make(*shape),), dict(axis=axis, keepdims=keepdims)))
    return cases


def with_nans(*shape):
    """A random array with NaN in its first entry and, if it has more than 4, its fifth."""
    x = distinct(*shape)
    x.reshape(-1)[0] = np.nan
    if x.size > 4:
        x.reshape(-1)[4] = np.nan
    return x


NAN_AXES = [((3,), None), ((3,), 0), ((2, 3), None), ((2, 3), 1), ((2, 3), -1),
            ((2, 3, 4), (0, 2)), ((2, 3, 4), 1)]


def nan_cases(prim, **extra):
    """``prim`` on arrays with NaNs over NAN_AXES, keepdims off and on, and without NaNs."""
    cases = [Case(prim, (with_nans(*shape),), dict(extra, axis=axis, keepdims=keepdims), "NaNs")
             for shape, axis in NAN_AXES for keepdims in (False, True)]
    return cases + reduction_cases(prim, distinct, **extra)


CASES = [
    *ufunc_reduce_cases("add_reduce"),
    *ufunc_reduce_cases("multiply_reduce"),
    Case("multiply_reduce", (with_zeros(2, 3),), {"axis": 1}, "one zero"),
    Case("multiply_reduce", (np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]),), {"axis": None},
         "two zeros, axis None"),
    *ufunc_reduce_cases("maximum_reduce", distinct),
    *ufunc_reduce_cases("minimum_reduce", distinct),
    Case("maximum_reduce", (np.array([[0.5, 1.5, 1.5], [-0.2, -0.7, -0.7]]),), {"axis": 1}, "two-way tie"),
    *ufunc_reduce_cases("logaddexp_reduce"),
    *reduction_cases("ptp", distinct),
    *nan_cases("nansum"),
    *nan_cases("nanmean"),
    *nan_cases("nanmax"),
    *nan_cases("nanmin"),
    *nan_cases("nanvar"),
    *nan_cases("nanstd"),
    Case("nanvar", (with_nans(2, 3, 4),), {"axis": 2, "ddof": 1}, "NaNs, ddof 1"),
    Case("nanstd", (with_nans(2, 3, 4),), {"axis": -1, "ddof": 1, "keepdims": True}, "NaNs, ddof 1"),
]
