"""Gathers: operations whose every output entry is a copy of one input entry.

take, take_along_axis, repeat, tile, pad (constant mode), diag and diagonal read
entries of their operand, possibly several times. Their reverse rules share one exact
recipe: apply the same operation to the *positions* of the operand
(``np.arange(np.size(a))`` in its shape), which tells where each output entry came
from, and add every entry of ``dout`` into the position it came from with
``np.bincount(source, weights=dout)``. That is right for repeated reads (repeat, tile,
repeated indices) without a special case for each. np.pad labels its padding the same
way, so each constant of ``constant_values`` (one per side of each axis, broadcast as
NumPy does) gets the sum of dout over the positions it filled. Three common cases take a
shorter way, with no ``bincount`` (which the array API standard lacks): ``np.tile`` and
``np.repeat`` by one count sum dout reshaped so that the copies lie on axes of their own,
and ``np.pad`` with one constant reads the interior of dout.

``np.bincount`` is itself a primitive (a sum of weights per bin); its reverse reads
``dout`` at each weight's bin. Its result has ``max(minlength, max(x) + 1)`` entries,
a length the rules here always fix with ``minlength``.

sort permutes its operand, so its reverse is the inverse permutation of ``dout``.
partition permutes it too, in an order NumPy leaves unspecified (``np.argpartition``
need not agree with it), so its rules recover the permutation from the values: the
k-th smallest entry of ``out`` is the k-th smallest of ``a``.
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("numpy.bincount", nondiff=("x", "minlength"))
def bincount(x, weights=None, minlength=0):
    return np.bincount(x, weights=weights, minlength=minlength)


@bincount.reverse
def bincount_reverse(out, dout, x, weights=None, minlength=0):
    "bincount: each weight gets dout at its bin"
    dweights = np.take(dout, x)
    return dweights


@bincount.forward
def bincount_forward(out, x, weights=None, minlength=0, *, dweights):
    dout = np.bincount(x, weights=dweights, minlength=minlength)
    return dout


@primitive("numpy.take", "ndarray.take", nondiff=("indices",))
def take(a, indices, axis=None, *, mode="raise"):
    return np.take(a, indices, axis=axis, mode=mode)


@take.reverse
def take_reverse(out, dout, a, indices, axis=None, mode="raise"):
    "take: each entry of dout is added back where it was taken from"
    source = np.take(np.reshape(np.arange(np.size(a)), np.shape(a)), indices, axis=axis, mode=mode)
    da = np.reshape(np.bincount(np.ravel(source), weights=np.ravel(dout), minlength=np.size(a)), np.shape(a))
    return da


@take.forward
def take_forward(out, a, indices, axis=None, mode="raise", *, da):
    dout = np.take(da, indices, axis=axis, mode=mode)
    return dout


@primitive("numpy.take_along_axis", nondiff=("indices",))
def take_along_axis(arr, indices, axis=-1):
    return np.take_along_axis(arr, indices, axis=axis)


@take_along_axis.reverse
def take_along_axis_reverse(out, dout, arr, indices, axis=-1):
    "take_along_axis: each entry of dout is added back where it was taken from"
    source = np.take_along_axis(np.reshape(np.arange(np.size(arr)), np.shape(arr)), indices, axis=axis)
    darr = np.reshape(np.bincount(np.ravel(source), weights=np.ravel(dout), minlength=np.size(arr)), np.shape(arr))
    return darr


@take_along_axis.forward
def take_along_axis_forward(out, arr, indices, axis=-1, *, darr):
    dout = np.take_along_axis(darr, indices, axis=axis)
    return dout


@primitive("numpy.repeat", "ndarray.repeat", nondiff=("repeats",))
def repeat(a, repeats, axis=None):
    return np.repeat(a, repeats, axis=axis)


@repeat.reverse
def repeat_reverse(out, dout, a, repeats, axis=None):
    "repeat: each entry gets the sum of dout over its copies"
    if np.ndim(repeats) == 0:
        # as many copies of each: they lie on an axis of their own of dout reshaped
        layout = repeat_layout(np.shape(a), repeats, axis)
        da = np.reshape(np.sum(np.reshape(dout, layout[0]), axis=layout[1]), np.shape(a))
    else:
        source = np.repeat(np.reshape(np.arange(np.size(a)), np.shape(a)), repeats, axis=axis)
        da = np.reshape(np.bincount(np.ravel(source), weights=np.ravel(dout), minlength=np.size(a)), np.shape(a))
    return da


@primitive(differentiable=False, shape_only=True, helper=True, array_api_helper="python")
def repeat_layout(shape, repeats, axis):
    """``(shape, axis)``: ``np.repeat(x, repeats, axis)`` of an ``x`` of ``shape`` reshaped to
    ``shape``, each entry's copies along ``axis`` (``axis`` None: of the flattened ``x``)."""
    if axis is None:
        size = 1
        for n in shape:
            size *= n
        return (size, repeats), 1
    axis = axis % len(shape)
    return tuple(shape[:axis]) + (shape[axis], repeats) + tuple(shape[axis + 1:]), axis + 1


@repeat.forward
def repeat_forward(out, a, repeats, axis=None, *, da):
    dout = np.repeat(da, repeats, axis=axis)
    return dout


@primitive("numpy.tile", nondiff=("reps",))
def tile(A, reps):
    return np.tile(A, reps)


@tile.reverse
def tile_reverse(out, dout, A, reps):
    "tile: each entry gets the sum of dout over its tiles"
    layout = tile_layout(np.shape(A), reps)
    dA = np.reshape(np.sum(np.reshape(dout, layout[0]), axis=layout[1]), np.shape(A))
    return dA


@primitive(differentiable=False, shape_only=True, helper=True, array_api_helper="python")
def tile_layout(shape, reps):
    """``(shape, axes)``: ``np.tile(x, reps)`` of an ``x`` of ``shape`` reshaped to ``shape``,
    each axis split in two, the tiles then the entries; ``axes`` those of the tiles."""
    reps = tuple(reps) if hasattr(reps, "__len__") else (reps,)
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + tuple(shape)
    reps = (1,) * (ndim - len(reps)) + reps
    return tuple(k for r, n in zip(reps, shape) for k in (r, n)), tuple(range(0, 2 * ndim, 2))


@tile.forward
def tile_forward(out, A, reps, *, dA):
    dout = np.tile(dA, reps)
    return dout


@primitive("numpy.pad", nondiff=("pad_width", "mode"), broadcasting=True)
def pad(array, pad_width, mode="constant", constant_values=0):
    return np.pad(array, pad_width, mode=mode, constant_values=constant_values)


@pad.reverse
def pad_reverse(out, dout, array, pad_width, mode="constant", constant_values=0):
    "pad: the array gets the interior of dout, each constant the sum of dout where it filled"
    if mode != "constant":
        unsupported("the other modes take no constant_values (the primal fails)")
    if np.ndim(constant_values) == 0:
        # one constant: the array gets the interior of dout, the constant the rest of it
        darray = dout[pad_interior(pad_width, np.ndim(array))]
        dconstant_values = np.sum(dout) - np.sum(darray)
    else:
        # label the padded positions: 0..sides-1 for the constants (one per side of each axis),
        # sides.. for the array's own entries
        sides = 2 * np.ndim(array)
        constants = np.reshape(np.arange(sides), (np.ndim(array), 2)) - sides
        positions = np.reshape(np.arange(np.size(array)), np.shape(array))
        source = np.pad(positions, pad_width, constant_values=constants) + sides
        sums = np.bincount(np.ravel(source), weights=np.ravel(dout), minlength=np.size(array) + sides)
        darray = np.reshape(sums[sides:], np.shape(array))
        dconstant_values = np.reshape(sums[:sides], (np.ndim(array), 2))
    return darray, dconstant_values


@primitive(differentiable=False, shape_only=True, helper=True, array_api_helper="python")
def pad_interior(pad_width, ndim):
    """Where the array ``np.pad(array, pad_width)`` padded sits in the result: a slice per
    axis, from each end (``pad_width`` an int, one ``(before, after)`` or one per axis)."""
    widths = pad_width if isinstance(pad_width, (tuple, list)) else [pad_width]
    if not isinstance(widths[0], (tuple, list)):
        widths = [widths]                    # one pair (or one number) for every axis
    widths = [(w[0], w[-1]) for w in widths] * (ndim if len(widths) == 1 else 1)
    return tuple(slice(before, -after if after else None) for before, after in widths)


@primitive(differentiable=False, helper=True, array_api_helper="leaves", array_api_form="pad")
def numpy_pad(array, pad_width, constant_values=0):
    """``np.pad(array, pad_width, constant_values=c)`` with one constant, for array
    namespaces without ``pad`` (the array-API form): each axis between blocks of ``c``."""
    out = array
    for axis, inside in enumerate(pad_interior(pad_width, np.ndim(array))):
        moved = np.moveaxis(out, axis, 0)
        edge = np.zeros_like(moved[:1, ...]) + constant_values
        head = np.broadcast_to(edge, (inside.start,) + np.shape(moved)[1:])
        tail = np.broadcast_to(edge, (-(inside.stop or 0),) + np.shape(moved)[1:])
        joined = np.concatenate([head, moved, tail], axis=0)
        out = np.moveaxis(joined, 0, axis)
    return out


@pad.forward
def pad_forward(out, array, pad_width, mode="constant", constant_values=0, *, darray, dconstant_values):
    dout = np.pad(darray, pad_width, constant_values=dconstant_values)
    return dout


@primitive("numpy.diag")
def diag(v, k=0):
    return np.diag(v, k)


@diag.reverse
def diag_reverse(out, dout, v, k=0):
    "diag: a vector gets the diagonal of dout; a matrix gets dout on its diagonal"
    if np.ndim(v) == 1:
        dv = np.diagonal(dout, k)
    else:
        source = np.diag(np.reshape(np.arange(np.size(v)), np.shape(v)), k)
        dv = np.reshape(np.bincount(source, weights=dout, minlength=np.size(v)), np.shape(v))
    return dv


@diag.forward
def diag_forward(out, v, k=0, *, dv):
    dout = np.diag(dv, k)
    return dout


@primitive("numpy.diagonal", "ndarray.diagonal")
def diagonal(a, offset=0, axis1=0, axis2=1):
    return np.diagonal(a, offset, axis1, axis2)


@diagonal.reverse
def diagonal_reverse(out, dout, a, offset=0, axis1=0, axis2=1):
    "diagonal: dout goes back onto the diagonal"
    source = np.diagonal(np.reshape(np.arange(np.size(a)), np.shape(a)), offset, axis1, axis2)
    da = np.reshape(np.bincount(np.ravel(source), weights=np.ravel(dout), minlength=np.size(a)), np.shape(a))
    return da


@diagonal.forward
def diagonal_forward(out, a, offset=0, axis1=0, axis2=1, *, da):
    dout = np.diagonal(da, offset, axis1, axis2)
    return dout


@primitive("numpy.sort", nondiff=("kind",))
def sort(a, axis=-1, kind=None):
    return np.sort(a, axis=axis, kind=kind)


@sort.reverse
def sort_reverse(out, dout, a, axis=-1, kind=None):
    "sort: dout is put back in the operand's original order"
    order = np.argsort(a, axis=axis, kind=kind)
    if axis is None:
        da = np.reshape(np.take(dout, np.argsort(order)), np.shape(a))
    else:
        da = np.take_along_axis(dout, np.argsort(order, axis=axis), axis=axis)
    return da


@sort.forward
def sort_forward(out, a, axis=-1, kind=None, *, da):
    order = np.argsort(a, axis=axis, kind=kind)
    if axis is None:
        dout = np.take(da, order)
    else:
        dout = np.take_along_axis(da, order, axis=axis)
    return dout


@primitive("numpy.partition", nondiff=("kth", "kind"))
def partition(a, kth, axis=-1, kind="introselect"):
    return np.partition(a, kth, axis=axis, kind=kind)


@partition.reverse
def partition_reverse(out, dout, a, kth, axis=-1, kind="introselect"):
    "partition: dout is put back where each value was (matched through both sorted orders)"
    if axis is None:
        sorted_dout = np.take(dout, np.argsort(out))
        da = np.reshape(np.take(sorted_dout, np.argsort(np.argsort(a, axis=None))), np.shape(a))
    else:
        sorted_dout = np.take_along_axis(dout, np.argsort(out, axis=axis), axis=axis)
        da = np.take_along_axis(sorted_dout, np.argsort(np.argsort(a, axis=axis), axis=axis), axis=axis)
    return da


@partition.forward
def partition_forward(out, a, kth, axis=-1, kind="introselect", *, da):
    if axis is None:
        sorted_da = np.take(da, np.argsort(a, axis=None))
        dout = np.take(sorted_da, np.argsort(np.argsort(out)))
    else:
        sorted_da = np.take_along_axis(da, np.argsort(a, axis=axis), axis=axis)
        dout = np.take_along_axis(sorted_da, np.argsort(np.argsort(out, axis=axis), axis=axis), axis=axis)
    return dout
