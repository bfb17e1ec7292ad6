"""Statistics: var, std and average (with weights).

As in ``reductions.py``, ``dout`` gets the reduced axes back with
``np.expand_dims(dout, axis)`` unless ``axis`` is None or ``keepdims`` is set.

* var: ``d var / d a = 2 (a - mean) / (n - ddof)``.
* std: ``d std / d a = (a - mean) / ((n - ddof) std)``; where the standard deviation is
  exactly 0 every ``a - mean`` is 0 too and the gradient is 0 (the subgradient at the
  kink, as for ``np.linalg.norm`` at the zero vector), never NaN.
* average: ``out = sum(a w) / sum(w)``, so ``da = dout w / sum(w)`` and
  ``dw = dout (a - out) / sum(w)``. 1-D weights along ``axis`` of an N-D ``a`` are laid
  along that axis the way NumPy does; their gradient comes out with ``a``'s other axes
  leading, for the engine to sum.
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("numpy.var", "ndarray.var")
def var(a, axis=None, *, ddof=0, keepdims=False):
    return np.var(a, axis=axis, ddof=ddof, keepdims=keepdims)


@var.reverse
def var_reverse(out, dout, a, axis=None, ddof=0, keepdims=False):
    "var: each entry gets 2 * dout * (a - mean) / (n - ddof)"
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    centered = a - np.mean(a, axis=axis, keepdims=True)
    scale = 2.0 / (np.size(a) / np.size(out) - ddof)
    if axis is None or keepdims:
        da = dout * scale * centered
    else:
        da = np.expand_dims(dout, axis) * scale * centered
    return da


@var.forward
def var_forward(out, a, axis=None, ddof=0, keepdims=False, *, da):
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    centered = a - np.mean(a, axis=axis, keepdims=True)
    scale = 2.0 / (np.size(a) / np.size(out) - ddof)
    dout = scale * np.sum(centered * da, axis=axis, keepdims=keepdims)
    return dout


@primitive("numpy.std", "ndarray.std")
def std(a, axis=None, *, ddof=0, keepdims=False):
    return np.std(a, axis=axis, ddof=ddof, keepdims=keepdims)


@std.reverse
def std_reverse(out, dout, a, axis=None, ddof=0, keepdims=False):
    "std: each entry gets dout * (a - mean) / ((n - ddof) * std); zero where std is zero"
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    centered = a - np.mean(a, axis=axis, keepdims=True)
    count = np.size(a) / np.size(out) - ddof
    if axis is None or keepdims:
        da = dout * centered / (count * np.where(out == 0, 1.0, out))
    else:
        spread = np.expand_dims(out, axis)
        da = np.expand_dims(dout, axis) * centered / (count * np.where(spread == 0, 1.0, spread))
    return da


@std.forward
def std_forward(out, a, axis=None, ddof=0, keepdims=False, *, da):
    if np.iscomplexobj(a):
        unsupported("a complex operand: diffc differentiates real functions only")
    centered = a - np.mean(a, axis=axis, keepdims=True)
    count = np.size(a) / np.size(out) - ddof
    dout = np.sum(centered * da, axis=axis, keepdims=keepdims) / (count * np.where(out == 0, 1.0, out))
    return dout


@primitive("numpy.average", broadcasting=True)
def average(a, axis=None, weights=None, *, keepdims=False):
    return np.average(a, axis=axis, weights=weights, keepdims=keepdims)


@average.reverse
def average_reverse(out, dout, a, axis=None, weights=None, keepdims=False):
    "average: da = dout * w / sum(w), dw = dout * (a - average) / sum(w)"
    if axis is None or keepdims:
        grad = dout
        mean = out
    else:
        grad = np.expand_dims(dout, axis)
        mean = np.expand_dims(out, axis)
    if weights is None:
        da = np.broadcast_to(grad / (np.size(a) / np.size(out)), np.shape(a))
        dweights = None
    elif np.ndim(weights) == np.ndim(a):
        total = np.sum(weights, axis=axis, keepdims=True)
        da = grad * weights / total
        dweights = grad * (a - mean) / total
    else:  # 1-D weights along `axis`
        laid = np.swapaxes(np.reshape(weights, (1,) * (np.ndim(a) - 1) + (-1,)), -1, axis)
        da = grad * laid / np.sum(weights)
        dweights = np.swapaxes(grad * (a - mean) / np.sum(weights), -1, axis)
    return da, dweights


@average.forward
def average_forward(out, a, axis=None, weights=None, keepdims=False, *, da, dweights):
    if axis is None or keepdims:
        mean = out
    else:
        mean = np.expand_dims(out, axis)
    if weights is None:
        dout = np.mean(da, axis=axis, keepdims=keepdims)
    elif np.ndim(weights) == np.ndim(a):
        total = np.sum(weights, axis=axis, keepdims=keepdims)
        dout = np.sum(da * weights + (a - mean) * dweights, axis=axis, keepdims=keepdims) / total
    else:
        laid = np.swapaxes(np.reshape(weights, (1,) * (np.ndim(a) - 1) + (-1,)), -1, axis)
        dlaid = np.swapaxes(np.reshape(dweights, (1,) * (np.ndim(a) - 1) + (-1,)), -1, axis)
        dout = np.sum(da * laid + (a - mean) * dlaid, axis=axis, keepdims=keepdims) / np.sum(weights)
    return dout
