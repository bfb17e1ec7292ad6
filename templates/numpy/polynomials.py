"""Polynomials: ``np.polyval(p, x)`` (coefficients from the highest power, as NumPy orders
them) and ``np.vander(x, N)`` (the columns are powers of ``x``). Both are sums of powers,
so each derivative is a power one lower times its exponent (``d/dx x**k = k * x**(k-1)``,
zero for ``k = 0``)."""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.polyval")
def polyval(p, x):
    return np.polyval(p, x)


@polyval.reverse
def polyval_reverse(out, dout, p, x):
    "polyval: dp[i] = sum(dout * x**(n-1-i)), dx = dout * polyval(the derivative's coefficients, x)"
    powers = np.arange(np.shape(p)[0] - 1, -1, -1)
    terms = np.expand_dims(dout, -1) * np.expand_dims(x, -1) ** powers
    dp = np.sum(np.reshape(terms, (-1, np.shape(p)[0])), axis=0)
    dx = dout * np.polyval(p[:-1] * powers[:-1], x)
    return dp, dx


@polyval.forward
def polyval_forward(out, p, x, *, dp, dx):
    powers = np.arange(np.shape(p)[0] - 1, -1, -1)
    dout = np.polyval(dp, x) + np.polyval(p[:-1] * powers[:-1], x) * dx
    return dout


@primitive("numpy.vander", nondiff=("N", "increasing"))
def vander(x, N=None, increasing=False):
    return np.vander(x, N, increasing)


@vander.reverse
def vander_reverse(out, dout, x, N=None, increasing=False):
    "vander: column j is x**k_j, so dx = sum over j of dout[:, j] * k_j * x**(k_j - 1)"
    powers = vander_powers(np.shape(out)[1], increasing)
    dx = np.sum(dout * powers * np.expand_dims(x, -1) ** np.maximum(powers - 1, 0), axis=1)
    return dx


@vander.forward
def vander_forward(out, x, N=None, increasing=False, *, dx):
    powers = vander_powers(np.shape(out)[1], increasing)
    dout = np.expand_dims(dx, -1) * powers * np.expand_dims(x, -1) ** np.maximum(powers - 1, 0)
    return dout


@primitive(differentiable=False, shape_only=True, helper=True)
def vander_powers(columns, increasing):
    """The exponent of each column of ``np.vander(x, columns, increasing)``."""
    powers = np.arange(columns)
    return powers if increasing else powers[::-1]
