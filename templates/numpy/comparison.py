"""Operations whose results carry no gradient: comparisons, logic, tests, arg-extrema.

Their outputs are booleans or integer indices, so they are registered with
``differentiable=False``: a value computed by one of them is a constant to the engine.
They are also what the selecting rules (``maximum``, ``where``, ``clip``) build their
masks from.
"""
import numpy as np

from diffc.extend import primitive


@primitive("operator.gt", "numpy.greater",
           broadcasting=True, differentiable=False, elementwise=True)
def greater(x, y):
    return x > y


@primitive("operator.lt", "numpy.less", broadcasting=True, differentiable=False, elementwise=True)
def less(x, y):
    return x < y


@primitive("operator.ge", "numpy.greater_equal",
           broadcasting=True, differentiable=False, elementwise=True)
def greater_equal(x, y):
    return x >= y


@primitive("operator.le", "numpy.less_equal",
           broadcasting=True, differentiable=False, elementwise=True)
def less_equal(x, y):
    return x <= y


@primitive("operator.eq", "numpy.equal", broadcasting=True, differentiable=False, elementwise=True)
def equal(x, y):
    return x == y


@primitive("operator.ne", "numpy.not_equal",
           broadcasting=True, differentiable=False, elementwise=True)
def not_equal(x, y):
    return x != y


@primitive("numpy.logical_and", broadcasting=True, differentiable=False, elementwise=True)
def logical_and(x, y):
    return np.logical_and(x, y)


@primitive("numpy.logical_or", broadcasting=True, differentiable=False, elementwise=True)
def logical_or(x, y):
    return np.logical_or(x, y)


@primitive("numpy.logical_xor", broadcasting=True, differentiable=False, elementwise=True)
def logical_xor(x, y):
    return np.logical_xor(x, y)


@primitive("numpy.logical_not", differentiable=False, elementwise=True)
def logical_not(x):
    return np.logical_not(x)


@primitive("operator.and_", "numpy.bitwise_and",
           broadcasting=True, differentiable=False, elementwise=True)
def bitwise_and(x, y):
    return x & y


@primitive("operator.or_", "numpy.bitwise_or",
           broadcasting=True, differentiable=False, elementwise=True)
def bitwise_or(x, y):
    return x | y


@primitive("operator.xor", "numpy.bitwise_xor",
           broadcasting=True, differentiable=False, elementwise=True)
def bitwise_xor(x, y):
    return x ^ y


@primitive("operator.invert", "numpy.invert", "numpy.bitwise_not",
           differentiable=False, elementwise=True)
def invert(x):
    return ~x


@primitive("numpy.isnan", differentiable=False, elementwise=True)
def isnan(x):
    return np.isnan(x)


@primitive("numpy.isinf", differentiable=False, elementwise=True)
def isinf(x):
    return np.isinf(x)


@primitive("numpy.isfinite", differentiable=False, elementwise=True)
def isfinite(x):
    return np.isfinite(x)


@primitive("numpy.argmax", "ndarray.argmax", differentiable=False)
def argmax(a, axis=None, *, keepdims=False):
    return np.argmax(a, axis=axis, keepdims=keepdims)


@primitive("numpy.argmin", "ndarray.argmin", differentiable=False)
def argmin(a, axis=None, *, keepdims=False):
    return np.argmin(a, axis=axis, keepdims=keepdims)
