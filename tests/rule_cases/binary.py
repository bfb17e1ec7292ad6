"""Cases for templates/binary.py on the standard shape pairings, inside each domain and
away from ties (exact tie conventions are tested in test_rules.test_kink_convention)."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._inputs import binary_cases, uniform

CASES = [
    *binary_cases("maximum", (-2, 2)),
    *binary_cases("minimum", (-2, 2)),
    *binary_cases("fmax", (-2, 2)),
    *binary_cases("fmin", (-2, 2)),
    Case("fmax", (np.array([1.0, np.nan, 3.0]), np.array([np.nan, 2.0, -1.0])), note="NaN"),
    Case("fmin", (np.array([1.0, np.nan, 3.0]), np.array([np.nan, 2.0, -1.0])), note="NaN"),
    Case("builtin_max", (0.3, -1.2)),
    Case("builtin_max", (-0.7, 2.5)),
    Case("builtin_min", (0.3, -1.2)),
    Case("builtin_min", (-0.7, 2.5)),
    Case("builtin_max", (np.float64(1.5), np.float64(0.5)), note="NumPy scalars"),
    *binary_cases("arctan2", (-2, 2)),
    *binary_cases("hypot", (-2, 2)),
    *binary_cases("logaddexp", (-3, 3)),
    *binary_cases("logaddexp2", (-3, 3)),
    *binary_cases("float_power", (0.5, 2), (-2, 2)),
    *binary_cases("floor_divide", (-3, 3), (0.5, 2)),
    *binary_cases("mod", (-3, 3), (0.5, 2)),
    Case("mod", (uniform(-3, 3, (2, 3)), uniform(-2, -0.5, (3,))), note="negative divisor"),
    *binary_cases("copysign", (-2, 2)),
    # where: condition is boolean (nondiff); x and y broadcast against it
    Case("where", (uniform(-1, 1, (2, 3)) > 0, uniform(-1, 1, (2, 3)), uniform(-1, 1, (2, 3)))),
    Case("where", (uniform(-1, 1, (2, 3)) > 0, uniform(-1, 1, (2, 1)), uniform(-1, 1, (1, 3))),
         note="broadcast"),
    Case("where", (uniform(-1, 1, (3,)) > 0, uniform(-1, 1, (2, 3)), 0.0), note="scalar y"),
    Case("where", (uniform(-1, 1, (3,)) > 0, 1.5, uniform(-1, 1, (3,))), note="scalar x"),
    Case("where", (True, 1.5, -0.5), note="Python scalars"),
    # clip: values on both sides of each bound
    Case("clip", (uniform(-2, 2, (3,)), -1.0, 1.0)),
    Case("clip", (uniform(-2, 2, (2, 3)), -0.5, 0.5)),
    Case("clip", (uniform(-2, 2, (2, 3)), uniform(-1, 0, (3,)), uniform(0, 1, (2, 1))),
         note="array bounds"),
    Case("clip", (uniform(-2, 2, (2, 3)), None, 0.5), note="no lower bound"),
    Case("clip", (uniform(-2, 2, (2, 3)), -0.5, None), note="no upper bound"),
    Case("clip", (uniform(-2, 2, (2, 3)), 1.0, -1.0), note="a_min > a_max"),
    Case("clip", (1.7, -1.0, 1.0), note="Python floats"),
    Case("clip", (uniform(-2, 2), uniform(-2, 2, (3,)), 1.5), note="0-d a"),
]
