"""Indexing: reading ``x[index]`` and writing ``x[index] = v`` / ``x[index] += v``.

Reading scatters the gradient back to the positions read; with integer-array indices
a position read twice receives both gradients (``np.add.at``), with basic indices
(slices, integers, None, ...) no position can repeat and a plain assignment does.
Writing is functional: ``x[index] = v`` makes a new array, so the gradient of the old
``x`` is ``dout`` with the overwritten positions zeroed, and ``v`` gets ``dout[index]``.
"""
import numpy as np

from diffc.extend import is_basic_index, primitive


@primitive("operator.getitem", nondiff=("index",))
def getitem(x, index):
    return x[index]


@getitem.reverse
def getitem_reverse(out, dout, x, index):
    "index: dout goes back to the positions that were read"
    if is_basic_index(index):
        dx = scatter(x, index, dout)
    else:
        dx = scatter_add(x, index, dout)
    return dx


@getitem.forward
def getitem_forward(out, x, index, *, dx):
    dout = dx[index]
    return dout


@primitive(nondiff=("x", "index"), broadcasting=True, fresh=True, shape_of_first=True,
           row_form=("scatter_rows", "scatter_rows_padded", "scatter_rows_one",
                     "scatter_rows_one_padded"))
def scatter(x, index, values):
    dx = np.zeros_like(x)
    dx[index] = values
    return dx


@scatter.reverse
def scatter_reverse(out, dout, x, index, values):
    "scatter: each value gets dout at the position it was put"
    dvalues = dout[index]
    return dvalues


@scatter.forward
def scatter_forward(out, x, index, values, *, dvalues):
    dout = scatter(x, index, dvalues)
    return dout


@primitive(nondiff=("x", "index"), broadcasting=True, fresh=True, shape_of_first=True,
           row_form=("scatter_rows", "scatter_rows_padded", "scatter_rows_one",
                     "scatter_rows_one_padded"))
def scatter_add(x, index, values):
    dx = np.zeros_like(x)
    np.add.at(dx, index, values)
    return dx


@scatter_add.reverse
def scatter_add_reverse(out, dout, x, index, values):
    "scatter-add: each value gets dout at the position it was added to"
    dvalues = dout[index]
    return dvalues


@scatter_add.forward
def scatter_add_forward(out, x, index, values, *, dvalues):
    dout = scatter_add(x, index, dvalues)
    return dout


@primitive("operator.setitem", nondiff=("index",), broadcasting=True, shape_of_first=True,
           row_form=("setitem_rows", None))
def setitem(x, index, values):
    out = x.copy()
    out[index] = values
    return out


@setitem.reverse
def setitem_reverse(out, dout, x, index, values):
    "assign at index: the overwritten positions pass no gradient to the old array"
    dx = setitem(dout, index, 0.0)
    if is_basic_index(index):
        dvalues = dout[index]
    else:  # a repeated position keeps one of the values written there: only that one counts
        dvalues = dout[index] * kept_writes(x, index)
    return dx, dvalues


@primitive(differentiable=False)
def kept_writes(x, index):
    order = np.arange(np.size(x[index])).reshape(np.shape(x[index]))
    marker = np.full(np.shape(x), -1)
    marker[index] = order
    return marker[index] == order


@setitem.forward
def setitem_forward(out, x, index, values, *, dx, dvalues):
    dout = setitem(dx, index, dvalues)
    return dout
