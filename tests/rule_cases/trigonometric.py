"""Cases for templates/trigonometric.py, inside each function's domain and away from
its singularities (tan at pi/2, arcsin at +-1, arccosh at 1)."""
from tests.rule_cases._inputs import unary_cases

CASES = [
    *unary_cases("sin", -3, 3),
    *unary_cases("cos", -3, 3),
    *unary_cases("tan", -1.2, 1.2),
    *unary_cases("arcsin", -0.9, 0.9),
    *unary_cases("arccos", -0.9, 0.9),
    *unary_cases("arctan", -3, 3),
    *unary_cases("sinh", -2, 2),
    *unary_cases("cosh", -2, 2),
    *unary_cases("tanh", -2, 2),
    *unary_cases("arcsinh", -3, 3),
    *unary_cases("arccosh", 1.2, 3),
    *unary_cases("arctanh", -0.9, 0.9),
    *unary_cases("sinc", -2, 2),
    *unary_cases("deg2rad", -180, 180),
    *unary_cases("rad2deg", -3, 3),
]
