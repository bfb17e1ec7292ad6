"""Grids: np.meshgrid, and np.gradient (differences of values sampled on a grid).

Both are linear, so each reverse rule is the transposed map, written as a helper whose
own reverse rule is the map again (``unmeshgrid`` and ``remeshgrid``, ``gradient_transposed``
and ``np.gradient``: the rules close under differentiation):

* meshgrid spreads input ``k`` along one axis of every grid (axis ``k``, except that
  ``indexing="xy"`` swaps the first two), so ``dx_k`` is grid ``k``'s ``dout`` summed over
  every other axis (``unmeshgrid``), reshaped like ``x_k`` (meshgrid flattens it).
* gradient along an axis of ``n`` samples ``h`` apart is the stencil
  ``out[i] = (f[i+1] - f[i-1]) / 2h`` inside, one-sided at the two ends
  (``(f[1] - f[0]) / h`` with ``edge_order=1``, ``(-3 f[0] + 4 f[1] - f[2]) / 2h`` with
  ``edge_order=2``); ``df`` is each row's ``dout`` sent back with the same weights to the
  entries that row read (``gradient_transposed``), summed over the axes differentiated.
  The spacing is a number (one for every axis, or one per axis), a constant of the
  call; coordinate arrays as spacing are refused.
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("numpy.meshgrid", nondiff=("copy", "sparse", "indexing"))
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    return np.meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing)


@meshgrid.reverse
def meshgrid_reverse(out, dout, *xi, copy=True, sparse=False, indexing="xy"):
    "meshgrid: dx_k = grid k's dout summed over the axes x_k was spread along"
    dxi = unmeshgrid(dout, xi, sparse, indexing)
    return dxi


@meshgrid.forward
def meshgrid_forward(out, *xi, copy=True, sparse=False, indexing="xy", dxi):
    dout = np.meshgrid(*dxi, sparse=sparse, indexing=indexing)
    return dout


@primitive(nondiff=("xi", "sparse", "indexing"), helper=True)
def unmeshgrid(grids, xi, sparse, indexing):
    """The adjoint of ``np.meshgrid(*xi, sparse=sparse, indexing=indexing)``: grid ``k``
    summed over every axis but the one ``xi[k]`` runs along, shaped like ``xi[k]``."""
    ndim = len(xi)
    sums = []
    for k, (grid, x) in enumerate(zip(grids, xi)):
        axis = 1 - k if indexing == "xy" and ndim > 1 and k < 2 else k
        others = tuple(a for a in range(ndim) if a != axis)
        sums.append(np.reshape(np.sum(grid, axis=others), np.shape(x)))
    return sums


@unmeshgrid.reverse
def unmeshgrid_reverse(out, dout, grids, xi, sparse, indexing):
    "unmeshgrid: the sums' gradients are spread back along their axes (meshgrid)"
    dgrids = remeshgrid(dout, xi, sparse, indexing)
    return dgrids


@unmeshgrid.forward
def unmeshgrid_forward(out, grids, xi, sparse, indexing, *, dgrids):
    dout = unmeshgrid(dgrids, xi, sparse, indexing)
    return dout


@primitive(nondiff=("xi", "sparse", "indexing"), helper=True)
def remeshgrid(values, xi, sparse, indexing):
    """``np.meshgrid(*values, sparse=sparse, indexing=indexing)`` for a sequence ``values``
    shaped like ``xi`` (the adjoint of ``unmeshgrid``)."""
    return np.meshgrid(*values, sparse=sparse, indexing=indexing)


@remeshgrid.reverse
def remeshgrid_reverse(out, dout, values, xi, sparse, indexing):
    "remeshgrid: each grid's dout is summed back along its axis (unmeshgrid)"
    dvalues = unmeshgrid(dout, xi, sparse, indexing)
    return dvalues


@remeshgrid.forward
def remeshgrid_forward(out, values, xi, sparse, indexing, *, dvalues):
    dout = remeshgrid(dvalues, xi, sparse, indexing)
    return dout


@primitive("numpy.gradient", nondiff=("axis", "edge_order"))
def gradient(f, *varargs, axis=None, edge_order=1):
    return np.gradient(f, *varargs, axis=axis, edge_order=edge_order)


@gradient.reverse
def gradient_reverse(out, dout, f, *varargs, axis=None, edge_order=1):
    "gradient: df = dout sent back through the difference stencil, axis by axis"
    if len([h for h in varargs if np.ndim(h) > 0]) > 0:
        unsupported("coordinate arrays as spacing: give the spacing as one number per axis")
    df = gradient_transposed(dout, np.shape(f), varargs, axis, edge_order)
    return df


@gradient.forward
def gradient_forward(out, f, *varargs, axis=None, edge_order=1, df):
    if len([h for h in varargs if np.ndim(h) > 0]) > 0:
        unsupported("coordinate arrays as spacing: give the spacing as one number per axis")
    dout = np.gradient(df, *varargs, axis=axis, edge_order=edge_order)
    return dout


@primitive(nondiff=("shape", "axis", "edge_order"), helper=True)
def gradient_transposed(grads, shape, spacing, axis, edge_order):
    """The adjoint of ``np.gradient(f, *spacing, axis=axis, edge_order=edge_order)`` for
    ``f`` of ``shape`` and numbers as spacing: each row of ``grads`` goes back, with the
    weights of the stencil, to the entries of ``f`` it was computed from."""
    if axis is None:
        axes = tuple(range(len(shape)))
    else:
        axes = tuple(a % len(shape) for a in np.atleast_1d(axis))
    if len(spacing) == 0:
        steps = [1.0] * len(axes)
    elif len(spacing) == 1:
        steps = list(spacing) * len(axes)
    else:
        steps = list(spacing)
    df = np.zeros(shape)
    for g, h, a in zip([grads] if len(axes) == 1 else grads, steps, axes):
        g = np.moveaxis(np.asarray(g, dtype=float), a, 0) / h
        part = np.zeros_like(g)
        if edge_order == 1:
            part[0] -= g[0]
            part[1] += g[0]
            part[-2] -= g[-1]
            part[-1] += g[-1]
        else:
            part[0] -= 1.5 * g[0]
            part[1] += 2.0 * g[0]
            part[2] -= 0.5 * g[0]
            part[-3] += 0.5 * g[-1]
            part[-2] -= 2.0 * g[-1]
            part[-1] += 1.5 * g[-1]
        part[2:] += 0.5 * g[1:-1]
        part[:-2] -= 0.5 * g[1:-1]
        df += np.moveaxis(part, 0, a)
    return df


@gradient_transposed.reverse
def gradient_transposed_reverse(out, dout, grads, shape, spacing, axis, edge_order):
    "gradient_transposed: the rows' gradients are the stencil applied to dout (np.gradient)"
    dgrads = np.gradient(dout, *spacing, axis=axis, edge_order=edge_order)
    return dgrads


@gradient_transposed.forward
def gradient_transposed_forward(out, grads, shape, spacing, axis, edge_order, *, dgrads):
    dout = gradient_transposed(dgrads, shape, spacing, axis, edge_order)
    return dout
