"""Building equations: the one place that names a new value, appends the equation making
it and records what the example values say of it.

A transform or pass that makes equations does it through a ``Builder`` over the list it
fills (a function's body, a block's, or a list of equations to put in place of another
one later)::

    build = Builder(body, facts, namer, role=Role.ADJOINT)
    dx = build.eqn("multiply", (dout, y), hint="dx", kind=VarKind.ADJOINT, origin=eqn)

``eqn`` makes the output Var (an SSA name from ``hint``), appends ``dx = multiply(dout,
y)`` with its location, role and origin, and runs it on the ``Facts`` (``Facts.run``: its
example value, shape and staticness, when its operands have example values). ``add``
appends a statement made elsewhere (a rule's instantiated equations, a renamed copy)
and runs it.

``run=False`` is for what the facts do not follow: a tape (``new_tape``, ``push``, ``pop``),
whose values the facts never hold, so that a popped value's shape comes from the value
pushed (``Facts.assume``), not from running the pop.
"""
from __future__ import annotations

from diffc.core.ir import Eqn, VarKind

_FROM_ORIGIN = object()      # ``loc`` left out: the origin's location


class Builder:
    """Appends new statements to ``body``, each run on ``facts`` as it is made.

    ``role``: the role of the equations made (``eqn`` may say another); ``namer`` names
    their outputs."""

    def __init__(self, body: list, facts, namer, *, role):
        self.body = body
        self.facts = facts
        self.namer = namer
        self.role = role

    def eqn(self, prim, args=(), kwargs=None, *, hint="", kind=VarKind.TEMP, loc=_FROM_ORIGIN,
            role=None, origin=None, out=None, run=True):
        """Append ``out = prim(*args, **kwargs)`` and return ``out``: a new Var named from
        ``hint`` (of ``kind``), unless ``out`` is given. ``loc`` is by default the origin's
        (None without an origin); ``role`` the builder's."""
        if out is None:
            out = self.namer.var(hint, kind)
        self._made(prim, (out,), args, kwargs, loc, role, origin, run)
        return out

    def effect(self, prim, args=(), kwargs=None, *, loc=_FROM_ORIGIN, role=None, origin=None, run=True):
        """Append ``prim(*args, **kwargs)``, an equation with no output (a push, a row stored)."""
        self._made(prim, (), args, kwargs, loc, role, origin, run)

    def add(self, stmt, *, run=True):
        """Append ``stmt``, made elsewhere, and run it on the facts; return it."""
        self.body.append(stmt)
        if run:
            self.facts.run(stmt)
        return stmt

    def _made(self, prim, outs, args, kwargs, loc, role, origin, run):
        if loc is _FROM_ORIGIN:
            loc = origin.loc if origin is not None else None
        self.add(Eqn(outs, prim, tuple(args), kwargs if kwargs is not None else {}, loc,
                     role if role is not None else self.role, origin), run=run)
