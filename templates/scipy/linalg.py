"""scipy.linalg's ``solve_triangular``: ``x = solve_triangular(A, b)`` solves
``A @ x = b`` (``trans=0``) or ``A.T @ x = b`` (``trans=1``) reading only one triangle of
``A`` (``lower``), without its diagonal when ``unit_diagonal``.

As for ``np.linalg.solve``: ``db = solve(A.T, dout)``, ``dA = -db @ x.T`` (transposed
for ``trans=1``: ``db = solve(A, dout)``, ``dA = -x @ db.T``), kept on the entries of
``A`` the solve reads, so the gradient is that of the function SciPy computes.
``overwrite_b`` is not passed on: the generated code never lets SciPy write into ``b``.
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("scipy.linalg.solve_triangular", helper=True,
           nondiff=("trans", "lower", "unit_diagonal", "overwrite_b", "check_finite"))
def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    """Solve a triangular system (scipy.linalg.solve_triangular)."""
    import scipy.linalg
    return scipy.linalg.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal,
                                         check_finite=check_finite)


@solve_triangular.reverse
def solve_triangular_reverse(out, dout, a, b, trans=0, lower=False, unit_diagonal=False,
                             overwrite_b=False, check_finite=True):
    "solve_triangular: db = solve(A.T, dout), dA = -db @ x.T on the triangle it reads"
    if trans not in (0, 1, "N", "T"):
        unsupported("trans=2 (the conjugate transpose) is for complex matrices")
    if trans in (0, "N"):
        db = solve_triangular(a, dout, 1, lower, unit_diagonal)
        left, right = db, out
    else:
        db = solve_triangular(a, dout, 0, lower, unit_diagonal)
        left, right = out, db
    if np.ndim(b) == 1:
        grad = -np.outer(left, right)
    else:
        grad = -(left @ np.swapaxes(right, -1, -2))
    if lower:
        da = np.tril(grad, -1 if unit_diagonal else 0)
    else:
        da = np.triu(grad, 1 if unit_diagonal else 0)
    return da, db


@solve_triangular.forward
def solve_triangular_forward(out, a, b, trans=0, lower=False, unit_diagonal=False,
                             overwrite_b=False, check_finite=True, *, da, db):
    if trans not in (0, 1, "N", "T"):
        unsupported("trans=2 (the conjugate transpose) is for complex matrices")
    if lower:
        read = np.tril(da, -1 if unit_diagonal else 0)
    else:
        read = np.triu(da, 1 if unit_diagonal else 0)
    if trans in (1, "T"):
        read = np.swapaxes(read, -1, -2)
    dout = solve_triangular(a, db - read @ out, trans, lower, unit_diagonal)
    return dout
