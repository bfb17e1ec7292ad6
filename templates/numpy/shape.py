"""Shape: transposes, axis moves, reshapes and broadcasting.

Each of these moves entries without combining them, so each reverse rule is the inverse
movement applied to ``dout``: a reshape back to the operand's shape, the inverse
permutation of the axes. ``np.broadcast_to`` leaves the summing of the broadcast axes
to the engine, like every broadcasting operation.

Two array methods take their arguments spread out and so have primitives of their
own: ``x.transpose(1, 0)`` (``array_transpose(a, *axes)``, which also accepts
``x.transpose((1, 0))`` and ``x.transpose()``) and ``x.reshape(2, 3)``
(``array_reshape(a, *shape)``, also ``x.reshape((2, 3))``; no ``order``).
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("ndarray.T", view=True)
def T(a):
    return a.T


@T.reverse
def T_reverse(out, dout, a):
    "transpose: dout is transposed back"
    da = dout.T
    return da


@T.forward
def T_forward(out, a, *, da):
    dout = da.T
    return dout


@primitive("numpy.transpose", view=True)
def transpose(a, axes=None):
    return np.transpose(a, axes)


@transpose.reverse
def transpose_reverse(out, dout, a, axes=None):
    "transpose: dout is transposed by the inverse permutation"
    if axes is None:
        da = np.transpose(dout)
    else:
        da = np.transpose(dout, inverse_permutation(axes, np.ndim(a)))
    return da


@primitive(differentiable=False, shape_only=True, helper=True, array_api_helper="python")
def inverse_permutation(axes, ndim):
    """The axes that undo ``np.transpose(x, axes)`` for an ``x`` of ``ndim`` dimensions."""
    order = [axis % ndim for axis in axes]
    return tuple(order.index(axis) for axis in range(ndim))


@transpose.forward
def transpose_forward(out, a, axes=None, *, da):
    dout = np.transpose(da, axes)
    return dout


@primitive("ndarray.transpose")
def array_transpose(a, *axes):
    return a.transpose(*axes)


@array_transpose.reverse
def array_transpose_reverse(out, dout, a, *axes):
    "transpose: dout is transposed by the inverse permutation"
    if len(axes) == 0 or axes == (None,):
        da = np.transpose(dout)
    elif len(axes) == 1:
        (perm,) = axes
        da = np.transpose(dout, inverse_permutation(perm, np.ndim(a)))
    else:
        da = np.transpose(dout, inverse_permutation(axes, np.ndim(a)))
    return da


@array_transpose.forward
def array_transpose_forward(out, a, *axes, da):
    if len(axes) == 0 or axes == (None,):
        dout = np.transpose(da)
    elif len(axes) == 1:
        (perm,) = axes
        dout = np.transpose(da, perm)
    else:
        dout = np.transpose(da, axes)
    return dout


@primitive(differentiable=False, helper=True, array_api_helper="leaves", array_api_form="swapaxes")
def numpy_swapaxes(a, axis1, axis2):
    """``np.swapaxes(a, axis1, axis2)`` for array namespaces without it (the array-API
    form): the axes permuted with the two exchanged."""
    axes = list(range(np.ndim(a)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return np.transpose(a, tuple(axes))


@primitive("numpy.swapaxes", "ndarray.swapaxes", view=True)
def swapaxes(a, axis1, axis2):
    return np.swapaxes(a, axis1, axis2)


@swapaxes.reverse
def swapaxes_reverse(out, dout, a, axis1, axis2):
    "swapaxes: the same two axes of dout are swapped back"
    da = np.swapaxes(dout, axis1, axis2)
    return da


@swapaxes.forward
def swapaxes_forward(out, a, axis1, axis2, *, da):
    dout = np.swapaxes(da, axis1, axis2)
    return dout


@primitive("numpy.moveaxis", view=True)
def moveaxis(a, source, destination):
    return np.moveaxis(a, source, destination)


@moveaxis.reverse
def moveaxis_reverse(out, dout, a, source, destination):
    "moveaxis: dout's axes are moved back from destination to source"
    da = np.moveaxis(dout, destination, source)
    return da


@moveaxis.forward
def moveaxis_forward(out, a, source, destination, *, da):
    dout = np.moveaxis(da, source, destination)
    return dout


@primitive("numpy.rollaxis", view=True)
def rollaxis(a, axis, start=0):
    return np.rollaxis(a, axis, start)


@rollaxis.reverse
def rollaxis_reverse(out, dout, a, axis, start=0):
    "rollaxis: dout's rolled axis is moved back to where it was"
    moved_to = rolled_position(np.ndim(a), axis, start)
    da = np.moveaxis(dout, moved_to, axis)
    return da


@rollaxis.forward
def rollaxis_forward(out, a, axis, start=0, *, da):
    dout = np.rollaxis(da, axis, start)
    return dout


@primitive(differentiable=False, shape_only=True, helper=True)
def rolled_position(ndim, axis, start):
    """Where ``np.rollaxis(a, axis, start)`` puts ``axis`` of an ``ndim``-dimensional ``a``
    (before the axis that was at ``start``)."""
    axis = axis % ndim
    start = start + ndim if start < 0 else start
    return start - 1 if start > axis else start


# --- reshapes: the gradient is dout reshaped back --------------------------------------

@primitive("numpy.reshape")
def reshape(a, shape, order="C"):
    return np.reshape(a, shape, order=order)


@reshape.reverse
def reshape_reverse(out, dout, a, shape, order="C"):
    "reshape: dout is reshaped back to the operand's shape"
    if order not in ("C", "F"):
        unsupported('order="A" depends on the memory layout of `a`')
    da = np.reshape(dout, np.shape(a), order=order)
    return da


@reshape.forward
def reshape_forward(out, a, shape, order="C", *, da):
    dout = np.reshape(da, shape, order=order)
    return dout


@primitive("ndarray.reshape")
def array_reshape(a, *shape):
    return a.reshape(*shape)


@array_reshape.reverse
def array_reshape_reverse(out, dout, a, *shape):
    "reshape: dout is reshaped back to the operand's shape"
    da = np.reshape(dout, np.shape(a))
    return da


@array_reshape.forward
def array_reshape_forward(out, a, *shape, da):
    dout = np.reshape(da, np.shape(out))
    return dout


@primitive("numpy.ravel", "ndarray.ravel")
def ravel(a, order="C"):
    return np.ravel(a, order=order)


@ravel.reverse
def ravel_reverse(out, dout, a, order="C"):
    "ravel: dout is reshaped back to the operand's shape"
    if order not in ("C", "F"):
        unsupported('orders "A" and "K" depend on the memory layout of `a`')
    da = np.reshape(dout, np.shape(a), order=order)
    return da


@ravel.forward
def ravel_forward(out, a, order="C", *, da):
    dout = np.ravel(da, order=order)
    return dout


@primitive("ndarray.flatten")
def flatten(a, order="C"):
    return a.flatten(order=order)


@flatten.reverse
def flatten_reverse(out, dout, a, order="C"):
    "flatten: dout is reshaped back to the operand's shape"
    if order not in ("C", "F"):
        unsupported('orders "A" and "K" depend on the memory layout of `a`')
    da = np.reshape(dout, np.shape(a), order=order)
    return da


@flatten.forward
def flatten_forward(out, a, order="C", *, da):
    dout = np.ravel(da, order=order)
    return dout


@primitive("numpy.squeeze", "ndarray.squeeze")
def squeeze(a, axis=None):
    return np.squeeze(a, axis=axis)


@squeeze.reverse
def squeeze_reverse(out, dout, a, axis=None):
    "squeeze: dout is reshaped back to the operand's shape"
    da = np.reshape(dout, np.shape(a))
    return da


@squeeze.forward
def squeeze_forward(out, a, axis=None, *, da):
    dout = np.squeeze(da, axis=axis)
    return dout


@primitive("numpy.expand_dims")
def expand_dims(a, axis):
    return np.expand_dims(a, axis)


@expand_dims.reverse
def expand_dims_reverse(out, dout, a, axis):
    "expand_dims: dout is reshaped back to the operand's shape"
    da = np.reshape(dout, np.shape(a))
    return da


@expand_dims.forward
def expand_dims_forward(out, a, axis, *, da):
    dout = np.expand_dims(da, axis)
    return dout


@primitive("numpy.atleast_1d")
def atleast_1d(ary):
    return np.atleast_1d(ary)


@atleast_1d.reverse
def atleast_1d_reverse(out, dout, ary):
    "atleast_1d: dout is reshaped back to the operand's shape"
    dary = np.reshape(dout, np.shape(ary))
    return dary


@atleast_1d.forward
def atleast_1d_forward(out, ary, *, dary):
    dout = np.atleast_1d(dary)
    return dout


@primitive("numpy.atleast_2d")
def atleast_2d(ary):
    return np.atleast_2d(ary)


@atleast_2d.reverse
def atleast_2d_reverse(out, dout, ary):
    "atleast_2d: dout is reshaped back to the operand's shape"
    dary = np.reshape(dout, np.shape(ary))
    return dary


@atleast_2d.forward
def atleast_2d_forward(out, ary, *, dary):
    dout = np.atleast_2d(dary)
    return dout


@primitive("numpy.atleast_3d")
def atleast_3d(ary):
    return np.atleast_3d(ary)


@atleast_3d.reverse
def atleast_3d_reverse(out, dout, ary):
    "atleast_3d: dout is reshaped back to the operand's shape"
    dary = np.reshape(dout, np.shape(ary))
    return dary


@atleast_3d.forward
def atleast_3d_forward(out, ary, *, dary):
    dout = np.atleast_3d(dary)
    return dout


@primitive("numpy.broadcast_to", nondiff=("shape",), broadcasting=True)
def broadcast_to(array, shape):
    return np.broadcast_to(array, shape)


@broadcast_to.reverse
def broadcast_to_reverse(out, dout, array, shape):
    "broadcast_to: dout is summed over the broadcast axes"
    darray = dout
    return darray


@broadcast_to.forward
def broadcast_to_forward(out, array, shape, *, darray):
    dout = np.broadcast_to(darray, shape)
    return dout
