"""Cases for the differentiable constructors in templates/constructors.py: fill values
(scalar and broadcast, and integer arrays, where the derivative is zero), arange's start
and step, linspace's endpoints (scalars and arrays, along each axis), array/asarray of
lists and arrays, float()."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._arrays import rand

CASES = [
    Case("full", ((2, 3), float(rand()))),
    Case("full", ((2, 3), rand(3)), note="broadcast fill"),
    Case("full", (4, rand()), note="0-d fill"),
    Case("full", ((2, 3), float(rand())), {"dtype": np.int64}, "integers: zero gradient"),
    Case("full_like", (rand(2, 3), float(rand()))),
    Case("full_like", (rand(2, 3), rand(2, 1)), note="broadcast fill"),
    Case("full_like", (np.arange(3), 1.7), note="integer array: zero gradient"),
    Case("full_like", (np.arange(3), 1.7), {"dtype": np.float64}, "float dtype"),
    Case("arange", (0.25, 3.1, 0.7)),
    Case("arange", (-1.3, 2.0), {"step": 0.5}),
    Case("arange", (1.3, 4.2), {"step": None}),
    Case("arange", (4.5,), {"step": None}, "arange(stop)"),
    Case("arange", (4.5, None, 1.3), note="arange(stop, step)"),
    Case("linspace", (float(rand()), float(rand()), 5)),
    Case("linspace", (rand(), rand(), 4), {"endpoint": False}),
    Case("linspace", (rand(3), rand(3), 4), note="array endpoints"),
    Case("linspace", (rand(2), float(rand()), 3), {"axis": -1}, "last axis"),
    Case("linspace", (rand(2, 1), rand(3), 3), {"axis": 1}, "broadcast endpoints"),
    Case("linspace", (float(rand()), float(rand()), 1), note="one point"),
    Case("array", ([float(rand()), float(rand()), float(rand())],), note="list of floats"),
    Case("array", ([rand(3), rand(3)],), note="list of arrays"),
    Case("array", (rand(2, 3),), note="an array"),
    Case("array", ((rand(), float(rand())),), note="tuple"),
    Case("array", ([2.7, -1.2],), {"dtype": np.int64}, "integers: zero gradient"),
    Case("asarray", ([float(rand()), float(rand())],)),
    Case("asarray", (rand(2, 3),)),
    Case("builtin_float", (rand(),), note="0-d"),
    Case("builtin_float", (np.float64(1.25),), note="NumPy scalar"),
    Case("builtin_float", (0.5,), note="Python float"),
]
