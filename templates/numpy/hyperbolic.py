"""Hyperbolic NumPy functions of one argument and their inverses.

Each reverse rule scales ``dout`` by the textbook derivative at ``x``; ``tanh`` reuses
``out``. Domains are NumPy's: outside them the primal is already NaN.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.sinh", elementwise=True)
def sinh(x):
    return np.sinh(x)


@sinh.reverse
def sinh_reverse(out, dout, x):
    "sinh: dx = dout * cosh(x)"
    dx = dout * np.cosh(x)
    return dx


@primitive("numpy.cosh", elementwise=True)
def cosh(x):
    return np.cosh(x)


@cosh.reverse
def cosh_reverse(out, dout, x):
    "cosh: dx = dout * sinh(x)"
    dx = dout * np.sinh(x)
    return dx


@primitive("numpy.tanh", elementwise=True, fresh=True, out_form="tanh_out")
def tanh(x):
    return np.tanh(x)


@tanh.reverse
def tanh_reverse(out, dout, x):
    "tanh: dx = dout * (1 - out ** 2)"
    dx = dout * (1 - out ** 2)
    return dx


@primitive("numpy.arcsinh", "numpy.asinh", elementwise=True)
def arcsinh(x):
    return np.arcsinh(x)


@arcsinh.reverse
def arcsinh_reverse(out, dout, x):
    "arcsinh: dx = dout / sqrt(x ** 2 + 1)"
    dx = dout / np.sqrt(x ** 2 + 1)
    return dx


@primitive("numpy.arccosh", "numpy.acosh", elementwise=True)
def arccosh(x):
    return np.arccosh(x)


@arccosh.reverse
def arccosh_reverse(out, dout, x):
    "arccosh: dx = dout / sqrt(x ** 2 - 1)"
    dx = dout / np.sqrt(x ** 2 - 1)
    return dx


@primitive("numpy.arctanh", "numpy.atanh", elementwise=True)
def arctanh(x):
    return np.arctanh(x)


@arctanh.reverse
def arctanh_reverse(out, dout, x):
    "arctanh: dx = dout / (1 - x ** 2)"
    dx = dout / (1 - x ** 2)
    return dx
