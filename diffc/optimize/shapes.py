"""Passes on shapes: a query of a shape answered at compile time (``shape_queries``), and a
broadcast read as the smaller array where NumPy's broadcasting gives the same result
(``broadcasts``).
"""
from __future__ import annotations

import numpy as np

from diffc.core import primitives
from diffc.core.ir import (Const, Eqn, Function, Pack, Role, Var, VarKind, blocks_of, substitute, walk,
                           with_body)
from diffc.core.naming import fresh_namer


def shape_queries(func: Function, facts=None) -> Function:
    """Answer ``np.ndim``/``np.shape``/``np.size`` without computing what they ask about."""
    if facts is None or not facts.enabled:
        return func
    producers = {s.outs[0]: s for s in walk(func.body) if isinstance(s, Eqn) and s.outs}
    mapping = {}
    # with sizes named on the command line (``--arg A=7xN``) the example's shapes are one
    # choice of N: ``A @ B`` of a 7xN and an Nx7 matrix has A's shape only when N is 7
    sizes_vary = facts.sizes_vary

    def cheapest(v):
        return _cheapest(v, producers, facts, sizes_vary)

    def rewrite(stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, Eqn) and stmt.outs and stmt.prim in ("ndim", "shape", "size") \
                    and len(stmt.args) == 1 and isinstance(stmt.args[0], Var):
                v = stmt.args[0]
                shape = facts.shape(v)
                if shape is not None and stmt.prim == "ndim":
                    mapping[stmt.outs[0]] = Const(len(shape))
                    continue
                if shape == ():
                    mapping[stmt.outs[0]] = Const(() if stmt.prim == "shape" else 1)
                    continue
                if stmt.prim == "shape" or (stmt.prim == "size" and not stmt.kwargs):
                    stmt = Eqn(stmt.outs, stmt.prim, (cheapest(v),), stmt.kwargs, stmt.loc,
                               stmt.role, stmt.origin)
            for block in blocks_of(stmt):
                block.body = rewrite(block.body)
            out.append(stmt)
        return out

    body = rewrite(func.body)
    if mapping:
        body = _substitute_atoms(body, mapping)
    return with_body(func, body)


def _cheapest(v, producers, facts, sizes_vary):
    """An operand with ``v``'s shape, when ``v`` is a broadcasting or elementwise
    operation (recursively): ``np.log(x)`` has ``x``'s shape, and so may a product whose
    sizes the signature fixes."""
    eqn = producers.get(v)
    shape = facts.shape(v)
    if eqn is None or shape is None or eqn.prim in ("scatter", "scatter_add", "setitem"):
        return v
    picked = _picked_by(eqn, shape, facts)
    if picked is not None:
        return _cheapest(picked, producers, facts, sizes_vary)
    prim = primitives.get(eqn.prim)
    if not (prim.broadcasting or prim.elementwise) or (sizes_vary and not prim.elementwise):
        return v
    for a in eqn.inputs():
        if facts.shape(a) == shape and not isinstance(a, Const):
            return _cheapest(a, producers, facts, sizes_vary)
    return v


def _picked_by(eqn, shape, facts):
    """For ``x[rows, cols]`` indexed by one integer array per axis of ``x``, all of
    ``shape`` (``P[np.arange(N), labels]``), the last of them: NumPy's result has the
    index arrays' shape, at every call (arrays of one length in the signature keep one
    length, or the indexing fails; a size named by a letter is never 1). Else None."""
    if eqn.prim != "getitem" or len(eqn.args) != 2 or not isinstance(eqn.args[1], Pack) \
            or eqn.args[1].kind != "tuple":
        return None
    items = eqn.args[1].items
    if len(items) != facts.ndim(eqn.args[0]) or not all(
            isinstance(a, Var) and facts.shape(a) == shape and facts.dtype(a) is not None
            and np.dtype(facts.dtype(a)).kind in "iu" for a in items):
        return None
    return items[-1]


def _substitute_atoms(stmts, mapping):
    """Like ``ir.substitute`` but a Var may be replaced by a Const."""
    return substitute(stmts, mapping)


def broadcasts(func: Function, facts=None) -> Function:
    """Leave the gradient's ``np.broadcast_to`` to NumPy's own broadcasting.

    The reverse rules of ``sum`` and ``mean`` spread ``dout`` back with
    ``np.broadcast_to``; when what reads the spread value is elementwise, reading the
    unspread value gives the same array. An elementwise reader whose result keeps its
    shape and dtype reads the source instead (``broadcast_to(s, S) * a`` → ``s * a`` for
    ``a`` of shape ``S``); one whose other operands are scalars is computed on the source
    and spread after it (``broadcast_to(s, S) * 2`` → ``broadcast_to(s * 2, S)``), so the
    spreading moves towards a reader that makes it unnecessary. Every rewrite is checked
    on the example values (shape and dtype equal); nothing in the user's own code changes.

    Only an elementwise reader (``Primitive.elementwise``) is rewritten: for any other
    (``np.dot(dout, b)`` in ``outer``'s rule) the unspread value is another operand, and
    a result of the same shape (square operands) would be a different, wrong, gradient.
    """
    if facts is None or not facts.enabled:
        return func
    return _Unspreading(func, facts).run()


def _evaluated(eqn, facts):
    values = [facts.value(a) for a in eqn.args]
    kwargs = {k: facts.value(a) for k, a in eqn.kwargs.items()}
    with np.errstate(all="ignore"):
        return primitives.get(eqn.prim).impl(*values, **kwargs)


def _same_layout(a, b):
    return np.shape(a) == np.shape(b) and np.result_type(a) == np.result_type(b)


class _Unspreading:
    """One run of ``broadcasts``: ``spread`` maps a ``broadcast_to``'s result to its equation."""

    def __init__(self, func, facts):
        self.func, self.facts = func, facts
        self.spread = {}
        self.namer = None

    def run(self):
        return with_body(self.func, self.visit(self.func.body))

    def rewrite(self, eqn):
        facts, spread = self.facts, self.spread
        out = eqn.outs[0]
        for i, a in enumerate(eqn.args):
            if a not in spread or not all(facts.is_static(v) for v in eqn.inputs()):
                continue
            source = spread[a].args[0]
            if not facts.is_static(source):
                continue
            args = eqn.args[:i] + (source,) + eqn.args[i + 1:]
            trial = Eqn(eqn.outs, eqn.prim, args, dict(eqn.kwargs), eqn.loc, eqn.role, eqn.origin)
            try:
                value = _evaluated(trial, facts)
            except Exception:       # noqa: BLE001 - a rewrite that does not evaluate is not made
                continue
            if _same_layout(value, facts.value(out)):
                eqn = trial
                continue
            others = [b for j, b in enumerate(eqn.args) if j != i] + list(eqn.kwargs.values())
            if all(np.ndim(facts.value(b)) == 0 for b in others) and \
                    np.result_type(value) == np.result_type(facts.value(out)):
                self.namer = self.namer or fresh_namer(self.func, facts)
                small = self.namer.var(out.hint, VarKind.TEMP)
                facts.values[small] = value
                first = Eqn((small,), eqn.prim, args, dict(eqn.kwargs), eqn.loc, eqn.role, eqn.origin)
                again = Eqn((out,), "broadcast_to", (small,) + spread[a].args[1:],
                            dict(spread[a].kwargs), eqn.loc, eqn.role, eqn.origin)
                spread[out] = again
                return [first, again]
        return [eqn]

    def visit(self, stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and stmt.role is not Role.PRIMAL:
                if stmt.prim == "broadcast_to" and self.facts.is_static(stmt.outs[0]):
                    self.spread[stmt.outs[0]] = stmt
                elif primitives.get(stmt.prim).elementwise:
                    out += self.rewrite(stmt)
                    continue
            for block in blocks_of(stmt):
                block.body = self.visit(block.body)
            out.append(stmt)
        return out
