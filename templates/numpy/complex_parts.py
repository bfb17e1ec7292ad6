"""The parts of a complex number: real, imag, conj, real_if_close and angle, on real operands.

On a real operand each is the identity or a constant: ``real``, ``conj`` and
``real_if_close`` return the operand (``dx = dout``), ``imag`` returns zeros and
``angle`` returns 0 or pi (piecewise constant), so both have a zero gradient. diffc
differentiates real functions only; a complex operand is refused where the call is,
never given the real rule's answer (in forward mode too: the forward rules of real and
conj are derived from their reverse rules, test and all).
"""
import numpy as np

from diffc.extend import primitive, unsupported

@primitive("numpy.real", "ndarray.real", elementwise=True)
def real(val):
    return np.real(val)


@real.reverse
def real_reverse(out, dout, val):
    "real: dval = dout (a real operand is its own real part)"
    if np.iscomplexobj(val):
        unsupported("a complex operand: diffc differentiates real functions only")
    dval = dout
    return dval


@primitive("numpy.imag", "ndarray.imag", elementwise=True)
def imag(val):
    return np.imag(val)


@imag.reverse
def imag_reverse(out, dout, val):
    "imag: a real operand's imaginary part is zero: no gradient"
    if np.iscomplexobj(val):
        unsupported("a complex operand: diffc differentiates real functions only")
    dval = np.zeros(np.shape(val))
    return dval


@imag.forward
def imag_forward(out, val, *, dval):
    if np.iscomplexobj(val):
        unsupported("a complex operand: diffc differentiates real functions only")
    dout = np.zeros(np.shape(out))
    return dout


@primitive("numpy.conj", "numpy.conjugate", "ndarray.conj", "ndarray.conjugate", elementwise=True)
def conj(x):
    return np.conj(x)


@conj.reverse
def conj_reverse(out, dout, x):
    "conj: dx = dout (a real operand is its own conjugate)"
    if np.iscomplexobj(x):
        unsupported("a complex operand: diffc differentiates real functions only")
    dx = dout
    return dx


@primitive("numpy.real_if_close", nondiff=("tol",))
def real_if_close(a, tol=100):
    return np.real_if_close(a, tol)


@real_if_close.reverse
def real_if_close_reverse(out, dout, a, tol=100):
    "real_if_close: da = dout (a real operand is returned as it is)"
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    da = dout
    return da


@real_if_close.forward
def real_if_close_forward(out, a, tol=100, *, da):
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    dout = da
    return dout


@primitive("numpy.angle", nondiff=("deg",), elementwise=True)
def angle(z, deg=False):
    return np.angle(z, deg)


@angle.reverse
def angle_reverse(out, dout, z, deg=False):
    "angle: a real operand's angle is 0 or pi (piecewise constant): no gradient"
    if np.iscomplexobj(z):
        unsupported("a complex operand: diffc differentiates real functions only")
    dz = np.zeros(np.shape(z))
    return dz


@angle.forward
def angle_forward(out, z, deg=False, *, dz):
    if np.iscomplexobj(z):
        unsupported("a complex operand: diffc differentiates real functions only")
    dout = np.zeros(np.shape(out))
    return dout
