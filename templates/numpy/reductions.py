"""Reductions: sum, mean, prod, max, min, trace, the cumulative cumsum and cumprod, and
diff (its adjoint: the n-th difference of ``dout`` padded with n zeros at each end,
times ``(-1)**n``).

A reduction's ``dout`` has the reduced axes removed (unless ``keepdims``); the rules
put them back with ``np.expand_dims(dout, axis)``, which accepts ``axis`` as an int, a
negative int or a tuple, and broadcast over them. ``axis=None`` reduces everything, so
``dout`` is a scalar (or all ones in shape with ``keepdims``) and broadcasts as it is.

Conventions where the derivative is not unique:

* max/min: ``dout`` goes to every entry equal to the maximum, split equally among ties
  (the average of the one-sided derivatives, like ``np.maximum``'s rule). The rules
  compare ``out == a`` (not ``a == out``) so that a list operand, ``np.max([x, y])``,
  compares elementwise.
* prod never divides by an entry, so it is exact with zeros (one or several): it
  multiplies the products of the entries before and after each one (exclusive
  cumulative products from both ends). cumprod is O(n) along the axis and exact with
  zeros too: before a row's first zero the product without ``a[i]`` is ``out[k] / a[i]``
  (``a[i]`` is not zero there); the first zero's own derivative is the running product
  with that zero taken as 1; every entry after it has derivative zero.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.sum", "ndarray.sum", method="sum_method")
def sum(a, axis=None, *, keepdims=False):
    return np.sum(a, axis=axis, keepdims=keepdims)


@sum.reverse
def sum_reverse(out, dout, a, axis=None, keepdims=False):
    "sum: dout is spread back over the summed axes"
    if axis is None or keepdims:
        da = np.broadcast_to(dout, np.shape(a))
    else:
        da = np.broadcast_to(np.expand_dims(dout, axis), np.shape(a))
    return da


@sum.forward
def sum_forward(out, a, axis=None, keepdims=False, *, da):
    dout = np.sum(da, axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.mean", "ndarray.mean", method="mean_method")
def mean(a, axis=None, *, keepdims=False):
    return np.mean(a, axis=axis, keepdims=keepdims)


@mean.reverse
def mean_reverse(out, dout, a, axis=None, keepdims=False):
    "mean: dout is spread evenly back over the averaged entries"
    if axis is None:
        da = np.broadcast_to(dout / np.size(a), np.shape(a))
    elif keepdims:
        da = np.broadcast_to(dout / (np.size(a) / np.size(out)), np.shape(a))
    else:
        da = np.broadcast_to(np.expand_dims(dout, axis) / (np.size(a) / np.size(out)), np.shape(a))
    return da


@mean.forward
def mean_forward(out, a, axis=None, keepdims=False, *, da):
    dout = np.mean(da, axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.max", "numpy.amax", "ndarray.max", method="max_method")
def max(a, axis=None, *, keepdims=False):
    return np.max(a, axis=axis, keepdims=keepdims)


@max.reverse
def max_reverse(out, dout, a, axis=None, keepdims=False):
    "max: dout goes to the maximal entries, split equally among ties"
    if axis is None or keepdims:
        hits = out == a
        da = dout * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    else:
        hits = np.expand_dims(out, axis) == a
        da = np.expand_dims(dout, axis) * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    return da


@max.forward
def max_forward(out, a, axis=None, keepdims=False, *, da):
    if axis is None or keepdims:
        hits = out == a
    else:
        hits = np.expand_dims(out, axis) == a
    dout = np.sum(da * hits, axis=axis, keepdims=keepdims) / np.sum(hits, axis=axis, keepdims=keepdims).astype(out.dtype)
    return dout


@primitive("numpy.min", "numpy.amin", "ndarray.min", method="min_method")
def min(a, axis=None, *, keepdims=False):
    return np.min(a, axis=axis, keepdims=keepdims)


@min.reverse
def min_reverse(out, dout, a, axis=None, keepdims=False):
    "min: dout goes to the minimal entries, split equally among ties"
    if axis is None or keepdims:
        hits = out == a
        da = dout * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    else:
        hits = np.expand_dims(out, axis) == a
        da = np.expand_dims(dout, axis) * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    return da


@min.forward
def min_forward(out, a, axis=None, keepdims=False, *, da):
    if axis is None or keepdims:
        hits = out == a
    else:
        hits = np.expand_dims(out, axis) == a
    dout = np.sum(da * hits, axis=axis, keepdims=keepdims) / np.sum(hits, axis=axis, keepdims=keepdims).astype(out.dtype)
    return dout


@primitive("numpy.prod", "ndarray.prod")
def prod(a, axis=None, *, keepdims=False):
    return np.prod(a, axis=axis, keepdims=keepdims)


@prod.reverse
def prod_reverse(out, dout, a, axis=None, keepdims=False):
    "prod: each entry gets dout times the product of the others (no division: exact at zeros)"
    # the multiplied entries of each product along the last axis of `rows`
    if axis is None:
        rows = np.ravel(a)
    elif np.ndim(axis) == 0:
        rows = np.moveaxis(a, axis, -1)
    else:
        moved = np.moveaxis(a, axis, np.arange(-len(axis), 0))
        rows = np.reshape(moved, np.shape(moved)[:np.ndim(a) - len(axis)] + (-1,))
    # the product of the entries before each one, times the product of those after it
    ones = np.ones_like(rows[..., :1])
    before = np.cumprod(np.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(rows, -1)[..., :-1]], axis=-1), axis=-1), -1)
    if axis is None:
        others = np.reshape(before * after, np.shape(a))
    elif np.ndim(axis) == 0:
        others = np.moveaxis(before * after, -1, axis)
    else:
        others = np.moveaxis(np.reshape(before * after, np.shape(moved)), np.arange(-len(axis), 0), axis)
    if axis is None or keepdims:
        da = dout * others
    else:
        da = np.expand_dims(dout, axis) * others
    return da


@prod.forward
def prod_forward(out, a, axis=None, keepdims=False, *, da):
    if axis is None:
        rows = np.ravel(a)
    elif np.ndim(axis) == 0:
        rows = np.moveaxis(a, axis, -1)
    else:
        moved = np.moveaxis(a, axis, np.arange(-len(axis), 0))
        rows = np.reshape(moved, np.shape(moved)[:np.ndim(a) - len(axis)] + (-1,))
    ones = np.ones_like(rows[..., :1])
    before = np.cumprod(np.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(rows, -1)[..., :-1]], axis=-1), axis=-1), -1)
    if axis is None:
        others = np.reshape(before * after, np.shape(a))
    elif np.ndim(axis) == 0:
        others = np.moveaxis(before * after, -1, axis)
    else:
        others = np.moveaxis(np.reshape(before * after, np.shape(moved)), np.arange(-len(axis), 0), axis)
    dout = np.sum(others * da, axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.trace", "ndarray.trace")
def trace(a, offset=0, axis1=0, axis2=1):
    return np.trace(a, offset, axis1, axis2)


@trace.reverse
def trace_reverse(out, dout, a, offset=0, axis1=0, axis2=1):
    "trace: dout goes to each entry of the diagonal"
    on_diagonal = np.eye(np.shape(a)[axis1], np.shape(a)[axis2], offset) == 1
    da = np.moveaxis(np.where(on_diagonal, np.expand_dims(dout, (-2, -1)), 0.0), (-2, -1), (axis1, axis2))
    return da


@trace.forward
def trace_forward(out, a, offset=0, axis1=0, axis2=1, *, da):
    dout = np.trace(da, offset, axis1, axis2)
    return dout


@primitive("numpy.cumsum", "ndarray.cumsum")
def cumsum(a, axis=None):
    return np.cumsum(a, axis=axis)


@cumsum.reverse
def cumsum_reverse(out, dout, a, axis=None):
    "cumsum: each entry gets the sum of dout from its position on"
    if axis is None:
        da = np.reshape(np.flip(np.cumsum(np.flip(dout))), np.shape(a))
    else:
        da = np.flip(np.cumsum(np.flip(dout, axis), axis=axis), axis)
    return da


@cumsum.forward
def cumsum_forward(out, a, axis=None, *, da):
    dout = np.cumsum(da, axis=axis)
    return dout


@primitive("numpy.diff", nondiff=("n",))
def diff(a, n=1, axis=-1):
    return np.diff(a, n, axis)


@diff.reverse
def diff_reverse(out, dout, a, n=1, axis=-1):
    "diff: da = (-1)**n * diff(dout with n zeros at each end, n)"
    ends = np.zeros_like(np.take(a, np.arange(n), axis=axis))
    if n % 2 == 0:
        da = np.diff(np.concatenate([ends, dout, ends], axis=axis), n, axis)
    else:
        da = -np.diff(np.concatenate([ends, dout, ends], axis=axis), n, axis)
    return da


@diff.forward
def diff_forward(out, a, n=1, axis=-1, *, da):
    dout = np.diff(da, n, axis)
    return dout


@primitive("numpy.cumprod", "ndarray.cumprod")
def cumprod(a, axis=None):
    return np.cumprod(a, axis=axis)


@cumprod.reverse
def cumprod_reverse(out, dout, a, axis=None):
    "cumprod: entry i gets the sum over k >= i of dout[k] times the product of a[:k+1] without a[i]"
    if axis is None:
        rows = np.ravel(a)
        drows = np.ravel(dout)
        outs = np.ravel(out)
    else:
        rows = np.moveaxis(a, axis, -1)
        drows = np.moveaxis(dout, axis, -1)
        outs = np.moveaxis(out, axis, -1)
    # before a row's first zero, the product without a[i] is out[k] / a[i]; at the first
    # zero, it is the row's running product with that zero taken as 1; after it, zero
    n = np.shape(rows)[-1]
    position = np.arange(n)
    first = np.min(np.where(rows == 0, position, n), axis=-1, keepdims=True)
    tail = np.flip(np.cumsum(np.flip(drows * outs, -1), axis=-1), -1)
    lifted = np.cumprod(np.where(position == first, 1.0, rows), axis=-1)
    at_zero = np.sum(np.where(position >= first, drows * lifted, 0.0), axis=-1, keepdims=True)
    grad = np.where(position < first, tail / np.where(position < first, rows, 1.0),
                    np.where(position == first, at_zero, 0.0))
    if axis is None:
        da = np.reshape(grad, np.shape(a))
    else:
        da = np.moveaxis(grad, -1, axis)
    return da


@cumprod.forward
def cumprod_forward(out, a, axis=None, *, da):
    if axis is None:
        rows = np.ravel(a)
        drows = np.ravel(da)
        outs = np.ravel(out)
    else:
        rows = np.moveaxis(a, axis, -1)
        drows = np.moveaxis(da, axis, -1)
        outs = np.moveaxis(out, axis, -1)
    # before a row's first zero, out[k] times the running sum of da / a; from it on, only
    # the zero's own tangent survives, times the running product with the zero taken as 1
    n = np.shape(rows)[-1]
    position = np.arange(n)
    first = np.min(np.where(rows == 0, position, n), axis=-1, keepdims=True)
    ratios = np.where(position < first, drows / np.where(position < first, rows, 1.0), 0.0)
    lifted = np.cumprod(np.where(position == first, 1.0, rows), axis=-1)
    at_zero = np.sum(np.where(position == first, drows, 0.0), axis=-1, keepdims=True)
    grad = np.where(position < first, outs * np.cumsum(ratios, axis=-1), at_zero * lifted)
    if axis is None:
        dout = grad
    else:
        dout = np.moveaxis(grad, -1, axis)
    return dout
