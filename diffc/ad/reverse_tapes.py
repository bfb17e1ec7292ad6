"""Reverse mode through tapes: a gradient's own loops, when it is differentiated again.

The reverse pass of a loop saves values on tapes (``push`` in the forward loop, ``pop``
in the backward loop; ``reverse_control``). ``grad(grad(f))`` differentiates that code,
tapes included. A tape is a value like any other here, and its gradient is a tape too,
running the other way: a value popped in the backward loop is the value pushed in the
forward loop, so the gradient reaching the pop is pushed on the tape's gradient, and
popped again where the value was pushed, to reach it. The pushes and pops of the two
stay in step (a pop that got no gradient pushes zeros), so each popped gradient belongs
to the iteration whose value was pushed.
"""
from __future__ import annotations

from diffc.core import primitives
from diffc.errors import InternalError
from diffc.core.ir import Eqn, If, Loop, Var, VarKind, walk
from diffc.core.naming import adjoint_hint


def on_tape(stmt) -> bool:
    """Whether ``stmt`` pushes on or pops from the tape it is given first."""
    return isinstance(stmt, Eqn) and bool(stmt.args) and primitives.get(stmt.prim).effect == "tape"


def tapes_of(body) -> set:
    """The Vars of ``body`` that hold a tape: made by ``new_tape``, popped from a tape of
    tapes (a nested loop's tape, saved once per outer iteration; or a tape of those), or
    handed on by a branch or a loop.

    Found as types are: values that flow into one another (a loop's initial value, its
    parameter, its result and its output; a branch's results and the ``If``'s output; the
    values pushed on a tape and those popped from it) share a type, and a tape's
    elements share one."""
    return set().union(*tape_classes(body))


def tape_classes(body) -> list:
    """The tape Vars of ``body`` (``tapes_of``) in classes: the Vars that are one tape (its
    ``new_tape``, a loop's parameter and output carrying it, a branch's output)."""
    types = _Types()
    for stmt in walk(body):
        if isinstance(stmt, Eqn) and stmt.prim == "new_tape":
            types.mark(stmt.outs[0])
        elif on_tape(stmt):
            tape = stmt.args[0]
            types.mark(tape)
            types.unify(stmt.args[1] if stmt.prim == "push" else stmt.outs[0], types.element(tape))
        elif isinstance(stmt, If):
            for k, out in enumerate(stmt.outs):
                for b in (stmt.then, stmt.orelse):
                    types.unify(out, b.results[k])
        elif isinstance(stmt, Loop):
            carried = stmt.body.params[1:] if stmt.kind == "for" else stmt.body.params
            for k, p in enumerate(carried):
                for other in (stmt.inits[k], stmt.body.results[k], stmt.outs[k]):
                    types.unify(p, other)
    return types.tape_classes()


class _Types:
    """Union-find over values, for ``tapes_of``: each class may be a tape, and a tape's
    class has the class of its elements."""

    def __init__(self):
        self.parent = {}
        self.elements = {}        # root -> the key of its elements' class
        self.tape = set()         # roots of classes that are tapes

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def mark(self, var):
        self.tape.add(self.find(var))

    def element(self, var):
        root = self.find(var)
        return self.elements.setdefault(root, ("elements of", root))

    def unify(self, a, b):
        if not isinstance(a, (Var, tuple)) or not isinstance(b, (Var, tuple)):
            return                    # a constant (``None`` on a branch that made no tape)
        a, b = self.find(a), self.find(b)
        if a == b:
            return
        self.parent[b] = a
        if b in self.tape:
            self.tape.add(a)
        if b in self.elements:
            if a in self.elements:
                self.unify(self.elements[a], self.elements[b])
            else:
                self.elements[a] = self.elements[b]

    def tape_classes(self):
        classes = {}
        for v in self.parent:
            if isinstance(v, Var) and self.find(v) in self.tape:
                classes.setdefault(self.find(v), set()).add(v)
        return list(classes.values())


def moves_gradient_tapes(back, blocks):
    """Whether ``blocks`` push on or pop from a tape that carries gradients: their reverse
    must run even when no value they hand on gets a gradient (a value reaches the result
    only through what the tape saved)."""
    return any(on_tape(s) and s.args[0] in back.active
               for b in blocks for s in walk(b.body))


def new_tape(back, tape, origin):
    """An empty tape for the gradient of ``tape`` (not run on the example values: the
    tapes of the primal are not either)."""
    return back.build.eqn("new_tape", hint=adjoint_hint(tape.hint), kind=VarKind.ADJOINT, origin=origin,
                          run=False)


def accumulate_tape(back, tape, grad):
    """A tape's gradient is one tape that every use pushes on or pops from: it is set
    once, never summed."""
    if tape in back.adjoints:
        raise InternalError(f"diffc bug: the tape {tape} got two gradient tapes")
    back.adjoints[tape] = grad


def backprop_tape(back, eqn):
    """The reverse of ``push`` and ``pop`` on a tape that carries gradients (see above).

    The reverse of ``v = pop(tape)`` pushes ``v``'s gradient (zeros if none reached it: the
    two stay in step) on the tape's gradient; the reverse of ``push(tape, v)`` pops it and
    sends it to ``v``. The pops come after the pushes, so their reverse comes first and the
    tape's gradient exists by the time a push is reversed."""
    tape = eqn.args[0]
    if tape not in back.active:
        return
    if eqn.prim == "pop":
        value = eqn.outs[0]
        grad = back.atom_of(value)
        if grad is None:
            grad = back.zeros(value, eqn)
        dtape = back.atom_of(tape)
        if dtape is None:
            dtape = new_tape(back, tape, eqn)
            back.adjoints[tape] = dtape
        back.build.effect("push", (dtape, grad), origin=eqn, run=False)
        return
    value = eqn.args[1]
    dtape = back.atom_of(tape)
    if dtape is None:
        raise InternalError(f"diffc bug: a push on {tape} is reversed before its pops")
    grad = back.build.eqn("pop", (dtape,), hint=adjoint_hint(value.hint if isinstance(value, Var) else "saved"),
                          kind=VarKind.ADJOINT, origin=eqn, run=False)
    if isinstance(value, Var) and value in back.active:
        back.facts.assume(grad, value)
        back.accumulate(value, grad, eqn)
