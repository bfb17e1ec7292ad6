"""One-argument NumPy functions: powers and roots, exponentials and logarithms, and the
absolute value.

Each reverse rule scales ``dout`` by the derivative at ``x``, reusing ``out`` where the
derivative is most simply written in terms of it (``exp``: ``dx = dout * out``).
Rounding and ``sign`` are in ``rounding.py``; trigonometric and hyperbolic functions in
``trigonometric.py`` and ``hyperbolic.py``.
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("numpy.absolute", "numpy.abs", "builtins.abs", elementwise=True)
def absolute(x):
    return np.absolute(x)


@absolute.reverse
def absolute_reverse(out, dout, x):
    "absolute: dx = dout * sign(x) (zero at x = 0)"
    if np.iscomplexobj(x):
        unsupported("a complex operand: diffc differentiates real functions only")
    dx = dout * np.sign(x)
    return dx


@primitive("numpy.fabs", elementwise=True)
def fabs(x):
    return np.fabs(x)


@fabs.reverse
def fabs_reverse(out, dout, x):
    "fabs: dx = dout * sign(x) (zero at x = 0)"
    dx = dout * np.sign(x)
    return dx


@primitive("numpy.reciprocal", elementwise=True)
def reciprocal(x):
    return np.reciprocal(x)


@reciprocal.reverse
def reciprocal_reverse(out, dout, x):
    "reciprocal: dx = -dout * out ** 2"
    dx = -dout * out ** 2
    return dx


@primitive("numpy.square", elementwise=True, fresh=True)
def square(x):
    return np.square(x)


@square.reverse
def square_reverse(out, dout, x):
    "square: dx = dout * 2 * x"
    dx = dout * 2 * x
    return dx


@primitive("numpy.sqrt", elementwise=True, fresh=True)
def sqrt(x):
    return np.sqrt(x)


@sqrt.reverse
def sqrt_reverse(out, dout, x):
    "sqrt: dx = dout / (2 * out)"
    dx = dout / (2 * out)
    return dx


@primitive("numpy.cbrt", elementwise=True)
def cbrt(x):
    return np.cbrt(x)


@cbrt.reverse
def cbrt_reverse(out, dout, x):
    "cbrt: dx = dout / (3 * out ** 2)"
    dx = dout / (3 * out ** 2)
    return dx


@primitive("numpy.exp", elementwise=True, fresh=True, out_form="exp_out")
def exp(x):
    return np.exp(x)


@exp.reverse
def exp_reverse(out, dout, x):
    "exp: dx = dout * out (exp is its own derivative)"
    dx = dout * out
    return dx


@primitive("numpy.exp2", elementwise=True)
def exp2(x):
    return np.exp2(x)


@exp2.reverse
def exp2_reverse(out, dout, x):
    "exp2: dx = dout * out * log(2)"
    dx = dout * out * np.log(2.0)
    return dx


@primitive("numpy.expm1", elementwise=True)
def expm1(x):
    return np.expm1(x)


@expm1.reverse
def expm1_reverse(out, dout, x):
    "expm1: dx = dout * (out + 1), which is dout * exp(x)"
    dx = dout * (out + 1)
    return dx


@primitive("numpy.log", elementwise=True, fresh=True)
def log(x):
    return np.log(x)


@log.reverse
def log_reverse(out, dout, x):
    "log: dx = dout / x"
    dx = dout / x
    return dx


@primitive("numpy.log2", elementwise=True)
def log2(x):
    return np.log2(x)


@log2.reverse
def log2_reverse(out, dout, x):
    "log2: dx = dout / (x * log(2))"
    dx = dout / (x * np.log(2.0))
    return dx


@primitive("numpy.log10", elementwise=True)
def log10(x):
    return np.log10(x)


@log10.reverse
def log10_reverse(out, dout, x):
    "log10: dx = dout / (x * log(10))"
    dx = dout / (x * np.log(10.0))
    return dx


@primitive("numpy.log1p", elementwise=True)
def log1p(x):
    return np.log1p(x)


@log1p.reverse
def log1p_reverse(out, dout, x):
    "log1p: dx = dout / (1 + x)"
    dx = dout / (1 + x)
    return dx
