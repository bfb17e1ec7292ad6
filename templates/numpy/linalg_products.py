"""Products of matrices and a symmetric eigenvalue problem: ``np.linalg.matrix_power``,
``np.linalg.multi_dot`` and ``np.linalg.eigvalsh``.

* matrix_power(A, n), integer ``n``: the derivative of ``A^n`` along ``E`` is
  ``sum_k A^k E A^(n-1-k)``, the upper right block of ``[[A, E], [0, A]]^n``; its adjoint is
  the same sum with ``A^T`` and ``dout``, the upper right block of
  ``[[A^T, dout], [0, A^T]]^n``. A negative ``n`` is ``inv(A)^(-n)``, and
  ``d inv(A) = -inv(A) dA inv(A)``.
* multi_dot([A1, ..., Ak]) is ``A1 @ ... @ Ak`` (a 1-D first array a row, a 1-D last one a
  column): ``dAi = (A1 ... A(i-1))^T dout (A(i+1) ... Ak)^T``; up to four arrays.
* lstsq(A, b) for ``A`` of full column rank (at least as many rows as columns; a wide
  ``A``, whose solution is the one of least norm, is refused): ``x = G A^T b`` with
  ``G = inv(A^T A)`` and ``r = b - A x``. With ``z = G dx``: ``dA = r z^T - A z x^T`` and
  ``db = A z``. The squared residuals ``|r|^2`` (given when there are more rows than columns)
  add ``-2 (r dres) x^T`` to ``dA`` and ``2 r dres`` to ``db`` (``r`` is orthogonal to
  ``A``'s columns, so ``x``'s change does not move them). The singular values ``s`` add
  ``U diag(ds) V^T = A V diag(ds / s) V^T``, with ``V`` from ``eigh(A^T A)`` (distinct
  singular values). The rank has no derivative.
* eigvalsh(A, UPLO): ``A = V diag(w) V^T`` read from one triangle, distinct eigenvalues:
  ``dw = diag(V^T dA V)`` and ``dA = V diag(dw) V^T``, laid on the triangle read, as
  ``eigh``'s rule does.
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("numpy.linalg.matrix_power", nondiff=("n",))
def matrix_power(a, n):
    return np.linalg.matrix_power(a, n)


@matrix_power.reverse
def matrix_power_reverse(out, dout, a, n):
    "matrix_power: dA = sum_k (A^T)^k dout (A^T)^(n-1-k), the corner of [[A^T, dout], [0, A^T]]^n"
    size = np.shape(a)[-1]
    if n >= 0:
        base = np.swapaxes(a, -1, -2)
    else:
        inverse = np.linalg.inv(a)
        base = np.swapaxes(inverse, -1, -2)
    top = np.concatenate([base, dout], axis=-1)
    bottom = np.concatenate([np.zeros_like(base), base], axis=-1)
    corner = np.linalg.matrix_power(np.concatenate([top, bottom], axis=-2), abs(n))[..., :size, size:]
    if n >= 0:
        da = corner
    else:
        da = -(base @ corner @ base)
    return da


@matrix_power.forward
def matrix_power_forward(out, a, n, *, da):
    size = np.shape(a)[-1]
    if n >= 0:
        base = a
        dbase = da
    else:
        base = np.linalg.inv(a)
        dbase = -(base @ da @ base)
    top = np.concatenate([base, dbase], axis=-1)
    bottom = np.concatenate([np.zeros_like(base), base], axis=-1)
    dout = np.linalg.matrix_power(np.concatenate([top, bottom], axis=-2), abs(n))[..., :size, size:]
    return dout


@primitive("numpy.linalg.multi_dot")
def multi_dot(arrays):
    return np.linalg.multi_dot(arrays)


@multi_dot.reverse
def multi_dot_reverse(out, dout, arrays):
    "multi_dot: dAi = (A1 ... A(i-1)).T @ dout @ (A(i+1) ... Ak).T"
    first = np.reshape(arrays[0], (-1, np.shape(arrays[0])[-1]))
    last = np.reshape(arrays[-1], (np.shape(arrays[-1])[0], -1))
    grad = np.reshape(dout, (np.shape(first)[0], np.shape(last)[1]))
    if len(arrays) == 2:
        dfirst = grad @ last.T
        dlast = first.T @ grad
        darrays = [np.reshape(dfirst, np.shape(arrays[0])), np.reshape(dlast, np.shape(arrays[1]))]
    elif len(arrays) == 3:
        middle = arrays[1]
        dfirst = grad @ (middle @ last).T
        dmiddle = first.T @ grad @ last.T
        dlast = (first @ middle).T @ grad
        darrays = [np.reshape(dfirst, np.shape(arrays[0])), dmiddle, np.reshape(dlast, np.shape(arrays[2]))]
    elif len(arrays) == 4:
        second = arrays[1]
        third = arrays[2]
        dfirst = grad @ (second @ third @ last).T
        dsecond = first.T @ grad @ (third @ last).T
        dthird = (first @ second).T @ grad @ last.T
        dlast = (first @ second @ third).T @ grad
        darrays = [np.reshape(dfirst, np.shape(arrays[0])), dsecond, dthird, np.reshape(dlast, np.shape(arrays[3]))]
    else:
        unsupported("multi_dot of more than four arrays: chain them with @")
    return darrays


@multi_dot.forward
def multi_dot_forward(out, arrays, *, darrays):
    if len(arrays) == 2:
        dout = darrays[0] @ arrays[1] + arrays[0] @ darrays[1]
    elif len(arrays) == 3:
        dout = darrays[0] @ arrays[1] @ arrays[2] + arrays[0] @ darrays[1] @ arrays[2] + arrays[0] @ arrays[1] @ darrays[2]
    elif len(arrays) == 4:
        dout = (darrays[0] @ arrays[1] @ arrays[2] @ arrays[3] + arrays[0] @ darrays[1] @ arrays[2] @ arrays[3]
                + arrays[0] @ arrays[1] @ darrays[2] @ arrays[3] + arrays[0] @ arrays[1] @ arrays[2] @ darrays[3])
    else:
        unsupported("multi_dot of more than four arrays: chain them with @")
    return dout


@primitive("numpy.linalg.eigvalsh", nondiff=("UPLO",))
def eigvalsh(a, UPLO="L"):
    return np.linalg.eigvalsh(a, UPLO)


@eigvalsh.reverse
def eigvalsh_reverse(out, dout, a, UPLO="L"):
    "eigvalsh: dA = V @ diag(dw) @ V.T, on the triangle read"
    w, v = np.linalg.eigh(a, UPLO)
    eye = np.eye(np.shape(a)[-1])
    grad = (v * np.expand_dims(dout, -2)) @ np.swapaxes(v, -1, -2)
    if UPLO == "L":
        da = np.tril(grad + np.swapaxes(grad, -1, -2)) - grad * eye
    else:
        da = np.triu(grad + np.swapaxes(grad, -1, -2)) - grad * eye
    return da


@eigvalsh.forward
def eigvalsh_forward(out, a, UPLO="L", *, da):
    w, v = np.linalg.eigh(a, UPLO)
    if UPLO == "L":
        symmetric = np.tril(da) + np.swapaxes(np.tril(da, -1), -1, -2)
    else:
        symmetric = np.triu(da) + np.swapaxes(np.triu(da, 1), -1, -2)
    dout = np.sum(v * (symmetric @ v), axis=-2)
    return dout


@primitive("numpy.linalg.lstsq", nondiff=("rcond",))
def lstsq(a, b, rcond=None):
    return np.linalg.lstsq(a, b, rcond=rcond)


@lstsq.reverse
def lstsq_reverse(out, dout, a, b, rcond=None):
    "lstsq: with z = inv(A.T @ A) @ dx and r = b - A @ x: dA = r z^T - A z x^T, db = A z"
    if np.shape(a)[0] < np.shape(a)[1]:
        unsupported("lstsq of a matrix with fewer rows than columns (its solution is the one of least norm)")
    x, residuals, rank, sv = out
    dx, dresiduals, drank, dsv = dout
    solution = np.reshape(x, (np.shape(a)[1], -1))
    right = np.reshape(b, (np.shape(a)[0], -1))
    residual = right - a @ solution
    gram = a.T @ a
    z = np.linalg.solve(gram, np.reshape(dx, np.shape(solution)))
    w, v = np.linalg.eigh(gram)
    basis = np.flip(v, -1)
    da = residual @ z.T - (a @ z) @ solution.T + a @ (basis * (dsv / sv)) @ basis.T
    dright = a @ z
    if np.shape(a)[0] > np.shape(a)[1]:     # full column rank: residuals are given
        weighted = residual * dresiduals
        da = da - 2 * weighted @ solution.T
        dright = dright + 2 * weighted
    db = np.reshape(dright, np.shape(b))
    return da, db


@lstsq.forward
def lstsq_forward(out, a, b, rcond=None, *, da, db):
    if np.shape(a)[0] < np.shape(a)[1]:
        unsupported("lstsq of a matrix with fewer rows than columns (its solution is the one of least norm)")
    x, residuals, rank, sv = out
    solution = np.reshape(x, (np.shape(a)[1], -1))
    right = np.reshape(b, (np.shape(a)[0], -1))
    dright = np.reshape(db, np.shape(right))
    residual = right - a @ solution
    gram = a.T @ a
    moved = dright - da @ solution
    dsolution = np.linalg.solve(gram, np.transpose(da) @ residual + a.T @ moved)
    w, v = np.linalg.eigh(gram)
    basis = np.flip(v, -1)
    dsv = np.sum((a @ basis) * (da @ basis), axis=0) / sv
    if np.shape(a)[0] > np.shape(a)[1]:     # full column rank: residuals are given
        dresiduals = np.reshape(2 * np.sum(residual * moved, axis=0), np.shape(residuals))
    else:
        dresiduals = np.zeros(np.shape(residuals))
    dout = (np.reshape(dsolution, np.shape(x)), dresiduals, np.zeros(np.shape(rank)), dsv)
    return dout
