"""Cases for scipy.special's Bessel functions (templates/bessel.py)."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(29)
x = rng.uniform(-4.0, 4.0, size=(2, 3))
positive = rng.uniform(0.5, 4.0, size=(2, 3))

CASES = [
    Case("j0", (x,)),
    Case("j1", (x,)),
    Case("jn", (0, x)),
    Case("jn", (3, x)),
    Case("y0", (positive,)),
    Case("y1", (positive,)),
    Case("yn", (2, positive)),
    Case("i0", (x,)),
    Case("i1", (x,)),
    Case("iv", (1.5, positive)),
    Case("iv", (2, x)),
    Case("ive", (1, x)),
    Case("ive", (0.5, positive)),
]
