"""Reverse mode through control flow: activity over blocks, branches, loops and the tape.

* ``If``: the backward pass branches on the same condition; each branch sends the
  gradient of its results back through its own statements, and the gradients it
  produces for outer values leave as the backward ``If``'s outputs (zeros where a branch
  produced none).
* ``Loop``: the forward loop saves, on tapes (plain lists, one per value), the values
  its backward needs; the backward loop runs the same iterations in reverse, pops them,
  and carries the gradients of the loop's carried values and of every outer value the
  body reads (``dW`` accumulates across iterations). A ``while`` loop counts its
  iterations so that the backward loop can run them again.
* Tapes, met again when a gradient is differentiated (``grad(grad(f))``): see
  ``reverse_tapes``. A backward loop's iterable ``reversed(steps)`` is iterated in its
  forward order ``steps`` when that loop is reversed in turn.
"""
from __future__ import annotations

import functools

from diffc.core import primitives
from diffc.rules.instantiate import bound_operands
from diffc.core.ir import (Block, Call, Const, Eqn, If, Loop, Role, Var, VarKind, atoms_in, block_free_vars, blocks_of, defined_in, producers, substitute, walk)
from diffc.core.naming import adjoint_hint
from diffc.ad.reverse_containers import send, sequences_of
from diffc.ad.reverse_tapes import moves_gradient_tapes, new_tape, on_tape, tapes_of


# -- activity ---------------------------------------------------------------------------
def activity(func, wrt_vars) -> set:
    """Values that depend on a requested parameter and contribute to the result."""
    forward = set(wrt_vars)
    _forward(func.body, forward)
    backward = {v for r in func.results for v in atoms_in(r)}
    _backward(func.body, backward)
    return forward & backward


def depends_on(body, wrt_vars) -> set:
    """Values of ``body`` that depend on ``wrt_vars`` (the first half of ``activity``)."""
    forward = set(wrt_vars)
    _forward(body, forward)
    return forward


def _forward(body, active):
    for stmt in body:
        if on_tape(stmt):
            tape, *value = stmt.args
            if stmt.prim == "push" and any(v in active for v in atoms_in(value[0])):
                active.add(tape)       # a tape holding a value that depends on wrt
            elif stmt.prim == "pop" and tape in active:
                active.update(stmt.outs)
        elif isinstance(stmt, Eqn):
            prim = primitives.get(stmt.prim)
            if prim.differentiable and any(
                    v in active for p, a in bound_operands(prim, stmt).items()
                    if p not in prim.nondiff for v in atoms_in(a)):
                active.update(stmt.outs)
        elif isinstance(stmt, If):
            for block in (stmt.then, stmt.orelse):
                _forward(block.body, active)
            for k, out in enumerate(stmt.outs):
                if any(v in active for b in (stmt.then, stmt.orelse) for v in atoms_in(b.results[k])):
                    active.add(out)
        elif isinstance(stmt, Loop):
            params = _carried_params(stmt)
            while True:
                before = len(active)
                for p, init, res in zip(params, stmt.inits, stmt.body.results):
                    if any(v in active for v in atoms_in(init)) or any(v in active for v in atoms_in(res)):
                        active.add(p)
                _forward(stmt.body.body, active)
                if len(active) == before:
                    break
            for out, p, res in zip(stmt.outs, params, stmt.body.results):
                if p in active or any(v in active for v in atoms_in(res)):
                    active.add(out)
        elif isinstance(stmt, Call):
            for p, a in zip(stmt.body.params, stmt.args):
                if any(v in active for v in atoms_in(a)):
                    active.add(p)
            _forward(stmt.body.body, active)
            if any(v in active for v in atoms_in(stmt.body.results[0])):
                active.add(stmt.outs[0])


def _backward(body, needed):
    for stmt in reversed(body):
        if isinstance(stmt, Eqn) and stmt.prim == "push":
            if stmt.args[0] in needed:       # a value popped later is needed: so is this one
                needed.update(atoms_in(stmt.args[1]))
        elif isinstance(stmt, Eqn):
            if any(o in needed for o in stmt.outs):
                needed.update(stmt.inputs())
        elif isinstance(stmt, If):
            for block in (stmt.then, stmt.orelse):
                for out, r in zip(stmt.outs, block.results):
                    if out in needed:
                        needed.update(atoms_in(r))
                _backward(block.body, needed)
        elif isinstance(stmt, Loop):
            params = _carried_params(stmt)
            while True:
                before = len(needed)
                for out, p, res, init in zip(stmt.outs, params, stmt.body.results, stmt.inits):
                    if out in needed or p in needed:
                        needed.update(atoms_in(res))
                        needed.update(atoms_in(init))
                _backward(stmt.body.body, needed)
                if len(needed) == before:
                    break
        elif isinstance(stmt, Call):
            if stmt.outs[0] in needed:
                needed.update(atoms_in(stmt.body.results[0]))
            _backward(stmt.body.body, needed)
            for p, a in zip(stmt.body.params, stmt.args):
                if p in needed:
                    needed.update(atoms_in(a))


def _carried_params(loop):
    return loop.body.params[1:] if loop.kind == "for" else loop.body.params


class Program:
    """What the reverse pass asks about the whole function it differentiates, found when
    first asked: the Vars holding tapes (a gradient's own code, differentiated again), those
    holding lists built from literals (for code without example values), the equation
    making each Var, and the blocks each Var and statement is in."""

    def __init__(self, body):
        self.body = body

    @functools.cached_property
    def tapes(self):
        return tapes_of(self.body)

    @functools.cached_property
    def sequences(self):
        return sequences_of(self.body)

    @functools.cached_property
    def producer(self):
        return producers(self.body)

    @functools.cached_property
    def scopes(self):
        """``(Var -> path, id(statement) -> path)``, a path being the blocks around, outermost
        first, as ``(id(statement), index of its block)``."""
        made, where = {}, {}

        def visit(stmts, path):
            for stmt in stmts:
                where[id(stmt)] = path
                made.update((o, path) for o in stmt.outs)
                for k, block in enumerate(blocks_of(stmt)):
                    inner = path + ((id(stmt), k),)
                    made.update((p, inner) for p in block.params)
                    visit(block.body, inner)
        visit(self.body, ())
        return made, where

    def readable(self, var, stmt, branch):
        """Whether ``var`` can be read in block ``branch`` of ``stmt``: every block around
        ``var``'s definition is around that block too. (A backward branch reads values of
        the forward branch on the same path; the other branch cannot.)"""
        made, where = self.scopes
        if var not in made or id(stmt) not in where:
            return True
        here = where[id(stmt)] + ((id(stmt), branch),)
        return here[:len(made[var])] == made[var]


# -- branches ---------------------------------------------------------------------------
def backprop_if(back, node):
    seeds = [(k, out) for k, out in enumerate(node.outs) if out in back.adjoints]
    # effects on gradient tapes, or gradients that values made in a branch got from the
    # backward branch on the same path (a gradient differentiated again): the branches'
    # reverse must run even with no out to seed it
    inside = [defined_in(node.then), defined_in(node.orelse)]
    effects = moves_gradient_tapes(back, (node.then, node.orelse)) or any(
        v in inside[0] or v in inside[1] for v in back.adjoints)
    if not seeds and not effects:
        return
    tapes = _gradient_tapes(back, node)
    branches = [_reverse_branch(back, node, block, made, seeds, tapes)
                for block, made in zip((node.then, node.orelse), inside)]
    outer = []
    for _, contribs in branches:
        outer += [v for v in contribs if v not in outer]
    if not outer and not effects:
        return
    blocks = []
    for k, (child, contribs) in enumerate(branches):
        # where a value is not made on this path, nothing reads its gradient either
        results = tuple(contribs[v] if v in contribs else child.zeros(v, node)
                        if back.program.readable(v, node, k) else Const(0.0) for v in outer)
        blocks.append(Block((), child.body, results))
    outs = tuple(back.namer.var(adjoint_hint(v.hint), VarKind.ADJOINT) for v in outer)
    back.body.append(If(outs, node.cond, blocks[0], blocks[1], node.loc, Role.ADJOINT, node))
    for v, out in zip(outer, outs):
        # a gradient has the shape of what it is the gradient of (facts do not run backward
        # branches: the readers after it, and a transform of this gradient, need the shape)
        back.facts.assume(out, v)
        back.accumulate(v, out, node)


def _gradient_tapes(back, node):
    """The gradient tapes the branches use: one per tape, the same in both (made here if
    none yet); a branch pushes on it or pops from it and hands nothing back. A tape made
    in a forward branch is read by the backward branch on the same path: its gradient
    tape, made before the backward branch was reversed, is among them."""
    for tape in [v for b in (node.then, node.orelse) for v in block_free_vars(b)
                 if v in back.program.tapes and v in back.active]:
        if back.atom_of(tape) is None:
            back.adjoints[tape] = new_tape(back, tape, node)
    return {v: grad for v, grad in back.adjoints.items() if v in back.program.tapes}


def _reverse_branch(back, node, block, made, seeds, tapes):
    """``(the branch's backward pass, {outer value: gradient it sends})``. A value ``made``
    in this branch and read after it by a backward branch on the same path (a gradient
    differentiated again) starts from the gradient it got there."""
    child = back.child()
    child.adjoints.update(tapes)
    child.adjoints.update({v: g for v, g in back.adjoints.items() if v in made})
    for k, out in seeds:
        send(child, block.results[k], back.adjoints[out], node)
    for stmt in reversed(block.body):
        child.backprop(stmt)
    return child, {v: child.atom_of(v) for v in list(child.adjoints)
                   if v not in made and v in back.active and v not in back.program.tapes}


# -- loops ------------------------------------------------------------------------------
def backprop_loop(back, node, insert_before):
    params = _carried_params(node)
    slots = [k for k, p in enumerate(params) if p in back.active or node.outs[k] in back.adjoints]
    if not slots and not moves_gradient_tapes(back, (node.body,)):
        return
    if _runs_no_iteration(back, node):
        # the carried values leave as they came in: their gradients pass straight through
        for k in slots:
            grad = back.adjoints.get(node.outs[k])
            if grad is not None:
                send(back, node.inits[k], grad, node)
        return
    if node.kind == "while":
        _count_iterations(back, node, insert_before)
        params = _carried_params(node)
    body = node.body
    free = [v for v in block_free_vars(body) if v in back.active and isinstance(v, Var)]
    child = back.child()
    seeds = [back.namer.var(adjoint_hint(params[k].hint), VarKind.ADJOINT) for k in slots]
    accumulators = [back.namer.var(adjoint_hint(v.hint), VarKind.ADJOINT) for v in free]
    for seed, k in zip(seeds, slots):
        back.facts.assume(seed, params[k])
    for acc, v in zip(accumulators, free):
        back.facts.assume(acc, v)
    for v, acc in zip(free, accumulators):
        child.adjoints[v] = acc
    for k, seed in zip(slots, seeds):
        send(child, body.results[k], seed, node)
    for stmt in reversed(body.body):
        child.backprop(stmt)
    results = tuple(child.atom_of(params[k]) or child.zeros(params[k], node) for k in slots) + \
        tuple(child.atom_of(v) for v in free)
    pops, chained, fresh = _tape(back, node, child.body, results, insert_before)
    child_body = substitute(child.body, fresh)
    results = tuple(fresh.get(r, r) if isinstance(r, Var) else r for r in results)
    inits = tuple(back.atom_of(node.outs[k]) or back.zeros(node.outs[k], node) for k in slots) + \
        tuple(back.atom_of(v) or back.zeros(v, node) for v in free)
    if node.kind == "for":
        item = fresh[body.params[0]]
        steps = _reversed(back, node)
    else:
        item = back.namer.var("_", VarKind.USER)
        steps = back.emit("builtins.range", (node.outs[-1],), {}, "steps", node.loc, Role.ADJOINT, node)
    outs = tuple(back.namer.var(adjoint_hint(node.inits[k].hint if isinstance(node.inits[k], Var)
                                             else params[k].hint), VarKind.ADJOINT) for k in slots) + \
        tuple(back.namer.var(adjoint_hint(v.hint), VarKind.ADJOINT) for v in free)
    chain_vars = tuple(v for v, _, _ in chained)
    chain_outs = tuple(back.namer.var(v.hint, VarKind.USER) for v in chain_vars)
    loop = Loop(outs + chain_outs, steps, inits + tuple(o for _, o, _ in chained),
                Block((item, *seeds, *accumulators, *chain_vars), pops + child_body,
                      results + tuple(p for _, _, p in chained)),
                None, node.loc, Role.ADJOINT, node, target_hint=node.target_hint)
    # what the loop hands back has the shapes of what it was handed: the gradient of a
    # carried value's initial value, of an outer value the body read (facts do not run
    # backward loops: the readers after it need these shapes)
    for k, out in zip(slots, outs):
        init = node.inits[k]
        back.facts.assume(out, init if isinstance(init, Var) and init in back.facts.values else params[k])
    for v, out in zip(free, outs[len(slots):]):
        back.facts.assume(out, v)
    back.body.append(loop)
    # outer values the body reads first: their accumulators started from the adjoint
    # before the loop, so the outputs replace it; then a carried value's initial value
    # (``x = a`` before the loop, ``a`` also read inside) adds to it
    for v, out in zip(free, outs[len(slots):]):
        back.adjoints[v] = out
    for k, out in zip(slots, outs):
        send(back, node.inits[k], out, node)


def _reversed(back, node):
    """The iterable of the backward loop: ``reversed(steps)``, or ``steps`` itself when the
    loop reversed is a backward loop over ``reversed(steps)`` (``grad(grad(f))``: an iterator
    of ``reversed`` cannot be reversed again)."""
    made = back.program.producer.get(node.iterable)
    if made is not None and made.prim == primitives.lookup("builtins.reversed").name:
        return made.args[0]
    return back.emit("builtins.reversed", (node.iterable,), {}, "reversed", node.loc, Role.ADJOINT, node,
                     kind=VarKind.TEMP)


def _runs_no_iteration(back, node):
    """A ``for`` loop over a range the signature fixes, and that range is empty (the
    compiled code is specialised to it: ``T = 0`` steps), or, nested in other loops, a range
    the signature fixes in each of their iterations and that was empty in all of them
    (``for j in range(n - 1 - i)`` with ``n = 1``). Its body never ran on the example
    values, so nothing is known of its shapes, and it contributes no gradient."""
    facts = back.facts
    if node.kind != "for" or not isinstance(node.iterable, Var):
        return False
    if node.iterable in facts.never_iterates:
        return True
    if node.iterable not in facts.value_static:
        return False
    steps = facts.values.get(node.iterable)
    return isinstance(steps, range) and len(steps) == 0


def _tape(back, node, backward_body, results, insert_before):
    """Save what the backward body reads of the forward body.

    Returns ``(statements to open the backward body with, extra carried slots)``:
    * a value read by index from an outer array (``xs[t]``) is recomputed, not saved;
    * a carried value's state after an iteration is the state before the next one, so
      it is not saved twice: the backward loop carries it (starting from the loop's
      final value) and hands each popped state on to the previous iteration;
    * everything else is pushed on a tape (a list) in the forward loop and popped in
      reverse.
    """
    body = node.body
    item = body.params[0] if node.kind == "for" else None
    produced = defined_in(body) - {item}
    for stmt in walk(body.body):           # tapes of loops nested in this body
        for made in insert_before.get(id(stmt), ()):
            produced.update(made.outs)
    outer_ok = lambda v: not isinstance(v, Var) or v not in produced  # noqa: E731
    probe = Block((), backward_body, results)
    used = [v for v in block_free_vars(probe) if v in produced]
    definitions = {s.outs[0]: s for s in body.body if isinstance(s, Eqn) and s.outs}
    carried = _carried_params(node)
    result_slot = {r: k for k, r in enumerate(body.results) if isinstance(r, Var) and r not in carried}
    recompute, chained, taped = [], [], []
    for v in used:
        eqn = definitions.get(v)
        if eqn is not None and eqn.prim == "getitem" and all(outer_ok(a) for a in eqn.inputs()):
            recompute.append(eqn)
        elif v in result_slot:
            chained.append((v, result_slot[v]))
        else:
            taped.append(v)
    for _, k in chained:
        if carried[k] not in taped:
            taped.append(carried[k])
    pushes_start, pushes_end, tape_of = [], [], {}
    top_level = set(body.params) | {o for s in body.body for o in s.outs} | {
        o for s in body.body for made in insert_before.get(id(s), ()) for o in made.outs}
    for v in taped:
        tape = back.namer.var(f"{v.hint}_tape", VarKind.USER)
        tape_of[v] = tape
        insert_before.setdefault(id(node), []).append(
            Eqn((tape,), "new_tape", (), {}, node.loc, Role.TAPE, node))
        saved = v if v in top_level else \
            export_from_branches(back.namer, body.body, v, insert_before, back.facts)
        push = Eqn((), "push", (tape, saved), {}, node.loc, Role.TAPE, node)
        (pushes_start if v in body.params else pushes_end).append(push)
    body.body[:0] = pushes_start
    body.body.extend(pushes_end)
    order = [v for v in taped if v not in body.params] + [v for v in taped if v in body.params]
    fresh = {v: back.namer.var(v.hint, v.kind) for v in taped + [e.outs[0] for e in recompute]
             + [v for v, _ in chained]}
    if item is not None:
        fresh[item] = back.namer.var(item.hint, item.kind)
    for v in fresh:
        back.facts.assume(fresh[v], v)
    opening = [Eqn((fresh[v],), "pop", (tape_of[v],), {}, node.loc, Role.TAPE, node) for v in reversed(order)]
    opening += substitute([Eqn(e.outs, e.prim, e.args, dict(e.kwargs), e.loc, Role.TAPE, node)
                           for e in recompute], fresh)
    extra = [(fresh[v], node.outs[k], fresh[carried[k]]) for v, k in chained]
    return opening, extra, fresh


def export_from_branches(namer, stmts, v, insert_before=None, facts=None):
    """Make ``v``, defined inside a branch in ``stmts``, readable after that branch.

    The branch's ``If`` gets one more output: ``v`` where it is defined, None on the
    other path (the backward pass only reads it on the path that defined it). ``v`` may
    be the tape of a loop in the branch, made by a statement still waiting in
    ``insert_before`` to go in front of that loop.
    """
    def made_before(body):
        return {o for s in body for made in (insert_before or {}).get(id(s), ()) for o in made.outs}

    for stmt in stmts:
        if not isinstance(stmt, If):
            continue
        results = []
        for block in (stmt.then, stmt.orelse):
            inner = {o for s in block.body for o in s.outs} | made_before(block.body)
            if v in inner:
                results.append(v)
            elif v in defined_in(block) or v in made_before(list(walk(block.body))):
                results.append(export_from_branches(namer, block.body, v, insert_before, facts))
            else:
                results.append(Const(None))
        if any(r is not None and not isinstance(r, Const) for r in results):
            out = namer.var(v.hint, VarKind.USER)
            if facts is not None:
                facts.assume(out, v)      # (the popped copy gets the shape from here)
            stmt.outs = stmt.outs + (out,)
            stmt.then.results = stmt.then.results + (results[0],)
            stmt.orelse.results = stmt.orelse.results + (results[1],)
            return out
    raise AssertionError(f"{v} is not defined in a branch of this block")


def _count_iterations(back, node, insert_before):
    """Give a while loop a carried iteration count ``n`` (0 before, ``n + 1`` each time)."""
    count = back.namer.var("n_iter", VarKind.USER)
    param = back.namer.var("n_iter", VarKind.USER)
    cond_param = back.namer.var("n_iter", VarKind.USER)
    nxt = back.namer.var("n_iter", VarKind.USER)
    node.body.body.append(Eqn((nxt,), "add", (param, Const(1)), {}, node.loc, Role.TAPE, node))
    node.body.params = node.body.params + (param,)
    node.body.results = node.body.results + (nxt,)
    node.cond.params = node.cond.params + (cond_param,)
    node.inits = node.inits + (Const(0),)
    node.outs = node.outs + (count,)
