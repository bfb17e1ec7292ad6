"""Models that call scipy.special and scipy.stats the ways user code does: by module,
by imported name, and through a module-level alias of a distribution object."""
import numpy as np
import scipy.special
import scipy.stats
from scipy.special import betaln, gammaln, jn, xlogy
from scipy.stats import multivariate_normal

mvn = multivariate_normal          # an alias of a distribution object, as in real code


def negative_binomial_loglik(r, p, k):
    """A count model's log-likelihood, written with gammaln and xlogy."""
    return np.sum(gammaln(k + r) - gammaln(r) - gammaln(k + 1) + xlogy(r, p) + xlogy(k, 1 - p))


def beta_bessel(a, b):
    return np.sum(betaln(a, b) * jn(1, a) + scipy.special.erfc(b / 3) + scipy.special.i0(a))


def student_t_loglik(x, df, loc, scale):
    return np.sum(scipy.stats.t.logpdf(x, df, loc, scale))


def gaussian_fit(x, mean, cov):
    return np.sum(mvn.logpdf(x, mean, cov)) + scipy.stats.norm.logcdf(mean[0], 0.5, 2.0)


def shape_params(x, a, mu):
    counts = np.round(x * 3)
    return (np.sum(scipy.stats.gamma.logpdf(x, a)) + np.sum(scipy.stats.beta.cdf(x / 4, 2.0, 3.0))
            + np.sum(scipy.stats.poisson.logpmf(counts, mu)) + np.sum(scipy.stats.chi2.pdf(x, 3.0)))


def t_cdf_df(x, df):
    return np.sum(scipy.stats.t.cdf(x, df))
