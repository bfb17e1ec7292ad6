"""Linear algebra: inv, pinv, solve, det, slogdet, cholesky, eigh, svd and norm.

The matrix rules work on stacks of matrices (the last two axes), so they transpose
with ``np.swapaxes(m, -1, -2)``. Textbook forms, for one matrix:

* inv: ``dA = -inv(A).T @ dout @ inv(A).T``
* solve (``x = solve(A, b)``): ``db = solve(A.T, dout)``, ``dA = -db @ x.T``
* pinv (``P = pinv(A)``, A of full rank, or generally of a rank that does not change
  near A): ``dA = -P.T @ dout @ P.T + (I - A @ P) @ dout.T @ P @ P.T
  + P.T @ P @ dout.T @ (I - P @ A)``
* det: ``dA = dout * det(A) * inv(A).T``; slogdet: ``dA = dlogdet * inv(A).T`` (the
  sign is piecewise constant). Both need ``A`` invertible.
* cholesky (``A = L @ L.T``): with ``P = phi(L.T @ dout)``, ``phi`` keeping the lower
  triangle and halving the diagonal, ``G = inv(L).T @ P @ inv(L)`` (two triangular
  solves). NumPy reads only the lower triangle of ``A``, so the gradient is exactly
  that of the function NumPy computes: ``G + G.T`` below the diagonal, ``G`` on it and
  zero above. For a symmetric perturbation this agrees with the symmetric form.
* eigh (``w, V = eigh(A)``, distinct eigenvalues): with ``F[i, j] = 1 / (w[j] - w[i])``
  off the diagonal and 0 on it, ``G = V @ (diag(dw) + F * (V.T @ dV)) @ V.T``, folded
  onto the triangle NumPy reads (``UPLO``) as for cholesky.
* svd (``U, s, Vh = svd(A, full_matrices=False)``, distinct nonzero singular values;
  ``full_matrices=True`` only for a square ``A``, where it is the same): with
  ``F[i, j] = 1 / (s[j]**2 - s[i]**2)`` off the diagonal and ``V = Vh.T``,
  ``dA = U @ (F * (U.T @ dU - dU.T @ U) @ S + diag(ds) + S @ F * (V.T @ dV - dV.T @ V)) @ V.T
  + (I - U @ U.T) @ dU @ inv(S) @ V.T + U @ inv(S) @ dV.T @ (I - V @ V.T)``;
  ``compute_uv=False``: ``dA = U @ diag(ds) @ V.T``.

norm supports ``ord`` None/"fro" (any axis), vector ``ord`` 1, 2, inf, -inf, 0 and
any other p, and matrix ``ord`` 1, -1, inf, -inf. Its gradient at a kink is the
subgradient that is zero at the zero vector (never NaN); ties for the largest entry
(``inf``) or column/row (matrix 1/inf) share dout equally. Spectral and nuclear matrix
norms (``ord`` 2, -2, "nuc") need the SVD and are not supported.
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("numpy.linalg.inv")
def inv(a):
    return np.linalg.inv(a)


@inv.reverse
def inv_reverse(out, dout, a):
    "inv: dA = -inv(A).T @ dout @ inv(A).T"
    inv_t = np.swapaxes(out, -1, -2)
    da = -(inv_t @ dout @ inv_t)
    return da


@inv.forward
def inv_forward(out, a, *, da):
    dout = -(out @ da @ out)
    return dout


@primitive("numpy.linalg.pinv", nondiff=("rcond", "hermitian"))
def pinv(a, rcond=None, hermitian=False):
    return np.linalg.pinv(a, rcond, hermitian)


@pinv.reverse
def pinv_reverse(out, dout, a, rcond=None, hermitian=False):
    "pinv: dA = -P.T @ dout @ P.T + (I - A @ P) @ dout.T @ P @ P.T + P.T @ P @ dout.T @ (I - P @ A)"
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    if hermitian:
        unsupported("hermitian=True reads one triangle of `a`; call it without")
    p_t = np.swapaxes(out, -1, -2)
    dout_t = np.swapaxes(dout, -1, -2)
    off_range = np.eye(np.shape(a)[-2]) - a @ out
    off_rows = np.eye(np.shape(a)[-1]) - out @ a
    da = -(p_t @ dout @ p_t) + off_range @ dout_t @ out @ p_t + p_t @ out @ dout_t @ off_rows
    return da


@pinv.forward
def pinv_forward(out, a, rcond=None, hermitian=False, *, da):
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    if hermitian:
        unsupported("hermitian=True reads one triangle of `a`; call it without")
    p_t = np.swapaxes(out, -1, -2)
    da_t = np.swapaxes(da, -1, -2)
    off_range = np.eye(np.shape(a)[-2]) - a @ out
    off_rows = np.eye(np.shape(a)[-1]) - out @ a
    dout = -(out @ da @ out) + out @ p_t @ da_t @ off_range + off_rows @ da_t @ p_t @ out
    return dout


@primitive("numpy.linalg.solve", broadcasting=True)
def solve(a, b):
    return np.linalg.solve(a, b)


@solve.reverse
def solve_reverse(out, dout, a, b):
    "solve: db = solve(A.T, dout), dA = -db @ x.T"
    if np.ndim(b) == 1:  # one right-hand side: a column
        column = np.linalg.solve(np.swapaxes(a, -1, -2), np.expand_dims(dout, -1))
        da = -(column * np.expand_dims(out, -2))
        db = np.squeeze(column, -1)
    else:
        db = np.linalg.solve(np.swapaxes(a, -1, -2), dout)
        da = -(db @ np.swapaxes(out, -1, -2))
    return da, db


@solve.forward
def solve_forward(out, a, b, *, da, db):
    if np.ndim(b) == 1:
        dout = np.squeeze(np.linalg.solve(a, np.expand_dims(db, -1) - da @ np.expand_dims(out, -1)), -1)
    else:
        dout = np.linalg.solve(a, db - da @ out)
    return dout


@primitive("numpy.linalg.det")
def det(a):
    return np.linalg.det(a)


@det.reverse
def det_reverse(out, dout, a):
    "det: dA = dout * det(A) * inv(A).T"
    da = np.expand_dims(dout * out, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)
    return da


@det.forward
def det_forward(out, a, *, da):
    dout = out * np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)
    return dout


@primitive("numpy.linalg.slogdet")
def slogdet(a):
    return np.linalg.slogdet(a)


@slogdet.reverse
def slogdet_reverse(out, dout, a):
    "slogdet: dA = dlogdet * inv(A).T (the sign has no derivative)"
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    dsign, dlogdet = dout
    da = np.expand_dims(dlogdet, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)
    return da


@slogdet.forward
def slogdet_forward(out, a, *, da):
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    sign, logdet = out
    dout = (np.zeros(np.shape(sign)), np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1))
    return dout


@primitive("numpy.linalg.cholesky")
def cholesky(a):
    return np.linalg.cholesky(a)


@cholesky.reverse
def cholesky_reverse(out, dout, a):
    "cholesky: dA = inv(L).T @ phi(L.T @ dout) @ inv(L), folded onto the lower triangle"
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    product = np.swapaxes(out, -1, -2) @ dout
    phi = np.tril(product) - 0.5 * product * np.eye(np.shape(a)[-1])
    left = np.linalg.solve(np.swapaxes(out, -1, -2), phi)                    # inv(L).T @ phi
    grad = np.swapaxes(np.linalg.solve(np.swapaxes(out, -1, -2), np.swapaxes(left, -1, -2)), -1, -2)
    da = np.tril(grad + np.swapaxes(grad, -1, -2)) - grad * np.eye(np.shape(a)[-1])
    return da


@cholesky.forward
def cholesky_forward(out, a, *, da):
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    symmetric = np.tril(da) + np.swapaxes(np.tril(da, -1), -1, -2)           # what NumPy reads
    half = np.linalg.solve(out, symmetric)                                    # inv(L) @ dA
    inner = np.linalg.solve(out, np.swapaxes(half, -1, -2))                   # inv(L) @ dA @ inv(L).T
    dout = out @ (np.tril(inner) - 0.5 * inner * np.eye(np.shape(a)[-1]))
    return dout


@primitive("numpy.linalg.eigh", nondiff=("UPLO",))
def eigh(a, UPLO="L"):
    return np.linalg.eigh(a, UPLO)


@eigh.reverse
def eigh_reverse(out, dout, a, UPLO="L"):
    "eigh: dA = V @ (diag(dw) + F * (V.T @ dV)) @ V.T, F = 1 / (w[j] - w[i]) off the diagonal"
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    w, v = out
    dw, dv = dout
    eye = np.eye(np.shape(a)[-1])
    gaps = np.expand_dims(w, -2) - np.expand_dims(w, -1)                    # w[j] - w[i]
    inner = np.expand_dims(dw, -2) * eye + (1 - eye) / (gaps + eye) * (np.swapaxes(v, -1, -2) @ dv)
    grad = v @ inner @ np.swapaxes(v, -1, -2)
    if UPLO == "L":
        da = np.tril(grad + np.swapaxes(grad, -1, -2)) - grad * eye
    else:
        da = np.triu(grad + np.swapaxes(grad, -1, -2)) - grad * eye
    return da


@eigh.forward
def eigh_forward(out, a, UPLO="L", *, da):
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    w, v = out
    eye = np.eye(np.shape(a)[-1])
    if UPLO == "L":
        symmetric = np.tril(da) + np.swapaxes(np.tril(da, -1), -1, -2)       # what NumPy reads
    else:
        symmetric = np.triu(da) + np.swapaxes(np.triu(da, 1), -1, -2)
    inner = np.swapaxes(v, -1, -2) @ symmetric @ v
    gaps = np.expand_dims(w, -2) - np.expand_dims(w, -1)
    dout = (np.diagonal(inner, 0, -2, -1), v @ ((1 - eye) / (gaps + eye) * inner))
    return dout


@primitive("numpy.linalg.svd", nondiff=("full_matrices", "compute_uv", "hermitian"))
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    return np.linalg.svd(a, full_matrices, compute_uv, hermitian)


@svd.reverse
def svd_reverse(out, dout, a, full_matrices=True, compute_uv=True, hermitian=False):
    "svd: dA = U (F * (U.T @ dU - dU.T @ U) S + diag(ds) + S F * (V.T @ dV - dV.T @ V)) V.T + the parts off U's and V's columns"
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    if hermitian:
        unsupported("hermitian=True reads one triangle of `a`; call it without")
    if compute_uv and full_matrices and np.shape(a)[-1] != np.shape(a)[-2]:
        unsupported("full_matrices=True on a matrix that is not square: the extra columns are "
                    "any basis of the rest of the space; pass full_matrices=False")
    if compute_uv:
        u, s, vh = out
        du, ds, dvh = dout
    else:
        u, s, vh = np.linalg.svd(a, False)
        ds = dout
    eye = np.eye(np.shape(s)[-1])
    rows = np.expand_dims(s, -2)                                            # X * rows is X @ S
    inner = np.expand_dims(ds, -2) * eye
    if compute_uv:
        cols = np.expand_dims(s, -1)                                        # cols * X is S @ X
        squares = s ** 2
        f = (1 - eye) / (np.expand_dims(squares, -2) - np.expand_dims(squares, -1) + eye)
        ut_du = np.swapaxes(u, -1, -2) @ du
        dvh_v = dvh @ np.swapaxes(vh, -1, -2)                               # dV.T @ V
        inner = inner + f * (ut_du - np.swapaxes(ut_du, -1, -2)) * rows \
            + cols * f * (np.swapaxes(dvh_v, -1, -2) - dvh_v)
        da = (u @ inner + (du - u @ ut_du) / rows) @ vh + u / rows @ (dvh - dvh_v @ vh)
    else:
        da = u @ inner @ vh
    return da


@svd.forward
def svd_forward(out, a, full_matrices=True, compute_uv=True, hermitian=False, *, da):
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    if hermitian:
        unsupported("hermitian=True reads one triangle of `a`; call it without")
    if compute_uv and full_matrices and np.shape(a)[-1] != np.shape(a)[-2]:
        unsupported("full_matrices=True on a matrix that is not square: the extra columns are "
                    "any basis of the rest of the space; pass full_matrices=False")
    if compute_uv:
        u, s, vh = out
    else:
        u, s, vh = np.linalg.svd(a, False)
    v = np.swapaxes(vh, -1, -2)
    dp = np.swapaxes(u, -1, -2) @ da @ v                                    # U.T @ dA @ V
    ds = np.diagonal(dp, 0, -2, -1)
    if compute_uv:
        eye = np.eye(np.shape(s)[-1])
        rows = np.expand_dims(s, -2)
        cols = np.expand_dims(s, -1)
        squares = s ** 2
        f = (1 - eye) / (np.expand_dims(squares, -2) - np.expand_dims(squares, -1) + eye)
        dp_t = np.swapaxes(dp, -1, -2)
        du = u @ (f * (dp * rows + cols * dp_t)) + (da @ v - u @ dp) / rows
        dv = v @ (f * (cols * dp + dp_t * rows)) + (np.swapaxes(da, -1, -2) @ u - v @ dp_t) / rows
        dout = (du, ds, np.swapaxes(dv, -1, -2))
    else:
        dout = ds
    return dout


@primitive("numpy.linalg.norm")
def norm(x, ord=None, axis=None, keepdims=False):
    return np.linalg.norm(x, ord, axis, keepdims)


@norm.reverse
def norm_reverse(out, dout, x, ord=None, axis=None, keepdims=False):
    "norm: dout times the norm's gradient (zero at the zero vector)"
    if np.iscomplexobj(x):
        unsupported("a complex operand: diffc differentiates real functions only")
    if not (ord is None or np.isscalar(ord)):
        unsupported("`ord` must be a constant in the call: it selects the formula")
    if axis is None or keepdims:
        grad = dout
        size = out
    else:
        grad = np.expand_dims(dout, axis)
        size = np.expand_dims(out, axis)
    if ord is None or ord == "fro" or (ord == 2 and not (
            (axis is None and np.ndim(x) == 2) or (np.ndim(axis) == 1 and len(axis) == 2))):
        dx = grad * x / np.where(size == 0, 1.0, size)
    elif (axis is None and np.ndim(x) == 2) or (np.ndim(axis) == 1 and len(axis) == 2):  # matrix
        if ord not in (1, -1, np.inf, -np.inf):
            unsupported("spectral and nuclear norms need the SVD")
        if axis is None:
            rows, cols = 0, 1
        else:
            rows, cols = axis
        if ord in (1, -1):  # the largest (smallest) column sum of |x|
            lines = np.sum(np.abs(x), axis=rows, keepdims=True)
            hits = lines == size
            dx = grad * np.sign(x) * hits / np.sum(hits, axis=cols, keepdims=True).astype(out.dtype)
        else:  # the largest (smallest) row sum of |x|
            lines = np.sum(np.abs(x), axis=cols, keepdims=True)
            hits = lines == size
            dx = grad * np.sign(x) * hits / np.sum(hits, axis=rows, keepdims=True).astype(out.dtype)
    elif ord == 1:
        dx = grad * np.sign(x)
    elif ord in (np.inf, -np.inf):
        hits = np.abs(x) == size
        dx = grad * np.sign(x) * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    elif ord == 0:  # counts the nonzero entries
        dx = np.zeros(np.shape(x))
    else:
        dx = grad * np.sign(x) * (np.abs(x) / np.where(size == 0, 1.0, size)) ** (ord - 1)
    return dx


@norm.forward
def norm_forward(out, x, ord=None, axis=None, keepdims=False, *, dx):
    if np.iscomplexobj(x):
        unsupported("a complex operand: diffc differentiates real functions only")
    if not (ord is None or np.isscalar(ord)):
        unsupported("`ord` must be a constant in the call: it selects the formula")
    if axis is None or keepdims:
        size = out
    else:
        size = np.expand_dims(out, axis)
    if ord is None or ord == "fro" or (ord == 2 and not (
            (axis is None and np.ndim(x) == 2) or (np.ndim(axis) == 1 and len(axis) == 2))):
        slope = x / np.where(size == 0, 1.0, size)
    elif (axis is None and np.ndim(x) == 2) or (np.ndim(axis) == 1 and len(axis) == 2):
        if ord not in (1, -1, np.inf, -np.inf):
            unsupported("spectral and nuclear norms need the SVD")
        if axis is None:
            rows, cols = 0, 1
        else:
            rows, cols = axis
        if ord in (1, -1):
            hits = np.sum(np.abs(x), axis=rows, keepdims=True) == size
            slope = np.sign(x) * hits / np.sum(hits, axis=cols, keepdims=True).astype(out.dtype)
        else:
            hits = np.sum(np.abs(x), axis=cols, keepdims=True) == size
            slope = np.sign(x) * hits / np.sum(hits, axis=rows, keepdims=True).astype(out.dtype)
    elif ord == 1:
        slope = np.sign(x)
    elif ord in (np.inf, -np.inf):
        hits = np.abs(x) == size
        slope = np.sign(x) * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    elif ord == 0:
        slope = np.zeros(np.shape(x))
    else:
        slope = np.sign(x) * (np.abs(x) / np.where(size == 0, 1.0, size)) ** (ord - 1)
    dout = np.sum(slope * dx, axis=axis, keepdims=keepdims)
    return dout
