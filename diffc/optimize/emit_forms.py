"""Passes run only on code about to be emitted (their primitives have no derivative rules):
in-place accumulation (``accumulate_in_place``), the faster layout of a product
(``product_layouts``), and reductions as array methods (``array_methods``).
"""
from __future__ import annotations

import numpy as np

from diffc.core import primitives
from diffc.core.build import Builder
from diffc.core.ir import Eqn, Function, Loop, Role, Var, atoms_in, blocks_of, producers, walk, with_body
from diffc.core.naming import fresh_namer
from diffc.optimize.patterns import _each_statement, _renamed


def accumulate_in_place(func: Function, facts=None) -> Function:
    """``acc + scatter(x, index, v)`` → ``acc[index] += v`` where that is provably safe.

    Safe means: ``acc`` is read by nothing else, it was made by the gradient code itself
    (zeros, a sum, a scatter; or a loop's carried value starting from one), and the
    scatter's result is read only by this sum, with the same shape and dtype as ``acc``.
    """
    if facts is None or not facts.enabled:
        return func
    uses = func.uses()
    producers = {s.outs[0]: s for s in walk(func.body) if isinstance(s, Eqn) and s.outs}
    owned = _ownership(func, uses, producers)

    def same_layout(a, b):
        return facts.shape(a) is not None and facts.shape(a) == facts.shape(b) \
            and facts.dtype(a) == facts.dtype(b)

    def rewrite(stmts):
        out, drop = [], set()
        for stmt in stmts:
            if isinstance(stmt, Eqn) and stmt.prim == "add" and len(stmt.args) == 2 and not stmt.kwargs:
                for acc, part in (stmt.args, stmt.args[::-1]):
                    scatter = producers.get(part) if isinstance(part, Var) else None
                    if scatter is not None and scatter.prim in ("scatter", "scatter_add") \
                            and uses.get(part, 0) == 1 and scatter in stmts and owned(acc) \
                            and same_layout(acc, part):
                        _, index, values = scatter.args
                        prim = "add_into" if scatter.prim == "scatter" else "add_at_into"
                        stmt = Eqn(stmt.outs, prim, (acc, index, values), {}, stmt.loc,
                                   stmt.role, stmt.origin)
                        drop.add(id(scatter))
                        break
            for block in blocks_of(stmt):
                block.body = rewrite(block.body)
            out.append(stmt)
        return [s for s in out if id(s) not in drop]

    return with_body(func, rewrite(func.body))


def _ownership(func, uses, producers):
    """``owned(v)``: whether ``v`` is read once and was made by the gradient code itself
    (``fresh``), or is a loop's carried value starting from such a value."""
    carried_init = {}
    for stmt in walk(func.body):
        if isinstance(stmt, Loop) and stmt.role is not Role.PRIMAL:
            params = stmt.body.params[1:] if stmt.kind == "for" else stmt.body.params
            for p, init in zip(params, stmt.inits):
                carried_init[p] = init

    def owned(v, depth=0):
        if not isinstance(v, Var) or uses.get(v, 0) != 1 or depth > 8:
            return False
        if v in carried_init:
            return owned(carried_init[v], depth + 1)
        producer = producers.get(v)
        return producer is not None and primitives.get(producer.prim).fresh and producer.role is not Role.PRIMAL
    return owned


def product_layouts(func: Function, facts=None) -> Function:
    """``(B.T @ A).T`` for a large ``A.T @ B`` where the BLAS runs it clearly faster.

    The gradient of ``X @ W`` with respect to ``W`` is ``X.T @ dY``; for a wide ``X``
    and a thin ``dY`` (500 × 3073 and 500 × 10) OpenBLAS computes ``(dY.T @ X).T``, the
    same numbers, a third faster on this project's machines, and other libraries may
    differ. So both forms are timed once on the example values (products of at least
    ``_TIMED_FLOPS`` only, a few milliseconds of compile time) and the transposed one is
    kept only when it is at least 20% faster. Its result is a transposed view, so it is
    used only where an elementwise equation reads it (never returned as a gradient).
    Emitted code only, with concrete shapes."""
    if facts is None or not facts.enabled or facts.sizes_vary:
        return func
    uses = func.uses()
    producer = producers(func.body)
    readers = {}
    for stmt in walk(func.body):
        for v in stmt.inputs() if isinstance(stmt, Eqn) else ():
            readers.setdefault(v, []).append(stmt)
    returned = {v for r in func.results for v in atoms_in(r)} | {
        v for s in walk(func.body) for b in blocks_of(s) for r in b.results for v in atoms_in(r)}
    namer = None

    def rewrite(stmt):
        nonlocal namer
        swapped = _swapped_product(stmt, producer, uses, readers, returned, facts)
        if swapped is None:
            return [stmt]
        a, b = swapped
        namer = namer or fresh_namer(func, facts)
        made = Builder([], facts, namer, role=stmt.role)
        bt = made.eqn("T", (b,), hint="tr", loc=stmt.loc, origin=stmt.origin)
        prod = made.eqn("matmul", (bt, a), hint=stmt.outs[0].hint, loc=stmt.loc, origin=stmt.origin)
        made.eqn("T", (prod,), out=stmt.outs[0], loc=stmt.loc, origin=stmt.origin)
        return made.body

    return _each_statement(func, rewrite)


_TIMED_FLOPS = 5e6


def _swapped_product(stmt, producer, uses, readers, returned, facts):
    """``(A, B)`` when ``stmt`` is ``A.T @ B`` better computed as ``(B.T @ A).T``."""
    if not isinstance(stmt, Eqn) or stmt.prim != "matmul" or stmt.role is Role.PRIMAL or stmt.kwargs \
            or len(stmt.args) != 2 or stmt.outs[0] in returned:
        return None
    tr = producer.get(stmt.args[0]) if isinstance(stmt.args[0], Var) else None
    if tr is None or tr.prim != "T" or uses.get(stmt.args[0]) != 1:
        return None
    a, b = tr.args[0], stmt.args[1]
    av, bv = facts.values.get(a), facts.values.get(b)
    if not (isinstance(av, np.ndarray) and isinstance(bv, np.ndarray) and av.ndim == bv.ndim == 2
            and facts.is_static(a) and facts.is_static(b)) or av.dtype != bv.dtype:
        return None
    if av.shape[0] * av.shape[1] * bv.shape[1] < _TIMED_FLOPS:
        return None
    if any(not isinstance(r, Eqn) or not primitives.get(r.prim).arithmetic
           for r in readers.get(stmt.outs[0], [])):
        return None
    plain = _best_of(lambda: av.T @ bv)
    swapped = _best_of(lambda: (bv.T @ av).T)
    return (a, b) if swapped < 0.8 * plain else None


def _best_of(call, repeat=3):
    import time
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def array_methods(func: Function, facts=None) -> Function:
    """``a.sum(axis=0)`` for ``np.sum(a, axis=0)`` where ``a`` is known to be a NumPy array
    (from the example arguments): the method skips ``np.sum``'s dispatch. Not for a NumPy
    scalar: the same value may be a Python float at run time (a seed ``dout = 1.0``)."""
    if facts is None or not facts.enabled:
        return func

    def rewrite(stmt):
        method = primitives.get(stmt.prim).method if isinstance(stmt, Eqn) else None
        if method is not None and stmt.args \
                and isinstance(stmt.args[0], Var) and facts.is_static(stmt.args[0]) \
                and isinstance(facts.values.get(stmt.args[0]), np.ndarray) \
                and set(stmt.kwargs) <= {"axis", "keepdims"} and len(stmt.args) <= 2:
            return [_renamed(stmt, method)]
        return [stmt]

    return _each_statement(func, rewrite)


