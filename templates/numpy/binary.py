"""NumPy functions of two or more arrays that broadcast: max/min gates, ``where``,
``clip``, arctan2, hypot, logaddexp, powers and mod.

The selecting functions (``maximum``, ``fmax``, ...) route ``dout`` to
the input that was selected; when the inputs tie, each gets half, so the gradient is
symmetric in ``x`` and ``y``. ``clip`` passes ``dout`` to ``a`` inside the closed
interval ``[a_min, a_max]`` and to the bound that was hit outside it.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.maximum", broadcasting=True, elementwise=True, fresh=True)
def maximum(x, y):
    return np.maximum(x, y)


@maximum.reverse
def maximum_reverse(out, dout, x, y):
    "maximum: dout goes to the larger input; ties split it equally"
    dx = dout * ((x > y) + 0.5 * (x == y))
    dy = dout * ((y > x) + 0.5 * (x == y))
    return dx, dy


@primitive("numpy.minimum", broadcasting=True, elementwise=True, fresh=True)
def minimum(x, y):
    return np.minimum(x, y)


@minimum.reverse
def minimum_reverse(out, dout, x, y):
    "minimum: dout goes to the smaller input; ties split it equally"
    dx = dout * ((x < y) + 0.5 * (x == y))
    dy = dout * ((y < x) + 0.5 * (x == y))
    return dx, dy


@primitive("numpy.fmax", broadcasting=True, elementwise=True)
def fmax(x, y):
    return np.fmax(x, y)


@fmax.reverse
def fmax_reverse(out, dout, x, y):
    "fmax: dout goes to the larger input, or to the number when the other is NaN; ties split"
    dx = dout * (((x > y) | np.isnan(y)) + 0.5 * (x == y))
    dy = dout * (((y > x) | np.isnan(x)) + 0.5 * (x == y))
    return dx, dy


@primitive("numpy.fmin", broadcasting=True, elementwise=True)
def fmin(x, y):
    return np.fmin(x, y)


@fmin.reverse
def fmin_reverse(out, dout, x, y):
    "fmin: dout goes to the smaller input, or to the number when the other is NaN; ties split"
    dx = dout * (((x < y) | np.isnan(y)) + 0.5 * (x == y))
    dy = dout * (((y < x) | np.isnan(x)) + 0.5 * (x == y))
    return dx, dy


@primitive("numpy.arctan2", "numpy.atan2", broadcasting=True, elementwise=True)
def arctan2(x, y):
    return np.arctan2(x, y)


@arctan2.reverse
def arctan2_reverse(out, dout, x, y):
    "arctan2: dx = dout * y / (x ** 2 + y ** 2), dy = -dout * x / (x ** 2 + y ** 2)"
    dx = dout * y / (x ** 2 + y ** 2)
    dy = -dout * x / (x ** 2 + y ** 2)
    return dx, dy


@arctan2.forward
def arctan2_forward(out, x, y, *, dx, dy):
    dout = (dx * y - dy * x) / (x ** 2 + y ** 2)
    return dout


@primitive("numpy.hypot", broadcasting=True, elementwise=True)
def hypot(x, y):
    return np.hypot(x, y)


@hypot.reverse
def hypot_reverse(out, dout, x, y):
    "hypot: dx = dout * x / out, dy = dout * y / out"
    dx = dout * x / out
    dy = dout * y / out
    return dx, dy


@hypot.forward
def hypot_forward(out, x, y, *, dx, dy):
    dout = (dx * x + dy * y) / out
    return dout


@primitive("numpy.logaddexp", broadcasting=True, elementwise=True)
def logaddexp(x, y):
    return np.logaddexp(x, y)


@logaddexp.reverse
def logaddexp_reverse(out, dout, x, y):
    "logaddexp: dx = dout * exp(x - out), dy = dout * exp(y - out) (softmax weights)"
    dx = dout * np.exp(x - out)
    dy = dout * np.exp(y - out)
    return dx, dy


@primitive("numpy.logaddexp2", broadcasting=True, elementwise=True)
def logaddexp2(x, y):
    return np.logaddexp2(x, y)


@logaddexp2.reverse
def logaddexp2_reverse(out, dout, x, y):
    "logaddexp2: dx = dout * 2 ** (x - out), dy = dout * 2 ** (y - out)"
    dx = dout * np.exp2(x - out)
    dy = dout * np.exp2(y - out)
    return dx, dy


@primitive("numpy.float_power", broadcasting=True, elementwise=True)
def float_power(x, y):
    return np.float_power(x, y)


@float_power.reverse
def float_power_reverse(out, dout, x, y):
    "float_power: dx = dout * y * x ** (y - 1), dy = dout * out * log(x)"
    dx = dout * y * np.float_power(x, y - 1)
    dy = dout * out * np.log(np.where(x == 0, 1.0, x))
    return dx, dy


@primitive("operator.floordiv", "numpy.floor_divide", nondiff=("x", "y"),
           broadcasting=True, elementwise=True)
def floor_divide(x, y):
    return x // y


@primitive("operator.mod", "numpy.mod", "numpy.remainder", broadcasting=True, elementwise=True)
def mod(x, y):
    return x % y


@mod.reverse
def mod_reverse(out, dout, x, y):
    "mod: out = x - (x // y) * y, so dx = dout and dy = -dout * (x // y)"
    dx = dout
    dy = -dout * (x // y)
    return dx, dy


@mod.forward
def mod_forward(out, x, y, *, dx, dy):
    dout = dx - dy * (x // y)
    return dout


@primitive("numpy.copysign", nondiff=("y",), broadcasting=True, elementwise=True)
def copysign(x, y):
    return np.copysign(x, y)


@copysign.reverse
def copysign_reverse(out, dout, x, y):
    "copysign: dx = dout * sign(x) * sign(out); y only lends its sign"
    dx = dout * np.sign(x) * np.sign(out)
    return dx


@primitive("numpy.where", nondiff=("condition",), broadcasting=True, elementwise=True)
def where(condition, x, y):
    return np.where(condition, x, y)


@where.reverse
def where_reverse(out, dout, condition, x, y):
    "where: dout goes to x where condition holds, to y elsewhere"
    dx = np.where(condition, dout, 0.0)
    dy = np.where(condition, 0.0, dout)
    return dx, dy


@where.forward
def where_forward(out, condition, x, y, *, dx, dy):
    dout = np.where(condition, dx, dy)
    return dout


@primitive("numpy.clip", "ndarray.clip", broadcasting=True, elementwise=True)
def clip(a, a_min=None, a_max=None):
    return np.clip(a, a_min, a_max)


@clip.reverse
def clip_reverse(out, dout, a, a_min=None, a_max=None):
    "clip: dout goes to a inside [a_min, a_max] (inclusive), else to the bound it hit"
    if a_min is None:
        da = dout * (a <= a_max)
        da_min = None
        da_max = dout * (a > a_max)
    elif a_max is None:
        da = dout * (a >= a_min)
        da_min = dout * (a < a_min)
        da_max = None
    else:  # when a_min > a_max, NumPy returns a_max everywhere
        da = dout * ((a >= a_min) & (a <= a_max))
        da_min = dout * ((a < a_min) & (a_min <= a_max))
        da_max = dout * ((a > a_max) | (a_min > a_max))
    return da, da_min, da_max


@clip.forward
def clip_forward(out, a, a_min=None, a_max=None, *, da, da_min, da_max):
    if a_min is None:
        dout = da * (a <= a_max) + da_max * (a > a_max)
    elif a_max is None:
        dout = da * (a >= a_min) + da_min * (a < a_min)
    else:
        dout = (da * ((a >= a_min) & (a <= a_max))
                + da_min * ((a < a_min) & (a_min <= a_max))
                + da_max * ((a > a_max) | (a_min > a_max)))
    return dout
