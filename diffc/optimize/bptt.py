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
order, so it agrees with the step-by-step one to rounding.
"""
from __future__ import annotations

import numpy as np

from diffc.core import primitives
from diffc.core.ir import (Const, Eqn, Function, Loop, Pack, Var, atoms_in, blocks_of, producers, walk, with_body)
from diffc.optimize import in_place
from diffc.core.naming import fresh_namer


def products(func: Function, facts=None) -> Function:
    """Every non-primal ``for`` loop's accumulated products made after it (see above).

    The loops are edited in place (``optimize`` works on a copy of its input). Not with
    symbolic sizes (``diffc compile --arg xs=TxNx1``): the number of steps and the widths
    must be the signature's, and T may even be 0 (empty stacks)."""
    if facts is None or not facts.enabled or getattr(facts, "sizes_vary", False):
        return func
    uses = func.uses()
    producer = producers(func.body)
    namer = fresh_namer(func, facts)

    def visit(stmts):
        out, drop = [], set()
        for stmt in stmts:
            for block in blocks_of(stmt):
                block.body = visit(block.body)
            if isinstance(stmt, Loop) and stmt.kind == "for" and stmt.role != "primal":
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


def inputs(func: Function, facts=None) -> Function:
    """``xs[t] @ W`` in a loop over every row of ``xs``: one product before the loop.

    ``(xs.reshape(-1, D) @ W).reshape(T, N, H)`` computes every step's product at once (one
    large matrix product, as BPTT's input projection is written by hand); the loop reads
    row ``t`` of it. The line reads ``np.tanh(xs_Wx[t] + h @ Wh + b)``. The array is free
    after the loop: ``products`` gives its memory to the backward pass's rows. Emitted
    code only; not with symbolic sizes.
    """
    if facts is None or not facts.enabled or getattr(facts, "sizes_vary", False):
        return func
    uses = func.uses()
    producer = producers(func.body)
    namer = fresh_namer(func, facts)
    spare = facts.__dict__.setdefault("spare_after_loop", {})

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
        flat = namer.var(f"{xs.hint}_rows", "temp")
        prod = namer.var(f"{xs.hint}_{w.hint}", "temp")
        every = namer.var(f"{xs.hint}_{w.hint}", "adjoint")
        before += [Eqn((flat,), "reshape", (xs, Const((-1, p))), {}, eqn.loc, "hoisted", loop),
                   Eqn((prod,), "matmul", (flat, w), {}, eqn.loc, "hoisted", loop),
                   Eqn((every,), "reshape", (prod, Const((t, n, out.shape[1]))), {}, eqn.loc,
                       "hoisted", loop)]
        for e in before[-3:]:
            facts.run(e)
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
    steps, forwards, full = order
    body = loop.body
    item, carried = body.params[0], body.params[1:]
    made = {s.outs[0]: s for s in body.body if isinstance(s, Eqn) and len(s.outs) == 1}
    updates = []                            # (slot, kind, A or None, B, eqns to remove)
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
    if not updates:
        return [], [], set(), []
    before, after, pushes, stacks, dropped, allocations, earlier = [], [], [], {}, set(), [], []

    def emit(where, out_hint, prim, args, kind="temp"):
        out = namer.var(out_hint, kind)
        where.append(Eqn((out,), prim, args, {}, loop.loc, "adjoint", loop))
        facts.run(where[-1])
        facts.dynamic.discard(out)          # the shapes are fixed: steps and rows are
        return out

    def stack_of(v):
        """All steps' ``v`` as one 2-D array, rows in the order of the forward steps."""
        if v in stacks:
            return stacks[v]
        eqn = made.get(v)
        width = Const((-1, facts.shape(v)[1]))
        source = eqn.args[0] if eqn is not None and eqn.prim == "getitem" and eqn.args[1] is item \
            and full and _free(eqn.args[0], body) else None
        tape = eqn.args[0] if eqn is not None and eqn.prim == "pop" and not forwards and full \
            and uses.get(eqn.args[0]) == 2 else None
        if source is not None and _rows_of(facts, source, steps):
            # the loop reads row t of an argument: that argument is the stack
            stacks[v] = emit(after, f"{v.hint}_all", "reshape", (source, width))
        elif tape is not None and (states := _states(tape, loop, block, producer, facts, namer)):
            # the forward loop computed each state into its row of one array: no tape
            rows, made_before, forward, new_tape = states
            earlier.append((forward, made_before))
            dropped.add(id(new_tape))
            body.body = [Eqn(s.outs, "getitem", (rows, item), {}, s.loc, s.role, s.origin)
                         if s is eqn else s for s in body.body]
            first = emit(after, f"{v.hint}_before", "getitem",
                         (rows, Pack("slice", (Const(None), Const(steps), Const(None)))))
            stacks[v] = emit(after, f"{v.hint}_all", "reshape", (first, width))
        elif tape is not None and _pushed_once_per_step(tape, loop, block, producer):
            # the forward loop's tape, stacked once (and emptied: one copy in memory); the
            # loop reads row t of the stack instead of popping
            value = facts.values[v]
            free = _spare(block, loop, facts, (steps,) + value.shape, value.dtype)
            if free is not None:      # into an earlier loop's array, free now: no new memory
                steps3 = emit(before, f"{v.hint}_steps", "reuse", (free,), kind="adjoint")
                before[-1].role = "reuse"
                flat = emit(before, "rows", "reshape", (steps3, width))
                before.append(Eqn((), "concatenate_into", (flat, tape), {}, loop.loc, "tape", loop))
            else:
                steps3 = emit(before, f"{v.hint}_steps", "array", (tape,), kind="adjoint")
            before.append(Eqn((), "clear_tape", (tape,), {}, loop.loc, "tape", loop))
            body.body = [Eqn(s.outs, "getitem", (steps3, item), {}, s.loc, s.role, s.origin)
                         if s is eqn else s for s in body.body]
            stacks[v] = emit(after, f"{v.hint}_all", "reshape", (steps3, width))
        elif full:
            # computed in the loop: copied into row t of one array made before it
            value = facts.values[v]
            # made after the stacks of tapes (each frees its tape): a lower peak of memory;
            # an earlier loop's array of that layout, free now, is used instead of a new one
            free = _spare(block, loop, facts, (steps,) + value.shape, value.dtype)
            if free is not None:
                rows = emit(allocations, f"{v.hint}_steps", "reuse", (free,), kind="adjoint")
                allocations[-1].role = "reuse"
            else:
                rows = emit(allocations, f"{v.hint}_steps", "empty",
                            (Const((steps,) + value.shape),), kind="adjoint")
                allocations[-1].kwargs = {"dtype": Const(np.dtype(value.dtype).name)}
            facts.values[rows] = np.empty((steps,) + value.shape, value.dtype)
            into = _arithmetic_out_form(eqn) if eqn is not None and not eqn.kwargs else None
            if into is not None and len(eqn.args) == 2:
                # computed straight into its row: ``np.multiply(dh, sub, out=dadd_steps[t])``
                row = namer.var("row", "temp")
                at = body.body.index(eqn)
                body.body[at:at + 1] = [
                    Eqn((row,), "getitem", (rows, item), {}, eqn.loc, eqn.role, eqn.origin),
                    Eqn(eqn.outs, into, (row,) + eqn.args, {}, eqn.loc, eqn.role, eqn.origin)]
            else:
                pushes.append(Eqn((), "store_row", (rows, item, v), {}, loop.loc, "tape", loop))
            stacks[v] = emit(after, f"{v.hint}_all", "reshape", (rows, width))
        else:
            steps_list = namer.var(f"{v.hint}_steps", "temp")
            before.append(Eqn((steps_list,), "new_tape", (), {}, loop.loc, "tape", loop))
            pushes.append(Eqn((), "push", (steps_list, v), {}, loop.loc, "tape", loop))
            facts.values[steps_list] = [facts.values[v]] * steps
            rows = steps_list
            if not forwards:
                rows = emit(after, f"{v.hint}_steps", "getitem",
                            (steps_list, Pack("slice", (Const(None), Const(None), Const(-1)))))
            stacks[v] = emit(after, f"{v.hint}_all", "concatenate", (rows,))
        return stacks[v]

    for k, kind, a, b, eqns in updates:     # tapes first: they may take a free array
        if kind == "product" and a in made and made[a].prim == "pop":
            stack_of(a)
    loop.note = ("the steps' weight gradients at once: the sum over the steps of A.T @ B "
                 "is (all A).T @ (all B)")
    slots = set()
    for k, kind, a, b, eqns in updates:
        dropped_here = {id(e) for e in eqns}
        body.body = [s for s in body.body if id(s) not in dropped_here]
        slots.add(k)
        final, init = loop.outs[k], loop.inits[k]
        if kind == "product":
            tr = emit(after, "tr", "T", (stack_of(a),))
            term = ("matmul", (tr, stack_of(b)))
        else:
            term = ("sum", (stack_of(b), Const(0)))
        zeros = producer.get(init) if isinstance(init, Var) else None
        if zeros is not None and zeros.prim == "zeros_like" and uses.get(init) == 1 and zeros in block:
            dropped.add(id(zeros))          # the first contribution is assigned, not added
            after.append(Eqn((final,), term[0], term[1], {}, loop.loc, "adjoint", loop))
        else:
            total = emit(after, final.hint, *term)
            after.append(Eqn((final,), "add", (init, total), {}, loop.loc, "accumulate", loop))
        facts.run(after[-1])
        facts.dynamic.discard(final)
    # a row read only for a product now made after the loop (``xs[t]``) is not read in it
    used = {v for s in body.body for v in s.inputs()} | {v for r in body.results for v in atoms_in(r)} \
        | {p.args[1] for p in pushes}
    body.body = [s for s in body.body if not (isinstance(s, Eqn) and s.prim == "getitem"
                                              and len(s.outs) == 1 and s.outs[0] not in used)]
    keep = [k for k in range(len(carried)) if k not in slots]
    loop.inits = tuple(loop.inits[k] for k in keep)
    loop.outs = tuple(loop.outs[k] for k in keep)
    body.params = (item,) + tuple(carried[k] for k in keep)
    body.body = body.body + pushes
    body.results = tuple(body.results[k] for k in keep)
    return before + allocations, after, dropped, earlier


def _arithmetic_out_form(eqn):
    """The out form of ``eqn`` when it is elementwise arithmetic (``dh * sub``), else None."""
    prim = primitives.get(eqn.prim)
    return prim.out_form if prim.arithmetic else None


def _spare(block, loop, facts, shape, dtype):
    """An array ``inputs`` made for a loop of ``block`` before ``loop``, of this layout, read
    by nothing after that loop (taken: it is handed out once)."""
    spare = facts.__dict__.get("spare_after_loop", {})
    position = {id(s): i for i, s in enumerate(block)}
    for earlier in block:
        if earlier is loop:
            break
        for k, v in enumerate(spare.get(id(earlier), [])):
            value = facts.values.get(v)
            if v is None or not isinstance(value, np.ndarray) or value.shape != shape or value.dtype != dtype:
                continue
            later = [s for s in block if position[id(s)] > position[id(earlier)]]
            if any(v in s.inputs() for s in later):
                continue
            spare[id(earlier)][k] = None
            return v
    return None


def _free(v, body):
    return not any(v in s.outs for s in walk(body.body)) and v not in body.params


def _rows_of(facts, source, steps):
    value = facts.values.get(source)
    return isinstance(value, np.ndarray) and value.ndim == 3 and value.shape[0] == steps \
        and facts.is_static(source)


def _pushed_once_per_step(tape, loop, block, producer):
    """``tape`` was filled by the forward loop this loop reverses: one push per step, at
    its body's top level (so its items, in order, are the forward steps'). Returns
    ``(forward loop, push)`` or None."""
    forward = next((s for s in block if isinstance(s, Loop) and s.kind == "for"
                    and s.iterable is producer[loop.iterable].args[0]), None) \
        if loop.iterable in producer else None
    if forward is None or producer.get(tape) is None or producer[tape].prim != "new_tape":
        return None
    pushes = [s for s in walk(block) if isinstance(s, Eqn) and s.prim == "push" and s.args[0] is tape]
    return (forward, pushes[0]) if len(pushes) == 1 and pushes[0] in forward.body.body else None


def _states(tape, loop, block, producer, facts, namer):
    """The forward loop's state, taped at every step, computed into its row of one array
    instead, the way BPTT is written by hand::

        h_steps = np.empty((T + 1, N, H)); h_steps[0] = h; h_next = h_steps[1:]
        for t in steps:
            h = np.tanh(xs_Wx[t] + h @ Wh + b, out=h_next[t])

    Row ``t`` holds the state step ``t`` starts from (what the tape held), row ``T`` the
    last one. The same operations compute the same values; only where they are written
    changes. Only for a state carried by the loop whose new value the body's top level
    computes with an operation that has an ``out=`` form, of the initial value's fixed
    shape and dtype. Returns ``(rows, statements before the forward loop, forward loop,
    the tape's creation)`` (the forward loop is edited), or None."""
    found = _pushed_once_per_step(tape, loop, block, producer)
    if found is None:
        return None
    forward, push = found
    fbody = forward.body
    carried = fbody.params[1:]
    state = push.args[1]
    if state not in carried or carried.count(state) != 1:
        return None
    k = carried.index(state)
    init, result = forward.inits[k], fbody.results[k]
    make = next((s for s in fbody.body if isinstance(s, Eqn) and s.outs == (result,)), None)
    if make is None or primitives.get(make.prim).out_form is None or make.kwargs \
            or in_place.out_form(make) is None \
            or not _layout_matches(facts, state, init) or not _layout_matches(facts, result, init) \
            or not all(facts.is_static(v) for v in (state, init, result)):
        return None
    order = _order(forward, producer, facts)
    if order is None or not order[1] or not order[2]:
        return None
    value = facts.values[init]
    rows = namer.var(f"{state.hint}_steps", "adjoint")
    later = namer.var(f"{state.hint}_next", "temp")
    row = namer.var("row", "temp")
    made = [Eqn((rows,), "empty", (Const((order[0] + 1,) + value.shape),),
                {"dtype": Const(np.dtype(value.dtype).name)}, forward.loc, "states", forward),
            Eqn((), "store_row", (rows, Const(0), init), {}, forward.loc, "tape", forward),
            Eqn((later,), "getitem", (rows, Pack("slice", (Const(1), Const(None), Const(None)))), {},
                forward.loc, "tape", forward)]
    for e in made:
        facts.run(e)
    at = fbody.body.index(make)
    fbody.body[at:at + 1] = [
        Eqn((row,), "getitem", (later, fbody.params[0]), {}, make.loc, make.role, make.origin),
        Eqn(make.outs, in_place.out_form(make), (row,) + in_place.out_operands(make), {}, make.loc,
            make.role, make.origin)]
    fbody.body.remove(push)
    return rows, made, forward, producer[tape]


def _order(loop, producer, facts):
    """``(steps, forwards, full)``: the loop's number of steps (fixed by the signature),
    whether it runs the forward order (``range(n)``) rather than ``reversed(range(n))``,
    and whether it runs over all of ``range(n)``; None when neither or not fixed."""
    it = loop.iterable
    if not isinstance(it, Var) or not facts.is_value_static(it):
        return None
    eqn = producer.get(it)
    forwards = eqn is None or eqn.prim != "reverse_order"
    base = it if forwards else eqn.args[0]
    value = facts.values.get(base)
    if not isinstance(value, range) or value.step == 0:
        return None
    return len(value), forwards, value.start == 0 and value.step == 1


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


def _layout_matches(facts, param, init):
    p, i = facts.values.get(param), facts.values.get(init)
    return isinstance(p, np.ndarray) and isinstance(i, np.ndarray) and p.shape == i.shape \
        and p.dtype == i.dtype


def _run(facts, eqn):
    facts.run(eqn)
    return eqn
