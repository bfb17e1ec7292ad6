"""Staging: a function, or a diffc transform of one, as IR on example arguments, and the
transforms composed on that IR (gradient, JVP, VJP) before it is emitted.

A ``Staged`` is an IR ``Function`` together with the ``Facts`` (example value of every
Var) and the ``Namer`` it was built with, the user's root ``SourceFunction`` (for error
locations and the generated module's header) and ``structure``: how the flat
``func.results`` are returned (an index into them, or a tuple of structures).

Composition is at the IR level, never through generated text: ``grad(grad(f))`` is
reverse mode applied to the IR of ``grad(f)`` (which is reverse mode applied to the IR
of ``f``); ``jvp(grad(f))`` is forward mode over reverse mode (a Hessian-vector
product). Anything with a ``_diffc_stage(args)`` method (``GradientFunction``, ...) can
be staged, so transforms nest to any depth.

A call to a transform *inside* a compiled function (``g = grad_loss(w)``, with
``grad_loss = diffc.grad(loss)`` at module level) is lowered to one ``call_transform``
equation (``lower_transform_call``, reached through ``__diffc_lower_call__``); once the
example values are known, ``expand_calls`` replaces it with the transform's own IR
staged on the call's arguments, so the caller is differentiated through it.
"""
from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass

import numpy as np

from diffc.ad.forward import forward
from diffc.backend import emit_names, functions
from diffc.compiler.call_pairs import reverse
from diffc.compiler.lowering import Compiled, check_values, lower, user_modules, with_free
from diffc.compiler.transform_calls import call_transform
from diffc.core import primitives
from diffc.core.build import Builder
from diffc.core.facts import Facts
from diffc.core.ir import (Block, Eqn, Function, If, Loop, Pack, Role, Var, VarKind, all_names,
                           substitute_atom, walk)
from diffc.core.naming import Namer, adjoint_hint
from diffc.core.verify import checked
from diffc.errors import DiffcError, NonScalarOutput
from diffc.frontend import source
from diffc.optimize import passes


@dataclass
class Staged:
    func: Function
    facts: Facts
    namer: Namer
    src: object               # the user's SourceFunction at the root
    structure: object = 0     # index into func.results, or a tuple of structures
    what: str = ""            # "f", "grad(f)", ... for messages and docstrings
    free: tuple = ()          # bindings.FreeInput: parameters after the user's, read at each call

    def single_result(self, transform):
        """The one returned atom, or a located error naming ``transform``."""
        if not isinstance(self.structure, int):
            raise NonScalarOutput(
                f"{transform} needs a function with one output, but {self.what} returns a tuple",
                self.src.loc(), f"apply {transform} to a function returning one value")
        return self.func.results[self.structure]


def stage(fn, args) -> Staged:
    """Stage a Python function or a diffc transform object on example ``args``."""
    hook = getattr(fn, "_diffc_stage", None)
    if hook is not None:
        return hook(tuple(args) if args is not None else None)
    return stage_source(source.from_function(fn), args)


def stage_source(src, args) -> Staged:
    """Lower ``src`` and run it on ``args`` (None: no example values, general code)."""
    facts = Facts(args is not None)
    facts.stand_in = getattr(args, "stand_in", None)     # (``backends``: NumPy's for other arrays)
    func = lower(src, facts=facts, args=args if not src.method else None)
    if args is not None and src.method:     # lowered without example values: they run now
        facts.run_function(func, with_free(func, args))
    checked(func, facts, "lowering")
    namer = Namer(taken=all_names(func))
    func = checked(expand_calls(func, facts, namer), facts, "expand_calls")
    return Staged(func, facts, namer, src, 0, func.name, func.free)


def check_float_args(staged, wrt, args, transform):
    """Every differentiated argument must hold floats (a located error otherwise)."""
    check_values(staged.src, [p.name for p in staged.func.params], wrt, args)


def gradient(staged, wrt, *, with_value=False, has_aux=False, single=True) -> Staged:
    """Reverse mode on a staged scalar function: ``grad``/``value_and_grad``."""
    result = staged.single_result("grad")
    aux = None
    if has_aux:
        if not (isinstance(result, Pack) and len(result.items) == 2):
            raise DiffcError(f"has_aux=True needs {staged.what} to return a pair (loss, aux)",
                             staged.src.loc(), "return loss, aux")
        result, aux = result.items
    _check_scalar(staged, result)
    func = staged.func
    primal = Function(func.name, func.params, func.body, (result,), func.loc, func.doc,
                      defaults=func.defaults)
    grad = reverse(primal, wrt, staged.facts, staged.namer, with_value=with_value)
    if aux is not None:
        grad.results = grad.results + (aux,)
    checked(grad, staged.facts, "reverse")
    grad = _optimized(grad, staged)
    first = 1 if with_value else 0
    grads = first if single else tuple(range(first, first + len(wrt)))
    n = len(grad.results)
    if with_value:
        structure = ((0, n - 1), grads) if has_aux else (0, grads)
    else:
        structure = (grads, n - 1) if has_aux else grads
    kind = "value_and_grad" if with_value else "grad"
    return Staged(grad, staged.facts, staged.namer, staged.src, structure, f"{kind}({staged.what})",
                  staged.free)


def _optimized(func, staged):
    """``func`` optimized for another transform; the names the passes made are the
    ``Namer``'s from now on (a transform of it must not give one of them to another value:
    two values of one name are one value to the facts and to every pass)."""
    out = passes.optimize(func, staged.facts, emitted=False)
    staged.namer.taken.update(all_names(out))
    staged.namer.taken.update(v.name for v in staged.facts.values if isinstance(v, Var))
    return out


def _check_scalar(staged, result):
    shape = staged.facts.shape(result) if staged.facts.enabled else None
    if isinstance(result, Pack) or (shape is not None and np.prod(shape) != 1):
        what = "a tuple" if isinstance(result, Pack) else f"an array of shape {shape}"
        raise NonScalarOutput(
            f"grad needs a scalar output, but {staged.what} returns {what}",
            staged.src.loc(), "reduce it to a scalar (np.sum(...)), or use diffc.jacobian / diffc.vjp")


def jvp(staged, wrt, tangent_values) -> Staged:
    """Forward mode on a staged function: results ``(value, tangent)``."""
    func = _optimized(staged.func, staged)
    n = len(func.results)
    out = checked(forward(func, wrt, staged.facts, staged.namer, tangent_values=tangent_values),
                  staged.facts, "forward")
    out = _optimized(out, staged)
    structure = (staged.structure, _shift(staged.structure, n))
    return Staged(out, staged.facts, staged.namer, staged.src, structure, f"jvp({staged.what})",
                  staged.free)


def _shift(structure, n):
    if isinstance(structure, int):
        return structure + n
    return tuple(_shift(s, n) for s in structure)


def vjp(staged, wrt, cotangent_value, *, single=True) -> Staged:
    """Reverse mode seeded with a cotangent parameter: results the gradients (a pullback)."""
    result = staged.single_result("vjp")
    if isinstance(result, Pack):
        raise DiffcError(f"vjp needs {staged.what} to return one array, not a tuple",
                         staged.src.loc(), "return a single array (np.concatenate the parts)")
    func = staged.func
    hint = adjoint_hint(result.hint if isinstance(result, Var) else "out")
    seed = staged.namer.var(hint, VarKind.ADJOINT)
    if staged.facts.enabled:
        staged.facts.bind_param(seed, cotangent_value)
    primal = Function(func.name, func.params, func.body, (result,), func.loc, func.doc)
    grad = checked(reverse(primal, wrt, staged.facts, staged.namer, seed=seed), staged.facts, "reverse")
    grad = _optimized(grad, staged)
    structure = 0 if single else tuple(range(len(wrt)))
    return Staged(grad, staged.facts, staged.namer, staged.src, structure, f"vjp({staged.what})",
                  staged.free)


# -- calls to transforms from user code --------------------------------------------------
def expand_calls(func, facts, namer):
    """``func`` with each ``call_transform`` replaced by the IR of the transform staged on
    the call's example values (its parameters bound to the call's operands)."""
    if not any(isinstance(e, Eqn) and e.prim == call_transform.name for e in func.body):
        return func
    if not facts.enabled:
        raise DiffcError("a call to a diffc transform inside a function needs example "
                         "arguments to compile", func.loc, "call the compiled function, "
                         "or pass --arg for every parameter")
    alias, body = {}, []
    free = {f.fetch: f for f in func.free}
    for eqn in func.body:
        eqn = _substituted(eqn, alias)
        if isinstance(eqn, Eqn) and eqn.prim == call_transform.name:
            transform, operands = eqn.args[0].value, eqn.args[1:]
            eqns, result = _inlined(transform, operands, facts, namer, eqn.loc, free)
            body.extend(eqns)
            alias[eqn.outs[0]] = result
        else:
            body.append(eqn)
    results = tuple(_sub_atom(r, alias) for r in func.results)
    added = tuple(f.var for f in list(free.values())[len(func.free):])
    return Function(func.name, func.params + added, body, results, func.loc, func.doc,
                    tuple(free.values()), defaults=func.defaults)


def _inlined(transform, operands, facts, namer, loc, free):
    """The equations of ``transform`` staged on the operands' example values, renamed into
    the caller's namespace and run on the caller's facts; and the atom of its result.
    The transform's free inputs become the caller's (``free``: fetch -> FreeInput)."""
    inner = stage(transform, tuple(facts.value(a) for a in operands))
    result = inner.single_result("a call")
    renamed = dict(zip(inner.func.params, operands))
    for f in inner.free:
        if f.fetch not in free:
            var = namer.var(f.var.hint)
            facts.bind_param(var, f.value)
            free[f.fetch] = dataclasses.replace(f, var=var)
        renamed[f.var] = free[f.fetch].var
    copies = {}
    eqns = Builder([], facts, namer, role=Role.PRIMAL)
    for eqn in inner.func.body:
        if not isinstance(eqn, Eqn):
            raise DiffcError(f"calling {transform!r} inside a compiled function: its control "
                             "flow cannot be inlined yet", loc)
        for v in eqn.outs:
            renamed[v] = namer.var(v.hint, v.kind)
        copy = _substituted(eqn, renamed)
        copy.origin = copies.get(id(eqn.origin), copy.origin)
        copies[id(eqn)] = eqns.add(copy)
    return eqns.body, _sub_atom(result, renamed)


_sub_atom = substitute_atom


def _substituted(eqn, mapping):
    if not isinstance(eqn, Eqn) or not mapping:
        return eqn
    return Eqn(tuple(mapping.get(o, o) for o in eqn.outs), eqn.prim,
               tuple(_sub_atom(a, mapping) for a in eqn.args),
               {k: _sub_atom(a, mapping) for k, a in eqn.kwargs.items()},
               eqn.loc, eqn.role, eqn.origin)


# -- emission ---------------------------------------------------------------------------
def emit_staged(staged, name, doc):
    """``def name(...)`` for a staged function, as a ``Compiled``."""
    func = _presentable(passes.for_emission(staged.func, staged.facts))

    def returns(exprs):
        return _build(staged.structure, exprs)

    fdef, helpers = functions.emit_function(func, name, doc, returns)
    return Compiled(name, fdef, helpers, {"optimized": staged.func}, user_modules=user_modules(func))


def _build(structure, exprs):
    if isinstance(structure, int):
        return exprs[structure]
    return ast.Tuple([_build(s, exprs) for s in structure], ast.Load())


def _presentable(func):
    """A copy whose tangent equations read like the lines they differentiate.

    A tangent of a primal line is printed like a primal line (with ``# model.py:7`` at
    its end); a tangent of an adjoint line joins that adjoint line's block. Temporaries
    that the emitter folds into their reader are moved next to it (see ``_sink``).
    """
    foldable = emit_names.plan_folding(func)
    return Function(func.name, func.params, _present_body(func.body, foldable), func.results,
                    func.loc, func.doc, defaults=func.defaults)


def _present_body(body, foldable):
    stmts = []
    for stmt in body:
        if isinstance(stmt, Eqn) and stmt.role is Role.TANGENT:
            stmt = _as_read(stmt)
        elif isinstance(stmt, If):
            stmt = dataclasses.replace(stmt, then=_present_block(stmt.then, foldable),
                                       orelse=_present_block(stmt.orelse, foldable))
        elif isinstance(stmt, Loop):
            cond = stmt.cond and _present_block(stmt.cond, foldable)
            stmt = dataclasses.replace(stmt, body=_present_block(stmt.body, foldable), cond=cond)
        stmts.append(stmt)
    return _sink(stmts, foldable)


def _present_block(block, foldable):
    return Block(block.params, _present_body(block.body, foldable), block.results)


def _as_read(eqn):
    origin = eqn.origin
    while origin is not None and origin.role is Role.TANGENT:
        origin = origin.origin
    if origin is None or origin.role in (Role.PRIMAL, Role.SEED, Role.ZERO):
        return dataclasses.replace(eqn, role=Role.PRIMAL, origin=None)
    return dataclasses.replace(eqn, role=origin.role, origin=origin.origin)


def _sink(body, foldable):
    """``body`` with each temporary that will be folded placed right before its reader.

    Forward mode interleaves tangent lines between a temporary and the line that reads
    it; once folded, the temporary's expression is evaluated at its reader, so it must
    not be separated from it by lines the emitter may give its operands' names to.
    """
    defs = {s.outs[0]: s for s in body if isinstance(s, Eqn) and s.outs and s.outs[0] in foldable}
    order = {id(s): k for k, s in enumerate(body)}
    placed, out = set(), []

    def place(stmt):
        deps = [defs[v] for v in stmt.inputs() if v in defs and v not in placed]
        for dep in sorted({id(d): d for d in deps}.values(), key=lambda d: order[id(d)]):
            if dep.outs[0] not in placed:
                placed.add(dep.outs[0])
                place(dep)
        out.append(stmt)

    for stmt in body:
        if not (isinstance(stmt, Eqn) and stmt.outs and stmt.outs[0] in defs):
            place(stmt)
    out.extend(s for s in body if isinstance(s, Eqn) and s.outs and s.outs[0] in defs
               and s.outs[0] not in placed)
    return out


def describe_args(func, args):
    """``x: float64[3], y: float`` for a docstring."""
    parts = []
    for var, value in zip(func.params, args):
        if isinstance(value, np.ndarray):
            parts.append(f"{var.name}: {value.dtype}{list(value.shape)}")
        else:
            parts.append(f"{var.name}: {type(value).__name__}")
    return ", ".join(parts)
