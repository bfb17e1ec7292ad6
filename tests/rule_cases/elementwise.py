"""Cases for templates/elementwise.py, each inside its function's domain and away from
kinks (abs at 0) and jumps (rounding at integers)."""
from tests.rule_cases import Case
from tests.rule_cases._inputs import uniform, unary_cases

CASES = [
    *unary_cases("absolute", -2, 2),
    *unary_cases("reciprocal", 0.5, 2),
    Case("reciprocal", (uniform(-2, -0.5, (3,)),), note="negative"),
    *unary_cases("square", -2, 2),
    *unary_cases("sqrt", 0.5, 3),
    *unary_cases("cbrt", 0.5, 3),
    Case("cbrt", (uniform(-3, -0.5, (3,)),), note="negative"),
    *unary_cases("exp", -2, 2),
    *unary_cases("exp2", -2, 2),
    *unary_cases("expm1", -2, 2),
    *unary_cases("log", 0.5, 3),
    *unary_cases("log2", 0.5, 3),
    *unary_cases("log10", 0.5, 3),
    *unary_cases("log1p", -0.5, 2),
    # zero-gradient functions: the harness checks the gradient really is zero
    *unary_cases("sign", -2, 2),
    *unary_cases("floor", -3, 3),
    *unary_cases("ceil", -3, 3),
    *unary_cases("rint", -3, 3),
    *unary_cases("trunc", -3, 3),
    *unary_cases("fix", -3, 3),
    *unary_cases("round", -3, 3),
    Case("round", (uniform(-3, 3, (2, 3)), 1), note="decimals=1"),
    *unary_cases("fabs", -2, 2),
]
