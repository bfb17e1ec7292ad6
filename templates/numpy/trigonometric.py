"""Trigonometric NumPy functions of one argument, their inverses, and angle conversion.

Each reverse rule scales ``dout`` by the textbook derivative at ``x``; ``tan`` reuses
``out``. Domains are NumPy's: outside them the primal is already NaN. The hyperbolic
functions are in ``hyperbolic.py``; ``arctan2`` and ``hypot`` (two arguments) in
``binary.py``.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.sin", elementwise=True, fresh=True)
def sin(x):
    return np.sin(x)


@sin.reverse
def sin_reverse(out, dout, x):
    "sin: dx = dout * cos(x)"
    dx = dout * np.cos(x)
    return dx


@primitive("numpy.cos", elementwise=True, fresh=True)
def cos(x):
    return np.cos(x)


@cos.reverse
def cos_reverse(out, dout, x):
    "cos: dx = -dout * sin(x)"
    dx = -dout * np.sin(x)
    return dx


@primitive("numpy.tan", elementwise=True)
def tan(x):
    return np.tan(x)


@tan.reverse
def tan_reverse(out, dout, x):
    "tan: dx = dout * (1 + out ** 2), which is dout / cos(x) ** 2"
    dx = dout * (1 + out ** 2)
    return dx


@primitive("numpy.arcsin", "numpy.asin", elementwise=True)
def arcsin(x):
    return np.arcsin(x)


@arcsin.reverse
def arcsin_reverse(out, dout, x):
    "arcsin: dx = dout / sqrt(1 - x ** 2)"
    dx = dout / np.sqrt(1 - x ** 2)
    return dx


@primitive("numpy.arccos", "numpy.acos", elementwise=True)
def arccos(x):
    return np.arccos(x)


@arccos.reverse
def arccos_reverse(out, dout, x):
    "arccos: dx = -dout / sqrt(1 - x ** 2)"
    dx = -dout / np.sqrt(1 - x ** 2)
    return dx


@primitive("numpy.arctan", "numpy.atan", elementwise=True)
def arctan(x):
    return np.arctan(x)


@arctan.reverse
def arctan_reverse(out, dout, x):
    "arctan: dx = dout / (1 + x ** 2)"
    dx = dout / (1 + x ** 2)
    return dx


@primitive("numpy.sinc", elementwise=True)
def sinc(x):
    return np.sinc(x)


@sinc.reverse
def sinc_reverse(out, dout, x):
    "sinc: dx = dout * (cos(pi * x) - out) / x, and 0 at x = 0"
    dx = dout * np.where(x == 0, 0.0, (np.cos(np.pi * x) - out) / np.where(x == 0, 1.0, x))
    return dx


@primitive("numpy.deg2rad", "numpy.radians", elementwise=True)
def deg2rad(x):
    return np.deg2rad(x)


@deg2rad.reverse
def deg2rad_reverse(out, dout, x):
    "deg2rad: dx = dout * pi / 180"
    dx = dout * (np.pi / 180)
    return dx


@primitive("numpy.rad2deg", "numpy.degrees", elementwise=True)
def rad2deg(x):
    return np.rad2deg(x)


@rad2deg.reverse
def rad2deg_reverse(out, dout, x):
    "rad2deg: dx = dout * 180 / pi"
    dx = dout * (180 / np.pi)
    return dx
