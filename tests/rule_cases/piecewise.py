"""Cases for templates/numpy/piecewise.py: heaviside with entries of an integer x1 at
exactly zero (where x2's gradient is) and of a float x1 away from zero (its own gradient,
zero); interp of points inside and outside the knots (none on a knot, where the slope
jumps), of a float, a 0-d array and 1-D and 2-D arrays; and the casts np.float64 and
np.float32 (of small entries, so that float32's rounding of the perturbation stays below
the tolerance of the central differences)."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._arrays import rand

XP = np.array([-1.5, -0.4, 0.3, 1.1, 2.0])
FP = rand(5)

CASES = [
    Case("heaviside", (np.array([-1, 0, 2]), rand(3)), note="a zero in integer x1"),
    Case("heaviside", (np.array([[0, 1, -3], [2, 0, 0]]), rand(2, 3)), note="zeros"),
    Case("heaviside", (np.array([[0], [1]]), rand(1, 3)), note="broadcast"),
    Case("heaviside", (np.array([0, -2, 7]), 0.5), note="x2 a Python float"),
    Case("heaviside", (0, rand(2, 3)), note="x1 a Python zero"),
    Case("heaviside", (rand(2, 3), rand(2, 3)), note="float x1 away from zero: no gradient"),
    Case("heaviside", (rand(2, 1), 0.5), note="float x1, broadcast"),
    Case("interp", (np.array([-1.0, 0.0, 0.9, 1.7]), XP, FP), note="inside"),
    Case("interp", (np.array([[-2.0, 0.5, 2.5], [1.3, -0.7, 0.1]]), XP, FP), note="some outside"),
    Case("interp", (0.2, XP, FP), note="a Python float"),
    Case("interp", (rand(), XP, FP), note="0-d"),
    Case("interp", (np.array([-3.0, 3.0]), XP, FP), note="both sides outside"),
    Case("float64", (0.7,), note="Python float"),
    Case("float64", (rand(),), note="0-d"),
    Case("float64", (rand(3),)),
    Case("float32", (rand() * 1e-5,), note="0-d, small"),
    Case("float32", (rand(2, 3) * 1e-5,), note="small"),
]
