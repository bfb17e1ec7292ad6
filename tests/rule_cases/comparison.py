"""Cases for templates/comparison.py. These primitives are not differentiable; the
harness checks that their output really does not move when float inputs are nudged."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._inputs import binary_cases, uniform

BOOLS = (uniform(-1, 1, (2, 3)) > 0, uniform(-1, 1, (3,)) > 0)

CASES = [
    *[case for name in ("greater", "less", "greater_equal", "less_equal")
      for case in binary_cases(name, (-1, 1))[2:6]],
    Case("equal", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]))),
    Case("not_equal", (np.array([1.0, 2.0, 3.0]), 2.0)),
    *[Case(name, BOOLS) for name in ("logical_and", "logical_or", "logical_xor",
                                     "bitwise_and", "bitwise_or", "bitwise_xor")],
    Case("logical_not", (uniform(-1, 1, (2, 3)),)),
    Case("invert", BOOLS[:1]),
    *[Case(name, (np.array([1.0, np.nan, np.inf, -np.inf, -2.5]),))
      for name in ("isnan", "isinf", "isfinite")],
    Case("argmax", (uniform(-1, 1, (2, 3)),)),
    Case("argmax", (uniform(-1, 1, (2, 3)),), {"axis": 1, "keepdims": True}),
    Case("argmin", (uniform(-1, 1, (2, 3)), 0)),
]
