"""Cases for templates/numpy/complex_parts.py: real, imag, conj, real_if_close and angle
on real operands of each standard shape (angle on both signs: 0 and pi), where each is
the identity or has a zero gradient."""
from tests.rule_cases import Case
from tests.rule_cases._inputs import uniform, unary_cases

CASES = [
    *unary_cases("real", -2, 2),
    *unary_cases("imag", -2, 2),
    *unary_cases("conj", -2, 2),
    *unary_cases("real_if_close", -2, 2),
    Case("real_if_close", (uniform(-2, 2, (2, 3)), 1000), note="tol"),
    *unary_cases("angle", -2, 2),
    Case("angle", (uniform(-2, 2, (2, 3)), True), note="in degrees"),
]
