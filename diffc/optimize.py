"""Optimizing passes: pure functions from IR ``Function`` to IR ``Function``.

* ``dead_code``: drop equations whose results nothing reads (primal and adjoint
  together: a primal value computed only for an adjoint that was not asked for goes).
"""
from __future__ import annotations

from diffc.ir import Function, atoms_in


def dead_code(func: Function) -> Function:
    live = {v for r in func.results for v in atoms_in(r)}
    keep = []
    for eqn in reversed(func.body):
        if any(o in live for o in eqn.outs):
            keep.append(eqn)
            live.update(eqn.inputs())
    return _with_body(func, keep[::-1])


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
