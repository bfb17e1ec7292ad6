"""Cases for templates/numpy/order_statistics.py: median, quantile and percentile of
distinct entries (no ties, where central differences are valid) over odd and even counts,
axis None, an int, a negative int and a tuple, keepdims off and on, a scalar ``q``, a
list and a 2-D array of them, and the ends 0 and 1 (and 0 and 100)."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._arrays import distinct

SHAPES = [((5,), None), ((4,), 0), ((3, 4), None), ((3, 4), 1), ((3, 5), 0), ((3, 4), -1),
          ((2, 3, 4), (0, 2)), ((2, 3, 4), 1)]


def order_cases(prim, qs):
    cases = []
    for shape, axis in SHAPES:
        for keepdims in (False, True):
            for q in qs:
                args = (distinct(*shape),) if q is None else (distinct(*shape), q)
                cases.append(Case(prim, args, {"axis": axis, "keepdims": keepdims},
                                  "" if q is None else f"q={q!r}"))
    return cases


CASES = [
    *order_cases("median", [None]),
    Case("median", (distinct(6),), note="even count, default axis"),
    *order_cases("quantile", [0.3, 0.5, [0.0, 0.85, 1.0], np.array([[0.1, 0.6], [0.25, 0.9]])]),
    *order_cases("percentile", [30.0, 100, [0, 12.5, 77.0]]),
]
