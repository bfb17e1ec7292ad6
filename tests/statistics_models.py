"""Losses calling the reductions, order statistics, statistics, piecewise functions and
matrix products of real code, for tests/test_library_statistics.py (diffc reads them from
this file)."""
import numpy as np


def ufunc_reductions(a):
    return (np.add.reduce(a).sum() + np.multiply.reduce(a, axis=1).sum()
            + np.maximum.reduce(a, axis=None) - np.minimum.reduce(a, 1).sum()
            + np.logaddexp.reduce(a, axis=1).sum() + np.ptp(a, axis=0).sum())


def nan_aware(a):
    masked = np.where(a > 1.5, np.nan, a)
    return (np.nansum(masked ** 2) + np.nanmean(masked, axis=0).sum() + np.nanmax(masked)
            - np.nanmin(masked, axis=1).sum() + np.nanvar(masked, axis=1).sum()
            + np.nanstd(masked) * np.count_nonzero(a > 0))


def robust(w, x, y):
    residual = x @ w - y
    return (np.median(np.abs(residual)) + np.percentile(residual, [10, 90], axis=0).sum()
            + np.quantile(residual ** 2, 0.75, axis=1, keepdims=True).sum())


def covariance_penalty(z):
    c = np.cov(z, rowvar=False)
    r = np.corrcoef(z.T)
    return np.sum((c - np.eye(c.shape[0])) ** 2) + np.sum(np.triu(r, 1) ** 2)


def piecewise(x, fp):
    xp = np.linspace(-2.0, 2.0, 5)
    steps = np.heaviside(np.round(x), 0.25 * fp[0])
    return np.float64(np.interp(x, xp, fp).sum()) + steps.sum() + np.float32(x[0]) * 0.0


def positive_part(a):
    return np.sum(a[np.where(a > 0)] ** 2)


def products(a, b):
    s = a @ a.T + 3 * np.eye(3)
    return (np.linalg.matrix_power(a, 3).sum() + np.linalg.multi_dot([a, b, a.T]).trace()
            + np.linalg.eigvalsh(s)[-1] + np.einsum("ij,jk->ik", a, b, optimize=True).sum()
            + np.linalg.matrix_power(s, -2).sum())


def least_squares(a, b):
    x, residuals, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x ** 2) + residuals.sum() + sv[0] * rank


def wide_least_squares(a, b):
    return np.linalg.lstsq(a, b, rcond=None)[0].sum()
