"""Optimizing passes: pure functions from IR ``Function`` to IR ``Function``.

* ``shape_queries``: ``np.ndim(v)`` is a constant; so are ``np.shape(v)`` and
  ``np.size(v)`` for a scalar ``v``; and ``np.shape(v)`` of an elementwise result
  that has the shape of one of its operands is that operand's shape. A value read only
  for its shape is then no longer computed (a reduction recomputed just to count its
  entries, a product recomputed just for its shape). These hold for every call the code
  is specialised to (ranks and size-1 axes are part of the signature); a product's shape
  is an operand's only where the signature fixes every size (not with sizes named on the
  command line, ``--arg A=7xN``, where N = 7 was one choice).
* ``broadcasts``: an elementwise reader of ``np.broadcast_to(s, S)`` (how ``sum`` and
  ``mean`` spread ``dout``) reads ``s`` itself where NumPy's broadcasting gives the same
  array. Any other reader (a product, a reshape, a cumulative sum...) sees the full shape.
* ``loop_invariants``: what a ``for`` loop's every iteration computes the same way is
  computed once before it.
* ``common_subexpressions``: an equation identical to an earlier one in the same block
  (same primitive, same operands) reuses its result.
* ``simplify`` (``diffc/optimize/simplify.py``): a chain of elementwise adjoint equations is
  simplified with sympy, reusing forward values (a sigmoid's ``s * (1 - s)``).
* ``doubled_products``: ``s * A + s * A`` (a square's two equal gradients) is
  ``(s + s) * A``.
* ``unique_scatters``: the gradient of ``p[np.arange(n), y]`` is assigned into zeros
  (``d[rows, y] = v``), not added with ``np.add.at``: the pairs read are all different.
* ``dead_code``: drop equations nothing reads, in every block, and tapes none of whose
  popped values is read.
* ``EMIT_PASSES``, only on code about to be emitted (their primitives have no derivative
  rules): in-place accumulation and arithmetic (``in_place.py``), and reductions of
  arrays as methods (``a.sum(axis=0)``).
"""
from __future__ import annotations

import contextlib
import contextvars
import copy
import os
from collections import ChainMap

import numpy as np

from diffc.optimize import bptt
from diffc.optimize import in_place
from diffc.optimize import portable as portable_passes
from diffc.core import primitives
from diffc.core.build import Builder
from diffc.core.ir import (Const, Eqn, Function, Loop, Pack, Role, Var, VarKind, atoms_in, blocks_of, defined_in, map_blocks, producers, substitute, walk, with_body)
from diffc.core.naming import fresh_namer
from diffc.core.verify import checked


def _effect(eqn):
    """Whether ``eqn`` does more than compute its result (a tape's push or pop; an
    iterator, used up by the loop that reads it): never dropped, shared, nor moved."""
    return primitives.get(eqn.prim).effect is not None


def dead_code(func: Function, facts=None) -> Function:
    """Drop equations nothing reads, in every block, until none is left to drop.

    Control-flow statements are kept, and so are effects (tape pushes and pops), except a
    whole tape none of whose popped values is read any more (its reader was simplified
    away): then its list, its pushes and its pops go together.
    """
    body = func.body
    # the uses are counted once and kept up to date: dropping an equation un-counts its
    # reads; sweeping last to first, what only a dropped equation read is dropped in the
    # same sweep (one sweep per round, not one per link of a dead chain)
    uses = Function(func.name, func.params, body, func.results).uses()
    while True:
        removed = [False]
        dead = _unread_tapes(body, uses)

        def prune(stmts):
            kept = []
            for stmt in reversed(stmts):
                if isinstance(stmt, Eqn) and (id(stmt) in dead or stmt.outs and not _effect(stmt)
                                              and not any(uses.get(o, 0) for o in stmt.outs)):
                    removed[0] = True
                    for v in stmt.inputs():
                        uses[v] -= 1
                    continue
                for block in reversed(blocks_of(stmt)):
                    block.body = prune(block.body)
                kept.append(stmt)
            kept.reverse()
            return kept

        body = prune(body)
        if not removed[0]:
            return with_body(func, body)


def _unread_tapes(body, uses):
    """ids of the statements of every tape that is only pushed to and popped from, none of
    whose popped values is read: its ``new_tape``, its pushes and its pops."""
    made, effects = {}, {}
    for stmt in walk(body):
        if isinstance(stmt, Eqn) and _effect(stmt):
            if stmt.prim == "new_tape":
                made[stmt.outs[0]] = stmt
            elif stmt.args and isinstance(stmt.args[0], Var):
                effects.setdefault(stmt.args[0], []).append(stmt)
    dead = set()
    for tape, maker in made.items():
        mine = effects.get(tape, [])
        if len(mine) == uses.get(tape, 0) and not any(
                uses.get(o, 0) for s in mine if s.prim == "pop" for o in s.outs):
            dead.update(id(s) for s in [maker] + mine)
    return dead


def _key(eqn):
    def atom(a):
        if isinstance(a, Const):
            try:
                hash(a.value)
            except TypeError:
                return None
            return ("const", type(a.value).__name__, a.value)
        if isinstance(a, Pack):
            items = tuple(atom(i) for i in a.items)
            return None if None in items else ("pack", a.kind, items)
        return a

    args = tuple(atom(a) for a in eqn.args)
    kwargs = tuple(sorted((k, atom(a)) for k, a in eqn.kwargs.items()))
    if None in args or any(v is None for _, v in kwargs):
        return None
    return (eqn.prim, args, kwargs)


def common_subexpressions(func: Function, facts=None) -> Function:
    """Reuse the result of an identical earlier equation in the same block."""
    mapping = {}

    def visit(stmts, seen):
        out = []
        for stmt in substitute(stmts, mapping) if mapping else stmts:
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and not _effect(stmt) \
                    and primitives.get(stmt.prim).call_path is None:
                key = _key(stmt)
                if key is not None and key in seen:
                    mapping[stmt.outs[0]] = seen[key]
                    continue
                if key is not None:
                    seen[key] = stmt.outs[0]
            for block in blocks_of(stmt):
                # the block sees what is seen here, and adds to a layer of its own (a
                # view, not a copy: copying at every block made long programs quadratic)
                inner = seen.new_child() if isinstance(seen, ChainMap) else ChainMap({}, seen)
                block.body = visit(block.body, inner)
            out.append(stmt)
        return out

    body = visit(func.body, {})
    results = tuple(mapping.get(r, r) if isinstance(r, Var) else r for r in func.results)
    body = substitute(body, mapping) if mapping else body
    new = with_body(func, body)
    new.results = results
    return new


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
        """An operand with ``v``'s shape, when ``v`` is a broadcasting or elementwise
        operation (recursively): ``np.log(x)`` has ``x``'s shape, and so may a product whose
        sizes the signature fixes."""
        eqn = producers.get(v)
        shape = facts.shape(v)
        if eqn is None or shape is None or eqn.prim in ("scatter", "scatter_add", "setitem"):
            return v
        prim = primitives.get(eqn.prim)
        if not (prim.broadcasting or prim.elementwise) or (sizes_vary and not prim.elementwise):
            return v
        for a in eqn.inputs():
            if facts.shape(a) == shape and not isinstance(a, Const):
                return cheapest(a)
        return v

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


def _substitute_atoms(stmts, mapping):
    """Like ``ir.substitute`` but a Var may be replaced by a Const."""
    return substitute(stmts, mapping)




def _each_statement(func, rewrite):
    """``func`` with every statement (those of nested blocks first) replaced by the list
    ``rewrite(stmt)`` returns. ``rewrite`` makes new statements, never edits one, and
    statements with blocks are copied (``ir.map_blocks``): the input is left as it was."""
    def visit(stmts):
        out = []
        for stmt in stmts:
            out += rewrite(map_blocks(stmt, visit))
        return out

    return with_body(func, visit(func.body))


def constants(func: Function, facts=None, *, units=False) -> Function:
    """Fold an equation whose operands are all constants (``2 - 1`` → ``1``), and
    ``x ** 1`` → ``x``, until nothing changes. Only Python numbers are folded:
    shape-safe by construction.

    ``units=True`` (``scalar_units``) also folds ``1.0 * x`` and ``x / 1.0`` to ``x``."""
    while True:
        folded = _fold_constants_once(func, facts, units)
        if len(list(walk(folded.body))) == len(list(walk(func.body))):
            return folded
        func = folded


def scalar_units(func: Function, facts=None) -> Function:
    """``1.0 * x`` and ``x / 1.0`` → ``x`` where ``x`` is a Python float or NumPy floating
    scalar: exact, the same type, and nothing aliases (a scalar is immutable).

    The printed gradient keeps the seed's products (``dq = dout * z`` is the chain rule
    as the notes write it); this runs only on the copy of a small gradient that the
    dispatcher inlines (``pipeline``, ``dispatch``), where two float products are a
    fifth of a scalar gradient's time."""
    if facts is None or not facts.enabled or not enabled():
        return func
    return constants(func, facts, units=True)


def _fold_constants_once(func, facts=None, units=False):
    mapping = {}
    ones = {s.outs[0] for s in walk(func.body) if isinstance(s, Eqn) and s.prim == "constant"
            and len(s.outs) == 1 and _is_one(s.args[0])}

    def one(a):
        return _is_one(a) or a in ones

    def float_var(a):
        """A Python float or NumPy floating scalar: ``1.0 * a`` is ``a``, same type and value."""
        if not isinstance(a, Var) or facts is None or not facts.enabled or a not in facts.values:
            return False
        return type(facts.values[a]) is float or isinstance(facts.values[a], np.floating)

    def unit_factor(stmt):
        """The operand ``stmt`` equals when it multiplies a Python float by one, or None."""
        if len(stmt.args) != 2 or stmt.kwargs:
            return None
        a, b = stmt.args
        if stmt.prim == "multiply":
            return b if one(a) and float_var(b) else a if one(b) and float_var(a) else None
        if stmt.prim == "divide":
            return a if one(b) and float_var(a) else None
        return None

    def fold(stmts):
        out = []
        for stmt in substitute(stmts, mapping) if mapping else stmts:
            factor = unit_factor(stmt) if units and isinstance(stmt, Eqn) and stmt.outs else None
            if factor is not None:
                # (its operand may itself be folded this round: ``dout / 1 / 1``)
                mapping[stmt.outs[0]] = mapping.get(factor, factor)
                continue
            if isinstance(stmt, Eqn) and stmt.outs and primitives.get(stmt.prim).folds:
                args = list(stmt.args) + list(stmt.kwargs.values())
                if all(isinstance(a, Const) and type(a.value) in (int, float) for a in args):
                    mapping[stmt.outs[0]] = Const(primitives.get(stmt.prim).impl(*[a.value for a in stmt.args]))
                    continue
                if stmt.prim == "power" and len(stmt.args) == 2 and isinstance(stmt.args[1], Const) \
                        and type(stmt.args[1].value) is int and stmt.args[1].value == 1 \
                        and isinstance(stmt.args[0], Var):
                    mapping[stmt.outs[0]] = mapping.get(stmt.args[0], stmt.args[0])
                    continue
            # new blocks, not the input's edited: ``constants`` stops when a round leaves
            # as many statements as its input had, which an edited input always has
            out.append(map_blocks(stmt, fold))
        return out

    body = fold(func.body)
    new = with_body(func, substitute(body, mapping) if mapping else body)
    new.results = tuple(mapping.get(r, r) if isinstance(r, Var) else r for r in func.results)
    return new


def _is_one(atom):
    return isinstance(atom, Const) and type(atom.value) in (int, float) and atom.value == 1

def accumulate_in_place(func: Function, facts=None) -> Function:
    """``acc + scatter(x, index, v)`` → ``acc[index] += v`` where that is provably safe.

    Safe means: ``acc`` is read by nothing else, it was made by the gradient code itself
    (zeros, a sum, a scatter; or a loop's carried value starting from one), and the
    scatter's result is read only by this sum, with the same shape and dtype as ``acc``.
    """
    if facts is None or not facts.enabled:
        return func
    uses = func.uses()
    producers = {s.outs[0]: s for s in walk(func.body) if isinstance(s, Eqn) and s.outs}
    carried_init = {}
    for stmt in walk(func.body):
        if isinstance(stmt, Loop) and stmt.role is not Role.PRIMAL:
            params = stmt.body.params[1:] if stmt.kind == "for" else stmt.body.params
            for p, init in zip(params, stmt.inits):
                carried_init[p] = init

    def owned(v, depth=0):
        if not isinstance(v, Var) or uses.get(v, 0) != 1 or depth > 8:
            return False
        if v in carried_init:
            return owned(carried_init[v], depth + 1)
        producer = producers.get(v)
        return producer is not None and primitives.get(producer.prim).fresh and producer.role is not Role.PRIMAL

    def same_layout(a, b):
        return facts.shape(a) is not None and facts.shape(a) == facts.shape(b) \
            and facts.dtype(a) == facts.dtype(b)

    def rewrite(stmts):
        out, drop = [], set()
        for stmt in stmts:
            if isinstance(stmt, Eqn) and stmt.prim == "add" and len(stmt.args) == 2 and not stmt.kwargs:
                for acc, part in (stmt.args, stmt.args[::-1]):
                    scatter = producers.get(part) if isinstance(part, Var) else None
                    if scatter is not None and scatter.prim in ("scatter", "scatter_add") \
                            and uses.get(part, 0) == 1 and scatter in stmts and owned(acc) \
                            and same_layout(acc, part):
                        _, index, values = scatter.args
                        prim = "add_into" if scatter.prim == "scatter" else "add_at_into"
                        stmt = Eqn(stmt.outs, prim, (acc, index, values), {}, stmt.loc,
                                   stmt.role, stmt.origin)
                        drop.add(id(scatter))
                        break
            for block in blocks_of(stmt):
                block.body = rewrite(block.body)
            out.append(stmt)
        return [s for s in out if id(s) not in drop]

    return with_body(func, rewrite(func.body))


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
    spread = {}                 # broadcast_to's result -> its equation
    namer = None

    def check(eqn):
        values = [facts.value(a) for a in eqn.args]
        kwargs = {k: facts.value(a) for k, a in eqn.kwargs.items()}
        with np.errstate(all="ignore"):
            return primitives.get(eqn.prim).impl(*values, **kwargs)

    def same_layout(a, b):
        return np.shape(a) == np.shape(b) and np.result_type(a) == np.result_type(b)

    def rewrite(eqn):
        nonlocal namer
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
                value = check(trial)
            except Exception:       # noqa: BLE001 - a rewrite that does not evaluate is not made
                continue
            if same_layout(value, facts.value(out)):
                eqn = trial
                continue
            others = [b for j, b in enumerate(eqn.args) if j != i] + list(eqn.kwargs.values())
            if all(np.ndim(facts.value(b)) == 0 for b in others) and \
                    np.result_type(value) == np.result_type(facts.value(out)):
                namer = namer or fresh_namer(func, facts)
                small = namer.var(out.hint, VarKind.TEMP)
                facts.values[small] = value
                first = Eqn((small,), eqn.prim, args, dict(eqn.kwargs), eqn.loc, eqn.role, eqn.origin)
                again = Eqn((out,), "broadcast_to", (small,) + spread[a].args[1:],
                            dict(spread[a].kwargs), eqn.loc, eqn.role, eqn.origin)
                spread[out] = again
                return [first, again]
        return [eqn]

    def visit(stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and stmt.role is not Role.PRIMAL:
                if stmt.prim == "broadcast_to" and facts.is_static(stmt.outs[0]):
                    spread[stmt.outs[0]] = stmt
                elif primitives.get(stmt.prim).elementwise:
                    out += rewrite(stmt)
                    continue
            for block in blocks_of(stmt):
                block.body = visit(block.body)
            out.append(stmt)
        return out

    return with_body(func, visit(func.body))


def loop_invariants(func: Function, facts=None) -> Function:
    """Compute once, before a ``for`` loop, what every iteration computes the same way:
    an equation of the loop's body whose operands all come from outside the loop
    (``params["W"]`` read in every iteration) moves before the loop.

    Only pure equations move (no tape, no in-place update, no call to a user's rule), and
    only those whose value was computed on the example arguments (so they do not fail).
    Cheap views (``W.T``) stay where they read best. (Batching ``xs[t] @ W`` over every
    row into one ``xs @ W`` was tried and measured slower on the RNN benchmark: NumPy runs a
    3-D product as a loop of small ones, and the stacked result costs memory.)
    """
    if facts is None or not facts.enabled:
        return func

    def movable(eqn, inside):
        if not isinstance(eqn, Eqn) or len(eqn.outs) != 1:
            return False
        prim = primitives.get(eqn.prim)
        # a view (``Wh.T``) is free, and ``dadd @ Wh.T`` reads better where it is
        if prim.effect or prim.writes_first or prim.view:
            return False
        return prim.call_path is None and not prim.helper and eqn.outs[0] in facts.values \
            and not any(v in inside for v in eqn.inputs())

    def hoist(loop):
        before, kept = [], []
        inside = set(defined_in(loop.body))
        for stmt in loop.body.body:
            if movable(stmt, inside):
                before.append(stmt)
                inside.discard(stmt.outs[0])
                continue
            kept.append(stmt)
        loop.body.body = kept
        return before

    def visit(stmts):
        out = []
        for stmt in stmts:
            for block in blocks_of(stmt):
                block.body = visit(block.body)
            if isinstance(stmt, Loop) and stmt.kind == "for":
                out += hoist(stmt)
            out.append(stmt)
        return out

    return with_body(func, visit(func.body))


def doubled_products(func: Function, facts=None) -> Function:
    """``v + v`` with ``v = s * A`` (``s`` a scalar, ``v`` read nowhere else) → ``(s + s) * A``.

    A value used twice by one product (``np.sum(W * W)``) sends it two equal gradients,
    ``dout * W`` each, that the engine adds: one array multiply and one array add become
    one scalar add and one array multiply. Both are exact (doubling is), so the result
    is bit-for-bit the same."""
    if facts is None or not facts.enabled:
        return func
    uses = func.uses()
    producer = producers(func.body)
    namer = None

    def rewrite(stmt):
        nonlocal namer
        if not (isinstance(stmt, Eqn) and stmt.prim == "add" and len(stmt.args) == 2 and not stmt.kwargs
                and isinstance(stmt.args[0], Var) and stmt.args[0] is stmt.args[1]
                and uses.get(stmt.args[0]) == 2):
            return [stmt]
        product = producer.get(stmt.args[0])
        if product is None or product.prim != "multiply" or len(product.args) != 2 or product.kwargs:
            return [stmt]
        scalar = [i for i, a in enumerate(product.args) if facts.ndim(a) == 0]
        if not scalar or facts.ndim(product.args[1 - scalar[0]]) in (0, None):
            return [stmt]
        i, s = scalar[0], product.args[scalar[0]]
        namer = namer or fresh_namer(func, facts)
        made = Builder([], facts, namer, role=stmt.role)
        twice = made.eqn("add", (s, s), hint=s.hint if isinstance(s, Var) else "c", loc=stmt.loc,
                         origin=stmt.origin)
        args = list(product.args)
        args[i] = twice
        return made.body + [Eqn(stmt.outs, "multiply", tuple(args), {}, stmt.loc, stmt.role, stmt.origin)]

    return _each_statement(func, rewrite)


def unique_scatters(func: Function, facts=None) -> Function:
    """``np.add.at(d, (rows, cols), v)`` → ``d[rows, cols] = v`` when no position repeats.

    The gradient of a fancy-index read ``x[index]`` adds values at the positions read,
    with ``np.add.at`` because an integer array may name a position twice. An index
    tuple whose integer arrays are all one-dimensional with one shape, one of them
    ``np.arange(n)``, names ``n`` different positions (the rows differ), so assigning
    into zeros gives the same array, several times faster. Ranks and shapes come from the
    example arguments (the code is specialised to them)."""
    if facts is None or not facts.enabled:
        return func
    producer = producers(func.body)

    def is_rows(atom):
        eqn = producer.get(atom)
        return eqn is not None and eqn.prim == "arange" and len(eqn.args) == 1 and not eqn.kwargs

    def unique(index):
        if not isinstance(index, Pack) or index.kind != "tuple":
            return False
        arrays = [a for a in index.items if isinstance(a, Var)]
        if len(arrays) != len(index.items) or not any(is_rows(a) for a in arrays):
            return False
        shapes = {facts.shape(a) for a in arrays}
        dtypes = [facts.dtype(a) for a in arrays]
        return len(shapes) == 1 and None not in shapes and len(next(iter(shapes))) == 1 \
            and all(d is not None and np.dtype(d).kind in "iu" for d in dtypes)

    def rewrite(stmt):
        if isinstance(stmt, Eqn) and stmt.prim == "scatter_add" and len(stmt.args) == 3 \
                and unique(stmt.args[1]):
            return [_renamed(stmt, "scatter")]
        return [stmt]

    return _each_statement(func, rewrite)


from diffc.optimize.simplify import simplify  # noqa: E402  (symbolic rewrites of adjoint chains)
from diffc.optimize.list_updates import list_updates  # noqa: E402

PASSES = (constants, shape_queries, broadcasts, unique_scatters, common_subexpressions,
          doubled_products, loop_invariants, simplify, dead_code)


def product_layouts(func: Function, facts=None) -> Function:
    """``(B.T @ A).T`` for a large ``A.T @ B`` where the BLAS runs it clearly faster.

    The gradient of ``X @ W`` with respect to ``W`` is ``X.T @ dY``; for a wide ``X``
    and a thin ``dY`` (500 × 3073 and 500 × 10) OpenBLAS computes ``(dY.T @ X).T``, the
    same numbers, a third faster on this project's machines, and other libraries may
    differ. So both forms are timed once on the example values (products of at least
    ``_TIMED_FLOPS`` only, a few milliseconds of compile time) and the transposed one is
    kept only when it is at least 20% faster. Its result is a transposed view, so it is
    used only where an elementwise equation reads it (never returned as a gradient).
    Emitted code only, with concrete shapes."""
    if facts is None or not facts.enabled or facts.sizes_vary:
        return func
    uses = func.uses()
    producer = producers(func.body)
    readers = {}
    for stmt in walk(func.body):
        for v in stmt.inputs() if isinstance(stmt, Eqn) else ():
            readers.setdefault(v, []).append(stmt)
    returned = {v for r in func.results for v in atoms_in(r)} | {
        v for s in walk(func.body) for b in blocks_of(s) for r in b.results for v in atoms_in(r)}
    namer = None

    def rewrite(stmt):
        nonlocal namer
        swapped = _swapped_product(stmt, producer, uses, readers, returned, facts)
        if swapped is None:
            return [stmt]
        a, b = swapped
        namer = namer or fresh_namer(func, facts)
        made = Builder([], facts, namer, role=stmt.role)
        bt = made.eqn("T", (b,), hint="tr", loc=stmt.loc, origin=stmt.origin)
        prod = made.eqn("matmul", (bt, a), hint=stmt.outs[0].hint, loc=stmt.loc, origin=stmt.origin)
        made.eqn("T", (prod,), out=stmt.outs[0], loc=stmt.loc, origin=stmt.origin)
        return made.body

    return _each_statement(func, rewrite)


_TIMED_FLOPS = 5e6


def _swapped_product(stmt, producer, uses, readers, returned, facts):
    """``(A, B)`` when ``stmt`` is ``A.T @ B`` better computed as ``(B.T @ A).T``."""
    if not isinstance(stmt, Eqn) or stmt.prim != "matmul" or stmt.role is Role.PRIMAL or stmt.kwargs \
            or len(stmt.args) != 2 or stmt.outs[0] in returned:
        return None
    tr = producer.get(stmt.args[0]) if isinstance(stmt.args[0], Var) else None
    if tr is None or tr.prim != "T" or uses.get(stmt.args[0]) != 1:
        return None
    a, b = tr.args[0], stmt.args[1]
    av, bv = facts.values.get(a), facts.values.get(b)
    if not (isinstance(av, np.ndarray) and isinstance(bv, np.ndarray) and av.ndim == bv.ndim == 2
            and facts.is_static(a) and facts.is_static(b)) or av.dtype != bv.dtype:
        return None
    if av.shape[0] * av.shape[1] * bv.shape[1] < _TIMED_FLOPS:
        return None
    if any(not isinstance(r, Eqn) or not primitives.get(r.prim).arithmetic
           for r in readers.get(stmt.outs[0], [])):
        return None
    plain = _best_of(lambda: av.T @ bv)
    swapped = _best_of(lambda: (bv.T @ av).T)
    return (a, b) if swapped < 0.8 * plain else None


def _best_of(call, repeat=3):
    import time
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def array_methods(func: Function, facts=None) -> Function:
    """``a.sum(axis=0)`` for ``np.sum(a, axis=0)`` where ``a`` is known to be a NumPy array
    (from the example arguments): the method skips ``np.sum``'s dispatch. Not for a NumPy
    scalar: the same value may be a Python float at run time (a seed ``dout = 1.0``)."""
    if facts is None or not facts.enabled:
        return func

    def rewrite(stmt):
        method = primitives.get(stmt.prim).method if isinstance(stmt, Eqn) else None
        if method is not None and stmt.args \
                and isinstance(stmt.args[0], Var) and facts.is_static(stmt.args[0]) \
                and isinstance(facts.values.get(stmt.args[0]), np.ndarray) \
                and set(stmt.kwargs) <= {"axis", "keepdims"} and len(stmt.args) <= 2:
            return [_renamed(stmt, method)]
        return [stmt]

    return _each_statement(func, rewrite)


def _renamed(eqn, prim):
    return Eqn(eqn.outs, prim, eqn.args, dict(eqn.kwargs), eqn.loc, eqn.role, eqn.origin)


# Passes whose output has no derivative rules (in-place updates, method calls): they run
# only on code about to be emitted, never on a function another transform differentiates.
EMIT_PASSES = (bptt.inputs, bptt.products, accumulate_in_place, list_updates, in_place.elementwise,
               array_methods, product_layouts, in_place.reuse_buffers)


_OFF = contextvars.ContextVar("diffc_unoptimized", default=False)
_PORTABLE = contextvars.ContextVar("diffc_portable", default=False)


@contextlib.contextmanager
def portable():
    """Compile for an array namespace other than NumPy inside this block: the
    ``EMIT_PASSES`` (NumPy's in-place updates, ``out=``, methods) give way to
    ``portable.PASSES`` (array-API forms without writes into arrays)."""
    token = _PORTABLE.set(True)
    try:
        yield
    finally:
        _PORTABLE.reset(token)


def _emit_passes():
    """The passes for code about to be emitted; the portable ones run even when the
    optimizer is off (the forms they make are the only ones some namespaces accept)."""
    if _PORTABLE.get():
        return portable_passes.PASSES + (dead_code,)
    return EMIT_PASSES if enabled() else ()


def enabled() -> bool:
    """Whether the optimizing passes run: not inside ``unoptimized()`` and not with the
    environment variable ``DIFFC_NO_OPTIMIZE=1``."""
    return not _OFF.get() and os.environ.get("DIFFC_NO_OPTIMIZE") != "1"


@contextlib.contextmanager
def unoptimized():
    """Compile without any optimizing pass inside this block: every gradient (the main one,
    generated pairs, nested transforms) is the bare transform, only pruned of dead code.
    The tests compare its gradients with the optimized ones."""
    token = _OFF.set(True)
    try:
        yield
    finally:
        _OFF.reset(token)


def optimize(func: Function, facts=None, *, emitted=True) -> Function:
    """Run every pass; the input function is left as it was (passes edit a copy).

    ``emitted=False`` for a function another transform will differentiate (``hessian``
    is forward mode over the gradient): the ``EMIT_PASSES`` make primitives without
    derivative rules, so they run only on code about to be emitted (``for_emission``).
    Switched off (``enabled()``), only ``dead_code`` runs."""
    func = copy.deepcopy(func)
    passes = (PASSES if enabled() else (dead_code,)) + (_emit_passes() if emitted else ())
    for p in passes:
        func = checked(p(func, facts), facts, p.__name__)
    return func


def for_emission(func: Function, facts=None) -> Function:
    """Only the ``EMIT_PASSES`` (for code staged with ``emitted=False``, before emission)."""
    func = copy.deepcopy(func)
    for p in _emit_passes():
        func = checked(p(func, facts), facts, p.__name__)
    return func
