"""Optimizing passes: pure functions from IR ``Function`` to IR ``Function``.

* ``dead_code``: drop equations whose results nothing reads (primal and adjoint
  together: a primal value computed only for an adjoint that was not asked for goes).
"""
from __future__ import annotations

from diffc.ir import Eqn, Function, blocks_of


def dead_code(func: Function) -> Function:
    """Drop equations nothing reads, in every block, until none is left to drop.

    Control-flow statements and effects (tape pushes) are kept; the tape of a value
    whose only reader went is dropped with it.
    """
    body = func.body
    while True:
        uses = Function(func.name, func.params, body, func.results).uses()
        removed = [False]

        def prune(stmts):
            kept = []
            for stmt in stmts:
                if isinstance(stmt, Eqn) and stmt.outs and not any(uses.get(o, 0) for o in stmt.outs):
                    removed[0] = True
                    continue
                for block in blocks_of(stmt):
                    block.body = prune(block.body)
                kept.append(stmt)
            return kept

        body = prune(body)
        if not removed[0]:
            return _with_body(func, body)


def _with_body(func, body):
    out = Function(func.name, func.params, body, func.results, func.loc, func.doc)
    out.__dict__.update({k: v for k, v in func.__dict__.items()
                         if k not in ("name", "params", "body", "results", "loc", "doc")})
    return out


PASSES = (dead_code,)


def optimize(func: Function) -> Function:
    for p in PASSES:
        func = p(func)
    return func
