"""scipy.linalg's ``solve_triangular``, ``solve_sylvester`` and ``sqrtm``.

``x = solve_triangular(A, b)`` solves
``A @ x = b`` (``trans=0``) or ``A.T @ x = b`` (``trans=1``) reading only one triangle of
``A`` (``lower``), without its diagonal when ``unit_diagonal``.

As for ``np.linalg.solve``: ``db = solve(A.T, dout)``, ``dA = -db @ x.T`` (transposed
for ``trans=1``: ``db = solve(A, dout)``, ``dA = -x @ db.T``), kept on the entries of
``A`` the solve reads, so the gradient is that of the function SciPy computes.
``overwrite_b`` is not passed on: the generated code never lets SciPy write into ``b``.

``solve_sylvester`` solves ``A @ X + X @ B = Q``; its adjoint is the transposed equation,
``A.T @ Y + Y @ B.T = dout``: ``dQ = Y``, ``dA = -Y @ X.T``, ``dB = -X.T @ Y``.
``sqrtm`` (``X @ X = A``) is a Sylvester equation in its derivative,
``X @ dX + dX @ X = dA``: ``dA = solve_sylvester(X.T, X.T, dout)``. Only a real square
root is differentiated (a matrix with negative eigenvalues has a complex one: refused).
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


@primitive("scipy.linalg.solve_sylvester", helper=True)
def solve_sylvester(a, b, q):
    """Solve ``a @ x + x @ b = q`` (scipy.linalg.solve_sylvester)."""
    import scipy.linalg
    return scipy.linalg.solve_sylvester(a, b, q)


@solve_sylvester.reverse
def solve_sylvester_reverse(out, dout, a, b, q):
    "solve_sylvester: dQ = solve_sylvester(A.T, B.T, dout), dA = -dQ @ X.T, dB = -X.T @ dQ"
    if np.iscomplexobj(out):
        unsupported("a complex solution: diffc differentiates real functions only")
    dq = solve_sylvester(a.T, b.T, dout)
    da = -(dq @ out.T)
    db = -(out.T @ dq)
    return da, db, dq


@solve_sylvester.forward
def solve_sylvester_forward(out, a, b, q, *, da, db, dq):
    if np.iscomplexobj(out):
        unsupported("a complex solution: diffc differentiates real functions only")
    dout = solve_sylvester(a, b, dq - da @ out - out @ db)
    return dout


@primitive("scipy.linalg.sqrtm", helper=True)
def sqrtm(A):
    """The principal square root of a matrix (scipy.linalg.sqrtm)."""
    import scipy.linalg
    return scipy.linalg.sqrtm(A)


@sqrtm.reverse
def sqrtm_reverse(out, dout, A):
    "sqrtm: dA = solve_sylvester(X.T, X.T, dout), as X @ dX + dX @ X = dA"
    if np.iscomplexobj(out):
        unsupported("a complex square root (the matrix has negative eigenvalues): diffc "
                    "differentiates real functions only")
    dA = solve_sylvester(out.T, out.T, dout)
    return dA


@sqrtm.forward
def sqrtm_forward(out, A, *, dA):
    if np.iscomplexobj(out):
        unsupported("a complex square root (the matrix has negative eigenvalues): diffc "
                    "differentiates real functions only")
    dout = solve_sylvester(out, out, dA)
    return dout
