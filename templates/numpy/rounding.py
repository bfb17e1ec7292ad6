"""Rounding and the sign: NumPy functions that are piecewise constant.

Their derivative is zero wherever it exists, so they are registered with every
operand in ``nondiff`` and no rules, which the engine treats as a zero gradient.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.sign", nondiff=("x",), elementwise=True)
def sign(x):
    return np.sign(x)


@primitive("numpy.floor", nondiff=("x",), elementwise=True)
def floor(x):
    return np.floor(x)


@primitive("numpy.ceil", nondiff=("x",), elementwise=True)
def ceil(x):
    return np.ceil(x)


@primitive("numpy.round", "numpy.around", "ndarray.round",
           nondiff=("a", "decimals"), elementwise=True)
def round(a, decimals=0):
    return np.round(a, decimals)


@primitive("numpy.rint", nondiff=("x",), elementwise=True)
def rint(x):
    return np.rint(x)


@primitive("numpy.trunc", nondiff=("x",), elementwise=True)
def trunc(x):
    return np.trunc(x)


@primitive("numpy.fix", nondiff=("x",), elementwise=True)
def fix(x):
    return np.fix(x)
