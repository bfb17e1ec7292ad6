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

from diffc.core import primitives
from diffc.core.ir import (Call, Const, Eqn, Function, If, Loop, Role, Var, VarKind, atoms_in, blocks_of, map_blocks, substitute, walk, with_body)

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
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and primitives.get(stmt.prim).fresh:
                made_here[stmt.outs[0]] = stmt
            out.append(stmt)
        return out

    body = rewrite(func.body)
    renamed = _named_after_result(body, facts)
    if renamed:
        body = substitute(body, renamed)
    return with_body(func, body)


def is_out_form(prim):
    """Whether ``prim`` computes some primitive's value into the array given first."""
    return prim.name in primitives.named_by("out_form")


def _consumes(prim):
    """Whether reading an operand with ``prim`` leaves no view of it behind: its result is
    new memory, a reduction's value, or the operand itself updated in place (tracked as the
    same memory)."""
    return prim.fresh or prim.writes_first or is_out_form(prim) or prim.method is not None \
        or prim.name in primitives.named_by("method")


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
    return with_body(func, _Buffers(facts, yielded).rewrite(func.body))


class _Buffers:
    """``reuse_buffers`` on each block, inner blocks first: the allocations a block makes,
    when each is last read, and the equations that can write into a dead one."""

    def __init__(self, facts, yielded):
        self.facts = facts
        self.yielded = yielded       # Vars returned or yielded by a block: never reused

    def layout(self, atom):
        """``(shape, dtype)`` of a large C-contiguous array the example values fix, else None."""
        facts = self.facts
        value = facts.values.get(atom) if isinstance(atom, Var) and facts.is_static(atom) else None
        if not isinstance(value, np.ndarray) or value.nbytes < MIN_BYTES or not value.flags.c_contiguous:
            return None
        return value.shape, value.dtype

    def rewrite(self, stmts):
        stmts = [map_blocks(stmt, self.rewrite) for stmt in stmts]
        memory, last_read, unsafe = self._allocations(stmts)
        dead_after = {}          # statement index -> allocations dead after it
        for home, i in last_read.items():
            if home not in unsafe:
                dead_after.setdefault(i, []).append(home)
        return self._reused(stmts, memory, dead_after, unsafe)

    def _allocations(self, stmts):
        """``(memory, last_read, unsafe)``: Var -> the Var whose allocation it lives in;
        allocation -> index of the last statement reading it; allocations read in a way
        that may keep a view (or returned)."""
        memory, last_read, unsafe = {}, {}, set()
        for i, stmt in enumerate(stmts):
            for v in _reads(stmt):
                home = memory.get(v)
                if home is None:
                    continue
                last_read[home] = i
                if not isinstance(stmt, Eqn) or not _consumes(primitives.get(stmt.prim)):
                    unsafe.add(home)
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1:
                out = stmt.outs[0]
                prim = primitives.get(stmt.prim)
                if prim.writes_first or is_out_form(prim):
                    if stmt.args and stmt.args[0] in memory:
                        memory[out] = memory[stmt.args[0]]   # the same memory, updated
                elif prim.fresh and stmt.role is not Role.PRIMAL and self.layout(out) is not None:
                    memory[out] = out
        for v in self.yielded:
            if v in memory:
                unsafe.add(memory[v])
        return memory, last_read, unsafe

    def _reused(self, stmts, memory, dead_after, unsafe):
        """``stmts`` with each gradient equation that can write into a dead allocation of
        its layout made its ``out=`` form."""
        free = {}                # layout -> dead allocations, oldest first
        out = []
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and stmt.role is not Role.PRIMAL \
                    and primitives.get(stmt.prim).out_form and not stmt.kwargs and stmt.outs[0] in memory:
                target = self.layout(stmt.outs[0])
                pool = free.get(target)
                form = out_form(stmt)
                if pool and form is not None:
                    buffer = pool.pop(0)
                    stmt = Eqn(stmt.outs, form, (buffer,) + out_operands(stmt), {}, stmt.loc, stmt.role,
                               stmt.origin)
            out.append(stmt)
            for home in dead_after.get(i, ()):
                if memory.get(home) is home and home not in unsafe:
                    free.setdefault(self.layout(home), []).append(_latest(home, memory, stmts))
        return out


def _reads(stmt):
    """The Vars a statement reads: an equation's inputs; for a branch or a loop, its own
    operands and the inputs of every equation in its blocks."""
    inputs = stmt.inputs() if isinstance(stmt, Eqn) else \
        (v for b in blocks_of(stmt) for s in walk(b.body) for v in s.inputs())
    direct = list(inputs)
    if not isinstance(stmt, Eqn):
        direct += [v for a in _direct_atoms(stmt) for v in atoms_in(a)]
    return direct


def _direct_atoms(stmt):
    if isinstance(stmt, If):
        return [stmt.cond]
    if isinstance(stmt, Loop):
        return [stmt.iterable, *stmt.inits]
    if isinstance(stmt, Call):
        return list(stmt.args)
    return []


def out_form(eqn):
    """The primitive computing ``eqn`` into a given array, or None (``power``'s computes
    a square: only for an exponent of 2)."""
    form = primitives.get(eqn.prim).out_form
    if form is not None and _squares(eqn):
        y = eqn.args[1] if len(eqn.args) == 2 else None
        return form if isinstance(y, Const) and y.value == 2 else None
    return form


def out_operands(eqn):
    """The operands of ``eqn``'s out form, after the array written into."""
    return eqn.args[:1] if _squares(eqn) else eqn.args


def _squares(eqn):
    """Whether ``eqn``'s out form computes the square of its first operand (``x ** 2``)."""
    return primitives.get(eqn.prim).out_form == "square_out"


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
        forms = primitives.get(eqn.prim).in_place
        prim = forms[position] if position < len(forms) else None
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
        if isinstance(stmt, Eqn) and primitives.get(stmt.prim).writes_first:
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
