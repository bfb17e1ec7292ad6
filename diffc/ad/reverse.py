"""Reverse mode: a primal IR ``Function`` → one that also computes the gradient.

Input: a lowered function, the indices of the parameters to differentiate, and the
``Facts`` (already holding the primal's example values when compiling for a call).
Output: the same primal equations, then the adjoint equations in reverse order, and
results ``(value?, d<param>...)``.

The engine, not the rules, handles what every rule shares:
* activity: only values that depend on a requested parameter *and* reach the result
  get adjoints;
* fan-out (the copy gate): a value used twice receives the sum of both gradients;
* un-broadcasting: a gradient is summed down to its operand's shape;
* zero gradients: a requested parameter the result does not depend on gets zeros;
* missing rules: a differentiable value flowing into an operand with no rule is an
  error at the user's line, never a silently dropped gradient.
"""
from __future__ import annotations

import numpy as np

from diffc.ad import (reverse_containers, reverse_control, reverse_pairs, reverse_tapes,
                      softmax_shift)
from diffc.core import primitives
from diffc.core.build import Builder
from diffc.core.ir import Const, Eqn, Function, If, Loop, Pack, Role, Var, VarKind, atoms_in, blocks_of
from diffc.core.naming import adjoint_hint
from diffc.errors import NoRuleError
from diffc.frontend.lower import bind
from diffc.rules.instantiate import bound_operands, instantiate, returned_names


def activity(func: Function, wrt_vars) -> set:
    """Values that depend on a requested parameter and contribute to the result."""
    return reverse_control.activity(func, wrt_vars)


class Backward:
    """State of one reverse pass: the adjoint of each value and the equations emitted."""

    def __init__(self, facts, namer, active, insert_before=None, zero=frozenset(), program=None):
        self.facts = facts
        self.namer = namer
        self.active = active
        self.zero = zero            # (id(eqn), operand): adjoints known to be exactly zero
        # what is known of the whole function (its tapes, lists, branches), asked as needed
        self.program = program if program is not None else reverse_control.Program([])
        self.adjoints: dict = {}
        self.body: list = []
        self.build = Builder(self.body, facts, namer, role=Role.ADJOINT)
        self.insert_before = insert_before if insert_before is not None else {}

    def atom_of(self, var):
        """The adjoint of ``var`` as an atom (a container's ``Entries`` are built), or None."""
        grad = self.adjoints.get(var)
        if isinstance(grad, reverse_containers.Entries):
            grad = reverse_containers.materialize(self, var, grad, None)
            self.adjoints[var] = grad
        return grad

    def child(self):
        """A backward pass over a nested block, emitting into its own body."""
        return Backward(self.facts, self.namer, self.active, self.insert_before, self.zero,
                         self.program)

    def zeros(self, var, origin):
        if not isinstance(var, Var):
            return Const(0.0)
        if var in self.program.tapes:
            return reverse_tapes.new_tape(self, var, origin)
        if self.facts.container(var) is not None:
            return reverse_containers.zeros(self, var, origin)
        if self.facts.is_python_float(var):
            return Const(0.0)
        return self.emit("numpy.zeros_like", (var,), {}, adjoint_hint(var.hint),
                         origin.loc if origin is not None else None, Role.ADJOINT, origin)

    def emit(self, source_name, args, kwargs, hint, loc, role, origin, kind=VarKind.ADJOINT):
        """Append ``source_name(*args, **kwargs)`` (a source-level name such as
        ``numpy.sum``, or a primitive's), its arguments bound as a call's; its output."""
        prim = primitives.lookup(source_name) if "." in source_name else None
        prim = prim or primitives.get(source_name)
        args, kwargs = bind(prim, args, kwargs, loc)
        return self.build.eqn(prim.name, args, kwargs, hint=hint, kind=kind, loc=loc, role=role,
                              origin=origin)

    def accumulate(self, var, grad, eqn):
        if var in self.program.tapes:
            return reverse_tapes.accumulate_tape(self, var, grad)
        if var not in self.adjoints:
            self.adjoints[var] = grad
            return
        if self.facts.container(var) is not None or isinstance(grad, reverse_containers.Entries):
            self.adjoints[var] = reverse_containers.add(self, var, self.adjoints[var], grad, eqn)
            return
        self.adjoints[var] = self.emit("operator.add", (self.adjoints[var], grad), {},
                                       adjoint_hint(var.hint), eqn.loc, Role.ACCUMULATE, eqn)

    def backprop(self, eqn):
        if isinstance(eqn, If):
            return reverse_control.backprop_if(self, eqn)
        if isinstance(eqn, Loop):
            return reverse_control.backprop_loop(self, eqn, self.insert_before)
        if eqn.prim in ("push", "pop"):
            return reverse_tapes.backprop_tape(self, eqn)
        if not eqn.outs:
            return
        out = eqn.outs[0]
        if out not in self.adjoints:
            return
        prim = primitives.get(eqn.prim)
        if getattr(prim, "backward", None) is not None:       # a generated pair's forward half
            return reverse_pairs.backprop(self, prim, eqn)
        if reverse_containers.is_literal_read(eqn):
            return reverse_containers.backprop_literal_read(self, eqn)
        if reverse_containers.is_container_read(self, eqn):
            return reverse_containers.backprop_getitem(self, eqn)
        if reverse_containers.is_sequence_arithmetic(self, eqn):
            return reverse_containers.backprop_sequence_arithmetic(self, eqn)
        if eqn.prim == "getitem" and not self.facts.enabled and isinstance(eqn.args[1], Const) \
                and isinstance(eqn.args[1].value, str):
            raise NoRuleError(
                "a gradient flows into an entry of a dict, and without example arguments diffc "
                "cannot know the dict's other entries", eqn.loc,
                "compile through the Python API (diffc.grad knows the dict from the call), or "
                "pass the arrays as separate arguments")
        self.atom_of(out)
        prim = primitives.get(eqn.prim)
        operands = bound_operands(prim, eqn)
        needs = [p for p, a in operands.items()
                 if p not in prim.nondiff and (id(eqn), p) not in self.zero
                 and any(v in self.active for v in atoms_in(a))]
        if not needs:
            return
        provided = [n[1:] for n in returned_names(prim.reverse_rule) if n] if prim.reverse_rule else []
        missing = [p for p in needs if p not in provided]
        if missing:
            raise NoRuleError(
                f"diffc has no gradient rule for {prim.name} with respect to its "
                f"argument {missing[0]!r}, and that argument depends on what you differentiate",
                eqn.loc, f"wrap the argument in diffc.stop_gradient(...) if it should be a constant, "
                         f"or register a reverse rule for {prim.name}")
        if prim.user:
            return self._call_user_rule(prim, eqn, out, operands, needs)
        bindings = {"out": out, "dout": self.adjoints[out], **operands}
        hints = {f"d{p}": adjoint_hint(_hint_of(operands[p])) for p in needs}
        eqns, env = instantiate(prim.reverse_rule, bindings, self.facts, self.namer, eqn.loc,
                                Role.ADJOINT, eqn, hints)
        wanted = [env[f"d{p}"] for p in needs]
        for e in _needed(eqns, wanted):
            self.build.add(e)
        for p in needs:
            self._distribute(prim, eqn, operands[p], env[f"d{p}"])

    def _call_user_rule(self, prim, eqn, out, operands, needs):
        """A user's reverse rule is called from the generated code, not inlined."""
        names = returned_names(prim.reverse_rule)
        args = (out, self.adjoints[out]) + tuple(operands[p] for p in prim.params)
        hint = adjoint_hint(_hint_of(operands[needs[0]])) if len(names) == 1 else "grads"
        result = self.emit(prim.name + ".reverse_rule", args, {}, hint, eqn.loc, Role.ADJOINT, eqn)
        for i, name in enumerate(names):
            if name is None or name[1:] not in needs:
                continue
            grad = result if len(names) == 1 else self.emit(
                "operator.getitem", (result, Const(i)), {}, adjoint_hint(_hint_of(operands[name[1:]])),
                eqn.loc, Role.ADJOINT, eqn)
            self._distribute(prim, eqn, operands[name[1:]], grad)

    def _distribute(self, prim, eqn, operand, grad):
        if isinstance(operand, Pack):
            dict_pack = operand.kind == "dict"          # keys alternate with the values
            for i, item in enumerate(operand.items):
                if (dict_pack and i % 2 == 0) or not any(v in self.active for v in atoms_in(item)):
                    continue
                key = operand.items[i - 1] if dict_pack else Const(i)
                g = grad.items[i] if isinstance(grad, Pack) else self.emit(
                    "operator.getitem", (grad, key), {}, adjoint_hint(_hint_of(item)),
                    eqn.loc, Role.ADJOINT, eqn)
                self._distribute(prim, eqn, item, g)
            return
        if isinstance(operand, Var) and operand in self.active:
            self.accumulate(operand, self.fit(prim, eqn, grad, operand), eqn)

    def fit(self, prim, eqn, grad, operand):
        """Sum ``grad`` down to ``operand``'s shape where broadcasting made them differ."""
        facts = self.facts
        if facts.container(operand) in ("list", "tuple"):
            return reverse_containers.fit_entries(self, prim, eqn, grad, operand)
        gshape, xshape = facts.shape(grad), facts.shape(operand)
        hint = adjoint_hint(operand.hint)
        if gshape is not None and xshape is not None:
            if gshape == xshape:
                return grad
            lead = len(gshape) - len(xshape)
            if lead < 0:                  # the operand had extra leading axes of size 1
                inner = xshape[-lead:]
                ones = tuple(i for i, n in enumerate(inner) if n == 1 and gshape[i] != 1)
                if ones:
                    axis = ones[0] if len(ones) == 1 else ones
                    grad = self.emit("numpy.sum", (grad,), {"axis": Const(axis), "keepdims": Const(True)},
                                     hint, eqn.loc, Role.UNBROADCAST, eqn)
                shape = self.emit("numpy.shape", (operand,), {}, "shape", eqn.loc, Role.UNBROADCAST, eqn,
                                  kind=VarKind.TEMP)
                return self.emit("numpy.reshape", (grad, shape), {}, hint, eqn.loc, Role.UNBROADCAST, eqn)
            ones = tuple(i for i, n in enumerate(xshape) if n == 1 and gshape[lead + i] != 1)
            if lead:
                axis = 0 if lead == 1 else tuple(range(lead))
                grad = self.emit("numpy.sum", (grad,), {"axis": Const(axis)}, hint,
                                 eqn.loc, Role.UNBROADCAST, eqn)
            if ones:
                axis = ones[0] if len(ones) == 1 else ones
                grad = self.emit("numpy.sum", (grad,), {"axis": Const(axis), "keepdims": Const(True)},
                                 hint, eqn.loc, Role.UNBROADCAST, eqn)
            return grad
        if not prim.broadcasting or (prim.elementwise and _others_are_scalar_constants(prim, eqn, operand)):
            return grad
        if eqn.prim == "matmul" and all(facts.ndim(a) in (1, 2) for a in eqn.args):
            return grad       # only stacks of matrices broadcast: the rule's gradients fit
        return self.emit("unbroadcast", (grad, operand), {}, hint, eqn.loc, Role.UNBROADCAST, eqn)


def _others_are_scalar_constants(prim, eqn, operand):
    """Whether every other operand of elementwise ``eqn`` is a number written in the code
    (``x * 2.0``): then the result, and the gradient, have ``operand``'s shape. An operand
    the rule treats as a constant still broadcasts (``np.where(mask, x, 0.0)``,
    ``np.copysign(x, y)``); an operation that is not elementwise makes its own shape
    (``np.broadcast_to(x, shape)``, ``np.triu`` of a vector)."""
    operands = bound_operands(prim, eqn)
    return all(a is operand or (isinstance(a, Const) and isinstance(a.value, (int, float)))
               for a in operands.values())


def _hint_of(atom):
    return atom.hint if isinstance(atom, Var) else "arg"


def _needed(eqns, wanted):
    """The equations of an instantiated rule that the wanted gradients depend on."""
    live = {v for w in wanted for v in atoms_in(w)}
    keep = []
    for e in reversed(eqns):
        if any(o in live for o in e.outs):
            keep.append(e)
            live.update(e.inputs())
    return keep[::-1]


def reverse(func: Function, wrt, facts, namer, *, with_value=False, seed=None) -> Function:
    """The gradient function of ``func`` with respect to parameters ``wrt`` (indices).

    ``func`` holds no ``ir.Call``: ``compiler.call_pairs.reverse`` first makes each call a
    call of a generated pair or inlines it.

    ``seed``: a Var standing for the gradient of the result (a cotangent the caller
    passes), which the function made takes as its last parameter; None: the seed is one."""
    wrt_vars = [func.params[i] for i in wrt]
    result = func.results[0]
    active = activity(func, wrt_vars)
    back = Backward(facts, namer, active, zero=softmax_shift.zero_operands(func, facts),
                    program=reverse_control.Program(func.body))
    if isinstance(result, Var) and result in active:
        back.adjoints[result] = seed if seed is not None else _seed(back, func, result)
    for eqn in reversed(func.body):
        back.backprop(eqn)
    body = _with_insertions(func.body, back.insert_before)
    grads = []
    for v in wrt_vars:
        grad = back.atom_of(v)
        if grad is None:
            grad = _zeros(back, v, func)
        grads.append(grad)
    grads = [_writeable(back, g, func) for g in grads]
    grads = _distinct(back, grads, func, (result,) if with_value else ())
    results = ((result,) if with_value else ()) + tuple(grads)
    params = func.params + ((seed,) if seed is not None else ())
    return Function(func.name, params, body + back.body, results, func.loc, func.doc,
                    defaults=func.defaults)


def _seed(back, func, result):
    """The gradient of ``result`` with respect to itself: 1, of the output's dtype and
    shape (an array of one entry, as ``keepdims=True`` leaves it, gets an array of ones)."""
    if _is_float64(back.facts, result) and not np.shape(back.facts.values.get(result, 0.0)):
        return back.emit("constant", (Const(1.0),), {}, adjoint_hint(result.hint), func.loc, Role.SEED, None)
    # keep the output's dtype (float32 in, float32 gradient out)
    return back.emit("numpy.ones_like", (result,), {}, adjoint_hint(result.hint), func.loc, Role.SEED, None)


def _writeable(back, grad, func):
    """A gradient the caller may update in place: ``np.broadcast_to`` views are copied."""
    producer = next((e for e in reversed(back.body) if isinstance(e, Eqn) and grad in e.outs), None)
    if producer is None or producer.prim != "broadcast_to":
        return grad
    return back.emit("numpy.copy", (grad,), {}, grad.hint, func.loc, Role.ADJOINT, producer.origin)


def _distinct(back, grads, func, taken):
    """Gradients that are one array (``(x + y) * z``: ``dx`` and ``dy`` are both ``dout *
    z``) are returned as copies: updating one in place must not change the other. Python
    floats and NumPy scalars are immutable and stay shared."""
    seen = {id(t) for t in taken if isinstance(t, Var)}
    out = []
    for g in grads:
        if isinstance(g, Var) and id(g) in seen and not _immutable(back.facts, g):
            g = back.emit("numpy.copy", (g,), {}, g.hint, func.loc, Role.COPY, None)
        if isinstance(g, Var):
            seen.add(id(g))
        out.append(g)
    return out


def _immutable(facts, atom):
    if not facts.enabled or atom not in facts.values:
        return False
    return isinstance(facts.values[atom], (float, int, complex, np.generic))


def _is_float64(facts, atom):
    """True when the output is known to be a Python float or float64 (seed ``1.0``)."""
    if not facts.enabled:
        return True
    value = facts.values.get(atom)
    return type(value) is float or getattr(value, "dtype", None) == np.float64


def _zeros(back, var, func):
    if back.facts.is_python_float(var):
        return Const(0.0)
    if back.facts.container(var) is not None:      # a dict or list of arrays: one of zeros
        return reverse_containers.zeros(back, var, None)
    return back.emit("numpy.zeros_like", (var,), {}, adjoint_hint(var.hint), func.loc, Role.ZERO, None)


def _with_insertions(body, insert_before):
    """``body`` with the statements the reverse pass put before its loops (tape creation)."""
    out = []
    for stmt in body:
        out.extend(insert_before.get(id(stmt), ()))
        for block in blocks_of(stmt):
            block.body = _with_insertions(block.body, insert_before)
        out.append(stmt)
    return out
