"""Cases for templates/gathering.py: gathers with repeated and negative indices (so the
reverse must add, not assign), along each axis and flattened; padding with scalar and
per-side constants; sorts along each axis."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._arrays import distinct, rand

REPEATED = np.array([0, 2, 2, -1])

CASES = [
    Case("bincount", (np.array([0, 2, 2, 4]), rand(4))),
    Case("bincount", (np.array([1, 1, 0]), rand(3), 5), note="minlength"),
    Case("take", (rand(2, 3), REPEATED), note="flattened"),
    Case("take", (rand(2, 3), np.array([[1, 0], [1, 1]])), {"axis": 0}, "2-D indices"),
    Case("take", (rand(2, 3, 4), REPEATED), {"axis": -1}),
    Case("take", (rand(2, 3), 4), note="one index"),
    Case("take", (rand(2, 3), np.array([3, -4, 5])), {"axis": 1, "mode": "wrap"}, "wrap"),
    Case("take", (rand(2, 3), np.array([3, -4, 1])), {"axis": 1, "mode": "clip"}, "clip"),
    Case("take_along_axis", (rand(2, 3), np.array([[0, 0, 2], [1, 2, 1]]), 1)),
    Case("take_along_axis", (rand(2, 3), np.array([[1, 0, 1]]), 0), note="broadcast indices"),
    Case("take_along_axis", (rand(3, 4), np.argsort(rand(3, 4), axis=-1), -1), note="argsort"),
    Case("take_along_axis", (rand(5), np.array([4, 4, 0]), None), note="flattened"),
    Case("repeat", (rand(3), 2)),
    Case("repeat", (rand(2, 3), 2), note="flattened"),
    Case("repeat", (rand(2, 3), 3), {"axis": 1}),
    Case("repeat", (rand(2, 3), np.array([0, 2, 1])), {"axis": -1}, "per-entry counts, a zero"),
    Case("repeat", (rand(2, 2), np.array([1, 2, 0, 3])), note="flattened, per-entry counts"),
    Case("repeat", (rand(), 3), note="0-d"),
    Case("tile", (rand(3), 2)),
    Case("tile", (rand(2, 3), (2, 1))),
    Case("tile", (rand(3), (2, 2)), note="more reps than axes"),
    Case("tile", (rand(2, 1, 3), (2, 2)), note="fewer reps than axes"),
    Case("pad", (rand(3), 2), {"constant_values": 0.0}),
    Case("pad", (rand(2, 3), ((1, 0), (2, 1))), {"constant_values": 0.0}),
    Case("pad", (rand(2, 3), 1), {"mode": "constant", "constant_values": float(rand())},
         "scalar constant"),
    Case("pad", (rand(2, 3), (1, 2)), {"constant_values": rand(2, 2)}, "a constant per side"),
    Case("pad", (rand(2, 3), ((0, 1), (1, 1))), {"constant_values": rand(2)}, "before, after"),
    Case("diag", (rand(3),)),
    Case("diag", (rand(3),), {"k": 1}),
    Case("diag", (rand(2),), {"k": -2}),
    Case("diag", (rand(3, 3),)),
    Case("diag", (rand(3, 4),), {"k": 1}, "not square"),
    Case("diag", (rand(4, 3),), {"k": -1}, "not square"),
    Case("diagonal", (rand(3, 3),)),
    Case("diagonal", (rand(3, 4),), {"offset": 2}),
    Case("diagonal", (rand(2, 3, 4),), {"offset": -1, "axis1": 2, "axis2": 1}),
    Case("diagonal", (rand(3, 2, 3),), {"axis1": 0, "axis2": -1}),
    Case("sort", (distinct(5),)),
    Case("sort", (distinct(3, 4),), note="last axis"),
    Case("sort", (distinct(3, 4),), {"axis": 0}),
    Case("sort", (distinct(2, 3),), {"axis": None}, "flattened"),
    Case("sort", (distinct(2, 3, 2),), {"axis": 1, "kind": "stable"}),
    Case("partition", (distinct(6), 2)),
    Case("partition", (distinct(3, 5), [1, 3]), note="two kth, last axis"),
    Case("partition", (distinct(4, 3), 1), {"axis": 0}),
    Case("partition", (distinct(2, 3), -1), {"axis": None}, "flattened"),
    Case("partition", (distinct(2, 5, 2), 4), {"axis": -2}),
]
