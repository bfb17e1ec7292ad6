"""Contractions: dot, vdot, inner, outer, tensordot, cross, einsum, kron.

Each is linear in each operand, so an operand's gradient contracts ``dout`` with the
other operand over the axes that operand did not use: ``dot`` of matrices gives
``dA = dout @ B.T``, ``dB = A.T @ dout``; higher ranks use ``np.tensordot`` with
explicit axis lists (``np.arange`` of them), moving axes into place with
``np.moveaxis``.

einsum's gradient with respect to operand ``k`` is another einsum, of ``dout`` with the
other operands, followed by a two-operand einsum that spreads it back: over the
indices only operand ``k`` has (it was summed over them: ones) and onto the diagonal
of an index it repeats (identity matrices). The helper ``einsum_grad_spec`` builds
both subscripts from the user's (implicit or explicit output, ``...`` broadcasting,
size-1 broadcasting left to the engine). A gradient einsum has as many operands as the
original, so the rules close under differentiation. Up to four operands.
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("numpy.dot", "ndarray.dot", broadcasting=True)
def dot(a, b):
    return np.dot(a, b)


@dot.reverse
def dot_reverse(out, dout, a, b):
    "dot: dA = dout @ B.T, dB = A.T @ dout"
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        da = dout * b
        db = dout * a
    elif np.ndim(a) == 1 and np.ndim(b) == 1:
        da = dout * b
        db = dout * a
    elif np.ndim(a) == 2 and np.ndim(b) == 2:
        da = np.dot(dout, b.T)
        db = np.dot(a.T, dout)
    elif np.ndim(a) == 2 and np.ndim(b) == 1:
        da = np.outer(dout, b)
        db = np.dot(dout, a)
    elif np.ndim(a) == 1 and np.ndim(b) == 2:
        da = np.dot(b, dout)
        db = np.outer(a, dout)
    elif np.ndim(b) == 1:  # a stack of rows against one vector
        da = np.expand_dims(dout, -1) * b
        db = np.tensordot(dout, a, np.ndim(dout))
    else:  # dot(a, b)[i..., j..., k] = sum over m of a[i..., m] * b[j..., m, k]
        da = np.tensordot(dout, np.swapaxes(b, -1, -2), np.ndim(b) - 1)
        db = np.moveaxis(np.tensordot(np.moveaxis(a, -1, 0), dout, np.ndim(a) - 1), 0, -2)
    return da, db


@dot.forward
def dot_forward(out, a, b, *, da, db):
    dout = np.dot(da, b) + np.dot(a, db)
    return dout


@primitive(differentiable=False, helper=True, array_api_helper="leaves", array_api_form="dot")
def numpy_dot(a, b):
    """``np.dot(a, b)`` for array namespaces without it (the array-API form): a product
    where one is a number, ``a @ b`` where ``b`` has at most two axes (a stack of rows
    against a matrix or a vector is the same), else the sum over the last axis of ``a``
    and the second-to-last of ``b``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    if np.ndim(b) <= 2:
        return a @ b
    return np.tensordot(a, b, ([np.ndim(a) - 1], [np.ndim(b) - 2]))


@primitive("numpy.vdot")
def vdot(a, b):
    return np.vdot(a, b)


@vdot.reverse
def vdot_reverse(out, dout, a, b):
    "vdot: each operand gets dout times the other, in its own shape"
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        unsupported("a complex operand: diffc differentiates real functions only")
    da = dout * np.reshape(b, np.shape(a))
    db = dout * np.reshape(a, np.shape(b))
    return da, db


@vdot.forward
def vdot_forward(out, a, b, *, da, db):
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        unsupported("a complex operand: diffc differentiates real functions only")
    dout = np.vdot(da, b) + np.vdot(a, db)
    return dout


@primitive("numpy.inner", broadcasting=True)
def inner(a, b):
    return np.inner(a, b)


@inner.reverse
def inner_reverse(out, dout, a, b):
    "inner: dA = dout @ B, dB = dout.T @ A (contracting the last axes)"
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        da = dout * b
        db = dout * a
    elif np.ndim(a) == 1 and np.ndim(b) == 1:
        da = dout * b
        db = dout * a
    elif np.ndim(a) == 2 and np.ndim(b) == 2:
        da = np.dot(dout, b)
        db = np.dot(dout.T, a)
    else:  # inner(a, b)[i..., j...] = sum over m of a[i..., m] * b[j..., m]
        da = np.tensordot(dout, b, np.ndim(b) - 1)
        db = np.tensordot(dout, a, (np.arange(np.ndim(a) - 1), np.arange(np.ndim(a) - 1)))
    return da, db


@inner.forward
def inner_forward(out, a, b, *, da, db):
    dout = np.inner(da, b) + np.inner(a, db)
    return dout


@primitive("numpy.outer")
def outer(a, b):
    return np.outer(a, b)


@outer.reverse
def outer_reverse(out, dout, a, b):
    "outer: da = dout @ b, db = a @ dout (over the flattened operands)"
    da = np.reshape(np.dot(dout, np.ravel(b)), np.shape(a))
    db = np.reshape(np.dot(np.ravel(a), dout), np.shape(b))
    return da, db


@outer.forward
def outer_forward(out, a, b, *, da, db):
    dout = np.outer(da, b) + np.outer(a, db)
    return dout


@primitive("numpy.tensordot", nondiff=("axes",))
def tensordot(a, b, axes=2):
    return np.tensordot(a, b, axes)


@tensordot.reverse
def tensordot_reverse(out, dout, a, b, axes=2):
    "tensordot: each operand gets dout contracted with the other over its free axes"
    if isinstance(axes, int):  # the last `axes` axes of a against the first of b
        free_b = np.arange(axes - np.ndim(b), 0)
        free_a = np.arange(np.ndim(a) - axes)
        da = np.tensordot(dout, b, (free_b, free_b))
        db = np.tensordot(a, dout, (free_a, free_a))
    else:  # move the paired axes to the end of a and the front of b, in pairing order
        axes_a, axes_b = axes
        count = np.size(axes_a)
        ends = np.arange(-count, 0)
        starts = np.arange(count)
        free_b = np.arange(count - np.ndim(b), 0)
        free_a = np.arange(np.ndim(a) - count)
        da = np.moveaxis(np.tensordot(dout, np.moveaxis(b, axes_b, starts), (free_b, free_b)), ends, axes_a)
        db = np.moveaxis(np.tensordot(np.moveaxis(a, axes_a, ends), dout, (free_a, free_a)), starts, axes_b)
    return da, db


@tensordot.forward
def tensordot_forward(out, a, b, axes=2, *, da, db):
    dout = np.tensordot(da, b, axes) + np.tensordot(a, db, axes)
    return dout


@primitive("numpy.kron")
def kron(a, b):
    return np.kron(a, b)


@kron.reverse
def kron_reverse(out, dout, a, b):
    "kron: dout cut into blocks; a gets each block against b, b the blocks weighted by a"
    rank = np.ndim(out)
    shape_a = (1,) * (rank - np.ndim(a)) + np.shape(a)
    shape_b = (1,) * (rank - np.ndim(b)) + np.shape(b)
    blocks = np.reshape(dout, np.ravel(np.stack([shape_a, shape_b], axis=-1)))  # a0, b0, a1, b1, ...
    grid = np.moveaxis(blocks, np.arange(1, 2 * rank, 2), np.arange(rank, 2 * rank))
    pairs = np.reshape(grid, (np.size(a), np.size(b)))
    da = np.reshape(pairs @ np.ravel(b), np.shape(a))
    db = np.reshape(np.ravel(a) @ pairs, np.shape(b))
    return da, db


@kron.forward
def kron_forward(out, a, b, *, da, db):
    dout = np.kron(da, b) + np.kron(a, db)
    return dout


@primitive("numpy.cross", nondiff=("axisa", "axisb", "axisc", "axis"), broadcasting=True)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return np.cross(a, b, axisa, axisb, axisc, axis)


@cross.reverse
def cross_reverse(out, dout, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    "cross: dA = B x dout, dB = dout x A"
    if axis is not None:
        axisa, axisb, axisc = axis, axis, axis
    if np.shape(a)[axisa] != 3 or np.shape(b)[axisb] != 3:
        unsupported("only vectors of 3 entries (the cross product of 2-vectors is a scalar)")
    if (axisa, axisb, axisc) != (-1, -1, -1) and np.ndim(a) != np.ndim(b):
        unsupported("with the vectors along other axes than the last, `a` and `b` need as many dimensions")
    da = np.cross(b, dout, axisa=axisb, axisb=axisc, axisc=axisa)
    db = np.cross(dout, a, axisa=axisc, axisb=axisa, axisc=axisb)
    return da, db


@cross.forward
def cross_forward(out, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, *, da, db):
    if axis is not None:
        axisa, axisb, axisc = axis, axis, axis
    if np.shape(a)[axisa] != 3 or np.shape(b)[axisb] != 3:
        unsupported("only vectors of 3 entries (the cross product of 2-vectors is a scalar)")
    if (axisa, axisb, axisc) != (-1, -1, -1) and np.ndim(a) != np.ndim(b):
        unsupported("with the vectors along other axes than the last, `a` and `b` need as many dimensions")
    dout = np.cross(da, b, axisa, axisb, axisc) + np.cross(a, db, axisa, axisb, axisc)
    return dout


@primitive("numpy.einsum", broadcasting=True)
def einsum(subscripts, *operands):
    return np.einsum(subscripts, *operands)


@einsum.reverse
def einsum_reverse(out, dout, subscripts, *operands):
    "einsum: each operand gets the einsum of dout with the other operands"
    # how = einsum_grad_spec(...): dout with the others by how[0], then spread by how[1] with the
    # ones and identity matrices how[2] says (einsum_extra)
    if len(operands) == 1:
        (x,) = operands
        how_x = einsum_grad_spec(subscripts, 0, x)
        doperands = [np.einsum(how_x[1], np.einsum(how_x[0], dout), einsum_extra(x, how_x[2]))]
    elif len(operands) == 2:
        x, y = operands
        how_x = einsum_grad_spec(subscripts, 0, x, y)
        how_y = einsum_grad_spec(subscripts, 1, x, y)
        doperands = [np.einsum(how_x[1], np.einsum(how_x[0], dout, y), einsum_extra(x, how_x[2])),
                     np.einsum(how_y[1], np.einsum(how_y[0], dout, x), einsum_extra(y, how_y[2]))]
    elif len(operands) == 3:
        x, y, z = operands
        how_x = einsum_grad_spec(subscripts, 0, x, y, z)
        how_y = einsum_grad_spec(subscripts, 1, x, y, z)
        how_z = einsum_grad_spec(subscripts, 2, x, y, z)
        doperands = [np.einsum(how_x[1], np.einsum(how_x[0], dout, y, z), einsum_extra(x, how_x[2])),
                     np.einsum(how_y[1], np.einsum(how_y[0], dout, x, z), einsum_extra(y, how_y[2])),
                     np.einsum(how_z[1], np.einsum(how_z[0], dout, x, y), einsum_extra(z, how_z[2]))]
    elif len(operands) == 4:
        w, x, y, z = operands
        how_w = einsum_grad_spec(subscripts, 0, w, x, y, z)
        how_x = einsum_grad_spec(subscripts, 1, w, x, y, z)
        how_y = einsum_grad_spec(subscripts, 2, w, x, y, z)
        how_z = einsum_grad_spec(subscripts, 3, w, x, y, z)
        doperands = [np.einsum(how_w[1], np.einsum(how_w[0], dout, x, y, z), einsum_extra(w, how_w[2])),
                     np.einsum(how_x[1], np.einsum(how_x[0], dout, w, y, z), einsum_extra(x, how_x[2])),
                     np.einsum(how_y[1], np.einsum(how_y[0], dout, w, x, z), einsum_extra(y, how_y[2])),
                     np.einsum(how_z[1], np.einsum(how_z[0], dout, w, x, y), einsum_extra(z, how_z[2]))]
    else:
        unsupported("einsum of more than four operands")
    return doperands


@einsum.forward
def einsum_forward(out, subscripts, *operands, doperands):
    if len(operands) == 1:
        (dx,) = doperands
        dout = np.einsum(subscripts, dx)
    elif len(operands) == 2:
        x, y = operands
        dx, dy = doperands
        dout = np.einsum(subscripts, dx, y) + np.einsum(subscripts, x, dy)
    elif len(operands) == 3:
        x, y, z = operands
        dx, dy, dz = doperands
        dout = np.einsum(subscripts, dx, y, z) + np.einsum(subscripts, x, dy, z) + np.einsum(subscripts, x, y, dz)
    elif len(operands) == 4:
        w, x, y, z = operands
        dw, dx, dy, dz = doperands
        dout = (np.einsum(subscripts, dw, x, y, z) + np.einsum(subscripts, w, dx, y, z)
                + np.einsum(subscripts, w, x, dy, z) + np.einsum(subscripts, w, x, y, dz))
    else:
        unsupported("einsum of more than four operands")
    return dout


@primitive(differentiable=False, shape_only=True, helper=True, array_api_helper="python")
def einsum_grad_spec(subscripts, k, *operands):
    """How to compute the gradient of ``np.einsum(subscripts, *operands)`` with respect to
    ``operands[k]``: ``(contract, spread, extra)`` for ``np.einsum(spread, np.einsum(contract,
    dout, <the other operands in order>), einsum_extra(operands[k], extra))``. ``extra`` says, as
    ``(size, diagonal)`` pairs, the ones over the indices only that operand has and the
    identity matrix for each repeat of an index (none: a single 1)."""
    inputs, arrow, output = subscripts.replace(" ", "").partition("->")
    terms = inputs.split(",")
    unused = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in subscripts]
    # name the broadcast dimensions ("...") explicitly, aligned from the right
    spans = [np.ndim(x) - len(t) + 3 for t, x in zip(terms, operands) if "..." in t]
    dots = "".join(unused[:max(spans, default=0)])
    unused = unused[len(dots):]
    terms = [t.replace("...", dots[len(dots) - (np.ndim(x) - len(t) + 3):]) if "..." in t else t
             for t, x in zip(terms, operands)]
    if arrow:
        output = output.replace("...", dots)
    else:  # implicit output: the broadcast dimensions, then the indices used once, sorted
        output = dots + "".join(sorted(c for c in set(inputs) if c.isalpha() and inputs.count(c) == 1))
    others = terms[:k] + terms[k + 1:]
    elsewhere = output + "".join(others)
    term, shared, wanted, extra_term, extra = terms[k], "", "", "", []
    for i, c in enumerate(term):
        size = np.shape(operands[k])[i]
        if c in term[:i]:  # a repeated index: operand k was read along a diagonal
            wanted += unused[0]
            extra_term += c + unused[0]
            extra.append((size, True))
            unused = unused[1:]
            continue
        wanted += c
        if c in elsewhere:
            shared += c
        elif term.count(c) == 1:  # summed over by operand k alone
            extra_term += c
            extra.append((size, False))
        else:  # repeated, and only here: its identity matrix supplies it
            pass
    contract = ",".join([output, *others]) + "->" + shared
    spread = shared + "," + extra_term + "->" + wanted
    return contract, spread, extra


@primitive(differentiable=False, helper=True, array_api_helper="leaves")
def einsum_extra(like, extra):
    """The last operand of an einsum gradient's spreading step (``einsum_grad_spec``): the
    outer product of ones (``diagonal`` False) and identity matrices, of ``like``'s dtype (the
    operand's: its gradient's)."""
    out = np.ones((), dtype=like.dtype)
    for size, diagonal in extra:
        block = np.eye(size, dtype=like.dtype) if diagonal else np.ones(size, dtype=like.dtype)
        out = np.reshape(out, np.shape(out) + (1,) * np.ndim(block)) * block
    return out
