"""scipy.linalg's ``solve_triangular``, ``solve_banded``, ``solve_sylvester`` and ``sqrtm``.

``x = solve_triangular(A, b)`` solves
``A @ x = b`` (``trans=0``) or ``A.T @ x = b`` (``trans=1``) reading only one triangle of
``A`` (``lower``), without its diagonal when ``unit_diagonal``.

As for ``np.linalg.solve``: ``db = solve(A.T, dout)``, ``dA = -db @ x.T`` (transposed
for ``trans=1``: ``db = solve(A, dout)``, ``dA = -x @ db.T``), kept on the entries of
``A`` the solve reads, so the gradient is that of the function SciPy computes.
``overwrite_b`` is not passed on: the generated code never lets SciPy write into ``b``.

``solve_banded((l, u), ab, b)`` solves ``A @ x = b`` for the matrix ``A`` whose ``l``
diagonals below and ``u`` above are stored in ``ab`` (``A[i, j] = ab[u + i - j, j]``): as
for ``np.linalg.solve``, ``db = solve(A.T, dout)`` and ``dA = -db @ x.T``, kept on the
band (``dense_to_band``; ``band_to_dense`` is its transpose). The gradient goes through the
dense ``A``: exact, and O(n**2) in memory.

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


@primitive("scipy.linalg.solve_banded", helper=True,
           nondiff=("l_and_u", "overwrite_ab", "overwrite_b", "check_finite"))
def solve_banded(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    """Solve a banded system (scipy.linalg.solve_banded)."""
    import scipy.linalg
    return scipy.linalg.solve_banded(l_and_u, ab, b, check_finite=check_finite)


@solve_banded.reverse
def solve_banded_reverse(out, dout, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False,
                         check_finite=True):
    "solve_banded: db = solve(A.T, dout), dA = -db @ x.T on the band"
    if np.iscomplexobj(ab) or np.iscomplexobj(b):
        unsupported("a complex operand: diffc differentiates real functions only")
    db = np.linalg.solve(band_to_dense(ab, l_and_u).T, dout)
    if np.ndim(b) == 1:
        dab = dense_to_band(-np.outer(db, out), l_and_u)
    else:
        dab = dense_to_band(-(db @ out.T), l_and_u)
    return dab, db


@solve_banded.forward
def solve_banded_forward(out, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False,
                         check_finite=True, *, dab, db):
    if np.iscomplexobj(ab) or np.iscomplexobj(b):
        unsupported("a complex operand: diffc differentiates real functions only")
    dout = solve_banded(l_and_u, ab, db - band_to_dense(dab, l_and_u) @ out)
    return dout


@primitive(nondiff=("l_and_u",), helper=True)
def band_to_dense(ab, l_and_u):
    """The square matrix whose band ``ab`` stores, as solve_banded reads it:
    ``a[i, j] = ab[u + i - j, j]`` within ``l`` diagonals below and ``u`` above."""
    lower, upper = l_and_u
    n = np.shape(ab)[-1]
    a = np.zeros((n, n), dtype=np.result_type(ab, float))
    for k in range(-lower, upper + 1):         # the diagonal j - i = k is row u - k of ab
        j = np.arange(max(0, k), min(n, n + k))
        a[j - k, j] = ab[upper - k, j]
    return a


@band_to_dense.reverse
def band_to_dense_reverse(out, dout, ab, l_and_u):
    "band_to_dense: dab = the band of dout"
    dab = dense_to_band(dout, l_and_u)
    return dab


@band_to_dense.forward
def band_to_dense_forward(out, ab, l_and_u, *, dab):
    dout = band_to_dense(dab, l_and_u)
    return dout


@primitive(nondiff=("l_and_u",), helper=True)
def dense_to_band(a, l_and_u):
    """The band of the square matrix ``a`` in solve_banded's storage (the adjoint of
    ``band_to_dense``): ``ab[u + i - j, j] = a[i, j]``, zero where no entry is stored."""
    lower, upper = l_and_u
    n = np.shape(a)[-1]
    ab = np.zeros((lower + upper + 1, n), dtype=np.result_type(a, float))
    for k in range(-lower, upper + 1):
        j = np.arange(max(0, k), min(n, n + k))
        ab[upper - k, j] = a[j - k, j]
    return ab


@dense_to_band.reverse
def dense_to_band_reverse(out, dout, a, l_and_u):
    "dense_to_band: da = the matrix dout stores"
    da = band_to_dense(dout, l_and_u)
    return da


@dense_to_band.forward
def dense_to_band_forward(out, a, l_and_u, *, da):
    dout = dense_to_band(da, l_and_u)
    return dout
