"""Backprop through time, the stacking: the steps' values of a loop as one array, made the
cheapest way the loop allows (``_Deferral``): an argument read row by row, the rows a
forward loop computed its state into (``_states``), a tape stacked once, or rows written
in the loop.
"""
from __future__ import annotations

import contextlib
import contextvars

import numpy as np

from diffc.core import primitives
from diffc.core.build import Builder
from diffc.core.ir import Const, Eqn, Loop, Pack, Role, Var, VarKind, atoms_in, walk
from diffc.optimize import in_place


# False for a namespace whose arrays take no writes (JAX): the steps' values are stacked
# from lists (``xp.stack`` of the tape, ``concat`` of the values pushed in the loop), never
# computed into rows of one array or into an earlier loop's free one
_WRITES = contextvars.ContextVar("diffc_bptt_writes", default=True)


@contextlib.contextmanager
def without_writes():
    token = _WRITES.set(False)
    try:
        yield
    finally:
        _WRITES.reset(token)


class _Deferral:
    """One loop's sums over the steps made after it: the statements it puts before and
    after the loop (``before``, ``allocations``, ``after``), in the loop (``pushes``), the
    steps' values stacked (``stacks``), and what it drops or moves (``dropped``, ``earlier``)."""

    def __init__(self, loop, block, uses, producer, facts, namer, order, made):
        self.loop, self.block, self.uses, self.producer = loop, block, uses, producer
        self.facts, self.namer, self.made = facts, namer, made
        self.steps, self.forwards, self.full = order
        self.body = loop.body
        self.item = self.body.params[0]
        self.before, self.after, self.pushes, self.stacks = [], [], [], {}
        self.dropped, self.allocations, self.earlier = set(), [], []

    def emit(self, where, out_hint, prim, args, kind=VarKind.TEMP, role=Role.ADJOINT, kwargs=None, out=None):
        out = Builder(where, self.facts, self.namer, role=role).eqn(prim, args, kwargs, hint=out_hint, kind=kind,
                                                                    origin=self.loop, out=out)
        self.facts.dynamic.discard(out)          # the shapes are fixed: steps and rows are
        return out

    def stack_of(self, v):
        """All steps' ``v`` as one 2-D array, rows in the order of the forward steps."""
        if v in self.stacks:
            return self.stacks[v]
        loop, body, facts, full = self.loop, self.body, self.facts, self.full
        eqn = self.made.get(v)
        width = Const((-1, facts.shape(v)[1]))
        source = eqn.args[0] if eqn is not None and eqn.prim == "getitem" and eqn.args[1] is self.item \
            and full and _free(eqn.args[0], body) else None
        tape = eqn.args[0] if eqn is not None and eqn.prim == "pop" and not self.forwards and full \
            and self.uses.get(eqn.args[0]) == 2 else None
        writes = _WRITES.get()
        if source is not None and _rows_of(facts, source, self.steps):
            # the loop reads row t of an argument: that argument is the stack
            self.stacks[v] = self.emit(self.after, f"{v.hint}_all", "reshape", (source, width))
        elif tape is not None and writes and (states := _states(tape, loop, self.block, self.producer,
                                                                facts, self.namer)):
            self._stack_states(v, eqn, states, width)
        elif tape is not None and _pushed_once_per_step(tape, loop, self.block, self.producer):
            self._stack_tape(v, eqn, tape, width)
        elif full and writes:
            self._stack_rows(v, eqn, width)
        else:
            self._stack_list(v)
        return self.stacks[v]

    def _stack_states(self, v, eqn, states, width):
        """The forward loop computed each state into its row of one array: no tape."""
        body, item = self.body, self.item
        rows, made_before, forward, new_tape = states
        self.earlier.append((forward, made_before))
        self.dropped.add(id(new_tape))
        body.body = [Eqn(s.outs, "getitem", (rows, item), {}, s.loc, s.role, s.origin)
                     if s is eqn else s for s in body.body]
        first = self.emit(self.after, f"{v.hint}_before", "getitem",
                          (rows, Pack("slice", (Const(None), Const(self.steps), Const(None)))))
        self.stacks[v] = self.emit(self.after, f"{v.hint}_all", "reshape", (first, width))

    def _stack_tape(self, v, eqn, tape, width):
        """The forward loop's tape, stacked once (and emptied: one copy in memory); the
        loop reads row t of the stack instead of popping."""
        loop, body, before, steps = self.loop, self.body, self.before, self.steps
        value = self.facts.values[v]
        free = _spare(self.block, loop, self.facts, (steps,) + value.shape, value.dtype) \
            if _WRITES.get() else None
        if free is not None:      # into an earlier loop's array, free now: no new memory
            steps3 = self.emit(before, f"{v.hint}_steps", "reuse", (free,), kind=VarKind.ADJOINT,
                               role=Role.REUSE)
            flat = self.emit(before, "rows", "reshape", (steps3, width))
            before.append(Eqn((), "concatenate_into", (flat, tape), {}, loop.loc, Role.TAPE, loop))
        else:
            steps3 = self.emit(before, f"{v.hint}_steps", "array" if _WRITES.get() else "stack", (tape,),
                               kind=VarKind.ADJOINT)
        before.append(Eqn((), "clear_tape", (tape,), {}, loop.loc, Role.TAPE, loop))
        body.body = [Eqn(s.outs, "getitem", (steps3, self.item), {}, s.loc, s.role, s.origin)
                     if s is eqn else s for s in body.body]
        self.stacks[v] = self.emit(self.after, f"{v.hint}_all", "reshape", (steps3, width))

    def _stack_rows(self, v, eqn, width):
        """Computed in the loop: copied into row t of one array made before it."""
        loop, body, facts, steps, allocations = self.loop, self.body, self.facts, self.steps, \
            self.allocations
        value = facts.values[v]
        # made after the stacks of tapes (each frees its tape): a lower peak of memory;
        # an earlier loop's array of that layout, free now, is used instead of a new one
        free = _spare(self.block, loop, facts, (steps,) + value.shape, value.dtype)
        if free is not None:
            rows = self.emit(allocations, f"{v.hint}_steps", "reuse", (free,), kind=VarKind.ADJOINT,
                             role=Role.REUSE)
        else:
            rows = self.emit(allocations, f"{v.hint}_steps", "empty", (Const((steps,) + value.shape),),
                             kind=VarKind.ADJOINT, kwargs={"dtype": Const(np.dtype(value.dtype).name)})
        facts.values[rows] = np.empty((steps,) + value.shape, value.dtype)
        into = _arithmetic_out_form(eqn) if eqn is not None and not eqn.kwargs else None
        if into is not None and len(eqn.args) == 2:
            # computed straight into its row: ``np.multiply(dh, sub, out=dadd_steps[t])``
            row = self.namer.var("row", VarKind.TEMP)
            at = body.body.index(eqn)
            body.body[at:at + 1] = [
                Eqn((row,), "getitem", (rows, self.item), {}, eqn.loc, eqn.role, eqn.origin),
                Eqn(eqn.outs, into, (row,) + eqn.args, {}, eqn.loc, eqn.role, eqn.origin)]
        else:
            self.pushes.append(Eqn((), "store_row", (rows, self.item, v), {}, loop.loc, Role.TAPE, loop))
        self.stacks[v] = self.emit(self.after, f"{v.hint}_all", "reshape", (rows, width))

    def _stack_list(self, v):
        """Pushed onto a list in the loop, concatenated after it."""
        loop, facts = self.loop, self.facts
        steps_list = self.namer.var(f"{v.hint}_steps", VarKind.TEMP)
        self.before.append(Eqn((steps_list,), "new_tape", (), {}, loop.loc, Role.TAPE, loop))
        self.pushes.append(Eqn((), "push", (steps_list, v), {}, loop.loc, Role.TAPE, loop))
        facts.values[steps_list] = [facts.values[v]] * self.steps
        rows = steps_list
        if not self.forwards:
            rows = self.emit(self.after, f"{v.hint}_steps", "getitem",
                             (steps_list, Pack("slice", (Const(None), Const(None), Const(-1)))))
        self.stacks[v] = self.emit(self.after, f"{v.hint}_all", "concatenate", (rows,))

    def run(self, updates):
        """Make each update's sum after the loop; returns ``_defer``'s four results."""
        for k, kind, a, b, eqns in updates:     # tapes first: they may take a free array
            if kind == "product" and a in self.made and self.made[a].prim == "pop":
                self.stack_of(a)
        self.loop.note = ("the steps' weight gradients at once: the sum over the steps of A.T @ B "
                          "is (all A).T @ (all B)")
        slots = set()
        for k, kind, a, b, eqns in updates:
            dropped_here = {id(e) for e in eqns}
            self.body.body = [s for s in self.body.body if id(s) not in dropped_here]
            slots.add(k)
            self._sum_after(k, kind, a, b)
        self._narrow(slots)
        return self.before + self.allocations, self.after, self.dropped, self.earlier

    def _sum_after(self, k, kind, a, b):
        """Slot ``k``'s sum over the steps, computed after the loop into its output."""
        loop, after, uses = self.loop, self.after, self.uses
        final, init = loop.outs[k], loop.inits[k]
        if kind == "product":
            tr = self.emit(after, "tr", "T", (self.stack_of(a),))
            term = ("matmul", (tr, self.stack_of(b)))
        else:
            term = ("sum", (self.stack_of(b), Const(0)))
        zeros = self.producer.get(init) if isinstance(init, Var) else None
        if zeros is not None and zeros.prim == "zeros_like" and uses.get(init) == 1 and zeros in self.block:
            self.dropped.add(id(zeros))          # the first contribution is assigned, not added
            self.emit(after, final.hint, *term, out=final)
        else:
            total = self.emit(after, final.hint, *term)
            self.emit(after, final.hint, "add", (init, total), role=Role.ACCUMULATE, out=final)

    def _narrow(self, slots):
        """The loop without the carried sums in ``slots``, and without the rows it read only
        for the products now made after it (``xs[t]``)."""
        loop, body, item = self.loop, self.body, self.item
        carried = body.params[1:]
        used = {v for s in body.body for v in s.inputs()} | {v for r in body.results for v in atoms_in(r)} \
            | {p.args[1] for p in self.pushes}
        body.body = [s for s in body.body if not (isinstance(s, Eqn) and s.prim == "getitem"
                                                  and len(s.outs) == 1 and s.outs[0] not in used)]
        keep = [k for k in range(len(carried)) if k not in slots]
        loop.inits = tuple(loop.inits[k] for k in keep)
        loop.outs = tuple(loop.outs[k] for k in keep)
        body.params = (item,) + tuple(carried[k] for k in keep)
        body.body = body.body + self.pushes
        body.results = tuple(body.results[k] for k in keep)


def _arithmetic_out_form(eqn):
    """The out form of ``eqn`` when it is elementwise arithmetic (``dh * sub``), else None."""
    prim = primitives.get(eqn.prim)
    return prim.out_form if prim.arithmetic else None


def _spare(block, loop, facts, shape, dtype):
    """An array ``inputs`` made for a loop of ``block`` before ``loop``, of this layout, read
    by nothing after that loop (taken: it is handed out once)."""
    spare = facts.spare_after_loop
    position = {id(s): i for i, s in enumerate(block)}
    for earlier in block:
        if earlier is loop:
            break
        for k, v in enumerate(spare.get(id(earlier), [])):
            value = facts.values.get(v)
            if v is None or not isinstance(value, np.ndarray) or value.shape != shape or value.dtype != dtype:
                continue
            later = [s for s in block if position[id(s)] > position[id(earlier)]]
            if any(v in s.inputs() for s in later):
                continue
            spare[id(earlier)][k] = None
            return v
    return None


def _free(v, body):
    return not any(v in s.outs for s in walk(body.body)) and v not in body.params


def _rows_of(facts, source, steps):
    value = facts.values.get(source)
    return isinstance(value, np.ndarray) and value.ndim == 3 and value.shape[0] == steps \
        and facts.is_static(source)


def _pushed_once_per_step(tape, loop, block, producer):
    """``tape`` was filled by the forward loop this loop reverses: one push per step, at
    its body's top level (so its items, in order, are the forward steps'). Returns
    ``(forward loop, push)`` or None."""
    forward = next((s for s in block if isinstance(s, Loop) and s.kind == "for"
                    and s.iterable is producer[loop.iterable].args[0]), None) \
        if loop.iterable in producer else None
    if forward is None or producer.get(tape) is None or producer[tape].prim != "new_tape":
        return None
    pushes = [s for s in walk(block) if isinstance(s, Eqn) and s.prim == "push" and s.args[0] is tape]
    return (forward, pushes[0]) if len(pushes) == 1 and pushes[0] in forward.body.body else None


def _states(tape, loop, block, producer, facts, namer):
    """The forward loop's state, taped at every step, computed into its row of one array
    instead, the way BPTT is written by hand::

        h_steps = np.empty((T + 1, N, H)); h_steps[0] = h; h_next = h_steps[1:]
        for t in steps:
            h = np.tanh(xs_Wx[t] + h @ Wh + b, out=h_next[t])

    Row ``t`` holds the state step ``t`` starts from (what the tape held), row ``T`` the
    last one. The same operations compute the same values; only where they are written
    changes. Only for a state carried by the loop whose new value the body's top level
    computes with an operation that has an ``out=`` form, of the initial value's fixed
    shape and dtype. Returns ``(rows, statements before the forward loop, forward loop,
    the tape's creation)`` (the forward loop is edited), or None."""
    found = _state_of(tape, loop, block, producer, facts)
    if found is None:
        return None
    forward, push, state, init, make, order = found
    fbody = forward.body
    value = facts.values[init]
    made = Builder([], facts, namer, role=Role.TAPE)
    rows = made.eqn("empty", (Const((order[0] + 1,) + value.shape),), {"dtype": Const(np.dtype(value.dtype).name)},
                    hint=f"{state.hint}_steps", kind=VarKind.ADJOINT, role=Role.STATES, origin=forward)
    made.effect("store_row", (rows, Const(0), init), origin=forward)
    later = made.eqn("getitem", (rows, Pack("slice", (Const(1), Const(None), Const(None)))),
                     hint=f"{state.hint}_next", origin=forward)
    row = namer.var("row", VarKind.TEMP)
    at = fbody.body.index(make)
    fbody.body[at:at + 1] = [
        Eqn((row,), "getitem", (later, fbody.params[0]), {}, make.loc, make.role, make.origin),
        Eqn(make.outs, in_place.out_form(make), (row,) + in_place.out_operands(make), {}, make.loc,
            make.role, make.origin)]
    fbody.body.remove(push)
    return rows, made.body, forward, producer[tape]


def _state_of(tape, loop, block, producer, facts):
    """What ``_states`` rewrites: ``(forward loop, its push onto the tape, the state, its
    initial value, the equation making its new value, the forward loop's order)``, or None
    when the tape's value is not such a state."""
    found = _pushed_once_per_step(tape, loop, block, producer)
    if found is None:
        return None
    forward, push = found
    fbody = forward.body
    carried = fbody.params[1:]
    state = push.args[1]
    if state not in carried or carried.count(state) != 1:
        return None
    k = carried.index(state)
    init, result = forward.inits[k], fbody.results[k]
    make = next((s for s in fbody.body if isinstance(s, Eqn) and s.outs == (result,)), None)
    if make is None or primitives.get(make.prim).out_form is None or make.kwargs \
            or in_place.out_form(make) is None \
            or not _layout_matches(facts, state, init) or not _layout_matches(facts, result, init) \
            or not all(facts.is_static(v) for v in (state, init, result)):
        return None
    order = _order(forward, producer, facts)
    if order is None or not order[1] or not order[2]:
        return None
    return forward, push, state, init, make, order


def _order(loop, producer, facts):
    """``(steps, forwards, full)``: the loop's number of steps (fixed by the signature),
    whether it runs the forward order (``range(n)``) rather than ``reversed(range(n))``,
    and whether it runs over all of ``range(n)``; None when neither or not fixed."""
    it = loop.iterable
    if not isinstance(it, Var) or not facts.is_value_static(it):
        return None
    eqn = producer.get(it)
    forwards = eqn is None or eqn.prim != "reverse_order"
    base = it if forwards else eqn.args[0]
    value = facts.values.get(base)
    if not isinstance(value, range) or value.step == 0:
        return None
    return len(value), forwards, value.start == 0 and value.step == 1


def _layout_matches(facts, param, init):
    p, i = facts.values.get(param), facts.values.get(init)
    return isinstance(p, np.ndarray) and isinstance(i, np.ndarray) and p.shape == i.shape \
        and p.dtype == i.dtype
