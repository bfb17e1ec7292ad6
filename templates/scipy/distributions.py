"""scipy.stats's ``norm`` and ``t`` densities and distribution functions, and
``multivariate_normal``'s density and entropy (the gamma-based families are in
``distributions_gamma.py``).

Each primal is a helper that calls SciPy. For a location-scale family with standard
log-density ``g`` and ``z = (x - loc) / scale``, ``logpdf = g(z) - log(scale)``, so

    d/dx = g'(z) / scale,   d/dloc = -d/dx,   d/dscale = -(z * g'(z) + 1) / scale;

``pdf`` is ``exp(logpdf)`` (each derivative times ``out``), and a ``cdf``'s derivative
is the ``pdf`` (``d/dscale = -pdf * z``); ``logcdf`` divides by the ``cdf``
(``exp(logpdf - out)``); ``sf = 1 - cdf`` changes the signs. ``t``'s ``df`` has a rule
in the density (through ``digamma``) and none in the ``cdf``, where differentiating
with respect to it is a located error.

``multivariate_normal`` with ``s = inv(cov) (x - mean)`` per point: ``dx = -s``,
``dmean = s``, ``dcov = (s s^T - inv(cov)) / 2``; its primal reads only the symmetric part
of ``cov`` (as the rule assumes), and a missing mean, a scalar covariance or
``allow_singular=True`` is a located error.

``norm``'s densities and ``multivariate_normal``'s log-density are also written with the
array API standard's functions (``@...array_api``), for the array-API form.
"""
import numpy as np

from diffc.extend import primitive, unsupported
from .special_functions import digamma


# -- norm ---------------------------------------------------------------------------------


@primitive("scipy.stats.norm.logpdf", helper=True, broadcasting=True, elementwise=True)
def norm_logpdf(x, loc=0, scale=1):
    """The normal log-density (scipy.stats.norm.logpdf)."""
    import scipy.stats
    return scipy.stats.norm.logpdf(x, loc, scale)


@norm_logpdf.array_api
def norm_logpdf_standard(x, loc=0, scale=1):
    """The normal log-density, for array namespaces other than NumPy's."""
    z = (x - loc) / scale
    return -0.5 * z * z - np.log(scale) - 0.9189385332046727     # log(2 pi) / 2


@norm_logpdf.reverse
def norm_logpdf_reverse(out, dout, x, loc=0, scale=1):
    "norm.logpdf: dx = -dout * z / scale, dloc = -dx, dscale = dout * (z ** 2 - 1) / scale"
    z = (x - loc) / scale
    dx = -dout * z / scale
    dloc = dout * z / scale
    dscale = dout * (z ** 2 - 1) / scale
    return dx, dloc, dscale


@norm_logpdf.forward
def norm_logpdf_forward(out, x, loc=0, scale=1, *, dx, dloc, dscale):
    z = (x - loc) / scale
    dout = (z * (dloc - dx) + (z ** 2 - 1) * dscale) / scale
    return dout


@primitive("scipy.stats.norm.pdf", helper=True, broadcasting=True, elementwise=True)
def norm_pdf(x, loc=0, scale=1):
    """The normal density (scipy.stats.norm.pdf)."""
    import scipy.stats
    return scipy.stats.norm.pdf(x, loc, scale)


@norm_pdf.array_api
def norm_pdf_standard(x, loc=0, scale=1):
    """The normal density, for array namespaces other than NumPy's."""
    z = (x - loc) / scale
    return np.exp(-0.5 * z * z) / (2.5066282746310002 * scale)     # sqrt(2 pi)


@norm_pdf.reverse
def norm_pdf_reverse(out, dout, x, loc=0, scale=1):
    "norm.pdf: the logpdf's derivatives times out"
    z = (x - loc) / scale
    dx = -dout * out * z / scale
    dloc = dout * out * z / scale
    dscale = dout * out * (z ** 2 - 1) / scale
    return dx, dloc, dscale


@norm_pdf.forward
def norm_pdf_forward(out, x, loc=0, scale=1, *, dx, dloc, dscale):
    z = (x - loc) / scale
    dout = out * (z * (dloc - dx) + (z ** 2 - 1) * dscale) / scale
    return dout


@primitive("scipy.stats.norm.cdf", helper=True, broadcasting=True, elementwise=True)
def norm_cdf(x, loc=0, scale=1):
    """The normal distribution function (scipy.stats.norm.cdf)."""
    import scipy.stats
    return scipy.stats.norm.cdf(x, loc, scale)


@norm_cdf.reverse
def norm_cdf_reverse(out, dout, x, loc=0, scale=1):
    "norm.cdf: dx = dout * pdf, dloc = -dx, dscale = -dout * pdf * z"
    p = norm_pdf(x, loc, scale)
    dx = dout * p
    dloc = -dout * p
    dscale = -dout * p * (x - loc) / scale
    return dx, dloc, dscale


@norm_cdf.forward
def norm_cdf_forward(out, x, loc=0, scale=1, *, dx, dloc, dscale):
    dout = norm_pdf(x, loc, scale) * (dx - dloc - dscale * (x - loc) / scale)
    return dout


@primitive("scipy.stats.norm.logcdf", helper=True, broadcasting=True, elementwise=True)
def norm_logcdf(x, loc=0, scale=1):
    """The log of the normal distribution function (scipy.stats.norm.logcdf)."""
    import scipy.stats
    return scipy.stats.norm.logcdf(x, loc, scale)


@norm_logcdf.reverse
def norm_logcdf_reverse(out, dout, x, loc=0, scale=1):
    "norm.logcdf: the cdf's derivatives over the cdf, r = exp(logpdf - out)"
    r = np.exp(norm_logpdf(x, loc, scale) - out)
    dx = dout * r
    dloc = -dout * r
    dscale = -dout * r * (x - loc) / scale
    return dx, dloc, dscale


@norm_logcdf.forward
def norm_logcdf_forward(out, x, loc=0, scale=1, *, dx, dloc, dscale):
    dout = np.exp(norm_logpdf(x, loc, scale) - out) * (dx - dloc - dscale * (x - loc) / scale)
    return dout


@primitive("scipy.stats.norm.sf", helper=True, broadcasting=True, elementwise=True)
def norm_sf(x, loc=0, scale=1):
    """The normal survival function 1 - cdf (scipy.stats.norm.sf)."""
    import scipy.stats
    return scipy.stats.norm.sf(x, loc, scale)


@norm_sf.reverse
def norm_sf_reverse(out, dout, x, loc=0, scale=1):
    "norm.sf: the cdf's derivatives, negated"
    p = norm_pdf(x, loc, scale)
    dx = -dout * p
    dloc = dout * p
    dscale = dout * p * (x - loc) / scale
    return dx, dloc, dscale


@norm_sf.forward
def norm_sf_forward(out, x, loc=0, scale=1, *, dx, dloc, dscale):
    dout = norm_pdf(x, loc, scale) * (dloc - dx + dscale * (x - loc) / scale)
    return dout


@primitive("scipy.stats.norm.logsf", helper=True, broadcasting=True, elementwise=True)
def norm_logsf(x, loc=0, scale=1):
    """The log of the normal survival function (scipy.stats.norm.logsf)."""
    import scipy.stats
    return scipy.stats.norm.logsf(x, loc, scale)


@norm_logsf.reverse
def norm_logsf_reverse(out, dout, x, loc=0, scale=1):
    "norm.logsf: the sf's derivatives over the sf, r = exp(logpdf - out)"
    r = np.exp(norm_logpdf(x, loc, scale) - out)
    dx = -dout * r
    dloc = dout * r
    dscale = dout * r * (x - loc) / scale
    return dx, dloc, dscale


@norm_logsf.forward
def norm_logsf_forward(out, x, loc=0, scale=1, *, dx, dloc, dscale):
    dout = np.exp(norm_logpdf(x, loc, scale) - out) * (dloc - dx + dscale * (x - loc) / scale)
    return dout


# -- t --------------------------------------------------------------------------------------

@primitive("scipy.stats.t.logpdf", helper=True, broadcasting=True, elementwise=True)
def t_logpdf(x, df, loc=0, scale=1):
    """Student's t log-density (scipy.stats.t.logpdf)."""
    import scipy.stats
    return scipy.stats.t.logpdf(x, df, loc, scale)


@t_logpdf.reverse
def t_logpdf_reverse(out, dout, x, df, loc=0, scale=1):
    "t.logpdf: g'(z) = -(df + 1) * z / (df + z ** 2); ddf through digamma"
    z = (x - loc) / scale
    w = df + z ** 2
    dx = -dout * (df + 1) * z / (w * scale)
    ddf = dout * (digamma((df + 1) / 2) - digamma(df / 2) - 1 / df - np.log1p(z ** 2 / df)
                  + (df + 1) * z ** 2 / (df * w)) / 2
    dloc = dout * (df + 1) * z / (w * scale)
    dscale = dout * ((df + 1) * z ** 2 / w - 1) / scale
    return dx, ddf, dloc, dscale


@t_logpdf.forward
def t_logpdf_forward(out, x, df, loc=0, scale=1, *, dx, ddf, dloc, dscale):
    z = (x - loc) / scale
    w = df + z ** 2
    dout = ((df + 1) * z * (dloc - dx) / (w * scale) + ((df + 1) * z ** 2 / w - 1) * dscale / scale
            + ddf * (digamma((df + 1) / 2) - digamma(df / 2) - 1 / df - np.log1p(z ** 2 / df)
                     + (df + 1) * z ** 2 / (df * w)) / 2)
    return dout


@primitive("scipy.stats.t.pdf", helper=True, broadcasting=True, elementwise=True)
def t_pdf(x, df, loc=0, scale=1):
    """Student's t density (scipy.stats.t.pdf)."""
    import scipy.stats
    return scipy.stats.t.pdf(x, df, loc, scale)


@t_pdf.reverse
def t_pdf_reverse(out, dout, x, df, loc=0, scale=1):
    "t.pdf: the logpdf's derivatives times out"
    z = (x - loc) / scale
    w = df + z ** 2
    dx = -dout * out * (df + 1) * z / (w * scale)
    ddf = dout * out * (digamma((df + 1) / 2) - digamma(df / 2) - 1 / df - np.log1p(z ** 2 / df)
                        + (df + 1) * z ** 2 / (df * w)) / 2
    dloc = dout * out * (df + 1) * z / (w * scale)
    dscale = dout * out * ((df + 1) * z ** 2 / w - 1) / scale
    return dx, ddf, dloc, dscale


@t_pdf.forward
def t_pdf_forward(out, x, df, loc=0, scale=1, *, dx, ddf, dloc, dscale):
    z = (x - loc) / scale
    w = df + z ** 2
    dout = out * ((df + 1) * z * (dloc - dx) / (w * scale) + ((df + 1) * z ** 2 / w - 1) * dscale / scale
                  + ddf * (digamma((df + 1) / 2) - digamma(df / 2) - 1 / df - np.log1p(z ** 2 / df)
                           + (df + 1) * z ** 2 / (df * w)) / 2)
    return dout


@primitive("scipy.stats.t.cdf", helper=True, broadcasting=True, elementwise=True)
def t_cdf(x, df, loc=0, scale=1):
    """Student's t distribution function (scipy.stats.t.cdf); df has no rule."""
    import scipy.stats
    return scipy.stats.t.cdf(x, df, loc, scale)


@t_cdf.reverse
def t_cdf_reverse(out, dout, x, df, loc=0, scale=1):
    "t.cdf: dx = dout * pdf, dloc = -dx, dscale = -dout * pdf * z"
    p = t_pdf(x, df, loc, scale)
    dx = dout * p
    dloc = -dout * p
    dscale = -dout * p * (x - loc) / scale
    return dx, None, dloc, dscale


@t_cdf.forward
def t_cdf_forward(out, x, df, loc=0, scale=1, *, dx, dloc, dscale):
    dout = t_pdf(x, df, loc, scale) * (dx - dloc - dscale * (x - loc) / scale)
    return dout


@primitive("scipy.stats.t.logcdf", helper=True, broadcasting=True, elementwise=True)
def t_logcdf(x, df, loc=0, scale=1):
    """The log of Student's t distribution function (scipy.stats.t.logcdf); df has no rule."""
    import scipy.stats
    return scipy.stats.t.logcdf(x, df, loc, scale)


@t_logcdf.reverse
def t_logcdf_reverse(out, dout, x, df, loc=0, scale=1):
    "t.logcdf: the cdf's derivatives over the cdf, r = exp(logpdf - out)"
    r = np.exp(t_logpdf(x, df, loc, scale) - out)
    dx = dout * r
    dloc = -dout * r
    dscale = -dout * r * (x - loc) / scale
    return dx, None, dloc, dscale


@t_logcdf.forward
def t_logcdf_forward(out, x, df, loc=0, scale=1, *, dx, dloc, dscale):
    dout = np.exp(t_logpdf(x, df, loc, scale) - out) * (dx - dloc - dscale * (x - loc) / scale)
    return dout


# -- multivariate_normal --------------------------------------------------------------------

@primitive("scipy.stats.multivariate_normal.logpdf", helper=True)
def multivariate_normal_logpdf(x, mean=None, cov=1, allow_singular=False):
    """The multivariate normal log-density (scipy.stats.multivariate_normal.logpdf) of the
    points x (one per row), as a function of cov's symmetric part (cov + cov.T) / 2."""
    import scipy.stats
    if np.ndim(cov) == 2:
        cov = (cov + cov.T) / 2
    return scipy.stats.multivariate_normal.logpdf(x, mean, cov, allow_singular)


@multivariate_normal_logpdf.array_api
def multivariate_normal_logpdf_standard(x, mean=None, cov=1, allow_singular=False):
    """The multivariate normal log-density of the points x (one per row), for array
    namespaces other than NumPy's (a mean and a full covariance matrix, as the rule takes)."""
    sym = (cov + cov.T) / 2
    diff = x - mean
    sign, logdet = np.linalg.slogdet(sym)
    s = np.linalg.solve(sym, diff[..., None])[..., 0]
    return -0.5 * (np.sum(diff * s, axis=-1) + logdet + np.shape(sym)[0] * 1.8378770664093453)   # log(2 pi)


@multivariate_normal_logpdf.reverse
def multivariate_normal_logpdf_reverse(out, dout, x, mean=None, cov=1, allow_singular=False):
    "multivariate_normal.logpdf: dx = -dout * s, s = inv(cov) (x - mean); dcov = (s s^T - inv(cov)) / 2"
    if mean is None or np.ndim(cov) != 2 or allow_singular:
        unsupported("pass the mean and a full covariance matrix, with allow_singular=False")
    sym = (cov + cov.T) / 2
    s = np.linalg.solve(sym, (x - mean).T).T
    w = np.expand_dims(dout, -1) * s
    if np.ndim(x) == 1:
        outer = np.outer(w, s)
    else:
        outer = w.T @ s
    dx = -w
    if np.ndim(x) == np.ndim(mean):
        dmean = w
    else:           # one mean for every row of x: the rows' gradients add up
        dmean = np.sum(np.reshape(w, (-1, np.shape(w)[-1])), axis=0).reshape(np.shape(mean))
    dcov = (outer - np.sum(dout) * np.linalg.inv(sym)) / 2
    return dx, dmean, dcov, None


@multivariate_normal_logpdf.forward
def multivariate_normal_logpdf_forward(out, x, mean=None, cov=1, allow_singular=False, *,
                                       dx, dmean, dcov):
    if mean is None or np.ndim(cov) != 2 or allow_singular:
        unsupported("pass the mean and a full covariance matrix, with allow_singular=False")
    sym = (cov + cov.T) / 2
    s = np.linalg.solve(sym, (x - mean).T).T
    dout = (np.sum(s * (dmean - dx), axis=-1)
            + (np.sum((s @ dcov) * s, axis=-1) - np.sum(np.linalg.inv(sym) * dcov)) / 2)
    return dout


@primitive("scipy.stats.multivariate_normal.pdf", helper=True)
def multivariate_normal_pdf(x, mean=None, cov=1, allow_singular=False):
    """The multivariate normal density (scipy.stats.multivariate_normal.pdf) of the points
    x (one per row), as a function of cov's symmetric part (cov + cov.T) / 2."""
    import scipy.stats
    if np.ndim(cov) == 2:
        cov = (cov + cov.T) / 2
    return scipy.stats.multivariate_normal.pdf(x, mean, cov, allow_singular)


@multivariate_normal_pdf.reverse
def multivariate_normal_pdf_reverse(out, dout, x, mean=None, cov=1, allow_singular=False):
    "multivariate_normal.pdf: the logpdf's derivatives times out"
    if mean is None or np.ndim(cov) != 2 or allow_singular:
        unsupported("pass the mean and a full covariance matrix, with allow_singular=False")
    sym = (cov + cov.T) / 2
    s = np.linalg.solve(sym, (x - mean).T).T
    w = np.expand_dims(dout * out, -1) * s
    if np.ndim(x) == 1:
        outer = np.outer(w, s)
    else:
        outer = w.T @ s
    dx = -w
    if np.ndim(x) == np.ndim(mean):
        dmean = w
    else:           # one mean for every row of x: the rows' gradients add up
        dmean = np.sum(np.reshape(w, (-1, np.shape(w)[-1])), axis=0).reshape(np.shape(mean))
    dcov = (outer - np.sum(dout * out) * np.linalg.inv(sym)) / 2
    return dx, dmean, dcov, None


@multivariate_normal_pdf.forward
def multivariate_normal_pdf_forward(out, x, mean=None, cov=1, allow_singular=False, *,
                                    dx, dmean, dcov):
    if mean is None or np.ndim(cov) != 2 or allow_singular:
        unsupported("pass the mean and a full covariance matrix, with allow_singular=False")
    sym = (cov + cov.T) / 2
    s = np.linalg.solve(sym, (x - mean).T).T
    dout = out * (np.sum(s * (dmean - dx), axis=-1)
                  + (np.sum((s @ dcov) * s, axis=-1) - np.sum(np.linalg.inv(sym) * dcov)) / 2)
    return dout


@primitive("scipy.stats.multivariate_normal.entropy", helper=True, nondiff=("mean",))
def multivariate_normal_entropy(mean=None, cov=1):
    """The multivariate normal's differential entropy (scipy.stats.multivariate_normal.entropy),
    as a function of cov's symmetric part; it does not depend on the mean."""
    import scipy.stats
    if np.ndim(cov) == 2:
        cov = (cov + cov.T) / 2
    return scipy.stats.multivariate_normal.entropy(mean, cov)


@multivariate_normal_entropy.reverse
def multivariate_normal_entropy_reverse(out, dout, mean=None, cov=1):
    "multivariate_normal.entropy: dcov = dout * inv(cov) / 2"
    if np.ndim(cov) != 2:
        unsupported("pass a full covariance matrix")
    dcov = dout * np.linalg.inv((cov + cov.T) / 2) / 2
    return dcov


@multivariate_normal_entropy.forward
def multivariate_normal_entropy_forward(out, mean=None, cov=1, *, dcov):
    if np.ndim(cov) != 2:
        unsupported("pass a full covariance matrix")
    dout = np.sum(np.linalg.inv((cov + cov.T) / 2) * dcov) / 2
    return dout
