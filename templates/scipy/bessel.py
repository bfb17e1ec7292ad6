"""scipy.special's Bessel functions of integer and real order.

Each primal is a helper that calls SciPy. A Bessel function's derivative is a
combination of its neighbours in the order, so every derivative stays in the family
at any order: ``J_n' = (J_{n-1} - J_{n+1}) / 2`` (``J_0' = -J_1``), the same for
``Y_n``, ``I_v' = (I_{v-1} + I_{v+1}) / 2`` (``I_0' = I_1``), and for the scaled
``ive(v, x) = iv(v, x) * exp(-|x|)`` the product rule adds ``-sign(x) * ive(v, x)``.
The order has no rule: differentiating with respect to it is a located error.
"""
import numpy as np

from diffc.extend import primitive


@primitive("scipy.special.j0", helper=True, elementwise=True)
def j0(x):
    """The Bessel function of the first kind of order 0 (scipy.special.j0)."""
    import scipy.special
    return scipy.special.j0(x)


@j0.reverse
def j0_reverse(out, dout, x):
    "j0: dx = dout * -j1(x)"
    dx = dout * -j1(x)
    return dx


@primitive("scipy.special.j1", helper=True, elementwise=True)
def j1(x):
    """The Bessel function of the first kind of order 1 (scipy.special.j1)."""
    import scipy.special
    return scipy.special.j1(x)


@j1.reverse
def j1_reverse(out, dout, x):
    "j1: dx = dout * (j0(x) - jn(2, x)) / 2"
    dx = dout * (j0(x) - jn(2, x)) / 2
    return dx


@primitive("scipy.special.jn", helper=True, broadcasting=True)
def jn(n, x):
    """The Bessel function of the first kind of integer order n (scipy.special.jn)."""
    import scipy.special
    return scipy.special.jn(n, x)


@jn.reverse
def jn_reverse(out, dout, n, x):
    "jn: dx = dout * (jn(n - 1, x) - jn(n + 1, x)) / 2"
    dx = dout * (jn(n - 1, x) - jn(n + 1, x)) / 2
    return dx


@jn.forward
def jn_forward(out, n, x, *, dx):
    dout = dx * (jn(n - 1, x) - jn(n + 1, x)) / 2
    return dout


@primitive("scipy.special.y0", helper=True, elementwise=True)
def y0(x):
    """The Bessel function of the second kind of order 0 (scipy.special.y0)."""
    import scipy.special
    return scipy.special.y0(x)


@y0.reverse
def y0_reverse(out, dout, x):
    "y0: dx = dout * -y1(x)"
    dx = dout * -y1(x)
    return dx


@primitive("scipy.special.y1", helper=True, elementwise=True)
def y1(x):
    """The Bessel function of the second kind of order 1 (scipy.special.y1)."""
    import scipy.special
    return scipy.special.y1(x)


@y1.reverse
def y1_reverse(out, dout, x):
    "y1: dx = dout * (y0(x) - yn(2, x)) / 2"
    dx = dout * (y0(x) - yn(2, x)) / 2
    return dx


@primitive("scipy.special.yn", helper=True, broadcasting=True)
def yn(n, x):
    """The Bessel function of the second kind of integer order n (scipy.special.yn)."""
    import scipy.special
    return scipy.special.yn(n, x)


@yn.reverse
def yn_reverse(out, dout, n, x):
    "yn: dx = dout * (yn(n - 1, x) - yn(n + 1, x)) / 2"
    dx = dout * (yn(n - 1, x) - yn(n + 1, x)) / 2
    return dx


@yn.forward
def yn_forward(out, n, x, *, dx):
    dout = dx * (yn(n - 1, x) - yn(n + 1, x)) / 2
    return dout


@primitive("scipy.special.i0", helper=True, elementwise=True)
def i0(x):
    """The modified Bessel function of the first kind of order 0 (scipy.special.i0)."""
    import scipy.special
    return scipy.special.i0(x)


@i0.reverse
def i0_reverse(out, dout, x):
    "i0: dx = dout * i1(x)"
    dx = dout * i1(x)
    return dx


@primitive("scipy.special.i1", helper=True, elementwise=True)
def i1(x):
    """The modified Bessel function of the first kind of order 1 (scipy.special.i1)."""
    import scipy.special
    return scipy.special.i1(x)


@i1.reverse
def i1_reverse(out, dout, x):
    "i1: dx = dout * (i0(x) + iv(2, x)) / 2"
    dx = dout * (i0(x) + iv(2, x)) / 2
    return dx


@primitive("scipy.special.iv", helper=True, broadcasting=True)
def iv(v, x):
    """The modified Bessel function of the first kind of real order v (scipy.special.iv)."""
    import scipy.special
    return scipy.special.iv(v, x)


@iv.reverse
def iv_reverse(out, dout, v, x):
    "iv: dx = dout * (iv(v - 1, x) + iv(v + 1, x)) / 2"
    dx = dout * (iv(v - 1, x) + iv(v + 1, x)) / 2
    return dx


@iv.forward
def iv_forward(out, v, x, *, dx):
    dout = dx * (iv(v - 1, x) + iv(v + 1, x)) / 2
    return dout


@primitive("scipy.special.ive", helper=True, broadcasting=True)
def ive(v, x):
    """iv(v, x) * exp(-|x|), the exponentially scaled modified Bessel function (scipy.special.ive)."""
    import scipy.special
    return scipy.special.ive(v, x)


@ive.reverse
def ive_reverse(out, dout, v, x):
    "ive: dx = dout * ((ive(v - 1, x) + ive(v + 1, x)) / 2 - sign(x) * out)"
    dx = dout * ((ive(v - 1, x) + ive(v + 1, x)) / 2 - np.sign(x) * out)
    return dx


@ive.forward
def ive_forward(out, v, x, *, dx):
    dout = dx * ((ive(v - 1, x) + ive(v + 1, x)) / 2 - np.sign(x) * out)
    return dout
