"""Constructors and array facts: values that do not depend on their operands' values.

Most primitives here are non-differentiable (``differentiable=False``): ``np.zeros``,
``np.eye``, ``np.shape``, ``np.argsort``... A few constructors do pass values through,
and dropping those would silently lose gradient, so they have rules:
``np.full``/``np.full_like`` (the fill value), ``np.arange`` (start and step),
``np.linspace`` (the endpoints) and ``np.array``/``np.asarray`` (the elements).
(``float``, ``int``, ``len`` and ``range`` are Python's: ``python/builtins.py``.)

``np.array([a, b, c])`` binds the list literal to ``object`` as one operand holding a
sequence; its gradient is ``dout``, whose ``i``-th entry the engine hands to the
``i``-th element (nested lists work the same way, level by level).
"""
import numpy as np

from diffc.extend import primitive


# --- arrays of a given shape -------------------------------------------------------

@primitive("numpy.zeros", differentiable=False)
def zeros(shape, dtype=None):
    return np.zeros(shape, dtype=dtype)


@primitive("numpy.ones", differentiable=False)
def ones(shape, dtype=None):
    return np.ones(shape, dtype=dtype)


@primitive("numpy.empty", differentiable=False)
def empty(shape, dtype=None):
    return np.empty(shape, dtype=dtype)


@primitive("numpy.zeros_like", differentiable=False, fresh=True)
def zeros_like(a, dtype=None):
    return np.zeros_like(a, dtype=dtype)


@primitive("numpy.ones_like", differentiable=False)
def ones_like(a, dtype=None):
    return np.ones_like(a, dtype=dtype)


@primitive("numpy.empty_like", differentiable=False)
def empty_like(a, dtype=None):
    return np.empty_like(a, dtype=dtype)


@primitive("numpy.eye", differentiable=False)
def eye(N, M=None, k=0, dtype=None):
    return np.eye(N, M, k, dtype=dtype)


@primitive("numpy.identity", differentiable=False)
def identity(n, dtype=None):
    return np.identity(n, dtype=dtype)


@primitive("numpy.full", nondiff=("shape", "dtype"), broadcasting=True)
def full(shape, fill_value, dtype=None):
    return np.full(shape, fill_value, dtype=dtype)


@full.reverse
def full_reverse(out, dout, shape, fill_value, dtype=None):
    "full: the fill value gets dout summed over the positions it fills"
    if dtype is None or np.dtype(dtype).kind in "fc":
        dfill_value = dout
    else:  # an integer array: the fill value is truncated, its derivative is zero
        dfill_value = np.zeros(np.shape(fill_value))
    return dfill_value


@full.forward
def full_forward(out, shape, fill_value, dtype=None, *, dfill_value):
    if dtype is None or np.dtype(dtype).kind in "fc":
        dout = np.full(shape, dfill_value)
    else:
        dout = np.zeros(shape)
    return dout


@primitive("numpy.full_like", nondiff=("a", "dtype"), broadcasting=True)
def full_like(a, fill_value, dtype=None):
    return np.full_like(a, fill_value, dtype=dtype)


@full_like.reverse
def full_like_reverse(out, dout, a, fill_value, dtype=None):
    "full_like: the fill value gets dout summed over the positions it fills"
    if out.dtype.kind in "fc":
        dfill_value = dout
    else:  # an integer array: the fill value is truncated, its derivative is zero
        dfill_value = np.zeros(np.shape(fill_value))
    return dfill_value


@full_like.forward
def full_like_forward(out, a, fill_value, dtype=None, *, dfill_value):
    if out.dtype.kind in "fc":
        dout = np.full(np.shape(out), dfill_value)
    else:
        dout = np.zeros(np.shape(out))
    return dout


# --- ranges ---------------------------------------------------------------------------

@primitive("numpy.arange", nondiff=("stop", "dtype"))
def arange(start, stop=None, step=None, dtype=None):
    return np.arange(start, stop, step, dtype=dtype)


@arange.reverse
def arange_reverse(out, dout, start, stop=None, step=None, dtype=None):
    "arange: out[i] = start + i * step, so start gets sum(dout) and step sum(i * dout)"
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        dstart = np.zeros(np.shape(start))
        dstep = np.zeros(np.shape(step))
    elif stop is None:  # arange(stop[, step]): the first argument only sets the length
        dstart = np.zeros(np.shape(start))
        dstep = np.sum(dout * np.arange(np.size(out)))
    else:
        dstart = np.sum(dout)
        dstep = np.sum(dout * np.arange(np.size(out)))
    return dstart, dstep


@arange.forward
def arange_forward(out, start, stop=None, step=None, dtype=None, *, dstart, dstep):
    if (dtype is not None and np.dtype(dtype).kind not in "fc") or (stop is None and step is None):
        dout = np.zeros(np.shape(out))
    elif stop is None:
        dout = dstep * np.arange(np.size(out))
    elif step is None:
        dout = np.full(np.shape(out), dstart)
    else:
        dout = dstart + dstep * np.arange(np.size(out))
    return dout


@primitive("numpy.linspace", nondiff=("num", "endpoint", "axis"), broadcasting=True)
def linspace(start, stop, num=50, endpoint=True, *, axis=0):
    return np.linspace(start, stop, num, endpoint=endpoint, axis=axis)


@linspace.reverse
def linspace_reverse(out, dout, start, stop, num=50, endpoint=True, axis=0):
    "linspace: out = start + t * (stop - start) with t from 0 to 1"
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    steps = np.moveaxis(dout, axis, -1)
    dstart = np.sum(steps * (1.0 - t), axis=-1)
    dstop = np.sum(steps * t, axis=-1)
    return dstart, dstop


@linspace.forward
def linspace_forward(out, start, stop, num=50, endpoint=True, axis=0, *, dstart, dstop):
    dout = np.linspace(dstart, dstop, num, endpoint=endpoint, axis=axis)
    return dout


# --- arrays from values -----------------------------------------------------------

@primitive("numpy.array", nondiff=("dtype",))
def array(object, dtype=None):
    return np.array(object, dtype=dtype)


@array.reverse
def array_reverse(out, dout, object, dtype=None):
    "array: each element gets its entry of dout"
    if dtype is None or np.dtype(dtype).kind in "fc":
        dobject = dout
    else:  # converted to integers: zero derivative
        dobject = np.zeros(np.shape(out))
    return dobject


@array.forward
def array_forward(out, object, dtype=None, *, dobject):
    if dtype is None or np.dtype(dtype).kind in "fc":
        dout = np.array(dobject, dtype=dtype)
    else:
        dout = np.zeros(np.shape(out))
    return dout


@primitive("numpy.asarray", nondiff=("dtype",))
def asarray(a, dtype=None):
    return np.asarray(a, dtype=dtype)


@asarray.reverse
def asarray_reverse(out, dout, a, dtype=None):
    "asarray: each element gets its entry of dout"
    if dtype is None or np.dtype(dtype).kind in "fc":
        da = dout
    else:  # converted to integers: zero derivative
        da = np.zeros(np.shape(out))
    return da


@asarray.forward
def asarray_forward(out, a, dtype=None, *, da):
    if dtype is None or np.dtype(dtype).kind in "fc":
        dout = np.asarray(da, dtype=dtype)
    else:
        dout = np.zeros(np.shape(out))
    return dout


# --- facts about arrays: shapes, sizes, orderings ------------------------------------

@primitive("numpy.shape", differentiable=False, shape_only=True)
def shape(a):
    return np.shape(a)


@primitive("numpy.ndim", differentiable=False, shape_only=True)
def ndim(a):
    return np.ndim(a)


@primitive("numpy.size", differentiable=False, shape_only=True)
def size(a, axis=None):
    return np.size(a, axis)


@primitive("ndarray.shape", differentiable=False, shape_only=True)
def shape_attribute(a):
    return a.shape


@primitive("ndarray.ndim", differentiable=False, shape_only=True)
def ndim_attribute(a):
    return a.ndim


@primitive("ndarray.size", differentiable=False, shape_only=True)
def size_attribute(a):
    return a.size


@primitive("ndarray.dtype", differentiable=False, shape_only=True)
def dtype_attribute(a):
    return a.dtype


@primitive("numpy.argsort", "ndarray.argsort", differentiable=False)
def argsort(a, axis=-1, kind=None):
    return np.argsort(a, axis=axis, kind=kind)
