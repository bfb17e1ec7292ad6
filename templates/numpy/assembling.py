"""NumPy's np.append, np.rot90, np.convolve and np.nan_to_num, and the constructors and
casts that have no derivative (np.tri, np.int64).

``append`` is a concatenation: its reverse rule cuts ``dout`` back into the two pieces
(flattened when ``axis`` is None). ``rot90`` is undone by the opposite rotation.
``convolve`` is bilinear: with ``dfull`` the gradient of the full convolution (``dout``
padded with zeros where the mode cut it), ``da = convolve(dfull, v[::-1], "valid")``
and likewise ``dv``. ``nan_to_num`` passes ``dout`` where ``x`` is finite and nothing
where it replaced a NaN or an infinity (a constant there).
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("numpy.append")
def append(arr, values, axis=None):
    return np.append(arr, values, axis=axis)


@append.reverse
def append_reverse(out, dout, arr, values, axis=None):
    "append: dout is cut back into arr's and values' pieces"
    if axis is None:
        darr = np.reshape(dout[:np.size(arr)], np.shape(arr))
        dvalues = np.reshape(dout[np.size(arr):], np.shape(values))
    else:
        darr = np.take(dout, np.arange(np.shape(arr)[axis]), axis=axis)
        dvalues = np.take(dout, np.arange(np.shape(arr)[axis], np.shape(out)[axis]), axis=axis)
    return darr, dvalues


@append.forward
def append_forward(out, arr, values, axis=None, *, darr, dvalues):
    dout = np.append(darr, dvalues, axis=axis)
    return dout


@primitive("numpy.rot90", nondiff=("k", "axes"))
def rot90(m, k=1, axes=(0, 1)):
    return np.rot90(m, k, axes)


@rot90.reverse
def rot90_reverse(out, dout, m, k=1, axes=(0, 1)):
    "rot90: dout is rotated back (-k quarter turns)"
    dm = np.rot90(dout, -k, axes)
    return dm


@rot90.forward
def rot90_forward(out, m, k=1, axes=(0, 1), *, dm):
    dout = np.rot90(dm, k, axes)
    return dout


@primitive("numpy.convolve", nondiff=("mode",))
def convolve(a, v, mode="full"):
    return np.convolve(a, v, mode)


@convolve.reverse
def convolve_reverse(out, dout, a, v, mode="full"):
    "convolve: da = convolve(dfull, v[::-1], 'valid'), dv = convolve(dfull, a[::-1], 'valid')"
    if mode == "full":
        dfull = dout
    elif mode == "valid":
        dfull = np.pad(dout, min(np.size(a), np.size(v)) - 1)
    elif mode == "same":
        dfull = np.pad(dout, ((min(np.size(a), np.size(v)) - 1) // 2,
                              min(np.size(a), np.size(v)) // 2))
    else:
        unsupported("mode must be a constant: 'full', 'valid' or 'same'")
    da = np.convolve(dfull, v[::-1], "valid")
    dv = np.convolve(dfull, a[::-1], "valid")
    return da, dv


@convolve.forward
def convolve_forward(out, a, v, mode="full", *, da, dv):
    dout = np.convolve(da, v, mode) + np.convolve(a, dv, mode)
    return dout


@primitive(differentiable=False, helper=True, array_api_helper="leaves", array_api_form="nan_to_num")
def numpy_nan_to_num(x):
    """``np.nan_to_num(x)`` for array namespaces without it (the array-API form): NaN is
    0, an infinity the largest finite number of its sign."""
    largest = np.finfo(x.dtype).max
    return np.where(np.isnan(x), np.zeros_like(x), np.clip(x, -largest, largest))


@primitive("numpy.nan_to_num", nondiff=("copy", "nan", "posinf", "neginf"))
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    return np.nan_to_num(x, copy=copy, nan=nan, posinf=posinf, neginf=neginf)


@nan_to_num.reverse
def nan_to_num_reverse(out, dout, x, copy=True, nan=0.0, posinf=None, neginf=None):
    "nan_to_num: dx = dout where x is finite, 0 where it was replaced"
    dx = np.where(np.isfinite(x), dout, 0.0)
    return dx


@nan_to_num.forward
def nan_to_num_forward(out, x, copy=True, nan=0.0, posinf=None, neginf=None, *, dx):
    dout = np.where(np.isfinite(x), dx, 0.0)
    return dout


@primitive("numpy.tri", differentiable=False)
def tri(N, M=None, k=0, dtype=float):
    return np.tri(N, M, k, dtype)


@primitive("numpy.int64", differentiable=False)
def int64(x):
    return np.int64(x)
