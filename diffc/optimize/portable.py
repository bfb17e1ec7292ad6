"""Passes for code emitted for an array namespace other than NumPy.

They replace ``optimize.EMIT_PASSES`` there (``passes.portable()``), on IR about to be
emitted, and make primitives without derivative rules:

* ``row_scatters``: the gradient of ``p[np.arange(n), cols]`` on a 2-D ``p`` of n rows
  (a cross-entropy's pick) is ``scatter_rows``, a comparison with the column numbers,
  not a write at an array of indices: every row is written once, so writing and adding
  are the same. Checked on the example values: the rows are ``arange`` of the number of
  rows of ``p``, the columns a 1-D integer array of that length, the values one per row,
  or one value for all (as a closed-form softmax gradient puts: ``scatter_rows_one``,
  the value as it is, which ``where`` broadcasts).
  Likewise ``p[np.arange(n), cols] = value`` (one value) is ``setitem_rows``. Where the
  sizes may vary from the example's (``diffc compile`` with a letter for a size), n rows
  could be fewer than p's at a call: ``scatter_rows_padded`` adds the rows past n as
  zeros, and the assignment keeps its write.
* ``new_axis_scatters``: the gradient of ``x[:, None]`` is ``d[:, 0]``, not a write
  into zeros.
* ``picked_shapes``: the shape of such a pick is the shape of ``cols``.
* ``dots_as_products``: ``np.dot`` (not in the standard) of operands of one or two
  dimensions is their matrix product (``@``), and of a number and an array their product:
  the same values, NumPy's own definition of ``dot`` for those ranks.

(``passes`` runs ``dead_code`` after them: a pick read only for its shape goes.)
"""
from __future__ import annotations

import numpy as np

from diffc.core import primitives
from diffc.core.ir import Const, Eqn, Pack, Var, producers
from diffc.optimize.patterns import _each_statement


def row_scatters(func, facts=None):
    if facts is None or not facts.enabled:
        return func
    made_by = producers(func.body)
    varying = getattr(facts, "sizes_vary", False)

    def rewrite(stmt):
        fixed, padded, fixed_one, padded_one = primitives.get(stmt.prim).row_form if isinstance(stmt, Eqn) \
            else (None,) * 4
        # (where sizes vary, n rows of the example may be fewer than x's at a call)
        prim, prim_one = (padded, padded_one) if varying else (fixed, fixed_one)
        if prim is not None and not stmt.kwargs and len(stmt.args) == 3:
            # the row form's third parameter is ``values`` (one per row) or ``value`` (one)
            one_value = primitives.get(prim).params[2] == "value"
            x, index, values = stmt.args
            if not _one_per_row(x, index, made_by, facts):
                return [stmt]
            if not one_value and facts.shape(values) == () and prim_one is not None:
                prim, one_value = prim_one, True         # one value for every row
            if facts.shape(values) == (() if one_value else facts.shape(x)[:1]):
                return [Eqn(stmt.outs, prim, (x, index.items[1], values), {}, stmt.loc,
                            stmt.role, stmt.origin)]
        return [stmt]

    return _each_statement(func, rewrite)


def _one_per_row(x, index, made_by, facts):
    """Whether ``x[index]`` is one entry of each row of 2-D ``x``: ``index`` is
    ``(np.arange(n), cols)`` with n the number of rows and cols n integers."""
    shape = facts.shape(x)
    if shape is None or len(shape) != 2 or not (isinstance(index, Pack) and index.kind == "tuple") \
            or len(index.items) != 2 or not all(isinstance(i, Var) for i in index.items):
        return False
    rows, cols = index.items
    n = shape[0]
    arange = made_by.get(rows)
    if arange is None or arange.prim != "arange" or len(arange.args) != 1 or arange.kwargs \
            or not facts.is_static(arange.args[0]) or facts.value(arange.args[0]) != n:
        return False
    col_values = facts.values.get(cols)
    return facts.shape(cols) == (n,) and isinstance(col_values, np.ndarray) \
        and col_values.dtype.kind in "iu"


def picked_shapes(func, facts=None):
    """``np.shape(p[np.arange(n), cols])`` is ``np.shape(cols)``: no gather just for a
    shape (Dask has none for two arrays of indices). Also where sizes vary: a size given
    by a letter is never 1, so the two index arrays' shapes cannot broadcast otherwise."""
    if facts is None or not facts.enabled:
        return func
    made_by = producers(func.body)

    def rewrite(stmt):
        if isinstance(stmt, Eqn) and stmt.prim == "shape" and len(stmt.args) == 1 and not stmt.kwargs:
            picked = made_by.get(stmt.args[0])
            if picked is not None and picked.prim == "getitem" and len(picked.args) == 2 \
                    and _one_per_row(*picked.args, made_by, facts):
                return [Eqn(stmt.outs, "shape", (picked.args[1].items[1],), {}, stmt.loc,
                             stmt.role, stmt.origin)]
        return [stmt]

    return _each_statement(func, rewrite)


def new_axis_scatters(func, facts=None):
    """The gradient of ``x[:, None]`` (full slices and new axes only: a view of every entry
    of ``x`` once) is ``d[:, 0]``, the same index with each new axis taken at 0: no array
    of zeros written into (``d = zeros_like(x); d[:, None] = dout``, which JAX can only
    spell ``d.at[:, None].set(dout)`` and Dask not at all)."""
    if facts is None or not facts.enabled:
        return func

    def rewrite(stmt):
        if isinstance(stmt, Eqn) and stmt.prim in ("scatter", "scatter_add") and not stmt.kwargs \
                and len(stmt.args) == 3:
            x, index, values = stmt.args
            taken = _new_axes_taken(index, facts.shape(x))
            if taken is not None and facts.shape(values) == _with_new_axes(index, facts.shape(x)):
                return [Eqn(stmt.outs, "getitem", (values, taken), {}, stmt.loc, stmt.role, stmt.origin)]
        return [stmt]

    return _each_statement(func, rewrite)


def _full_slice(item):
    return isinstance(item, Pack) and item.kind == "slice" and \
        all(isinstance(p, Const) and p.value is None for p in item.items)


def _new_axis(item):
    return isinstance(item, Const) and item.value is None


def _new_axes_taken(index, shape):
    """``index`` with its new axes (``None``) as 0, if it is made of full slices, one for
    each axis of ``shape``, and at least one new axis; else None."""
    if shape is None or not (isinstance(index, Pack) and index.kind == "tuple") \
            or not all(_full_slice(i) or _new_axis(i) for i in index.items) \
            or sum(map(_full_slice, index.items)) != len(shape) or not any(map(_new_axis, index.items)):
        return None
    return Pack("tuple", tuple(Const(0) if _new_axis(i) else i for i in index.items))


def _with_new_axes(index, shape):
    """The shape of ``x[index]`` for ``x`` of ``shape`` (``_new_axes_taken`` holds)."""
    sizes = iter(shape)
    return tuple(1 if _new_axis(i) else next(sizes) for i in index.items)


def dots_as_products(func, facts=None):
    if facts is None or not facts.enabled:
        return func

    def rewrite(stmt):
        if isinstance(stmt, Eqn) and stmt.prim == "dot" and len(stmt.args) == 2 and not stmt.kwargs:
            ranks = [facts.ndim(a) for a in stmt.args]
            if None not in ranks and all(r in (1, 2) for r in ranks):
                prim = "matmul"
            elif None not in ranks and 0 in ranks:
                prim = "multiply"
            else:
                return [stmt]
            return [Eqn(stmt.outs, prim, stmt.args, {}, stmt.loc, stmt.role, stmt.origin)]
        return [stmt]

    return _each_statement(func, rewrite)


PASSES = (row_scatters, new_axis_scatters, picked_shapes, dots_as_products)
