"""Forward mode: an IR ``Function`` → one that also computes tangents (a JVP).

Input: a ``Function`` (lowered, or already transformed: a gradient's IR works too),
the indices ``wrt`` of the parameters that carry a tangent, the ``Facts`` (every
equation of the input already run on example values) and the ``Namer``.

Output: parameters ``(*params, d<p> for p in wrt)``; the body is each equation of the
input followed by the equations of its tangent (role ``Role.TANGENT``, ``origin`` the
equation they differentiate); results ``(*results, *tangents of results)``, a tangent
having its result's structure (a ``Pack`` gets a ``Pack``).

Each tangent is the primitive's forward rule, instantiated like a reverse rule
(``instantiate.instantiate``) with ``d<param>`` bound to the operand's tangent. What
every rule shares is handled here, once:

* symbolic zeros: an operand without a tangent (a constant, a value that does not
  depend on ``wrt``, a ``nondiff`` operand) is bound to ``Const(Zero)``; the rule's
  equations are then simplified (``a + 0 → a``, ``0 * a → 0``, ``-0 → 0``, and any
  operation whose tangent operands are all zero is zero: a forward rule is linear in
  its tangents), so inactive operands cost nothing and an equation whose tangents are
  all zero produces no tangent at all;
* shapes: where a simplification would leave a tangent smaller than its value (the
  tangent of ``x + y`` is ``dx`` when only the scalar ``x`` is active), zeros of the
  value's shape are added back, so every tangent has its value's shape;
* missing rules: a tangent flowing into an operand with no forward rule is an error
  at the user's line, never a silently dropped derivative.
"""
from __future__ import annotations

import inspect

import numpy as np

from diffc.ad import forward_control
from diffc.ad.forward_control import Zero, is_zero
from diffc.core import primitives
from diffc.core.build import Builder
from diffc.errors import DiffcError, NoRuleError
from diffc.rules.instantiate import bound_operands, instantiate
from diffc.core.ir import Const, Eqn, Function, If, Loop, Pack, Role, Var, VarKind, atoms_in
from diffc.core.naming import adjoint_hint



def forward(func: Function, wrt, facts, namer, *, tangent_values=None) -> Function:
    """The JVP of ``func`` with respect to parameters ``wrt`` (indices).

    ``tangent_values``: example values of the tangent parameters, bound in ``facts``
    (default: zeros shaped like each parameter's example value).
    """
    tangents = {}
    tangent_params = []
    for k, i in enumerate(wrt):
        param = func.params[i]
        hint = adjoint_hint(param.hint)
        if hint in namer.taken:        # a gradient's IR already has dx: its tangent is tx
            hint = "t" + param.hint
        t = namer.var(hint, VarKind.ADJOINT)
        tangents[param] = t
        tangent_params.append(t)
        if facts.enabled:
            example = tangent_values[k] if tangent_values is not None else _zeros_like(facts.value(param))
            facts.bind_param(t, example)
    tangent_of = _Tangents(facts, namer, tangents)
    tangent_of.tapes = forward_control.tangent_tapes(func, [func.params[i] for i in wrt])
    body = []
    for stmt in func.body:
        body.extend(tangent_of.statement(stmt))
    results = tuple(tangent_of.result(r, func.loc) for r in func.results)
    body.extend(tangent_of.pending)
    return Function(func.name, func.params + tuple(tangent_params), body,
                    func.results + results, func.loc, func.doc, defaults=func.defaults)


def _zeros_like(value):
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return np.zeros_like(value)
    return 0.0


class _Tangents:
    """State of one forward pass: the tangent of each value that has one."""

    def __init__(self, facts, namer, tangents, leaked=None):
        self.facts = facts
        self.namer = namer
        self.tangents = dict(tangents)
        self.pending: list = []      # equations made for the results (zeros)
        # tangents of values made inside a branch, shared by every state: the reverse
        # pass's backward branch reads the forward branch's values (it runs on the same
        # path), so forward mode over it must read their tangents too
        self.leaked = {} if leaked is None else leaked
        self.tapes = frozenset()     # tapes whose values have tangents: they get a tape of them

    def child(self, tangents=()):
        """The state for a nested block: it sees every tangent defined so far."""
        child = _Tangents(self.facts, self.namer, {**self.tangents, **dict(tangents)}, self.leaked)
        child.tapes = self.tapes
        return child

    def statement(self, stmt):
        """The statements replacing ``stmt``: itself then its tangent equations, or (for
        control flow) one statement computing both."""
        if isinstance(stmt, If):
            return forward_control.tangent_if(self, stmt)
        if isinstance(stmt, Loop):
            return forward_control.tangent_loop(self, stmt)
        return [stmt] + self.equation(stmt)

    def of(self, atom):
        """The tangent of an operand: a Var, a Pack of tangents, or ``Const(Zero)``."""
        if isinstance(atom, Var) and atom in self.tangents:
            return self.tangents[atom]
        if isinstance(atom, Var) and atom in self.leaked:
            return self.leaked[atom]
        if isinstance(atom, Pack) and atom.kind != "slice":
            items = tuple(self.of(item) for item in atom.items)
            if atom.kind == "dict":        # keys alternate with values: keys stay keys
                items = tuple(k for pair in zip(atom.items[::2], items[1::2]) for k in pair)
                if all(is_zero(i) for i in items[1::2]):
                    return Const(Zero(atom))
            if not all(is_zero(i) for i in items):
                return Pack(atom.kind, items)
        return Const(Zero(atom))

    def equation(self, eqn):
        """The tangent equations of one equation (none when its tangent is zero)."""
        prim = primitives.get(eqn.prim)
        if prim.effect == "tape":        # a reverse-mode loop's saved values
            return forward_control.tangent_tape(self, eqn)
        if not eqn.outs:
            return []
        if not prim.differentiable:
            return []
        operands = bound_operands(prim, eqn)
        live = [p for p, a in operands.items() if p not in prim.nondiff and not is_zero(self.of(a))]
        if not live:
            return []
        rule = prim.forward_rule
        provided = _tangent_keywords(prim)
        missing = [p for p in live if f"d{p}" not in provided]
        if missing:
            raise NoRuleError(
                f"diffc has no forward (tangent) rule for {prim.name} with respect to its "
                f"argument {missing[0]!r}, and that argument depends on what you differentiate",
                eqn.loc, f"wrap the argument in diffc.stop_gradient(...) if it should be a "
                         f"constant, or register a forward rule for {prim.name}")
        out = eqn.outs[0]
        bindings = {"out": out, **operands}
        bindings.update({name: self.of(operands[name[1:]]) for name in provided})
        hints = {"dout": adjoint_hint(out.hint)}
        eqns, env = instantiate(rule, bindings, self.facts, self.namer, eqn.loc, Role.TANGENT, eqn, hints)
        simplified, dout = _Simplify(self, eqn).run(eqns, env["dout"])
        if is_zero(dout):
            return []
        needed = _needed(simplified, dout)
        kept = Builder(needed[:-1], self.facts, self.namer, role=Role.TANGENT)
        if needed:
            last, dout = _named(needed[-1], dout, out)
            kept.add(last)              # run again: the example value under the tangent's name
        fitted, extra = self.fit(dout, out, eqn)
        self.tangents[out] = fitted
        return kept.body + extra

    def fit(self, tangent, value, origin):
        """``tangent`` with ``value``'s shape: zeros of that shape added where it is smaller."""
        tshape, vshape = _shape(self.facts, tangent), _shape(self.facts, value)
        if tshape is None or vshape is None or tshape == vshape:
            return tangent, []
        if np.broadcast_shapes(tshape, vshape) != vshape:
            raise DiffcError(f"the tangent of {origin.prim} has shape {tshape}, larger than "
                             f"its value's {vshape}: the forward rule is wrong", origin.loc)
        eqns = []
        zeros = self.zeros(value, origin, eqns)
        full = self.make(eqns, "operator.add", (tangent, zeros), origin, adjoint_hint(value.hint))
        return full, eqns

    def result(self, atom, loc):
        """The tangent of a returned atom, zeros made explicit."""
        if isinstance(atom, Pack):
            return Pack(atom.kind, tuple(self.result(i, loc) for i in atom.items))
        tangent = self.of(atom)
        if not is_zero(tangent):
            return tangent
        return self.zeros(atom, None, self.pending)

    def zeros(self, like, origin, eqns):
        """An explicit zero shaped like ``like``: ``0.0`` for scalars, else ``zeros_like``."""
        if isinstance(like, Pack):
            return Pack(like.kind, tuple(self.zeros(i, origin, eqns) for i in like.items))
        if not isinstance(like, Var) or self.facts.kind(like) == "scalar":
            return Const(0.0)
        if self.facts.container(like) is not None:     # a list of gradients, say
            return self.make(eqns, "zeros_like_gradient", (like,), origin, adjoint_hint(like.hint))
        return self.make(eqns, "numpy.zeros_like", (like,), origin, adjoint_hint(like.hint))

    def make(self, eqns, source_name, args, origin, hint):
        """Append ``source_name(args)`` to ``eqns`` (and run it on the facts); return its output."""
        prim = primitives.lookup(source_name) if "." in source_name else primitives.get(source_name)
        if prim is None:
            raise DiffcError(f"forward mode needs {source_name}, which has no template", None)
        return Builder(eqns, self.facts, self.namer, role=Role.TANGENT).eqn(
            prim.name, args, hint=hint, kind=VarKind.ADJOINT, origin=origin)


def _shape(facts, atom):
    """The static shape of an array or number; None if unknown or a sequence (a tuple of
    arrays, whose parts need not share a shape)."""
    if not isinstance(atom, (Var, Const)) or facts.kind(atom) is None:
        return None
    return facts.shape(atom)


def _tangent_keywords(prim):
    """The tangents ``prim``'s forward rule takes: its keyword-only parameters, except the
    primitive's own options that follow a ``*args`` (``meshgrid(*xi, indexing="xy")``)."""
    if prim.forward_rule is None:
        return []
    return [p.name for p in inspect.signature(prim.forward_rule).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in prim.params]


class _Simplify:
    """Symbolic-zero simplification of one instantiated forward rule.

    A value is *tangent-derived* when it is computed from a tangent; the others are
    primal computations inside the rule (``np.cos(x)``) and are kept as they are.
    """

    def __init__(self, tangents, origin):
        self.t = tangents
        self.origin = origin
        self.alias: dict = {}
        self.derived = {v for known in (tangents.tangents, tangents.leaked)
                        for a in known.values() for v in atoms_in(a)}

    def run(self, eqns, dout):
        """The equations kept (each run on the facts as it is kept), and ``dout``."""
        self.build = Builder([], self.t.facts, self.t.namer, role=Role.TANGENT)
        for eqn in eqns:
            self.equation(eqn)
        return self.build.body, self.sub(dout)

    def sub(self, atom):
        if isinstance(atom, Var):
            return self.alias.get(atom, atom)
        if isinstance(atom, Pack):
            return Pack(atom.kind, tuple(self.sub(i) for i in atom.items))
        return atom

    def parts(self, atom):
        """The tangent-derived parts of an operand: Vars and zeros."""
        if is_zero(atom) or (isinstance(atom, Var) and atom in self.derived):
            yield atom
        elif isinstance(atom, Pack):
            for item in atom.items:
                yield from self.parts(item)

    def equation(self, eqn):
        args = tuple(self.sub(a) for a in eqn.args)
        kwargs = {k: self.sub(a) for k, a in eqn.kwargs.items()}
        eqn = Eqn(eqn.outs, eqn.prim, args, kwargs, eqn.loc, eqn.role, eqn.origin)
        out = eqn.outs[0]
        parts = [p for a in (*args, *kwargs.values()) for p in self.parts(a)]
        if not parts:
            self.keep(eqn, derived=False)
        elif all(is_zero(p) for p in parts):
            self.alias[out] = Const(Zero())
        elif not any(is_zero(p) for p in parts):
            self.keep(eqn)
        elif eqn.prim == "add":
            self.add(eqn, *args)
        elif eqn.prim == "subtract":
            self.subtract(eqn, *args)
        else:
            self.materialize(eqn)

    def keep(self, eqn, derived=True):
        if derived:
            self.derived.add(eqn.outs[0])
        self.build.add(eqn)

    def add(self, eqn, x, y):
        zero, other = (x, y) if is_zero(x) else (y, x)
        if self._same_shape_after(other, zero):
            self.alias[eqn.outs[0]] = other
        else:
            self.materialize(eqn)

    def subtract(self, eqn, x, y):
        if is_zero(y) and self._same_shape_after(x, y):
            self.alias[eqn.outs[0]] = x
        elif is_zero(x) and self._same_shape_after(y, x):
            self.keep(Eqn(eqn.outs, "negative", (y,), {}, eqn.loc, eqn.role, eqn.origin))
        else:
            self.materialize(eqn)

    def _same_shape_after(self, atom, zero):
        """Whether ``atom + zero`` surely has ``atom``'s shape."""
        facts = self.t.facts
        like = zero.value.like
        if not isinstance(like, Var):
            return True               # a constant operand, or a zero made inside the rule
        shape, zshape = _shape(facts, atom), _shape(facts, like)
        if shape is None or zshape is None:
            return False              # unknown shapes: keep the zeros, which is always right
        return np.broadcast_shapes(shape, zshape) == shape

    def materialize(self, eqn):
        """Replace each zero operand by an explicit zero of its value's shape (made first)."""
        def explicit(atom):
            if is_zero(atom):
                return self.t.zeros(atom.value.like, self.origin, self.build.body)
            if isinstance(atom, Pack):
                return Pack(atom.kind, tuple(explicit(i) for i in atom.items))
            return atom

        args = tuple(explicit(a) for a in eqn.args)
        kwargs = {k: explicit(a) for k, a in eqn.kwargs.items()}
        self.keep(Eqn(eqn.outs, eqn.prim, args, kwargs, eqn.loc, eqn.role, eqn.origin))


def _named(last, tangent, value):
    """``(last, tangent)``, with the tangent ``last`` makes named after ``value`` (``dq``
    for ``q``; a temporary's tangent is a temporary too, which the emitter may fold)."""
    if tangent not in last.outs:
        return last, tangent
    kind = VarKind.TEMP if value.kind is VarKind.TEMP else VarKind.ADJOINT
    named = Var(tangent.name, adjoint_hint(value.hint), kind)
    return Eqn((named,), last.prim, last.args, last.kwargs, last.loc, last.role, last.origin), named


def _needed(eqns, wanted):
    """The equations the tangent ``wanted`` depends on, in order."""
    live = set(atoms_in(wanted))
    keep = []
    for e in reversed(eqns):
        if any(o in live for o in e.outs):
            keep.append(e)
            live.update(e.inputs())
    return keep[::-1]
