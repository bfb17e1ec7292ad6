"""Weight gradients of a loop as one product after it (backprop through time).

The reverse of ``h = np.tanh(xs[t] @ Wx + h @ Wh + b)`` adds, at every step,

    dWh = dWh + h_prev.T @ dadd        dWx = dWx + xs[t].T @ dadd        db = db + dadd.sum(axis=0)

A sum of products ``A_t.T @ B_t`` over the steps is one product of the stacked
operands, ``concat(A).T @ concat(B)`` (rows stacked in the same order), and a sum of
column sums is the column sum of the stack: one large matrix product instead of one
small product (and one addition) per step, which is how BPTT is written by hand. The
loop keeps only what the next step needs (``dh``), and the products come after it. The
stacks cost no copy where they can: a row of an argument (``xs[t]``) is the argument
reshaped; the forward loop's tape is stacked once, into an array the forward pass no longer
needs (``inputs``' product) when there is one, and emptied, the backward loop reading row
``t`` instead of popping; a value computed in the loop (``dadd``) is computed into its row
of one array (``out=``). Over part of a range, the steps' values are kept in lists.

``products`` makes that rewrite for an accumulator ``acc`` carried by a ``for`` loop
whose only update is ``acc + A.T @ B`` (``A``, ``B`` two-dimensional, made in the loop
body at top level, with shapes fixed across steps) or ``acc + B.sum(axis=0)``. Shapes
come from the example arguments (the code is specialised to them). Only code about to be
emitted is rewritten (``optimize.EMIT_PASSES``): the result is the same sum in another
order, so it agrees with the step-by-step one to rounding. How the steps' values are
stacked is in ``bptt_stacks``.
"""
from __future__ import annotations

import numpy as np

from diffc.core.build import Builder
from diffc.core.ir import (Const, Eqn, Function, Loop, Role, Var, VarKind, blocks_of, producers,
                           with_body)
from diffc.core.naming import fresh_namer
from diffc.optimize.bptt_stacks import _Deferral, _free, _layout_matches, _order, _rows_of, without_writes


def products(func: Function, facts=None) -> Function:
    """Every non-primal ``for`` loop's accumulated products made after it (see above).

    The loops are edited in place (``optimize`` works on a copy of its input). Not with
    symbolic sizes (``diffc compile --arg xs=TxNx1``): the number of steps and the widths
    must be the signature's, and T may even be 0 (empty stacks)."""
    if facts is None or not facts.enabled or facts.sizes_vary:
        return func
    uses = func.uses()
    producer = producers(func.body)
    namer = fresh_namer(func, facts)

    def visit(stmts):
        out, drop = [], set()
        for stmt in stmts:
            for block in blocks_of(stmt):
                block.body = visit(block.body)
            if isinstance(stmt, Loop) and stmt.kind == "for" and stmt.role is not Role.PRIMAL:
                before, after, dropped, earlier = _defer(stmt, stmts, uses, producer, facts, namer)
                for target, made in earlier:        # before the forward loop
                    at = next(i for i, s in enumerate(out) if s is target)
                    out[at:at] = made
                out += before + [stmt] + after
                drop |= dropped
            else:
                out.append(stmt)
        return [s for s in out if id(s) not in drop]

    body = visit(list(func.body))
    return with_body(func, body)


def products_without_writes(func: Function, facts=None) -> Function:
    """``products`` for a namespace whose arrays take no writes (JAX): the steps' values
    stacked from lists (``bptt_stacks.without_writes``)."""
    with without_writes():
        return products(func, facts)


def inputs(func: Function, facts=None) -> Function:
    """``xs[t] @ W`` in a loop over every row of ``xs``: one product before the loop.

    ``(xs.reshape(-1, D) @ W).reshape(T, N, H)`` computes every step's product at once (one
    large matrix product, as BPTT's input projection is written by hand); the loop reads
    row ``t`` of it. The line reads ``np.tanh(xs_Wx[t] + h @ Wh + b)``. The array is free
    after the loop: ``products`` gives its memory to the backward pass's rows. Emitted
    code only; not with symbolic sizes.
    """
    if facts is None or not facts.enabled or facts.sizes_vary:
        return func
    uses = func.uses()
    producer = producers(func.body)
    namer = fresh_namer(func, facts)
    spare = facts.spare_after_loop

    def visit(stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, Loop) and stmt.kind == "for":
                out += _hoist_inputs(stmt, uses, producer, facts, namer, spare)
            out.append(stmt)
        return out

    body = visit(list(func.body))
    return with_body(func, body)


def _hoist_inputs(loop, uses, producer, facts, namer, spare):
    order = _order(loop, producer, facts)
    if order is None or not order[1] or not order[2]:
        return []
    steps = order[0]
    body, item = loop.body, loop.body.params[0]
    before = []
    hoisted = Builder(before, facts, namer, role=Role.HOISTED)
    for eqn in list(body.body):
        if not (isinstance(eqn, Eqn) and eqn.prim == "matmul" and len(eqn.args) == 2 and not eqn.kwargs):
            continue
        sel, w = eqn.args
        read = producer.get(sel) if isinstance(sel, Var) else None
        if read is None or read not in body.body or read.prim != "getitem" or read.args[1] is not item \
                or not isinstance(w, Var) or not _free(w, body) or not _free(read.args[0], body):
            continue
        xs = read.args[0]
        wv, out = facts.values.get(w), facts.values.get(eqn.outs[0])
        if not _rows_of(facts, xs, steps) or not isinstance(wv, np.ndarray) or wv.ndim != 2 \
                or not facts.is_static(w) or not isinstance(out, np.ndarray) or out.ndim != 2:
            continue
        t, n, p = facts.values[xs].shape
        flat = hoisted.eqn("reshape", (xs, Const((-1, p))), hint=f"{xs.hint}_rows", loc=eqn.loc, origin=loop)
        prod = hoisted.eqn("matmul", (flat, w), hint=f"{xs.hint}_{w.hint}", loc=eqn.loc, origin=loop)
        every = hoisted.eqn("reshape", (prod, Const((t, n, out.shape[1]))), hint=f"{xs.hint}_{w.hint}",
                            kind=VarKind.ADJOINT, loc=eqn.loc, origin=loop)
        at = body.body.index(eqn)
        body.body[at] = Eqn(eqn.outs, "getitem", (every, item), {}, eqn.loc, eqn.role, eqn.origin)
        if uses.get(sel) == 1:
            body.body.remove(read)
        spare.setdefault(id(loop), []).append(every)
    if before:
        loop.note = "every step's input product at once, before the loop"
    return before


def _defer(loop, block, uses, producer, facts, namer):
    """Rewrite ``loop`` (a statement of ``block``) in place; returns the statements to put
    before and after it, the ids of statements of ``block`` no longer needed, and
    ``(forward loop, statements)`` pairs to put before the forward loops it edited."""
    order = _order(loop, producer, facts)
    if order is None:
        return [], [], set(), []
    body = loop.body
    made = {s.outs[0]: s for s in body.body if isinstance(s, Eqn) and len(s.outs) == 1}
    updates = _updates(loop, made, uses, facts)
    if not updates:
        return [], [], set(), []
    return _Deferral(loop, block, uses, producer, facts, namer, order, made).run(updates)


def _updates(loop, made, uses, facts):
    """The carried sums of ``loop`` that gather a product or a column sum per step:
    ``(slot, kind, A or None, B, eqns to remove)``."""
    body = loop.body
    carried = body.params[1:]
    updates = []
    for k, (param, result) in enumerate(zip(carried, body.results)):
        update = made.get(result)
        if update is None or update.prim != "add" or len(update.args) != 2 or update.kwargs \
                or uses.get(param) != 1 or uses.get(result) != 1 or param not in update.args:
            continue
        term = update.args[1] if update.args[0] is param else update.args[0]
        found = _product(term, made, uses, facts) or _column_sum(term, made, uses, facts)
        if found is None or not _layout_matches(facts, param, loop.inits[k]):
            continue
        updates.append((k, found[0], found[1], found[2], [update] + found[3]))
    return updates


def _product(term, made, uses, facts):
    """``term = A.T @ B`` (both 2-D, made in the body, read only here): ("product", A, B, eqns)."""
    mm = made.get(term)
    if mm is None or mm.prim != "matmul" or len(mm.args) != 2 or mm.kwargs or uses.get(term) != 1:
        return None
    tr = made.get(mm.args[0])
    if tr is None or tr.prim != "T" or uses.get(mm.args[0]) != 1:
        return None
    a, b = tr.args[0], mm.args[1]
    if not (_rows(a, made, facts) and _rows(b, made, facts)) or facts.shape(a)[0] != facts.shape(b)[0]:
        return None
    return "product", a, b, [mm, tr]


def _column_sum(term, made, uses, facts):
    """``term = B.sum(axis=0)`` (``B`` 2-D, made in the body): ("sum", None, B, eqns)."""
    s = made.get(term)
    if s is None or s.prim not in ("sum", "sum_method") or uses.get(term) != 1 or len(s.args) < 2 \
            or not isinstance(s.args[1], Const) or s.args[1].value != 0 \
            or any(k != "keepdims" or v.value is not False for k, v in s.kwargs.items()):
        return None
    b = s.args[0]
    return ("sum", None, b, [s]) if _rows(b, made, facts) else None


def _rows(v, made, facts):
    """A two-dimensional array made at the body's top level, its shape the same every step."""
    if not isinstance(v, Var) or v not in made or not facts.is_static(v):
        return False
    value = facts.values.get(v)
    return isinstance(value, np.ndarray) and value.ndim == 2


def _run(facts, eqn):
    facts.run(eqn)
    return eqn
