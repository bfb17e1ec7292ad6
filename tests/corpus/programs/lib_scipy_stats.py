"""Log-densities from scipy.stats: norm.logpdf with loc and scale, t.logpdf with degrees of
freedom, multivariate_normal.logpdf with a covariance built from the parameters."""
import numpy as np
from scipy import stats
from scipy.stats import multivariate_normal, norm

IDIOM = "norm.logpdf(x, loc, scale), stats.t.logpdf(x, df, loc, scale), multivariate_normal.logpdf(x, mean, cov)"
EXPECT = "right"


def log_joint(mu, log_s, L, x, y):
    lp = np.sum(norm.logpdf(x, mu[0], np.exp(log_s)))
    lp = lp + np.sum(stats.t.logpdf(x, 4.0, mu[1], 1.5))
    cov = L @ L.T + 0.5 * np.eye(2)
    lp = lp + np.sum(multivariate_normal.logpdf(y, mu, cov))
    return lp


def make():
    rng = np.random.default_rng(131)
    mu, L = rng.standard_normal(2), rng.standard_normal((2, 2))
    x, y = rng.standard_normal(5), rng.standard_normal((4, 2))
    return [dict(name="mu, log_s, L", fn=log_joint, args=(mu, 0.3, L, x, y), wrt=(0, 1, 2))]
