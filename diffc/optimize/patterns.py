"""Pattern rewrites of the adjoint: a square's two equal gradients added as one product
(``doubled_products``), a scatter of distinct pairs assigned rather than added
(``unique_scatters``); and the statement walk the passes share (``_each_statement``).
"""
from __future__ import annotations

import numpy as np

from diffc.core.build import Builder
from diffc.core.ir import Eqn, Function, Pack, Var, map_blocks, producers, with_body
from diffc.core.naming import fresh_namer


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


def _renamed(eqn, prim):
    return Eqn(eqn.outs, prim, eqn.args, dict(eqn.kwargs), eqn.loc, eqn.role, eqn.origin)
