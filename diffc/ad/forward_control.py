"""Forward mode through control flow: the ``If`` and ``Loop`` statements of the IR.

A control-flow statement is replaced by one computing both its values and their
tangents (its ``outs`` are the primal outs, then the tangents), so the tangent code runs
on the same path as the primal code:

* ``If``: each branch is transformed; an out gets a tangent when either branch gives
  its result one, the other branch yielding explicit zeros of the result's shape.
* ``Loop``: a carried value gets a tangent slot, carried alongside it, when its initial
  value or its value after one iteration has a tangent (found by iterating to a fixed
  point, as activity is). A ``for`` loop iterates a ``range`` (lowering guarantees it),
  which has no tangent; a ``while`` loop's test reads primal values only, so its
  condition block just gets unused parameters for the new slots.
* Tapes (forward mode over a gradient's loops: ``hessian``, ``hvp``): a tape whose values
  have tangents gets a tape of their tangents, pushed and popped in step with it, so a
  value popped in the backward loop has the tangent of the value pushed in the forward
  loop.
"""
from __future__ import annotations

import numpy as np

from diffc.core.build import Builder
from diffc.errors import InternalError
from diffc.core.ir import Block, Const, Eqn, If, Loop, Role, VarKind
from diffc.core.naming import adjoint_hint
from diffc.ad.reverse_control import depends_on
from diffc.ad.reverse_tapes import tape_classes


class Zero:
    """The symbolic zero tangent of a value shaped like ``like`` (an atom, or None)."""

    def __init__(self, like=None):
        self.like = like

    def __repr__(self):
        return "Zero"


def is_zero(atom):
    return isinstance(atom, Const) and isinstance(atom.value, Zero)


def _block(t, block, param_tangents=()):
    """Transform ``block``'s body; returns (its tangent state, the new body)."""
    child = t.child(param_tangents)
    body = []
    for stmt in block.body:
        body.extend(child.statement(stmt))
    return child, body


def _explicit(t, tangent, like, origin, body):
    """``tangent``, or zeros shaped like ``like`` (appended to ``body``) when it is zero."""
    return t.zeros(like, origin, body) if is_zero(tangent) else tangent


def tangent_if(t, node):
    branches = [_block(t, b) for b in (node.then, node.orelse)]
    for child, _ in branches:           # readable later on the same path (see _Tangents.leaked)
        for v, tv in child.tangents.items():
            if v not in t.tangents:
                t.leaked.setdefault(v, tv)
    tangents = [[child.of(r) for r in block.results]
                for (child, _), block in zip(branches, (node.then, node.orelse))]
    slots = [k for k in range(len(node.outs)) if not all(is_zero(ts[k]) for ts in tangents)]
    if not slots:
        return [node]             # no tangent leaves the branches: they need none inside
    blocks = []
    for (child, body), ts, block in zip(branches, tangents, (node.then, node.orelse)):
        extra = tuple(_explicit(child, ts[k], block.results[k], node, body) for k in slots)
        blocks.append(Block(block.params, body, block.results + extra))
    touts = tuple(t.namer.var(adjoint_hint(node.outs[k].hint), VarKind.ADJOINT) for k in slots)
    made = Builder([], t.facts, t.namer, role=node.role)
    made.add(If(node.outs + touts, node.cond, blocks[0], blocks[1], node.loc, node.role, node.origin))
    for k, tout in zip(slots, touts):
        t.tangents[node.outs[k]] = tout
    return made.body


def tangent_loop(t, node):
    carried = node.body.params[1:] if node.kind == "for" else node.body.params
    slots = [k for k, init in enumerate(node.inits) if not is_zero(t.of(init))]
    while True:
        params = {carried[k]: _tangent_param(t, carried[k]) for k in slots}
        child, body = _block(t, node.body, params)
        result_tangents = [child.of(r) for r in node.body.results]
        grown = sorted(set(slots) | {k for k, rt in enumerate(result_tangents) if not is_zero(rt)})
        if grown == slots:
            break
        slots = grown
    if not slots:
        return [node]             # no tangent is carried out: the body needs none inside
    before = []
    inits = tuple(_explicit(t, t.of(node.inits[k]), node.inits[k], node, before) for k in slots)
    results = tuple(_explicit(child, result_tangents[k], node.body.results[k], node, body)
                    for k in slots)
    new_params = tuple(params[carried[k]] for k in slots)
    new_body = Block(node.body.params + new_params, body, node.body.results + results)
    cond = node.cond
    if cond is not None:
        unused = tuple(t.namer.var(p.hint, VarKind.ADJOINT) for p in new_params)
        cond = Block(cond.params + unused, cond.body, cond.results)
    touts = tuple(t.namer.var(adjoint_hint(node.outs[k].hint), VarKind.ADJOINT) for k in slots)
    made = Builder(before, t.facts, t.namer, role=node.role)
    made.add(Loop(node.outs + touts, node.iterable, node.inits + inits, new_body, cond,
                  node.loc, node.role, node.origin, node.target_hint))
    for k, tout in zip(slots, touts):
        t.tangents[node.outs[k]] = tout
    return made.body


def _tangent_param(t, param):
    """The tangent slot of a carried value, with an example value when one is known."""
    tp = t.namer.var(adjoint_hint(param.hint), VarKind.ADJOINT)
    if t.facts.enabled and param in t.facts.values:
        value = t.facts.values[param]
        t.facts.bind_param(tp, np.zeros_like(value) if isinstance(value, np.ndarray) else 0.0)
    return tp



def tangent_tapes(func, wrt_vars):
    """The tapes of ``func`` holding values that depend on ``wrt_vars``: every Var of such
    a tape (a loop carrying a tape that it pushes such values on gets a tape of tangents
    from where the tape is made)."""
    depends = depends_on(func.body, wrt_vars)
    return frozenset(v for tape in tape_classes(func.body) if tape & depends for v in tape)


def tangent_tape(t, eqn):
    """The tangent statements of ``new_tape``, ``push`` and ``pop`` (see the module doc)."""
    if eqn.prim == "new_tape":
        tape = eqn.outs[0]
        if tape not in t.tapes:
            return []
        tangent = t.namer.var(adjoint_hint(tape.hint), VarKind.ADJOINT)
        t.tangents[tape] = tangent
        return [Eqn((tangent,), "new_tape", (), {}, eqn.loc, Role.TANGENT, eqn)]
    tape = eqn.args[0]
    if tape not in t.tapes:
        if eqn.prim == "push" and not is_zero(t.of(eqn.args[1])):
            raise InternalError(f"diffc bug: a value with a tangent is pushed on {tape}, "
                                "a tape found to hold none")
        return []
    tape_tangent = t.of(tape)
    if is_zero(tape_tangent):
        raise InternalError(f"diffc bug: the tape {tape} has no tape of tangents here")
    if eqn.prim == "push":
        made = []
        value = _explicit(t, t.of(eqn.args[1]), eqn.args[1], eqn, made)
        return made + [Eqn((), "push", (tape_tangent, value), {}, eqn.loc, Role.TANGENT, eqn)]
    out = eqn.outs[0]
    tangent = t.namer.var(adjoint_hint(out.hint), VarKind.ADJOINT)
    t.facts.assume(tangent, out)
    t.tangents[out] = tangent
    return [Eqn((tangent,), "pop", (tape_tangent,), {}, eqn.loc, Role.TANGENT, eqn)]
