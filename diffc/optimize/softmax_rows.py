"""Which rows an index names, for ``softmax_grads``: ``rows_of`` proves that the first
axis of two values has one length at every call, from the code (``N = X.shape[0]`` and
``X @ W``), not from the example arguments; ``same_index`` compares index tuples.
"""
from __future__ import annotations

import functools

from diffc.core import primitives
from diffc.core.ir import Const, Pack, Var
from diffc.rules.instantiate import bound_operands


@functools.cache
def _row_reductions():
    """The reductions that keep the first axis when they reduce another (with ``keepdims``)."""
    return frozenset(primitives.lookup(f"numpy.{f}").name for f in ("max", "min", "sum", "mean"))


def same_index(a, b):
    """Whether two index tuples name the same arrays."""
    return isinstance(a, Pack) and isinstance(b, Pack) and a.kind == b.kind == "tuple" \
        and len(a.items) == len(b.items) and all(x == y for x, y in zip(a.items, b.items))


def rows_of(v, producer, facts, memo):
    """The array whose ``shape[0]`` ``v``'s first axis (or integer ``v``) always equals, or None."""
    if not isinstance(v, Var):
        return None
    if v not in memo:
        memo[v] = None                   # (a cycle, through a loop's carried value: unknown)
        memo[v] = _rows_source(v, producer, facts, memo)
    return memo[v]


def _rows_source(v, producer, facts, memo):
    eqn = producer.get(v)
    if eqn is None:
        return v if facts.ndim(v) else None
    if eqn.prim == "getitem" and len(eqn.args) == 2 and isinstance(eqn.args[1], Const) \
            and type(eqn.args[1].value) is int and eqn.args[1].value == 0:
        shape = producer.get(eqn.args[0]) if isinstance(eqn.args[0], Var) else None
        if shape is not None and shape.prim == "shape_attribute" and len(shape.args) == 1:
            return rows_of(shape.args[0], producer, facts, memo)
        return None
    ndim = facts.ndim(v)
    if not ndim:
        return None
    if eqn.prim == "matmul" and len(eqn.args) == 2 and ndim == 2 and facts.ndim(eqn.args[0]) == 2:
        return rows_of(eqn.args[0], producer, facts, memo)
    if eqn.prim in _row_reductions():
        ops = bound_operands(primitives.get(eqn.prim), eqn)
        axis, keep = ops.get("axis"), ops.get("keepdims")
        if isinstance(axis, Const) and type(axis.value) is int and axis.value % ndim != 0 \
                and isinstance(keep, Const) and keep.value is True:
            return rows_of(ops.get("a"), producer, facts, memo)
        return None
    if eqn.prim == "scatter" and len(eqn.args) == 3:
        return rows_of(eqn.args[0], producer, facts, memo)
    if not primitives.get(eqn.prim).elementwise:
        return None
    # elementwise: its operands of full rank whose first axis is not a fixed 1 decide it
    sources = set()
    for a in eqn.args:
        if isinstance(a, Const) or facts.ndim(a) != ndim:
            continue
        shape = facts.shape(a)
        if shape is not None and shape[0] == 1:
            continue
        sources.add(rows_of(a, producer, facts, memo))
    return sources.pop() if len(sources) == 1 and None not in sources else None
