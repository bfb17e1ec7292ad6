"""Covariance and correlation matrices: ``np.cov`` (``rowvar``, ``bias``, ``ddof``; no
weights, no second array) and ``np.corrcoef`` (``rowvar``).

With the variables as the rows of ``X`` (``m``, or ``m.T`` when ``rowvar`` is False; a
1-D ``m`` is one variable) and ``Xc = X - mean(X, axis=1)``:

* cov: ``C = Xc Xc^T / (N - ddof)``, so ``dX = (dC + dC^T) Xc / (N - ddof)`` (already
  centered, as the rows of ``Xc`` are; centering is a projection that leaves it as it is),
  and ``dC = (dXc Xc^T + Xc dXc^T) / (N - ddof)``. ``ddof`` is 1 by default and 0 with
  ``bias``; NumPy returns a 0-d array for one variable.
* corrcoef: ``R = C / (s s^T)`` with ``s = sqrt(diag(C))`` (any ``ddof``: it cancels), so
  ``dC = dR / (s s^T)`` and, on the diagonal, minus ``(row sums + column sums of dR R) /
  (2 diag(C))``; then cov's rule.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.cov")
def cov(m, rowvar=True, bias=False, ddof=None):
    return np.cov(m, rowvar=rowvar, bias=bias, ddof=ddof)


@cov.reverse
def cov_reverse(out, dout, m, rowvar=True, bias=False, ddof=None):
    "cov: dX = (dC + dC^T) @ (X - mean) / (N - ddof), the variables as rows of X"
    if np.ndim(m) == 1 or rowvar:
        rows = np.reshape(m, (-1, np.shape(m)[-1]))
    else:
        rows = np.transpose(m)
    centered = rows - np.mean(rows, axis=1, keepdims=True)
    if ddof is not None:
        count = np.shape(rows)[1] - ddof
    elif bias:
        count = np.shape(rows)[1]
    else:
        count = np.shape(rows)[1] - 1
    dcov = np.reshape(dout, (np.shape(rows)[0], np.shape(rows)[0]))
    drows = (dcov + dcov.T) @ centered / count
    if np.ndim(m) == 1 or rowvar:
        dm = np.reshape(drows, np.shape(m))
    else:
        dm = np.transpose(drows)
    return dm


@cov.forward
def cov_forward(out, m, rowvar=True, bias=False, ddof=None, *, dm):
    if np.ndim(m) == 1 or rowvar:
        rows = np.reshape(m, (-1, np.shape(m)[-1]))
        drows = np.reshape(dm, (-1, np.shape(m)[-1]))
    else:
        rows = np.transpose(m)
        drows = np.transpose(dm)
    centered = rows - np.mean(rows, axis=1, keepdims=True)
    dcentered = drows - np.mean(drows, axis=1, keepdims=True)
    if ddof is not None:
        count = np.shape(rows)[1] - ddof
    elif bias:
        count = np.shape(rows)[1]
    else:
        count = np.shape(rows)[1] - 1
    product = dcentered @ centered.T
    dout = np.reshape((product + product.T) / count, np.shape(out))
    return dout


@primitive("numpy.corrcoef")
def corrcoef(x, rowvar=True):
    return np.corrcoef(x, rowvar=rowvar)


@corrcoef.reverse
def corrcoef_reverse(out, dout, x, rowvar=True):
    "corrcoef: R = C / (s s^T), s = sqrt(diag C): dC = dR / (s s^T) less (dR R) / (2 diag C) on the diagonal"
    if np.ndim(x) == 1 or rowvar:
        rows = np.reshape(x, (-1, np.shape(x)[-1]))
    else:
        rows = np.transpose(x)
    centered = rows - np.mean(rows, axis=1, keepdims=True)
    variances = np.sum(centered * centered, axis=1)
    scales = np.sqrt(variances)
    ratios = np.reshape(out, (np.shape(rows)[0], np.shape(rows)[0]))
    dratios = np.reshape(dout, (np.shape(rows)[0], np.shape(rows)[0]))
    weighted = dratios * ratios
    dcov = dratios / np.outer(scales, scales) - np.diag((np.sum(weighted, axis=0) + np.sum(weighted, axis=1)) / (2 * variances))
    drows = (dcov + dcov.T) @ centered
    if np.ndim(x) == 1 or rowvar:
        dx = np.reshape(drows, np.shape(x))
    else:
        dx = np.transpose(drows)
    return dx


@corrcoef.forward
def corrcoef_forward(out, x, rowvar=True, *, dx):
    if np.ndim(x) == 1 or rowvar:
        rows = np.reshape(x, (-1, np.shape(x)[-1]))
        drows = np.reshape(dx, (-1, np.shape(x)[-1]))
    else:
        rows = np.transpose(x)
        drows = np.transpose(dx)
    centered = rows - np.mean(rows, axis=1, keepdims=True)
    dcentered = drows - np.mean(drows, axis=1, keepdims=True)
    variances = np.sum(centered * centered, axis=1)
    scales = np.sqrt(variances)
    ratios = np.reshape(out, (np.shape(rows)[0], np.shape(rows)[0]))
    product = dcentered @ centered.T
    dcov = product + product.T
    # the relative change of each variance, half of it for each of the two scales
    shrink = np.diagonal(dcov) / (2 * variances)
    dout = np.reshape(dcov / np.outer(scales, scales) - ratios * (shrink[:, None] + shrink[None, :]), np.shape(out))
    return dout
