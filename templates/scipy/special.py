"""scipy.special's logistic and log-sum-exp functions, written in NumPy so that the
generated code needs only NumPy (a model may import them from scipy.special)."""
import numpy as np

from diffc.extend import primitive


@primitive("scipy.special.expit", elementwise=True)
def expit(x):
    return 1 / (1 + np.exp(-x))


@expit.reverse
def expit_reverse(out, dout, x):
    "expit: dx = dout * s * (1 - s), reusing s = out"
    dx = dout * out * (1 - out)
    return dx


@primitive("scipy.special.logsumexp")
def logsumexp(a, axis=None, b=None, keepdims=False):
    shift = np.max(a, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    terms = np.exp(a - shift) if b is None else b * np.exp(a - shift)
    total = np.log(np.sum(terms, axis=axis, keepdims=True)) + shift
    return total if keepdims else np.squeeze(total, axis=axis)


@logsumexp.reverse
def logsumexp_reverse(out, dout, a, axis=None, b=None, keepdims=False):
    "logsumexp: da = dout * b * exp(a - out) along the axis (softmax(a) without b)"
    if axis is None or keepdims:
        da = dout * np.exp(a - out)
    else:
        da = np.expand_dims(dout, axis) * np.exp(a - np.expand_dims(out, axis))
    if b is not None:
        da = da * b
    return da


@logsumexp.forward
def logsumexp_forward(out, a, axis=None, b=None, keepdims=False, *, da):
    if b is not None:
        da = da * b
    if axis is None or keepdims:
        dout = np.sum(da * np.exp(a - out), axis=axis, keepdims=keepdims)
    else:
        dout = np.sum(da * np.exp(a - np.expand_dims(out, axis)), axis=axis, keepdims=keepdims)
    return dout


@primitive("scipy.special.erf", helper=True, elementwise=True)
def erf(x):
    """The error function, entry by entry (the standard library's math.erf; SciPy's for
    complex entries, which math.erf does not take)."""
    if np.iscomplexobj(x):
        import scipy.special
        return scipy.special.erf(x)
    import math
    return np.vectorize(math.erf, otypes=[float])(x)


@erf.reverse
def erf_reverse(out, dout, x):
    "erf: dx = dout * 2 / sqrt(pi) * exp(-x ** 2)"
    dx = dout * 1.1283791670955126 * np.exp(-x ** 2)
    return dx


@primitive("scipy.special.softmax")
def softmax(x, axis=None):
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


@softmax.reverse
def softmax_reverse(out, dout, x, axis=None):
    "softmax: dx = P * (dout - sum(dout * P)) along the axis, P = out"
    dx = out * (dout - np.sum(dout * out, axis=axis, keepdims=True))
    return dx


@softmax.forward
def softmax_forward(out, x, axis=None, *, dx):
    dout = out * (dx - np.sum(out * dx, axis=axis, keepdims=True))
    return dout


@primitive("scipy.special.log_softmax")
def log_softmax(x, axis=None):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@log_softmax.reverse
def log_softmax_reverse(out, dout, x, axis=None):
    "log_softmax: dx = dout - exp(out) * sum(dout) along the axis"
    dx = dout - np.exp(out) * np.sum(dout, axis=axis, keepdims=True)
    return dx


@log_softmax.forward
def log_softmax_forward(out, x, axis=None, *, dx):
    dout = dx - np.sum(np.exp(out) * dx, axis=axis, keepdims=True)
    return dout
