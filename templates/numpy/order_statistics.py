"""Order statistics: ``np.median``, ``np.quantile`` and ``np.percentile`` (the default
linear interpolation).

Along the reduced axes, a quantile ``q`` of ``n`` sorted entries sits at ``q (n - 1)``:
between the order statistics ``lo = floor(q (n - 1))`` and ``lo + 1``, it is
``(1 - t) a[lo] + t a[lo + 1]`` with ``t = q (n - 1) - lo``. Which entries these are does not
change under a small enough change of ``a`` (ties aside), so the result is a fixed linear
combination of the entries: ``out = sum(w * a)`` over the reduced axes, with the weights
``w`` of ``quantile_weights`` (one layer per entry of ``q``, ahead of ``a``'s axes). The
rules are those of a weighted sum: ``da = w * dout`` summed over ``q``'s axes, and
``dout = sum(w * da)``. At ties the gradient goes to the entry sorting first (a
subgradient, as NumPy's sort decides); the median of an even count takes half of each of
the two middle entries.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.quantile")
def quantile(a, q, axis=None, keepdims=False):
    return np.quantile(a, q, axis=axis, keepdims=keepdims)


@quantile.reverse
def quantile_reverse(out, dout, a, q, axis=None, keepdims=False):
    "quantile: the one or two order statistics interpolated get dout times their weights"
    layout = quantile_layout(a, q, axis)
    da = np.sum(quantile_weights(a, q, axis) * np.reshape(dout, layout[1]), axis=layout[2])
    return da


@quantile.forward
def quantile_forward(out, a, q, axis=None, keepdims=False, *, da):
    layout = quantile_layout(a, q, axis)
    dout = np.sum(quantile_weights(a, q, axis) * da, axis=layout[0], keepdims=keepdims)
    return dout


@primitive("numpy.percentile")
def percentile(a, q, axis=None, keepdims=False):
    return np.percentile(a, q, axis=axis, keepdims=keepdims)


@percentile.reverse
def percentile_reverse(out, dout, a, q, axis=None, keepdims=False):
    "percentile: the one or two order statistics interpolated get dout times their weights"
    layout = quantile_layout(a, q, axis)
    da = np.sum(quantile_weights(a, q, axis, 100) * np.reshape(dout, layout[1]), axis=layout[2])
    return da


@percentile.forward
def percentile_forward(out, a, q, axis=None, keepdims=False, *, da):
    layout = quantile_layout(a, q, axis)
    dout = np.sum(quantile_weights(a, q, axis, 100) * da, axis=layout[0], keepdims=keepdims)
    return dout


@primitive("numpy.median")
def median(a, axis=None, keepdims=False):
    return np.median(a, axis=axis, keepdims=keepdims)


@median.reverse
def median_reverse(out, dout, a, axis=None, keepdims=False):
    "median: the middle entry gets dout (the two middle entries half of it each)"
    layout = quantile_layout(a, 0.5, axis)
    da = quantile_weights(a, 0.5, axis) * np.reshape(dout, layout[1])
    return da


@median.forward
def median_forward(out, a, axis=None, keepdims=False, *, da):
    layout = quantile_layout(a, 0.5, axis)
    dout = np.sum(quantile_weights(a, 0.5, axis) * da, axis=layout[0], keepdims=keepdims)
    return dout


@primitive(differentiable=False, helper=True)
def quantile_weights(a, q, axis=None, per=1):
    """The weights ``w`` with ``np.quantile(a, q / per, axis) == np.sum(w * a, axis)`` (the
    reduced axes shifted past ``q``'s), shaped ``np.shape(q) + np.shape(a)``: along the
    reduced axes, ``1 - t`` on the order statistic below ``q (n - 1)`` and ``t`` on the one
    above. ``per`` is 100 for a percentile."""
    a = np.asarray(a)
    q = np.asarray(q, dtype=float) / per
    reduced = tuple(range(a.ndim)) if axis is None else tuple(np.atleast_1d(axis) % max(a.ndim, 1))
    kept = tuple(k for k in range(a.ndim) if k not in reduced)
    moved = np.transpose(a, kept + reduced)
    rows = np.reshape(moved, moved.shape[:len(kept)] + (-1,))
    n = rows.shape[-1]
    order = np.argsort(rows, axis=-1, kind="stable")
    weights = np.zeros(q.shape + rows.shape)
    for at in np.ndindex(*q.shape):
        position = q[at] * (n - 1)
        lo = int(np.floor(position))
        hi = min(lo + 1, n - 1)
        t = position - lo
        layer = np.zeros(rows.shape)
        np.put_along_axis(layer, order[..., lo:lo + 1], 1.0 - t, axis=-1)
        above = np.take_along_axis(layer, order[..., hi:hi + 1], axis=-1)
        np.put_along_axis(layer, order[..., hi:hi + 1], above + t, axis=-1)
        weights[at] = layer
    laid = np.reshape(weights, q.shape + moved.shape)
    back = np.argsort(kept + reduced)
    return np.transpose(laid, tuple(range(q.ndim)) + tuple(q.ndim + back))


@primitive(differentiable=False, shape_only=True, helper=True)
def quantile_layout(a, q, axis=None):
    """How a quantile's ``dout`` meets ``quantile_weights(a, q, axis)``: ``(reduced, shape,
    layers)``, the reduced axes of ``a`` shifted past ``q``'s, the shape ``dout`` takes with
    the reduced axes kept as ones, and ``q``'s axes (summed over in the reverse rule)."""
    ndim = np.ndim(a)
    layers = tuple(range(np.ndim(q)))
    reduced = tuple(range(ndim)) if axis is None else tuple(np.atleast_1d(axis) % max(ndim, 1))
    shape = np.shape(q) + tuple(1 if k in reduced else n for k, n in enumerate(np.shape(a)))
    return tuple(len(layers) + k for k in reduced), shape, layers
