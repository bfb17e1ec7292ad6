"""Joining and splitting: concatenate, stack, vstack, hstack, dstack, split, array_split,
hsplit, vsplit and dsplit.

The arrays being joined are one operand holding a sequence (``np.concatenate([a, b])``
binds the list to ``arrays``), so the reverse rules return one gradient per array: a
list (from ``np.split``, cut where the helper ``split_points`` says each array ends),
or an array whose ``i``-th entry is the ``i``-th gradient (``np.stack``). Splits return
lists; their reverse rules receive ``dout`` as a sequence with one gradient per piece
and join it back.

A piece of ``dout`` that has an extra axis of length 1 (``np.vstack`` of 1-D arrays
makes rows) is summed down to its array's shape by the engine, as for broadcasting.
"""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.concatenate")
def concatenate(arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


@concatenate.reverse
def concatenate_reverse(out, dout, arrays, axis=0):
    "concatenate: dout is cut back into the arrays' pieces"
    if axis is None:
        darrays = split_like(dout, arrays)
    else:
        darrays = np.split(dout, split_points(arrays, axis), axis=axis)
    return darrays


@concatenate.forward
def concatenate_forward(out, arrays, axis=0, *, darrays):
    dout = np.concatenate(darrays, axis=axis)
    return dout


@primitive(differentiable=False, shape_only=True, helper=True, array_api_helper="python")
def split_points(arrays, axis, ndmin=0):
    """Where ``np.split`` cuts the concatenation of ``arrays`` along ``axis`` back into
    them, each taken with at least ``ndmin`` dimensions (leading ones added)."""
    points = []
    end = 0
    for x in arrays[:-1]:
        end += ((1,) * (ndmin - np.ndim(x)) + np.shape(x))[axis]
        points.append(end)
    return points


@primitive(differentiable=False, helper=True, array_api_helper="python", array_api_form="split")
def split_along(x, points, axis):
    """``np.split(x, points, axis=axis)`` as slices, for array namespaces without a split
    (the array-API form): ``points`` the positions to cut at, or a number of equal pieces."""
    size = np.shape(x)[axis]
    if isinstance(points, int):
        points = [size // points * k for k in range(1, points)]
    bounds = [0, *points, size]
    lead = (slice(None),) * (axis % np.ndim(x))
    return [x[lead + (slice(start, end), ...)] for start, end in zip(bounds[:-1], bounds[1:])]


@primitive(nondiff=("arrays",), helper=True)
def split_like(flat, arrays):
    """Cut the 1-D ``flat`` into pieces shaped like each of ``arrays`` (the adjoint of
    ``np.concatenate(arrays, axis=None)``)."""
    ends = np.cumsum([np.size(x) for x in arrays])
    return [np.reshape(piece, np.shape(x)) for piece, x in zip(np.split(flat, ends[:-1]), arrays)]


@split_like.reverse
def split_like_reverse(out, dout, flat, arrays):
    "split: the pieces' gradients are joined back, flattened"
    dflat = np.concatenate(dout, axis=None)
    return dflat


@split_like.forward
def split_like_forward(out, flat, arrays, *, dflat):
    dout = split_like(dflat, arrays)
    return dout


@primitive("numpy.stack")
def stack(arrays, axis=0):
    return np.stack(arrays, axis=axis)


@stack.reverse
def stack_reverse(out, dout, arrays, axis=0):
    "stack: array i gets dout's slice i along the new axis"
    darrays = np.moveaxis(dout, axis, 0)
    return darrays


@stack.forward
def stack_forward(out, arrays, axis=0, *, darrays):
    dout = np.stack(darrays, axis=axis)
    return dout


@primitive(differentiable=False, helper=True, array_api_helper="leaves", array_api_form="vstack")
def numpy_vstack(tup):
    """``np.vstack(tup)`` for array namespaces without it (the array-API form): 1-D arrays
    as rows, the others as they are, joined along the first axis."""
    rows = [np.reshape(a, (1, -1)) if np.ndim(a) == 1 else a for a in tup]
    return np.concatenate(rows, axis=0)


@primitive(differentiable=False, helper=True, array_api_helper="leaves", array_api_form="hstack")
def numpy_hstack(tup):
    """``np.hstack(tup)`` for array namespaces without it (the array-API form): 1-D arrays
    end to end, the others along their second axis."""
    if np.ndim(tup[0]) == 1:
        return np.concatenate(tup, axis=0)
    return np.concatenate(tup, axis=1)


@primitive("numpy.vstack", broadcasting=True)
def vstack(tup):
    return np.vstack(tup)


@vstack.reverse
def vstack_reverse(out, dout, tup):
    "vstack: dout is cut back into each array's rows"
    dtup = np.split(dout, split_points(tup, 0, 2), axis=0)
    return dtup


@vstack.forward
def vstack_forward(out, tup, *, dtup):
    dout = np.vstack(dtup)
    return dout


@primitive("numpy.hstack", broadcasting=True)
def hstack(tup):
    return np.hstack(tup)


@hstack.reverse
def hstack_reverse(out, dout, tup):
    "hstack: dout is cut back into each array's columns (entries, for 1-D arrays)"
    axis = min(np.ndim(out) - 1, 1)         # 1-D arrays are joined end to end
    dtup = np.split(dout, split_points(tup, axis, 1), axis=axis)
    return dtup


@hstack.forward
def hstack_forward(out, tup, *, dtup):
    dout = np.hstack(dtup)
    return dout


@primitive("numpy.dstack")
def dstack(tup):
    return np.dstack(tup)


@primitive(nondiff=("arrays",), helper=True)
def split_depth(stacked, arrays):
    """Cut ``stacked`` along its third axis back into ``arrays`` (as ``np.dstack`` saw
    them: ``(n,)`` as ``(1, n, 1)``, ``(m, n)`` as ``(m, n, 1)``), each to its shape."""
    depths = np.cumsum([np.shape(np.atleast_3d(x))[2] for x in arrays])
    pieces = np.split(stacked, depths[:-1], axis=2)
    return [np.reshape(piece, np.shape(x)) for piece, x in zip(pieces, arrays)]


@split_depth.reverse
def split_depth_reverse(out, dout, stacked, arrays):
    "split_depth: the pieces' gradients are stacked back along the third axis"
    dstacked = np.reshape(np.dstack(dout), np.shape(stacked))
    return dstacked


@split_depth.forward
def split_depth_forward(out, stacked, arrays, *, dstacked):
    dout = split_depth(dstacked, arrays)
    return dout


@dstack.reverse
def dstack_reverse(out, dout, tup):
    "dstack: dout is cut back along the third axis, each piece to its array's shape"
    dtup = split_depth(dout, tup)
    return dtup


@dstack.forward
def dstack_forward(out, tup, *, dtup):
    dout = np.dstack(dtup)
    return dout


@primitive("numpy.split")
def split(ary, indices_or_sections, axis=0):
    return np.split(ary, indices_or_sections, axis=axis)


@split.reverse
def split_reverse(out, dout, ary, indices_or_sections, axis=0):
    "split: the pieces' gradients are joined back"
    dary = np.concatenate(dout, axis=axis)
    return dary


@split.forward
def split_forward(out, ary, indices_or_sections, axis=0, *, dary):
    dout = np.split(dary, indices_or_sections, axis=axis)
    return dout


@primitive("numpy.array_split")
def array_split(ary, indices_or_sections, axis=0):
    return np.array_split(ary, indices_or_sections, axis=axis)


@array_split.reverse
def array_split_reverse(out, dout, ary, indices_or_sections, axis=0):
    "array_split: the pieces' gradients are joined back"
    dary = np.concatenate(dout, axis=axis)
    return dary


@array_split.forward
def array_split_forward(out, ary, indices_or_sections, axis=0, *, dary):
    dout = np.array_split(dary, indices_or_sections, axis=axis)
    return dout


@primitive("numpy.hsplit")
def hsplit(ary, indices_or_sections):
    return np.hsplit(ary, indices_or_sections)


@hsplit.reverse
def hsplit_reverse(out, dout, ary, indices_or_sections):
    "hsplit: the pieces' gradients are joined back (columns; entries for a 1-D array)"
    axis = np.minimum(np.ndim(ary) - 1, 1)  # a 1-D array is split into runs of entries
    dary = np.concatenate(dout, axis=axis)
    return dary


@hsplit.forward
def hsplit_forward(out, ary, indices_or_sections, *, dary):
    dout = np.hsplit(dary, indices_or_sections)
    return dout


@primitive("numpy.vsplit")
def vsplit(ary, indices_or_sections):
    return np.vsplit(ary, indices_or_sections)


@vsplit.reverse
def vsplit_reverse(out, dout, ary, indices_or_sections):
    "vsplit: the pieces' gradients are joined back (rows)"
    dary = np.concatenate(dout, axis=0)
    return dary


@vsplit.forward
def vsplit_forward(out, ary, indices_or_sections, *, dary):
    dout = np.vsplit(dary, indices_or_sections)
    return dout


@primitive("numpy.dsplit")
def dsplit(ary, indices_or_sections):
    return np.dsplit(ary, indices_or_sections)


@dsplit.reverse
def dsplit_reverse(out, dout, ary, indices_or_sections):
    "dsplit: the pieces' gradients are joined back (along the third axis)"
    dary = np.concatenate(dout, axis=2)
    return dary


@dsplit.forward
def dsplit_forward(out, ary, indices_or_sections, *, dary):
    dout = np.dsplit(dary, indices_or_sections)
    return dout
