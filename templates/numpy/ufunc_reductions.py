"""Reductions written as a ufunc's method or with NaNs left out: ``np.add.reduce`` (sum),
``np.multiply.reduce`` (prod), ``np.maximum.reduce``/``np.minimum.reduce`` (max/min),
``np.logaddexp.reduce`` (log-sum-exp), ``np.ptp`` (max - min), ``np.nansum``,
``np.nanmean``, ``np.nanmax``, ``np.nanmin``, ``np.nanvar``, ``np.nanstd``, and
``np.count_nonzero`` (a count: no gradient).

A ufunc's ``reduce`` reduces ``axis=0`` by default (``np.sum`` reduces everything); the
rules are those of ``reductions.py`` otherwise, with the same conventions: ``dout`` gets
the reduced axes back with ``np.expand_dims(dout, axis)``, ties split ``dout`` equally,
``prod`` never divides by an entry. The nan-functions give a NaN entry a zero gradient
(it is left out of the result, so changing it changes nothing); the count of entries
they average over is the count of entries that are not NaN. A NaN made from the inputs
before it (``np.nanmean((pred - y) ** 2)`` with NaNs in ``y``) meets that zero in the
rule of the operation that made it, ``0 * NaN``, and the gradient is NaN there, as in any
reverse mode: put the NaNs in with ``np.where(observed, pred - y, np.nan)``, whose rule
selects rather than multiplies.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.add.reduce")
def add_reduce(a, axis=0, keepdims=False):
    return np.add.reduce(a, axis=axis, keepdims=keepdims)


@add_reduce.reverse
def add_reduce_reverse(out, dout, a, axis=0, keepdims=False):
    "add.reduce: dout is spread back over the summed axes"
    if axis is None or keepdims:
        da = np.broadcast_to(dout, np.shape(a))
    else:
        da = np.broadcast_to(np.expand_dims(dout, axis), np.shape(a))
    return da


@add_reduce.forward
def add_reduce_forward(out, a, axis=0, keepdims=False, *, da):
    dout = np.sum(da, axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.multiply.reduce")
def multiply_reduce(a, axis=0, keepdims=False):
    return np.multiply.reduce(a, axis=axis, keepdims=keepdims)


@multiply_reduce.reverse
def multiply_reduce_reverse(out, dout, a, axis=0, keepdims=False):
    "multiply.reduce: each entry gets dout times the product of the others (no division)"
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


@multiply_reduce.forward
def multiply_reduce_forward(out, a, axis=0, keepdims=False, *, da):
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


@primitive("numpy.maximum.reduce")
def maximum_reduce(a, axis=0, keepdims=False):
    return np.maximum.reduce(a, axis=axis, keepdims=keepdims)


@maximum_reduce.reverse
def maximum_reduce_reverse(out, dout, a, axis=0, keepdims=False):
    "maximum.reduce: dout goes to the maximal entries, split equally among ties"
    if axis is None or keepdims:
        hits = out == a
        da = dout * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    else:
        hits = np.expand_dims(out, axis) == a
        da = np.expand_dims(dout, axis) * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    return da


@maximum_reduce.forward
def maximum_reduce_forward(out, a, axis=0, keepdims=False, *, da):
    if axis is None or keepdims:
        hits = out == a
    else:
        hits = np.expand_dims(out, axis) == a
    dout = np.sum(da * hits, axis=axis, keepdims=keepdims) / np.sum(hits, axis=axis, keepdims=keepdims).astype(out.dtype)
    return dout


@primitive("numpy.minimum.reduce")
def minimum_reduce(a, axis=0, keepdims=False):
    return np.minimum.reduce(a, axis=axis, keepdims=keepdims)


@minimum_reduce.reverse
def minimum_reduce_reverse(out, dout, a, axis=0, keepdims=False):
    "minimum.reduce: dout goes to the minimal entries, split equally among ties"
    if axis is None or keepdims:
        hits = out == a
        da = dout * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    else:
        hits = np.expand_dims(out, axis) == a
        da = np.expand_dims(dout, axis) * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    return da


@minimum_reduce.forward
def minimum_reduce_forward(out, a, axis=0, keepdims=False, *, da):
    if axis is None or keepdims:
        hits = out == a
    else:
        hits = np.expand_dims(out, axis) == a
    dout = np.sum(da * hits, axis=axis, keepdims=keepdims) / np.sum(hits, axis=axis, keepdims=keepdims).astype(out.dtype)
    return dout


@primitive("numpy.logaddexp.reduce")
def logaddexp_reduce(a, axis=0, keepdims=False):
    return np.logaddexp.reduce(a, axis=axis, keepdims=keepdims)


@logaddexp_reduce.reverse
def logaddexp_reduce_reverse(out, dout, a, axis=0, keepdims=False):
    "logaddexp.reduce: da = dout * exp(a - out), the softmax of a along the axis"
    if axis is None or keepdims:
        da = dout * np.exp(a - out)
    else:
        da = np.expand_dims(dout, axis) * np.exp(a - np.expand_dims(out, axis))
    return da


@logaddexp_reduce.forward
def logaddexp_reduce_forward(out, a, axis=0, keepdims=False, *, da):
    if axis is None or keepdims:
        dout = np.sum(da * np.exp(a - out), axis=axis, keepdims=keepdims)
    else:
        dout = np.sum(da * np.exp(a - np.expand_dims(out, axis)), axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.ptp")
def ptp(a, axis=None, keepdims=False):
    return np.ptp(a, axis=axis, keepdims=keepdims)


@ptp.reverse
def ptp_reverse(out, dout, a, axis=None, keepdims=False):
    "ptp: dout goes to the maximal entries and -dout to the minimal ones, split among ties"
    top = np.max(a, axis=axis, keepdims=True)
    bottom = np.min(a, axis=axis, keepdims=True)
    highs = top == a
    lows = bottom == a
    spread = highs / np.sum(highs, axis=axis, keepdims=True) - lows / np.sum(lows, axis=axis, keepdims=True)
    if axis is None or keepdims:
        da = dout * spread
    else:
        da = np.expand_dims(dout, axis) * spread
    return da


@ptp.forward
def ptp_forward(out, a, axis=None, keepdims=False, *, da):
    top = np.max(a, axis=axis, keepdims=True)
    bottom = np.min(a, axis=axis, keepdims=True)
    highs = top == a
    lows = bottom == a
    spread = highs / np.sum(highs, axis=axis, keepdims=True) - lows / np.sum(lows, axis=axis, keepdims=True)
    dout = np.sum(spread * da, axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.nansum")
def nansum(a, axis=None, keepdims=False):
    return np.nansum(a, axis=axis, keepdims=keepdims)


@nansum.reverse
def nansum_reverse(out, dout, a, axis=None, keepdims=False):
    "nansum: dout is spread back over the summed entries that are not NaN"
    if axis is None or keepdims:
        da = np.where(np.isnan(a), 0.0, dout)
    else:
        da = np.where(np.isnan(a), 0.0, np.expand_dims(dout, axis))
    return da


@nansum.forward
def nansum_forward(out, a, axis=None, keepdims=False, *, da):
    dout = np.sum(np.where(np.isnan(a), 0.0, da), axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.nanmean")
def nanmean(a, axis=None, keepdims=False):
    return np.nanmean(a, axis=axis, keepdims=keepdims)


@nanmean.reverse
def nanmean_reverse(out, dout, a, axis=None, keepdims=False):
    "nanmean: dout is spread evenly back over the averaged entries that are not NaN"
    present = ~np.isnan(a)
    count = np.sum(present, axis=axis, keepdims=True)
    if axis is None or keepdims:
        da = np.where(present, dout / count, 0.0)
    else:
        da = np.where(present, np.expand_dims(dout, axis) / count, 0.0)
    return da


@nanmean.forward
def nanmean_forward(out, a, axis=None, keepdims=False, *, da):
    present = ~np.isnan(a)
    dout = np.sum(np.where(present, da, 0.0), axis=axis, keepdims=keepdims) / np.sum(present, axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.nanmax")
def nanmax(a, axis=None, keepdims=False):
    return np.nanmax(a, axis=axis, keepdims=keepdims)


@nanmax.reverse
def nanmax_reverse(out, dout, a, axis=None, keepdims=False):
    "nanmax: dout goes to the maximal entries (never a NaN), split equally among ties"
    if axis is None or keepdims:
        hits = out == a
        da = dout * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    else:
        hits = np.expand_dims(out, axis) == a
        da = np.expand_dims(dout, axis) * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    return da


@nanmax.forward
def nanmax_forward(out, a, axis=None, keepdims=False, *, da):
    if axis is None or keepdims:
        hits = out == a
    else:
        hits = np.expand_dims(out, axis) == a
    dout = np.sum(np.where(hits, da, 0.0), axis=axis, keepdims=keepdims) / np.sum(hits, axis=axis, keepdims=keepdims).astype(out.dtype)
    return dout


@primitive("numpy.nanmin")
def nanmin(a, axis=None, keepdims=False):
    return np.nanmin(a, axis=axis, keepdims=keepdims)


@nanmin.reverse
def nanmin_reverse(out, dout, a, axis=None, keepdims=False):
    "nanmin: dout goes to the minimal entries (never a NaN), split equally among ties"
    if axis is None or keepdims:
        hits = out == a
        da = dout * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    else:
        hits = np.expand_dims(out, axis) == a
        da = np.expand_dims(dout, axis) * hits / np.sum(hits, axis=axis, keepdims=True).astype(out.dtype)
    return da


@nanmin.forward
def nanmin_forward(out, a, axis=None, keepdims=False, *, da):
    if axis is None or keepdims:
        hits = out == a
    else:
        hits = np.expand_dims(out, axis) == a
    dout = np.sum(np.where(hits, da, 0.0), axis=axis, keepdims=keepdims) / np.sum(hits, axis=axis, keepdims=keepdims).astype(out.dtype)
    return dout


@primitive("numpy.nanvar")
def nanvar(a, axis=None, ddof=0, keepdims=False):
    return np.nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims)


@nanvar.reverse
def nanvar_reverse(out, dout, a, axis=None, ddof=0, keepdims=False):
    "nanvar: each entry that is not NaN gets 2 * dout * (a - mean) / (n - ddof), n not counting NaNs"
    present = ~np.isnan(a)
    centered = np.where(present, a - np.nanmean(a, axis=axis, keepdims=True), 0.0)
    scale = 2.0 / (np.sum(present, axis=axis, keepdims=True) - ddof)
    if axis is None or keepdims:
        da = dout * scale * centered
    else:
        da = np.expand_dims(dout, axis) * scale * centered
    return da


@nanvar.forward
def nanvar_forward(out, a, axis=None, ddof=0, keepdims=False, *, da):
    present = ~np.isnan(a)
    centered = np.where(present, a - np.nanmean(a, axis=axis, keepdims=True), 0.0)
    scale = 2.0 / (np.sum(present, axis=axis, keepdims=keepdims) - ddof)
    dout = scale * np.sum(centered * np.where(present, da, 0.0), axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.nanstd")
def nanstd(a, axis=None, ddof=0, keepdims=False):
    return np.nanstd(a, axis=axis, ddof=ddof, keepdims=keepdims)


@nanstd.reverse
def nanstd_reverse(out, dout, a, axis=None, ddof=0, keepdims=False):
    "nanstd: each entry that is not NaN gets dout * (a - mean) / ((n - ddof) * std); zero where std is zero"
    present = ~np.isnan(a)
    centered = np.where(present, a - np.nanmean(a, axis=axis, keepdims=True), 0.0)
    count = np.sum(present, axis=axis, keepdims=True) - ddof
    if axis is None or keepdims:
        da = dout * centered / (count * np.where(out == 0, 1.0, out))
    else:
        spread = np.expand_dims(out, axis)
        da = np.expand_dims(dout, axis) * centered / (count * np.where(spread == 0, 1.0, spread))
    return da


@nanstd.forward
def nanstd_forward(out, a, axis=None, ddof=0, keepdims=False, *, da):
    present = ~np.isnan(a)
    centered = np.where(present, a - np.nanmean(a, axis=axis, keepdims=True), 0.0)
    count = np.sum(present, axis=axis, keepdims=keepdims) - ddof
    dout = np.sum(centered * np.where(present, da, 0.0), axis=axis, keepdims=keepdims) / (count * np.where(out == 0, 1.0, out))
    return dout


@primitive("numpy.count_nonzero", differentiable=False)
def count_nonzero(a, axis=None, keepdims=False):
    return np.count_nonzero(a, axis=axis, keepdims=keepdims)
