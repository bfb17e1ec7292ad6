"""Cases for templates/reductions.py and templates/statistics.py: every reduction on a
Python float (where NumPy allows it), 0-d, (3,), (2, 3) and (2, 3, 4) operands, with
axis None, 0, 1, -1 and tuples, keepdims on and off; two-way ties for max and min (where
the equal split is also what central differences measure), zeros in prod and cumprod."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._arrays import distinct, rand

AXES = [
    ((3,), None), ((3,), 0), ((3,), -1),
    ((2, 3), None), ((2, 3), 0), ((2, 3), 1), ((2, 3), -1), ((2, 3), (0, 1)),
    ((2, 3, 4), None), ((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, 0)), ((2, 3, 4), ()),
]


def reduction_cases(prim, make=rand, **extra):
    """``prim`` over every operand shape and axis in AXES, keepdims off and on."""
    cases = [Case(prim, (float(make()),), dict(extra), "Python float"),
             Case(prim, (make(),), dict(extra), "0-d")]
    for shape, axis in AXES:
        for keepdims in (False, True):
            cases.append(Case(prim, (make(*shape),), dict(extra, axis=axis, keepdims=keepdims)))
    return cases


def with_zeros(*shape):
    """A random array with its first entry set to zero."""
    x = rand(*shape)
    x.reshape(-1)[0] = 0.0
    return x


TIE = np.array([[0.5, 1.5, 1.5], [-0.2, -0.7, -0.7]])  # ties for the max of row 0, min of row 1

CASES = [
    *reduction_cases("sum"),
    *reduction_cases("mean"),
    *reduction_cases("max", distinct),
    *reduction_cases("min", distinct),
    Case("max", (TIE,), {"axis": 1}, "two-way tie"),
    Case("max", (TIE,), {}, "two-way tie, axis None"),
    Case("min", (TIE,), {"axis": 1, "keepdims": True}, "two-way tie"),
    Case("min", (TIE,), {}, "two-way tie, axis None"),
    *reduction_cases("prod"),
    Case("prod", (with_zeros(2, 3),), {"axis": 1}, "one zero"),
    Case("prod", (with_zeros(2, 3),), {}, "one zero, axis None"),
    Case("prod", (np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]),), {"axis": 1}, "two zeros in a row"),
    Case("prod", (np.array([[0.0, 1.5, 0.0], [2.0, 0.5, -1.0]]),), {}, "two zeros, axis None"),
    Case("prod", (np.array([[[0.0, 1.5], [0.7, 0.0]], [[2.0, 0.3], [1.1, -1.0]]]),), {"axis": (0, 2)},
         "zeros, tuple axis"),
    Case("cumsum", (rand(),), note="0-d"),
    Case("cumsum", (rand(3),)),
    Case("cumsum", (rand(2, 3),), note="axis None"),
    Case("cumsum", (rand(2, 3),), {"axis": 0}),
    Case("cumsum", (rand(2, 3, 4),), {"axis": -1}),
    Case("cumsum", (rand(2, 3, 4),), {"axis": 1}),
    Case("cumprod", (rand(),), note="0-d"),
    Case("cumprod", (rand(4),)),
    Case("cumprod", (rand(2, 3),), note="axis None"),
    Case("cumprod", (rand(2, 3),), {"axis": 0}),
    Case("cumprod", (rand(2, 3, 4),), {"axis": -1}),
    Case("cumprod", (rand(2, 3, 4),), {"axis": 1}),
    Case("cumprod", (np.array([1.5, 0.0, -2.0, 0.5]),), note="a zero"),
    Case("cumprod", (np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]),), {"axis": 1}, "zeros"),
    Case("cumprod", (np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]),), note="zeros, axis None"),
    Case("trace", (rand(3, 3),)),
    Case("trace", (rand(2, 4),), {"offset": 1}, "offset 1, not square"),
    Case("trace", (rand(4, 3),), {"offset": -2}, "offset -2"),
    Case("trace", (rand(2, 3, 4),), {"axis1": 1, "axis2": 2}),
    Case("trace", (rand(3, 2, 3),), {"axis1": -1, "axis2": 0, "offset": 1}, "reversed axes"),
    *[Case(name, ([0.3, -1.2, 0.9],), note="a list of floats")
      for name in ("sum", "mean", "max", "min", "prod", "var", "std")],
    Case("max", ([rand(3), rand(3)],), {"axis": 0}, "a list of arrays"),
    # statistics.py
    *reduction_cases("var"),
    *reduction_cases("std"),
    Case("var", (rand(2, 3),), {"ddof": 1}),
    Case("var", (rand(2, 3, 4),), {"axis": (0, 2), "ddof": 1, "keepdims": True}),
    Case("std", (rand(2, 3),), {"axis": 1, "ddof": 1}),
    Case("std", (rand(5),), {"ddof": 2}),
    Case("average", (rand(3),), {"weights": None}),
    Case("average", (rand(2, 3),), {"axis": 1, "weights": None, "keepdims": True}, "no weights"),
    Case("average", (rand(2, 3), None, rand(2, 3, lo=0.5)), note="same-shape weights, axis None"),
    Case("average", (rand(2, 3), 0, rand(2, 3, lo=0.5)), note="same-shape weights"),
    Case("average", (rand(2, 3, 4), (0, 2), rand(2, 3, 4, lo=0.5)), {"keepdims": True}),
    Case("average", (rand(2, 3), 1, rand(3, lo=0.5)), note="1-D weights"),
    Case("average", (rand(2, 3), 0, rand(2, lo=0.5)), {"keepdims": True}, "1-D weights"),
    Case("average", (rand(2, 3, 4), -2, rand(3, lo=0.5)), note="1-D weights, middle axis"),
    Case("average", (rand(4), 0, rand(4, lo=0.5)), note="1-D"),
    Case("diff", (rand(5),)),
    Case("diff", (rand(6), 3), note="n=3"),
    Case("diff", (rand(3, 4),), {"axis": 0}),
    Case("diff", (rand(2, 5, 3),), {"n": 2, "axis": 1}),
    Case("diff", (rand(2, 3),), {"n": 0}, "n=0"),
    Case("diff", (rand(5, 2),), {"n": 4, "axis": 0}, "one entry left"),
]
