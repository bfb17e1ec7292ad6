"""Gradient lists updated in place: ``add_at_index(d, i, g)`` → ``d[i] = d[i] + g``.

Contract: an IR-to-IR pass for emitted code only (``passes.EMIT_PASSES``); the input is
not modified. The gradient of a list (``dweights`` for ``for w, b in zip(weights,
biases)``) gets one entry added at a time. As a value, ``add_at_index`` makes a new list
(``list(d)``, then the entry), because another reader may still hold the old one; in a
loop that is a copy of the whole list at every step. Where the list is the gradient
code's own and nothing else reads it, the copy is dropped: ``add_into_entry`` writes the
entry into the same list.

Owned means: the list is read only by this update, and it was made by the gradient code
itself (a primitive declaring ``fresh``: zeros for every entry, a copying update, or an
in-place one), or it is a loop's carried value whose initial value is owned in the same way.
"""
from __future__ import annotations

from diffc.core import primitives
from diffc.core.ir import Eqn, Function, Loop, Role, Var, blocks_of, map_blocks, walk, with_body


def list_updates(func: Function, facts=None) -> Function:
    """``func`` with each update of an owned gradient list made in place."""
    uses = func.uses()
    producers = {s.outs[0]: s for s in walk(func.body) if isinstance(s, Eqn) and len(s.outs) == 1}
    carried_init = {}
    for stmt in walk(func.body):
        if isinstance(stmt, Loop) and stmt.role is not Role.PRIMAL:
            params = stmt.body.params[1:] if stmt.kind == "for" else stmt.body.params
            carried_init.update(zip(params, stmt.inits))

    def owned(v, depth=0):
        if not isinstance(v, Var) or uses.get(v, 0) != 1 or depth > 8:
            return False
        if v in carried_init:
            return owned(carried_init[v], depth + 1)
        producer = producers.get(v)
        return producer is not None and primitives.get(producer.prim).fresh and producer.role is not Role.PRIMAL

    def rewrite(stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, Eqn) and stmt.prim == "add_at_index" and stmt.role is not Role.PRIMAL \
                    and len(stmt.args) == 3 and not stmt.kwargs and owned(stmt.args[0]):
                stmt = Eqn(stmt.outs, "add_into_entry", stmt.args, {}, stmt.loc, stmt.role, stmt.origin)
            out.append(map_blocks(stmt, rewrite) if blocks_of(stmt) else stmt)
        return out

    return with_body(func, rewrite(func.body))
