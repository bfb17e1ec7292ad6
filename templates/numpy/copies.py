"""Entries copied where they are or moved: flips, rolls, triangular masks, copy, astype.

Each reverse rule applies the inverse movement (or the same mask) to ``dout``. A cast
to a floating type passes ``dout`` back converted to the operand's type; a cast to an
integer or boolean type is flat almost everywhere, so its gradient is zero.
"""
import numpy as np

from diffc.extend import primitive, unsupported


@primitive("numpy.flip")
def flip(m, axis=None):
    return np.flip(m, axis=axis)


@flip.reverse
def flip_reverse(out, dout, m, axis=None):
    "flip: dout is flipped back"
    dm = np.flip(dout, axis=axis)
    return dm


@flip.forward
def flip_forward(out, m, axis=None, *, dm):
    dout = np.flip(dm, axis=axis)
    return dout


@primitive("numpy.fliplr")
def fliplr(m):
    return np.fliplr(m)


@fliplr.reverse
def fliplr_reverse(out, dout, m):
    "fliplr: dout is flipped back"
    dm = np.fliplr(dout)
    return dm


@fliplr.forward
def fliplr_forward(out, m, *, dm):
    dout = np.fliplr(dm)
    return dout


@primitive("numpy.flipud")
def flipud(m):
    return np.flipud(m)


@flipud.reverse
def flipud_reverse(out, dout, m):
    "flipud: dout is flipped back"
    dm = np.flipud(dout)
    return dm


@flipud.forward
def flipud_forward(out, m, *, dm):
    dout = np.flipud(dm)
    return dout


@primitive("numpy.roll")
def roll(a, shift, axis=None):
    return np.roll(a, shift, axis=axis)


@roll.reverse
def roll_reverse(out, dout, a, shift, axis=None):
    "roll: dout is rolled back by the opposite shift"
    da = np.roll(dout, -np.asarray(shift), axis=axis)
    return da


@roll.forward
def roll_forward(out, a, shift, axis=None, *, da):
    dout = np.roll(da, shift, axis=axis)
    return dout


@primitive("numpy.triu", broadcasting=True)
def triu(m, k=0):
    return np.triu(m, k)


@triu.reverse
def triu_reverse(out, dout, m, k=0):
    "triu: only the kept upper triangle passes dout"
    dm = np.triu(dout, k)
    return dm


@triu.forward
def triu_forward(out, m, k=0, *, dm):
    dout = np.triu(dm, k)
    return dout


@primitive("numpy.tril", broadcasting=True)
def tril(m, k=0):
    return np.tril(m, k)


@tril.reverse
def tril_reverse(out, dout, m, k=0):
    "tril: only the kept lower triangle passes dout"
    dm = np.tril(dout, k)
    return dm


@tril.forward
def tril_forward(out, m, k=0, *, dm):
    dout = np.tril(dm, k)
    return dout


@primitive("numpy.copy", "ndarray.copy", fresh=True)
def copy(a):
    return np.copy(a)


@copy.reverse
def copy_reverse(out, dout, a):
    "copy: dout passes through"
    da = dout
    return da


@copy.forward
def copy_forward(out, a, *, da):
    dout = da
    return dout


@primitive("ndarray.astype", nondiff=("dtype",))
def astype(a, dtype):
    return a.astype(dtype)


@astype.reverse
def astype_reverse(out, dout, a, dtype):
    "astype: dout converted back to the operand's type (zero through a cast to integers)"
    if np.iscomplexobj(a) and not np.iscomplexobj(out):
        unsupported("a complex operand: diffc differentiates real functions only")
    if np.dtype(dtype).kind in "fc":
        da = np.asarray(dout, dtype=a.dtype)
    else:
        da = np.zeros(np.shape(a))
    return da


@astype.forward
def astype_forward(out, a, dtype, *, da):
    if np.iscomplexobj(a) and not np.iscomplexobj(out):
        unsupported("a complex operand: diffc differentiates real functions only")
    if np.dtype(dtype).kind in "fc":
        dout = np.asarray(da, dtype=dtype)
    else:
        dout = np.zeros(np.shape(out))
    return dout


@primitive("ndarray.item")
def item(a):
    """The one entry of a size-1 array as a Python number (``loss.item()``)."""
    return a.item()


@item.reverse
def item_reverse(out, dout, a):
    "item: dout goes back to the one entry"
    da = np.reshape(dout * np.ones_like(a), np.shape(a))
    return da


@item.forward
def item_forward(out, a, *, da):
    dout = np.sum(da)
    return dout
