"""scipy.special's gamma, beta, error and Bessel functions.

Each primal is a helper that calls SciPy itself (a model that uses them imports SciPy
already), so the generated module defines ``def gammaln(x): ...`` once and calls it.
Every derivative is written with functions of this family, so that derivatives of any
order stay in it: ``gammaln' = digamma``, ``digamma' = polygamma(1, .)``,
``polygamma(n, .)' = polygamma(n + 1, .)``; a Bessel function's derivative is a
combination of its neighbours in the order (``J_n' = (J_{n-1} - J_{n+1}) / 2``).
``polygamma``'s order has no rule, so differentiating with respect to it is a located
error; so are the first parameter of ``gammainc``/``gammaincc`` and ``betainc``'s ``a``
and ``b``, whose derivatives have no closed form. ``multigammaln``'s dimension ``d`` is
an integer.
"""
import numpy as np

from diffc.extend import primitive


# -- gamma and its logarithm ------------------------------------------------------------

@primitive("scipy.special.gammaln", helper=True, elementwise=True)
def gammaln(x):
    """log |Gamma(x)|, entry by entry (scipy.special.gammaln)."""
    import scipy.special
    return scipy.special.gammaln(x)


@gammaln.reverse
def gammaln_reverse(out, dout, x):
    "gammaln: dx = dout * digamma(x)"
    dx = dout * digamma(x)
    return dx


@primitive("scipy.special.digamma", "scipy.special.psi", helper=True, elementwise=True)
def digamma(x):
    """The digamma function, d/dx log Gamma(x) (scipy.special.digamma)."""
    import scipy.special
    return scipy.special.digamma(x)


@digamma.reverse
def digamma_reverse(out, dout, x):
    "digamma: dx = dout * polygamma(1, x)"
    dx = dout * polygamma(1, x)
    return dx


@primitive("scipy.special.polygamma", helper=True, broadcasting=True)
def polygamma(n, x):
    """The n-th derivative of digamma (scipy.special.polygamma)."""
    import scipy.special
    return scipy.special.polygamma(n, x)


@polygamma.reverse
def polygamma_reverse(out, dout, n, x):
    "polygamma: dx = dout * polygamma(n + 1, x)"
    dx = dout * polygamma(n + 1, x)
    return dx


@polygamma.forward
def polygamma_forward(out, n, x, *, dx):
    dout = dx * polygamma(n + 1, x)
    return dout


@primitive("scipy.special.gamma", helper=True, elementwise=True)
def gamma(x):
    """The gamma function (scipy.special.gamma)."""
    import scipy.special
    return scipy.special.gamma(x)


@gamma.reverse
def gamma_reverse(out, dout, x):
    "gamma: dx = dout * Gamma(x) * digamma(x), reusing out"
    dx = dout * out * digamma(x)
    return dx


@primitive("scipy.special.rgamma", helper=True, elementwise=True)
def rgamma(x):
    """1 / Gamma(x) (scipy.special.rgamma)."""
    import scipy.special
    return scipy.special.rgamma(x)


@rgamma.reverse
def rgamma_reverse(out, dout, x):
    "rgamma: dx = -dout * rgamma(x) * digamma(x), reusing out"
    dx = -dout * out * digamma(x)
    return dx


@primitive("scipy.special.gammasgn", helper=True, elementwise=True, nondiff=("x",))
def gammasgn(x):
    """The sign of Gamma(x), piecewise constant (scipy.special.gammasgn)."""
    import scipy.special
    return scipy.special.gammasgn(x)


@primitive("scipy.special.multigammaln", helper=True, nondiff=("d",))
def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension d (scipy.special.multigammaln)."""
    import scipy.special
    return scipy.special.multigammaln(a, d)


@multigammaln.reverse
def multigammaln_reverse(out, dout, a, d):
    "multigammaln: da = dout * sum over j < d of digamma(a - j / 2)"
    da = dout * np.sum(digamma(np.expand_dims(a, -1) - np.arange(d) / 2), axis=-1)
    return da


@multigammaln.forward
def multigammaln_forward(out, a, d, *, da):
    dout = da * np.sum(digamma(np.expand_dims(a, -1) - np.arange(d) / 2), axis=-1)
    return dout


# -- beta -------------------------------------------------------------------------------

@primitive("scipy.special.beta", helper=True, broadcasting=True, elementwise=True)
def beta(a, b):
    """The beta function B(a, b) (scipy.special.beta)."""
    import scipy.special
    return scipy.special.beta(a, b)


@beta.reverse
def beta_reverse(out, dout, a, b):
    "beta: da = dout * B * (digamma(a) - digamma(a + b)), and likewise db"
    both = digamma(a + b)
    da = dout * out * (digamma(a) - both)
    db = dout * out * (digamma(b) - both)
    return da, db


@beta.forward
def beta_forward(out, a, b, *, da, db):
    both = digamma(a + b)
    dout = out * (da * (digamma(a) - both) + db * (digamma(b) - both))
    return dout


@primitive("scipy.special.betaln", helper=True, broadcasting=True, elementwise=True)
def betaln(a, b):
    """log |B(a, b)| (scipy.special.betaln)."""
    import scipy.special
    return scipy.special.betaln(a, b)


@betaln.reverse
def betaln_reverse(out, dout, a, b):
    "betaln: da = dout * (digamma(a) - digamma(a + b)), and likewise db"
    both = digamma(a + b)
    da = dout * (digamma(a) - both)
    db = dout * (digamma(b) - both)
    return da, db


@betaln.forward
def betaln_forward(out, a, b, *, da, db):
    both = digamma(a + b)
    dout = da * (digamma(a) - both) + db * (digamma(b) - both)
    return dout


# -- incomplete gamma and beta (the derivative in the last argument) --------------------

@primitive("scipy.special.gammainc", helper=True, broadcasting=True, elementwise=True)
def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x) (scipy.special.gammainc)."""
    import scipy.special
    return scipy.special.gammainc(a, x)


@gammainc.reverse
def gammainc_reverse(out, dout, a, x):
    "gammainc: dx = dout * x ** (a - 1) * exp(-x) / Gamma(a); a has no rule"
    dx = dout * np.exp((a - 1) * np.log(x) - x - gammaln(a))
    return dx


@primitive("scipy.special.gammaincc", helper=True, broadcasting=True, elementwise=True)
def gammaincc(a, x):
    """The regularized upper incomplete gamma function Q(a, x) (scipy.special.gammaincc)."""
    import scipy.special
    return scipy.special.gammaincc(a, x)


@gammaincc.reverse
def gammaincc_reverse(out, dout, a, x):
    "gammaincc: dx = -dout * x ** (a - 1) * exp(-x) / Gamma(a); a has no rule"
    dx = -dout * np.exp((a - 1) * np.log(x) - x - gammaln(a))
    return dx


@primitive("scipy.special.betainc", helper=True, broadcasting=True, elementwise=True)
def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b) (scipy.special.betainc)."""
    import scipy.special
    return scipy.special.betainc(a, b, x)


@betainc.reverse
def betainc_reverse(out, dout, a, b, x):
    "betainc: dx = dout * x ** (a - 1) * (1 - x) ** (b - 1) / B(a, b); a and b have no rule"
    dx = dout * np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - betaln(a, b))
    return dx


# -- error functions, logit, xlogy ------------------------------------------------------

@primitive("scipy.special.erfc", helper=True, elementwise=True)
def erfc(x):
    """The complementary error function 1 - erf(x) (scipy.special.erfc)."""
    import scipy.special
    return scipy.special.erfc(x)


@erfc.reverse
def erfc_reverse(out, dout, x):
    "erfc: dx = -dout * 2 / sqrt(pi) * exp(-x ** 2)"
    dx = -dout * 1.1283791670955126 * np.exp(-x ** 2)
    return dx


@primitive("scipy.special.erfinv", helper=True, elementwise=True)
def erfinv(x):
    """The inverse of erf on (-1, 1) (scipy.special.erfinv)."""
    import scipy.special
    return scipy.special.erfinv(x)


@erfinv.reverse
def erfinv_reverse(out, dout, x):
    "erfinv: dx = dout * sqrt(pi) / 2 * exp(out ** 2)"
    dx = dout * 0.886226925452758 * np.exp(out ** 2)
    return dx


@primitive("scipy.special.erfcinv", helper=True, elementwise=True)
def erfcinv(x):
    """The inverse of erfc on (0, 2) (scipy.special.erfcinv)."""
    import scipy.special
    return scipy.special.erfcinv(x)


@erfcinv.reverse
def erfcinv_reverse(out, dout, x):
    "erfcinv: dx = -dout * sqrt(pi) / 2 * exp(out ** 2)"
    dx = -dout * 0.886226925452758 * np.exp(out ** 2)
    return dx


@primitive("scipy.special.logit", helper=True, elementwise=True)
def logit(x):
    """log(x / (1 - x)), the inverse of expit (scipy.special.logit)."""
    import scipy.special
    return scipy.special.logit(x)


@logit.reverse
def logit_reverse(out, dout, x):
    "logit: dx = dout / (x * (1 - x))"
    dx = dout / (x * (1 - x))
    return dx


@primitive("scipy.special.xlogy", helper=True, broadcasting=True, elementwise=True)
def xlogy(x, y):
    """x * log(y), 0 where x == 0 (scipy.special.xlogy)."""
    import scipy.special
    return scipy.special.xlogy(x, y)


@xlogy.reverse
def xlogy_reverse(out, dout, x, y):
    "xlogy: dx = dout * log(y), dy = dout * x / y"
    dx = dout * np.log(y)
    dy = dout * x / y
    return dx, dy


@primitive("scipy.special.xlog1py", helper=True, broadcasting=True, elementwise=True)
def xlog1py(x, y):
    """x * log(1 + y), 0 where x == 0 (scipy.special.xlog1py)."""
    import scipy.special
    return scipy.special.xlog1py(x, y)


@xlog1py.reverse
def xlog1py_reverse(out, dout, x, y):
    "xlog1py: dx = dout * log1p(y), dy = dout * x / (1 + y)"
    dx = dout * np.log1p(y)
    dy = dout * x / (1 + y)
    return dx, dy
