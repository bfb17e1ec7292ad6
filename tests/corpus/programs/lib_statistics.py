"""Statistics in a loss, as a data-science model writes them: a robust regression loss built
on np.median of the absolute residuals (scaled by the MAD) and a percentile band, a
decorrelation penalty on the features' covariance and correlation, nan-aware means of
targets with missing entries, and an attention-style contraction with einsum(optimize=True)."""
import numpy as np

IDIOM = "np.median/np.percentile in a robust loss, np.cov/np.corrcoef penalty, np.nanmean of masked targets, einsum(..., optimize=True)"
EXPECT = "right"


def robust_loss(w, X, y):
    residual = X @ w - y
    mad = np.median(np.abs(residual - np.median(residual))) + 1e-3
    lo, hi = np.percentile(residual, [5, 95])
    return np.mean(np.abs(residual) / mad) + 0.1 * (hi - lo)


def decorrelation(W, X):
    features = np.tanh(X @ W)
    C = np.cov(features, rowvar=False)
    off = C - np.diag(np.diag(C))
    R = np.corrcoef(features.T)
    return np.sum(off ** 2) + 0.5 * np.sum(np.triu(R, 1) ** 2)


def masked_regression(W, X, Y):
    observed = ~np.isnan(Y)
    pred = X @ W
    err = np.where(observed, pred - np.nan_to_num(Y), np.nan)   # missing targets stay NaN
    per_output = np.nanmean(err ** 2, axis=0)
    return np.nansum(per_output) + 0.01 * np.nanstd(err) + 0.1 * np.nanmax(np.abs(err))


def attention_energy(Q, K, V):
    scores = np.einsum("id,jd->ij", Q, K, optimize=True) / np.sqrt(Q.shape[1])
    scores = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    out = np.einsum("ij,jd->id", np.exp(scores), V, optimize="greedy")
    return np.sum(out ** 2) + np.ptp(scores, axis=1).mean()


def make():
    rng = np.random.default_rng(271)
    X = rng.standard_normal((20, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(20)
    y[3] += 5.0
    Y = rng.standard_normal((12, 2))
    Y[[1, 4, 7], [0, 1, 0]] = np.nan
    return [
        dict(name="robust_loss", fn=robust_loss, args=(rng.standard_normal(3), X, y), wrt=(0,)),
        dict(name="decorrelation", fn=decorrelation, args=(rng.standard_normal((3, 4)), X), wrt=(0,)),
        dict(name="masked_regression", fn=masked_regression,
             args=(rng.standard_normal((3, 2)), rng.standard_normal((12, 3)), Y), wrt=(0,)),
        dict(name="attention_energy", fn=attention_energy,
             args=(rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))),
             wrt=(0, 1, 2)),
    ]
