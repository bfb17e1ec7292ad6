"""Cases for templates/scipy/linalg.py: solve_triangular lower and upper,
plain and transposed, with a unit diagonal, right-hand sides as vectors and matrices.
The matrices are full (``B + 3 I``): the entries outside the triangle the solve reads
must get a zero gradient. solve_sylvester of a rectangular and a square unknown; sqrtm of
a symmetric positive definite matrix and of a non-symmetric one with positive eigenvalues."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._arrays import rand, well_conditioned

CASES = [
    Case("solve_triangular", (well_conditioned(3, symmetric=False), rand(3), trans, lower, unit),
         note=f"trans={trans} lower={lower} unit_diagonal={unit}")
    for trans in (0, 1) for lower in (False, True) for unit in (False, True)
] + [
    Case("solve_triangular", (well_conditioned(3, symmetric=False), rand(3, 2)), {"lower": True}, "matrix b"),
    Case("solve_triangular", (well_conditioned(4, symmetric=False), rand(4, 3)), {"trans": "T"}, "matrix b"),
    Case("solve_triangular", (well_conditioned(3, symmetric=False), rand(3, 1)), {"trans": "N", "unit_diagonal": True}),
]

_Q = np.linalg.qr(rand(3, 3))[0]
POSITIVE = _Q @ np.diag([0.5, 1.5, 3.0]) @ np.linalg.inv(_Q) + 0.1 * rand(3, 3)   # a real square root

CASES += [
    Case("solve_sylvester", (well_conditioned(3, symmetric=False), well_conditioned(2, symmetric=False), rand(3, 2))),
    Case("solve_sylvester", (well_conditioned(3, symmetric=False), well_conditioned(3, symmetric=False), rand(3, 3)),
         note="square"),
    Case("sqrtm", (well_conditioned(3),), note="symmetric positive definite"),
    Case("sqrtm", (POSITIVE,), note="not symmetric, eigenvalues positive"),
]

_BAND = rand(4, 5)                      # l = 2 below, u = 1 above the diagonal
_BAND[1] += 4.0                         # a dominant diagonal (row u)
CASES += [
    Case("solve_banded", ((2, 1), _BAND, rand(5)), note="vector b; unused corners get zero"),
    Case("solve_banded", ((2, 1), _BAND, rand(5, 2)), note="matrix b"),
    Case("solve_banded", ((0, 0), rand(1, 4, lo=1.0, hi=2.0), rand(4)), note="diagonal"),
    Case("solve_banded", ((1, 1), _BAND[1:], rand(5)), {"check_finite": False}, "tridiagonal"),
    Case("band_to_dense", (rand(4, 5), (2, 1))),
    Case("dense_to_band", (rand(5, 5), (1, 2))),
]
