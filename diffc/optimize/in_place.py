"""In-place elementwise arithmetic in emitted gradient code.

A large array made and read once by the gradient code, ``t = h ** 2`` then
``u = 1 - t`` then ``d = dh * u``, costs an allocation (and, past the allocator's
threshold, fresh pages) per operation; written by hand it is one array updated in place::

    dadd = h ** 2
    np.subtract(1, dadd, out=dadd)
    dadd *= dh

``elementwise`` makes that rewrite where it is provably invisible: the array written into
was made by an earlier equation of the same block that returns a new array (arithmetic,
not a view), nothing else reads it, and it has the result's shape and dtype (checked on
the example values, so the code must be specialised: no rewrite without them). Only
arrays of at least ``MIN_BYTES`` are rewritten: below that, allocation is cheap and the
formula-shaped code is kept. Only
gradient equations are rewritten; the user's own lines read as written. Like every
in-place update this runs only on code about to be emitted (``optimize.EMIT_PASSES``).
"""
from __future__ import annotations

import numpy as np

from diffc.core.ir import (Call, Const, Eqn, Function, If, Loop, Role, Var, VarKind, atoms_in, blocks_of, map_blocks, substitute, walk, with_body)

# primitives whose result is a new array (never a view of an operand)
_FRESH = frozenset({"add", "subtract", "multiply", "divide", "negative", "power", "exp", "log",
                    "tanh", "sqrt", "square", "sin", "cos", "maximum", "minimum", "matmul",
                    "add_to", "subtract_to", "subtract_from", "multiply_to", "divide_to",
                    "divide_from", "negate_in_place"})

# (primitive, position of the array written into) -> the in-place primitive; for a
# commutative operation the other operand is the second argument either way
_REWRITES = {("add", 0): "add_to", ("add", 1): "add_to",
             ("multiply", 0): "multiply_to", ("multiply", 1): "multiply_to",
             ("subtract", 0): "subtract_to", ("subtract", 1): "subtract_from",
             ("divide", 0): "divide_to", ("divide", 1): "divide_from",
             ("negative", 0): "negate_in_place"}

WRITES_FIRST = frozenset(_REWRITES.values())     # their first operand is the array written

# Arrays smaller than this are left to the allocator, which reuses small blocks cheaply;
# the rewrite pays off for arrays the allocator maps afresh (glibc's threshold starts
# at 128 KiB), and the code reads as the formulas do (``da1 = dz1 * (a1 > 0)``).
MIN_BYTES = 256 * 1024


def elementwise(func: Function, facts=None) -> Function:
    if facts is None or not facts.enabled:
        return func
    uses = func.uses()
    # a value a block yields or the function returns is named by the emitter for where
    # it goes (an if's merged name, a loop's carried name): it is not rewritten
    yielded = {v for r in func.results for v in atoms_in(r)} | {
        v for s in walk(func.body) for b in blocks_of(s) for r in b.results for v in atoms_in(r)}

    def layout(atom):
        value = facts.values.get(atom) if isinstance(atom, Var) and facts.is_static(atom) else None
        if not isinstance(value, np.ndarray) or value.nbytes < MIN_BYTES:
            return None
        return value.shape, value.dtype

    def rewrite(stmts):
        made_here = {}
        out = []
        for stmt in stmts:
            for block in blocks_of(stmt):
                block.body = rewrite(block.body)
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and stmt.role is not Role.PRIMAL and not stmt.kwargs \
                    and stmt.outs[0] not in yielded:
                stmt = _in_place(stmt, made_here, uses, layout) or stmt
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and stmt.prim in _FRESH:
                made_here[stmt.outs[0]] = stmt
            out.append(stmt)
        return out

    body = rewrite(func.body)
    renamed = _named_after_result(body, facts)
    if renamed:
        body = substitute(body, renamed)
    return with_body(func, body)


# primitive -> the form computing into a given array (``power`` only as a square)
OUT_FORM_OF = {"add": "add_out", "subtract": "subtract_out", "multiply": "multiply_out",
              "divide": "divide_out", "negative": "negative_out", "exp": "exp_out",
              "tanh": "tanh_out", "matmul": "matmul_out", "power": "square_out"}
OUT_FORMS = frozenset(OUT_FORM_OF.values())

# readers that leave no view of an operand behind (their result is new memory, a
# reduction, or the operand itself updated in place: tracked as the same memory)
_CONSUMERS = _FRESH | OUT_FORMS | {"sum", "sum_method", "mean", "mean_method", "max", "max_method",
                                   "min", "min_method"}


def reuse_buffers(func: Function, facts=None) -> Function:
    """Compute a large new gradient array into a dead one's memory (``out=``).

    A backward pass makes arrays of a few shapes over and over (each layer's
    ``1 - h ** 2``, its ``dh``); written by hand, a new one goes into a buffer the code
    no longer needs, and the allocator is not asked for (and the kernel does not zero)
    fresh pages each time. A buffer qualifies when it was made in the same block by
    a gradient equation returning new memory, every reader is an equation of that block
    that leaves no view of it behind (arithmetic, a product, a reduction), it is not
    returned, yielded or taped, and its last reader (or the last reader of an in-place
    update of it: the same memory) came before. Shape, dtype and strides must equal the
    result's on the example values. Arrays under ``MIN_BYTES`` are left to the allocator.
    """
    if facts is None or not facts.enabled:
        return func
    yielded = {v for r in func.results for v in atoms_in(r)} | {
        v for s in walk(func.body) for b in blocks_of(s) for r in b.results for v in atoms_in(r)}

    def layout(atom):
        value = facts.values.get(atom) if isinstance(atom, Var) and facts.is_static(atom) else None
        if not isinstance(value, np.ndarray) or value.nbytes < MIN_BYTES or not value.flags.c_contiguous:
            return None
        return value.shape, value.dtype

    def rewrite(stmts):
        stmts = [map_blocks(stmt, rewrite) for stmt in stmts]
        memory = {}              # Var -> the Var whose allocation it lives in
        last_read = {}           # allocation -> index of the last statement reading it
        unsafe = set()           # allocations read in a way that may keep a view
        for i, stmt in enumerate(stmts):
            inputs = stmt.inputs() if isinstance(stmt, Eqn) else \
                (v for b in blocks_of(stmt) for s in walk(b.body) for v in s.inputs())
            direct = list(inputs)
            if not isinstance(stmt, Eqn):
                direct += [v for a in _direct_atoms(stmt) for v in atoms_in(a)]
            for v in direct:
                home = memory.get(v)
                if home is None:
                    continue
                last_read[home] = i
                if not isinstance(stmt, Eqn) or stmt.prim not in _CONSUMERS:
                    unsafe.add(home)
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1:
                out = stmt.outs[0]
                if stmt.prim in WRITES_FIRST | OUT_FORMS:
                    if stmt.args and stmt.args[0] in memory:
                        memory[out] = memory[stmt.args[0]]   # the same memory, updated
                elif stmt.prim in _FRESH and stmt.role is not Role.PRIMAL and layout(out) is not None:
                    memory[out] = out
        for v in yielded:
            if v in memory:
                unsafe.add(memory[v])
        free = {}                # layout -> dead allocations, oldest first
        dead_after = {}
        for home, i in last_read.items():
            if home not in unsafe:
                dead_after.setdefault(i, []).append(home)
        out = []
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and stmt.role is not Role.PRIMAL \
                    and stmt.prim in OUT_FORM_OF and not stmt.kwargs and stmt.outs[0] in memory:
                target = layout(stmt.outs[0])
                pool = free.get(target)
                form = out_form(stmt)
                if pool and form is not None:
                    buffer = pool.pop(0)
                    stmt = Eqn(stmt.outs, form, (buffer,) + out_operands(stmt), {}, stmt.loc, stmt.role,
                               stmt.origin)
            out.append(stmt)
            for home in dead_after.get(i, ()):
                if memory.get(home) is home and home not in unsafe:
                    free.setdefault(layout(home), []).append(_latest(home, memory, stmts))
        return out

    body = rewrite(func.body)
    return with_body(func, body)


def _direct_atoms(stmt):
    if isinstance(stmt, If):
        return [stmt.cond]
    if isinstance(stmt, Loop):
        return [stmt.iterable, *stmt.inits]
    if isinstance(stmt, Call):
        return list(stmt.args)
    return []


def out_form(eqn):
    if eqn.prim == "power":
        y = eqn.args[1] if len(eqn.args) == 2 else None
        return "square_out" if isinstance(y, Const) and y.value == 2 else None
    return OUT_FORM_OF[eqn.prim]


def out_operands(eqn):
    return eqn.args[:1] if eqn.prim == "power" else eqn.args


def _latest(home, memory, stmts):
    """The last Var naming ``home``'s memory (what the emitted code calls it)."""
    latest = home
    for stmt in stmts:
        for o in stmt.outs:
            if memory.get(o) is home:
                latest = o
    return latest


def _in_place(eqn, made_here, uses, layout):
    """``eqn`` rewritten to write into one of its operands, or None."""
    target = layout(eqn.outs[0])
    if target is None:
        return None
    for position, a in enumerate(eqn.args):
        prim = _REWRITES.get((eqn.prim, position))
        if prim is None or a not in made_here or uses.get(a, 0) != 1 or layout(a) != target:
            continue
        others = tuple(b for k, b in enumerate(eqn.args) if k != position)
        return Eqn(eqn.outs, prim, (a,) + others, {}, eqn.loc, eqn.role, eqn.origin)
    return None


def _named_after_result(body, facts):
    """A temporary that a chain of in-place updates writes into takes the hint of the
    chain's result (``dadd = h ** 2; dadd *= dh``, not ``pow = h ** 2; pow *= dh``); a
    named value keeps its name (``dh7 *= ...``, as ``delta *= dtanh`` is written by hand)."""
    written_by = {}
    for stmt in walk(body):
        if isinstance(stmt, Eqn) and stmt.prim in WRITES_FIRST:
            written_by[stmt.args[0]] = stmt.outs[0]
    renamed = {}
    for buffer in written_by:
        final = buffer
        while final in written_by:
            final = written_by[final]
        if buffer.kind is VarKind.TEMP and (buffer.hint != final.hint or buffer.kind != final.kind):
            new = Var(buffer.name, final.hint, final.kind)
            renamed[buffer] = new
            if buffer in facts.values:
                facts.values[new] = facts.values[buffer]
    return renamed
