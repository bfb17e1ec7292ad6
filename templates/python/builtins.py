"""Python's builtin functions: ``max`` and ``min`` of two numbers, ``float``, ``int``,
``len``, ``range`` and ``reversed``. (``abs`` is ``np.absolute``, in ``numpy/exponential.py``.)

``max``/``min`` route ``dout`` to the operand selected, and split it equally when the
operands tie, as ``np.maximum``/``np.minimum`` do. ``float(x)`` passes ``dout`` through;
the others give integers, ranges and iterators, which carry no gradient.
"""
import numpy as np

from diffc.extend import primitive


@primitive("builtins.max")
def builtin_max(x, y):
    return max(x, y)


@builtin_max.reverse
def builtin_max_reverse(out, dout, x, y):
    "max: dout goes to the larger operand; ties split it equally"
    dx = dout * ((x > y) + 0.5 * (x == y))
    dy = dout * ((y > x) + 0.5 * (x == y))
    return dx, dy


@builtin_max.forward
def builtin_max_forward(out, x, y, *, dx, dy):
    dout = dx * ((x > y) + 0.5 * (x == y)) + dy * ((y > x) + 0.5 * (x == y))
    return dout


@primitive("builtins.min")
def builtin_min(x, y):
    return min(x, y)


@builtin_min.reverse
def builtin_min_reverse(out, dout, x, y):
    "min: dout goes to the smaller operand; ties split it equally"
    dx = dout * ((x < y) + 0.5 * (x == y))
    dy = dout * ((y < x) + 0.5 * (x == y))
    return dx, dy


@builtin_min.forward
def builtin_min_forward(out, x, y, *, dx, dy):
    dout = dx * ((x < y) + 0.5 * (x == y)) + dy * ((y < x) + 0.5 * (x == y))
    return dout


@primitive("builtins.float")
def builtin_float(x):
    return float(x)


@builtin_float.reverse
def builtin_float_reverse(out, dout, x):
    "float: dout passes through, in the operand's shape"
    dx = np.reshape(dout, np.shape(x))
    return dx


@builtin_float.forward
def builtin_float_forward(out, x, *, dx):
    dout = float(dx)
    return dout


@primitive("builtins.int", differentiable=False)
def builtin_int(x):
    return int(x)


@primitive("builtins.len", differentiable=False, shape_only=True)
def builtin_len(obj):
    return len(obj)


@primitive("builtins.range", differentiable=False)
def builtin_range(*args):
    return range(*args)


@primitive("builtins.reversed", differentiable=False, effect="iterator")
def reverse_order(seq):
    return reversed(seq)
