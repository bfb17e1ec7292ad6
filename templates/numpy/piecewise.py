"""Piecewise functions and casts: ``np.heaviside``, ``np.interp``, and the scalar types
called as functions (``np.float64(x)``, ``np.float32(x)``, as ``float(x)``).

* heaviside(x1, x2) is 0 below zero, 1 above, ``x2`` at zero: no gradient for ``x1``
  (flat on each side; the step itself has none), ``dx2 = dout`` where ``x1 == 0``.
* interp(x, xp, fp) is linear in ``fp``: the entry ``x`` between ``xp[i]`` and
  ``xp[i + 1]`` is ``(1 - t) fp[i] + t fp[i + 1]``; so ``dfp`` adds ``dout`` times those
  weights (``interp_weights``) and the forward rule interpolates ``dfp`` itself. In ``x``
  its slope is ``(fp[i + 1] - fp[i]) / (xp[i + 1] - xp[i])`` inside ``[xp[0], xp[-1]]`` and
  0 outside (the result is clamped there). ``xp`` (increasing) has no rule: differentiating
  with respect to it is refused.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.heaviside", nondiff=("x1",), broadcasting=True, elementwise=True)
def heaviside(x1, x2):
    return np.heaviside(x1, x2)


@heaviside.reverse
def heaviside_reverse(out, dout, x1, x2):
    "heaviside: dout goes to x2 where x1 is zero"
    dx2 = np.where(x1 == 0, dout, 0.0)
    return dx2


@primitive("numpy.interp")
def interp(x, xp, fp):
    return np.interp(x, xp, fp)


@interp.reverse
def interp_reverse(out, dout, x, xp, fp):
    "interp: fp's two neighbours of x get dout times their weights; x gets dout times the slope"
    index = interp_index(x, xp)
    slope = (fp[index + 1] - fp[index]) / (xp[index + 1] - xp[index])
    dx = np.where((x >= xp[0]) & (x <= xp[-1]), dout * slope, 0.0)
    dfp = np.reshape(dout, (-1,)) @ np.reshape(interp_weights(x, xp), (-1, np.shape(xp)[0]))
    return dx, dfp


@interp.forward
def interp_forward(out, x, xp, fp, *, dx, dfp):
    index = interp_index(x, xp)
    slope = (fp[index + 1] - fp[index]) / (xp[index + 1] - xp[index])
    dout = np.interp(x, xp, dfp) + np.where((x >= xp[0]) & (x <= xp[-1]), slope * dx, 0.0)
    return dout


@primitive(differentiable=False, helper=True)
def interp_index(x, xp):
    """For each entry of ``x``, the ``i`` of the interval ``[xp[i], xp[i + 1]]`` holding it
    (the first or last interval for an entry outside ``xp``'s range)."""
    return np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 2)


@primitive(differentiable=False, helper=True)
def interp_weights(x, xp):
    """The weights ``w``, shaped ``np.shape(x) + (len(xp),)``, with
    ``np.interp(x, xp, fp) == w @ fp``: ``1 - t`` and ``t`` on the two ends of the interval
    holding each entry, all on the nearer end outside ``xp``'s range."""
    x = np.asarray(x, dtype=float)
    xp = np.asarray(xp, dtype=float)
    index = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 2)
    t = np.clip((x - xp[index]) / (xp[index + 1] - xp[index]), 0.0, 1.0)
    weights = np.zeros(x.shape + xp.shape)
    np.put_along_axis(weights, index[..., None], (1.0 - t)[..., None], axis=-1)
    np.put_along_axis(weights, index[..., None] + 1, t[..., None], axis=-1)
    return weights


@primitive("numpy.float64")
def float64(x):
    return np.float64(x)


@float64.reverse
def float64_reverse(out, dout, x):
    "float64: dout passes through, in the operand's shape"
    dx = np.reshape(dout, np.shape(x))
    return dx


@float64.forward
def float64_forward(out, x, *, dx):
    dout = np.float64(dx)
    return dout


@primitive("numpy.float32")
def float32(x):
    return np.float32(x)


@float32.reverse
def float32_reverse(out, dout, x):
    "float32: dout passes through, in the operand's shape"
    dx = np.reshape(dout, np.shape(x))
    return dx


@float32.forward
def float32_forward(out, x, *, dx):
    dout = np.float32(dx)
    return dout
