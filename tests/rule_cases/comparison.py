"""Cases for templates/comparison.py. These primitives are not differentiable; the
harness checks that their output really does not move when float inputs are nudged."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._inputs import uniform

MASKS = (uniform(-1, 1, (2, 3)) > 0, uniform(-1, 1, (3,)) > 0)
SPECIALS = np.array([1.0, np.nan, np.inf, -np.inf, -2.5])

CASES = [
    *[Case(name, (uniform(-1, 1, (2, 1)), uniform(-1, 1, (1, 3))), note="broadcast")
      for name in ("greater", "less", "greater_equal", "less_equal")],
    Case("greater", (uniform(-1, 1, (3,)), 0.5), note="array with scalar"),
    Case("equal", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]))),
    Case("not_equal", (np.array([1.0, 2.0, 3.0]), 2.0)),
    *[Case(name, MASKS) for name in ("logical_and", "logical_or", "logical_xor",
                                     "bitwise_and", "bitwise_or", "bitwise_xor")],
    Case("logical_not", (uniform(-1, 1, (2, 3)),)),
    Case("invert", MASKS[:1]),
    *[Case(name, (SPECIALS,)) for name in ("isnan", "isinf", "isfinite")],
    Case("argmax", (uniform(-1, 1, (2, 3)),)),
    Case("argmax", (uniform(-1, 1, (2, 3)),), {"axis": 1, "keepdims": True}),
    Case("argmin", (uniform(-1, 1, (2, 3)), 0)),
]
