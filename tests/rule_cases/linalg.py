"""Cases for templates/linalg.py: well-conditioned matrices (``B @ B.T + 3 I``, or
``B + 3 I`` when symmetry would hide a transposition mistake), single and stacked,
right-hand sides as vectors, matrices and stacks; norms of every supported order, along
each axis, including at the zero vector (gradient zero) and at two-way ties; pinv of
tall, wide, square and stacked matrices of full rank; eigh of symmetric matrices with
distinct eigenvalues, and of matrices whose other triangle NumPy does not read."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._arrays import distinct, rand, well_conditioned

NEGATIVE_DET = well_conditioned(3, symmetric=False) @ np.diag([1.0, 1.0, -1.0])
_Q = np.linalg.qr(rand(3, 3))[0]
SPREAD = _Q @ np.diag([-1.5, 0.5, 2.0]) @ _Q.T      # symmetric, eigenvalues at least 1 apart

CASES = [
    Case("inv", (well_conditioned(3, symmetric=False),)),
    Case("inv", (well_conditioned(2, 3, symmetric=False),), note="stacked"),
    Case("solve", (well_conditioned(3, symmetric=False), rand(3)), note="vector"),
    Case("solve", (well_conditioned(3, symmetric=False), rand(3, 2)), note="matrix"),
    Case("solve", (well_conditioned(3, 2, symmetric=False), rand(2, 3, 2)), note="stacked"),
    Case("solve", (well_conditioned(3, 2, symmetric=False), rand(3)), note="stacked, one vector"),
    Case("solve", (well_conditioned(3, 2, symmetric=False), rand(3, 1)), note="broadcast b"),
    Case("det", (well_conditioned(3, symmetric=False),)),
    Case("det", (NEGATIVE_DET,), note="negative"),
    Case("det", (well_conditioned(2, 3, symmetric=False),), note="stacked"),
    Case("slogdet", (well_conditioned(3, symmetric=False),)),
    Case("slogdet", (NEGATIVE_DET,), note="negative"),
    Case("slogdet", (well_conditioned(2, 3, symmetric=False),), note="stacked"),
    Case("cholesky", (well_conditioned(3),)),
    Case("cholesky", (well_conditioned(4, 2),), note="stacked"),
    Case("cholesky", (np.triu(rand(3, 3)) + well_conditioned(3),), note="reads the lower triangle"),
    Case("norm", (rand(3),)),
    Case("norm", (rand(2, 3),), note="flattened"),
    Case("norm", (rand(2, 3, 4),), note="3-D flattened"),
    Case("norm", (rand(2, 3),), {"keepdims": True}),
    Case("norm", (np.zeros(3),), note="zero vector"),
    Case("norm", (np.array([[0.0, 0.0], [1.0, 2.0]]),), {"axis": 1}, "a zero row"),
    *[Case("norm", (distinct(4), order)) for order in (2, 1, np.inf, -np.inf, 3, 0.5, -1.5, 0)],
    *[Case("norm", (distinct(2, 3), order), {"axis": axis, "keepdims": keepdims})
      for order in (None, 2, 1, np.inf, 3) for axis in (0, -1, (1,))
      for keepdims in (False, True)],
    Case("norm", (np.zeros(3), 1), note="zero vector, ord 1"),
    Case("norm", (np.zeros(3), np.inf), note="zero vector, ord inf"),
    Case("norm", (np.zeros(3), 3), note="zero vector, ord 3"),
    Case("norm", (np.array([1.0, -2.0, 2.0]), np.inf), note="two-way tie"),
    *[Case("norm", (distinct(3, 4), order)) for order in (None, "fro", 1, -1, np.inf, -np.inf)],
    *[Case("norm", (distinct(2, 3, 4), order), {"axis": axis, "keepdims": keepdims})
      for order in ("fro", 1, -1, np.inf, -np.inf) for axis in ((0, 2), (2, 1), (-1, 0))
      for keepdims in (False, True)],
    Case("norm", (np.zeros((2, 3)), "fro"), note="zero matrix"),
    Case("norm", (np.zeros((2, 3)), 1), note="zero matrix, ord 1"),
    Case("pinv", (rand(3, 2),), note="tall, full column rank"),
    Case("pinv", (rand(2, 4),), note="wide, full row rank"),
    Case("pinv", (well_conditioned(3, symmetric=False),), note="square"),
    Case("pinv", (rand(2, 4, 3),), note="stacked"),
    Case("eigh", (SPREAD,)),
    Case("eigh", (SPREAD + np.triu(rand(3, 3), 1),), note="reads the lower triangle"),
    Case("eigh", (SPREAD + np.tril(rand(3, 3), -1),), {"UPLO": "U"}, "reads the upper triangle"),
    Case("eigh", (np.stack([SPREAD, well_conditioned(3)]),), note="stacked"),
]

CASES += [
    Case("svd", (rand(4, 3), False), note="tall"),
    Case("svd", (rand(2, 4), False), note="wide"),
    Case("svd", (well_conditioned(3, symmetric=False),), note="square, full_matrices"),
    Case("svd", (rand(2, 4, 3), False), note="stacked"),
    Case("svd", (rand(4, 3),), {"compute_uv": False}, "singular values only"),
    Case("svd", (rand(2, 3, 5),), {"compute_uv": False, "full_matrices": False}, "stacked, values only"),
]
