"""scipy.stats's ``gamma``, ``chi2`` and ``beta`` densities and distribution functions,
``poisson``'s mass and distribution functions, and ``dirichlet``'s density.

The continuous families follow ``distributions.py``: with ``z = (x - loc) / scale`` and
``gp`` the derivative of the standard log-density at ``z``, ``d/dx = gp / scale``,
``d/dloc = -gp / scale``, ``d/dscale = -(z * gp + 1) / scale``; a ``pdf``'s derivatives
are the ``logpdf``'s times ``out``; a ``cdf``'s are the ``pdf`` (times ``-1`` for
``loc``, ``-z`` for ``scale``). A shape parameter's derivative is given where it is
closed-form (in densities, through ``digamma``); in a ``cdf`` it has no rule, so
differentiating with respect to it is a located error, as is differentiating with
respect to a Poisson count ``k``: ``poisson``'s ``d/dmu`` is ``k / mu - 1`` in the
log-mass and ``-pmf(floor(k), mu)`` in the ``cdf``. ``dirichlet`` takes one point ``x``
(a 1-D array); its density is computed from its formula, without SciPy's check that
``x`` sums to one, so that it has a derivative off the simplex.
"""
import numpy as np

from diffc.extend import primitive, unsupported
from .special_functions import digamma


# -- gamma, chi2, beta -----------------------------------------------------------------

@primitive("scipy.stats.gamma.logpdf", helper=True, broadcasting=True, elementwise=True)
def gamma_logpdf(x, a, loc=0, scale=1):
    """The gamma log-density (scipy.stats.gamma.logpdf)."""
    import scipy.stats
    return scipy.stats.gamma.logpdf(x, a, loc, scale)


@gamma_logpdf.reverse
def gamma_logpdf_reverse(out, dout, x, a, loc=0, scale=1):
    "gamma.logpdf: dx = dout * gp / scale, gp = (a - 1) / z - 1"
    z = (x - loc) / scale
    gp = (a - 1) / z - 1
    dx = dout * gp / scale
    da = dout * (np.log(z) - digamma(a))
    dloc = -dout * gp / scale
    dscale = -dout * (z * gp + 1) / scale
    return dx, da, dloc, dscale


@gamma_logpdf.forward
def gamma_logpdf_forward(out, x, a, loc=0, scale=1, *, dx, da, dloc, dscale):
    z = (x - loc) / scale
    gp = (a - 1) / z - 1
    dout = ((dx - dloc) * gp / scale - dscale * (z * gp + 1) / scale
            + da * (np.log(z) - digamma(a)))
    return dout


@primitive("scipy.stats.gamma.pdf", helper=True, broadcasting=True, elementwise=True)
def gamma_pdf(x, a, loc=0, scale=1):
    """The gamma density (scipy.stats.gamma.pdf)."""
    import scipy.stats
    return scipy.stats.gamma.pdf(x, a, loc, scale)


@gamma_pdf.reverse
def gamma_pdf_reverse(out, dout, x, a, loc=0, scale=1):
    "gamma.pdf: dx = dout * out * gp / scale, gp = (a - 1) / z - 1"
    z = (x - loc) / scale
    gp = (a - 1) / z - 1
    dx = dout * out * gp / scale
    da = dout * out * (np.log(z) - digamma(a))
    dloc = -dout * out * gp / scale
    dscale = -dout * out * (z * gp + 1) / scale
    return dx, da, dloc, dscale


@gamma_pdf.forward
def gamma_pdf_forward(out, x, a, loc=0, scale=1, *, dx, da, dloc, dscale):
    z = (x - loc) / scale
    gp = (a - 1) / z - 1
    dout = ((dx - dloc) * gp / scale - dscale * (z * gp + 1) / scale
            + da * (np.log(z) - digamma(a))) * out
    return dout


@primitive("scipy.stats.gamma.cdf", helper=True, broadcasting=True, elementwise=True)
def gamma_cdf(x, a, loc=0, scale=1):
    """The gamma distribution function (scipy.stats.gamma.cdf); a has no rule."""
    import scipy.stats
    return scipy.stats.gamma.cdf(x, a, loc, scale)


@gamma_cdf.reverse
def gamma_cdf_reverse(out, dout, x, a, loc=0, scale=1):
    "gamma.cdf: dx = dout * pdf, dloc = -dx, dscale = -dout * pdf * z"
    p = gamma_pdf(x, a, loc, scale)
    dx = dout * p
    dloc = -dout * p
    dscale = -dout * p * (x - loc) / scale
    return dx, None, dloc, dscale


@gamma_cdf.forward
def gamma_cdf_forward(out, x, a, loc=0, scale=1, *, dx, dloc, dscale):
    dout = gamma_pdf(x, a, loc, scale) * (dx - dloc - dscale * (x - loc) / scale)
    return dout


@primitive("scipy.stats.chi2.logpdf", helper=True, broadcasting=True, elementwise=True)
def chi2_logpdf(x, df, loc=0, scale=1):
    """The chi-squared log-density (scipy.stats.chi2.logpdf)."""
    import scipy.stats
    return scipy.stats.chi2.logpdf(x, df, loc, scale)


@chi2_logpdf.reverse
def chi2_logpdf_reverse(out, dout, x, df, loc=0, scale=1):
    "chi2.logpdf: dx = dout * gp / scale, gp = (df / 2 - 1) / z - 0.5"
    z = (x - loc) / scale
    gp = (df / 2 - 1) / z - 0.5
    dx = dout * gp / scale
    ddf = dout * ((np.log(z / 2) - digamma(df / 2)) / 2)
    dloc = -dout * gp / scale
    dscale = -dout * (z * gp + 1) / scale
    return dx, ddf, dloc, dscale


@chi2_logpdf.forward
def chi2_logpdf_forward(out, x, df, loc=0, scale=1, *, dx, ddf, dloc, dscale):
    z = (x - loc) / scale
    gp = (df / 2 - 1) / z - 0.5
    dout = ((dx - dloc) * gp / scale - dscale * (z * gp + 1) / scale
            + ddf * ((np.log(z / 2) - digamma(df / 2)) / 2))
    return dout


@primitive("scipy.stats.chi2.pdf", helper=True, broadcasting=True, elementwise=True)
def chi2_pdf(x, df, loc=0, scale=1):
    """The chi-squared density (scipy.stats.chi2.pdf)."""
    import scipy.stats
    return scipy.stats.chi2.pdf(x, df, loc, scale)


@chi2_pdf.reverse
def chi2_pdf_reverse(out, dout, x, df, loc=0, scale=1):
    "chi2.pdf: dx = dout * out * gp / scale, gp = (df / 2 - 1) / z - 0.5"
    z = (x - loc) / scale
    gp = (df / 2 - 1) / z - 0.5
    dx = dout * out * gp / scale
    ddf = dout * out * ((np.log(z / 2) - digamma(df / 2)) / 2)
    dloc = -dout * out * gp / scale
    dscale = -dout * out * (z * gp + 1) / scale
    return dx, ddf, dloc, dscale


@chi2_pdf.forward
def chi2_pdf_forward(out, x, df, loc=0, scale=1, *, dx, ddf, dloc, dscale):
    z = (x - loc) / scale
    gp = (df / 2 - 1) / z - 0.5
    dout = ((dx - dloc) * gp / scale - dscale * (z * gp + 1) / scale
            + ddf * ((np.log(z / 2) - digamma(df / 2)) / 2)) * out
    return dout


@primitive("scipy.stats.chi2.cdf", helper=True, broadcasting=True, elementwise=True)
def chi2_cdf(x, df, loc=0, scale=1):
    """The chi-squared distribution function (scipy.stats.chi2.cdf); df has no rule."""
    import scipy.stats
    return scipy.stats.chi2.cdf(x, df, loc, scale)


@chi2_cdf.reverse
def chi2_cdf_reverse(out, dout, x, df, loc=0, scale=1):
    "chi2.cdf: dx = dout * pdf, dloc = -dx, dscale = -dout * pdf * z"
    p = chi2_pdf(x, df, loc, scale)
    dx = dout * p
    dloc = -dout * p
    dscale = -dout * p * (x - loc) / scale
    return dx, None, dloc, dscale


@chi2_cdf.forward
def chi2_cdf_forward(out, x, df, loc=0, scale=1, *, dx, dloc, dscale):
    dout = chi2_pdf(x, df, loc, scale) * (dx - dloc - dscale * (x - loc) / scale)
    return dout


@primitive("scipy.stats.beta.logpdf", helper=True, broadcasting=True, elementwise=True)
def beta_logpdf(x, a, b, loc=0, scale=1):
    """The beta log-density (scipy.stats.beta.logpdf)."""
    import scipy.stats
    return scipy.stats.beta.logpdf(x, a, b, loc, scale)


@beta_logpdf.reverse
def beta_logpdf_reverse(out, dout, x, a, b, loc=0, scale=1):
    "beta.logpdf: dx = dout * gp / scale, gp = (a - 1) / z - (b - 1) / (1 - z)"
    z = (x - loc) / scale
    gp = (a - 1) / z - (b - 1) / (1 - z)
    dx = dout * gp / scale
    da = dout * (np.log(z) - digamma(a) + digamma(a + b))
    db = dout * (np.log1p(-z) - digamma(b) + digamma(a + b))
    dloc = -dout * gp / scale
    dscale = -dout * (z * gp + 1) / scale
    return dx, da, db, dloc, dscale


@beta_logpdf.forward
def beta_logpdf_forward(out, x, a, b, loc=0, scale=1, *, dx, da, db, dloc, dscale):
    z = (x - loc) / scale
    gp = (a - 1) / z - (b - 1) / (1 - z)
    dout = ((dx - dloc) * gp / scale - dscale * (z * gp + 1) / scale
            + da * (np.log(z) - digamma(a) + digamma(a + b))
            + db * (np.log1p(-z) - digamma(b) + digamma(a + b)))
    return dout


@primitive("scipy.stats.beta.pdf", helper=True, broadcasting=True, elementwise=True)
def beta_pdf(x, a, b, loc=0, scale=1):
    """The beta density (scipy.stats.beta.pdf)."""
    import scipy.stats
    return scipy.stats.beta.pdf(x, a, b, loc, scale)


@beta_pdf.reverse
def beta_pdf_reverse(out, dout, x, a, b, loc=0, scale=1):
    "beta.pdf: dx = dout * out * gp / scale, gp = (a - 1) / z - (b - 1) / (1 - z)"
    z = (x - loc) / scale
    gp = (a - 1) / z - (b - 1) / (1 - z)
    dx = dout * out * gp / scale
    da = dout * out * (np.log(z) - digamma(a) + digamma(a + b))
    db = dout * out * (np.log1p(-z) - digamma(b) + digamma(a + b))
    dloc = -dout * out * gp / scale
    dscale = -dout * out * (z * gp + 1) / scale
    return dx, da, db, dloc, dscale


@beta_pdf.forward
def beta_pdf_forward(out, x, a, b, loc=0, scale=1, *, dx, da, db, dloc, dscale):
    z = (x - loc) / scale
    gp = (a - 1) / z - (b - 1) / (1 - z)
    dout = ((dx - dloc) * gp / scale - dscale * (z * gp + 1) / scale
            + da * (np.log(z) - digamma(a) + digamma(a + b))
            + db * (np.log1p(-z) - digamma(b) + digamma(a + b))) * out
    return dout


@primitive("scipy.stats.beta.cdf", helper=True, broadcasting=True, elementwise=True)
def beta_cdf(x, a, b, loc=0, scale=1):
    """The beta distribution function (scipy.stats.beta.cdf); a and b have no rule."""
    import scipy.stats
    return scipy.stats.beta.cdf(x, a, b, loc, scale)


@beta_cdf.reverse
def beta_cdf_reverse(out, dout, x, a, b, loc=0, scale=1):
    "beta.cdf: dx = dout * pdf, dloc = -dx, dscale = -dout * pdf * z"
    p = beta_pdf(x, a, b, loc, scale)
    dx = dout * p
    dloc = -dout * p
    dscale = -dout * p * (x - loc) / scale
    return dx, None, None, dloc, dscale


@beta_cdf.forward
def beta_cdf_forward(out, x, a, b, loc=0, scale=1, *, dx, dloc, dscale):
    dout = beta_pdf(x, a, b, loc, scale) * (dx - dloc - dscale * (x - loc) / scale)
    return dout


# -- poisson --------------------------------------------------------------------------------

@primitive("scipy.stats.poisson.logpmf", helper=True, broadcasting=True, elementwise=True)
def poisson_logpmf(k, mu, loc=0):
    """The Poisson log-mass (scipy.stats.poisson.logpmf); k and loc have no rule."""
    import scipy.stats
    return scipy.stats.poisson.logpmf(k, mu, loc)


@poisson_logpmf.reverse
def poisson_logpmf_reverse(out, dout, k, mu, loc=0):
    "poisson.logpmf: dmu = dout * ((k - loc) / mu - 1)"
    dmu = dout * ((k - loc) / mu - 1)
    return None, dmu, None


@primitive("scipy.stats.poisson.pmf", helper=True, broadcasting=True, elementwise=True)
def poisson_pmf(k, mu, loc=0):
    """The Poisson mass (scipy.stats.poisson.pmf); k and loc have no rule."""
    import scipy.stats
    return scipy.stats.poisson.pmf(k, mu, loc)


@poisson_pmf.reverse
def poisson_pmf_reverse(out, dout, k, mu, loc=0):
    "poisson.pmf: dmu = dout * out * ((k - loc) / mu - 1)"
    dmu = dout * out * ((k - loc) / mu - 1)
    return None, dmu, None


@primitive("scipy.stats.poisson.cdf", helper=True, broadcasting=True, elementwise=True)
def poisson_cdf(k, mu, loc=0):
    """The Poisson distribution function (scipy.stats.poisson.cdf); k and loc have no rule."""
    import scipy.stats
    return scipy.stats.poisson.cdf(k, mu, loc)


@poisson_cdf.reverse
def poisson_cdf_reverse(out, dout, k, mu, loc=0):
    "poisson.cdf: dmu = -dout * pmf(floor(k - loc), mu)"
    dmu = -dout * poisson_pmf(np.floor(k - loc), mu)
    return None, dmu, None


# -- dirichlet ------------------------------------------------------------------------------

@primitive("scipy.stats.dirichlet.logpdf", helper=True)
def dirichlet_logpdf(x, alpha):
    """The Dirichlet log-density at a point x, from its formula (scipy.stats.dirichlet.logpdf
    also checks that x sums to one)."""
    import scipy.special
    return (np.sum(scipy.special.xlogy(alpha - 1, x.T).T, axis=0)
            + scipy.special.gammaln(np.sum(alpha)) - np.sum(scipy.special.gammaln(alpha)))


@dirichlet_logpdf.reverse
def dirichlet_logpdf_reverse(out, dout, x, alpha):
    "dirichlet.logpdf: dx = dout * (alpha - 1) / x, dalpha = dout * (log x + digamma(sum alpha) - digamma(alpha))"
    if np.ndim(x) != 1:
        unsupported("x holding several points (shape (K, N)): call it once per point")
    dx = dout * (alpha - 1) / x
    dalpha = dout * (np.log(x) + digamma(np.sum(alpha)) - digamma(alpha))
    return dx, dalpha


@dirichlet_logpdf.forward
def dirichlet_logpdf_forward(out, x, alpha, *, dx, dalpha):
    if np.ndim(x) != 1:
        unsupported("x holding several points (shape (K, N)): call it once per point")
    dout = np.sum(dx * (alpha - 1) / x) + np.sum(dalpha * (np.log(x) + digamma(np.sum(alpha)) - digamma(alpha)))
    return dout


@primitive("scipy.stats.dirichlet.pdf", helper=True)
def dirichlet_pdf(x, alpha):
    """The Dirichlet density at a point x, from its formula (scipy.stats.dirichlet.pdf
    also checks that x sums to one)."""
    import scipy.special
    return np.exp(np.sum(scipy.special.xlogy(alpha - 1, x.T).T, axis=0)
                  + scipy.special.gammaln(np.sum(alpha)) - np.sum(scipy.special.gammaln(alpha)))


@dirichlet_pdf.reverse
def dirichlet_pdf_reverse(out, dout, x, alpha):
    "dirichlet.pdf: the logpdf's derivatives times out"
    if np.ndim(x) != 1:
        unsupported("x holding several points (shape (K, N)): call it once per point")
    dx = dout * out * (alpha - 1) / x
    dalpha = dout * out * (np.log(x) + digamma(np.sum(alpha)) - digamma(alpha))
    return dx, dalpha


@dirichlet_pdf.forward
def dirichlet_pdf_forward(out, x, alpha, *, dx, dalpha):
    if np.ndim(x) != 1:
        unsupported("x holding several points (shape (K, N)): call it once per point")
    dout = out * (np.sum(dx * (alpha - 1) / x) + np.sum(dalpha * (np.log(x) + digamma(np.sum(alpha)) - digamma(alpha))))
    return dout
