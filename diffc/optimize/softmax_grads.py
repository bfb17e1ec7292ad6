"""The gradient through a softmax in closed form: ``softmax_gradients(func, facts)``.

Reverse mode takes a softmax ``P = e / Z`` (``Z = np.sum(e, axis=k, keepdims=True)``,
``e = np.exp(s)``) one operation at a time: the cotangent goes through the divide (twice),
the sum and the exp, and a cross-entropy's ``np.log(P)`` divides it by ``P`` first. What
comes out is the textbook's two lines::

    dlogits = G - P * np.sum(G, axis=k, keepdims=True)       # under log(P): log-softmax
    dlogits = P * (H - np.sum(H * P, axis=k, keepdims=True))  # softmax, H = the gradient of P

and, with one-hot targets ``G = c * T`` (``c = -dout / N``), ``(P * T.sum(axis=k,
keepdims=True) - T) * dout / N``; with integer labels (``G`` scattered at
``[np.arange(N), labels]``, one entry per row), ``(P - onehot) * dout / N``.

How a rewrite is found (not from names, from what the adjoint equations compute).
An adjoint equation ``V`` and a cotangent ``g`` it is made from (``V``'s *leaf*) are
evaluated symbolically: each equation between them must be linear in ``g`` (negate, add,
subtract, multiply or divide by a forward value, ``np.sum`` along axis ``k`` with
``keepdims=True``, ``np.broadcast_to``), so ``V`` is a sum of terms ``c * g`` and
``c * R[h * g]``, ``R`` the sum along ``k``, with coefficients Laurent polynomials in the
forward values (exact: rational numbers, no floating point). A factor of size one along
``k`` moves out of ``R``. Two facts of the forward equations are used, both
definitions: ``P = e / Z`` and ``R[e] = Z``. ``V`` is rewritten when its normal form
is exactly one of the two forms above (the coefficients compared exactly), which makes
each rewrite an identity of real functions, not an approximation. The shift of a
stable softmax (``s = a - np.max(a, axis=k, keepdims=True)``) falls out of the same
algebra: the max's gradient is ``-R[V]``, and ``R[P] = R[e] / Z = 1`` makes it zero,
so the gradient of ``a`` through it has the same normal form as ``V``'s and the max
rule's tie routing is no longer computed.

Where the normal form is anything else (``np.log(P + 1e-7)``: the divide by ``P`` no longer
cancels; a weight on the log; a sum along another axis or without ``keepdims``; a log of
something else) nothing is rewritten, except what is still exact (``np.log(P + 1e-7)``
leaves the softmax's own backward, the second form, with ``H`` the gradient of ``P``).
The one numerical difference: where ``P`` underflows to 0 the chain's ``G / P`` is
``0 / 0`` (NaN), the closed form its finite limit.

The one-hot case needs ``c`` a 0-d cotangent and ``T`` a forward array of ``P``'s shape;
the label case, a two-dimensional ``P``, ``k = 1``, an index ``(np.arange(n), labels)``
of one-dimensional integer arrays and ``n`` the number of rows of ``P`` for every call
(the signature fixes it, or both are the same array's ``shape[0]``). The replaced
equations, read by nothing else, are left for ``dead_code``; the replacement is built where ``V``
was, and must have ``V``'s shape and dtype on the example values. Needs ``facts``;
without them nothing changes.
"""
from __future__ import annotations

import copy
import fractions

import numpy as np

from diffc.core import primitives
from diffc.core.build import Builder
from diffc.core.ir import (Const, Eqn, Function, Pack, Role, Var, VarKind, blocks_of, map_blocks, producers,
                           with_body)
from diffc.core.naming import fresh_namer
from diffc.optimize.simplify_check import _live_uses
from diffc.rules.instantiate import bound_operands

_SUMS = ("sum", "sum_method")
_FORWARD = (Role.PRIMAL, Role.TAPE)
_LINEAR = ("negative", "add", "subtract", "multiply", "divide", "broadcast_to") + _SUMS
_MAX_TREE = 64           # equations between a root and its leaves
_ROW_REDUCTIONS = ("max", "min", "sum", "mean", "max_method", "min_method", "sum_method", "mean_method")


def softmax_gradients(func: Function, facts=None) -> Function:
    """``func`` with each adjoint that is a softmax's or log-softmax's backward written in
    closed form."""
    if facts is None or not facts.enabled:
        return func
    run = _Pass(func, facts)
    body = run.block(func.body)
    return func if body is None else with_body(func, body)


# -- exact Laurent polynomials in forward values ---------------------------------------------
# A monomial is a sorted tuple of (Var, exponent); a polynomial a dict monomial -> Fraction.
def _mono(*factors):
    powers = {}
    for v, n in factors:
        powers[v] = powers.get(v, 0) + n
    return tuple(sorted(((v, n) for v, n in powers.items() if n), key=lambda vn: vn[0].name))


def _times(p, q):
    out = {}
    for m1, a in p.items():
        for m2, b in q.items():
            m = _mono(*m1, *m2)
            out[m] = out.get(m, 0) + a * b
    return {m: a for m, a in out.items() if a}


def _plus(p, q):
    out = dict(p)
    for m, a in q.items():
        out[m] = out.get(m, 0) + a
    return {m: a for m, a in out.items() if a}


def _inverse(p):
    """``1 / p`` for a single term, else None."""
    if len(p) != 1:
        return None
    (m, a), = p.items()
    return {tuple((v, -n) for v, n in m): 1 / a}


_ONE = {(): fractions.Fraction(1)}


# -- linear forms: {"g": poly, ("R", monomial): poly} -----------------------------------------
def _scaled(form, poly):
    out = {}
    for basis, c in form.items():
        c = _times(c, poly)
        if c:
            out[basis] = c
    return out


def _summed(f1, f2):
    out = dict(f1)
    for basis, c in f2.items():
        c = _plus(out.get(basis, {}), c)
        if c:
            out[basis] = c
        else:
            out.pop(basis, None)
    return out


class _Algebra:
    """The symbolic evaluation of adjoint equations along one axis ``k`` of arrays of shape
    ``S``, for one softmax (``e``, ``Z``)."""

    def __init__(self, run, k, shape, e, Z):
        self.run, self.k, self.S, self.e, self.Z = run, k, shape, e, Z

    def row_constant(self, v):
        """Whether ``v`` (broadcast to ``S``) is constant along axis ``k``."""
        shape = self.run.facts.shape(v)
        if shape is None or len(shape) > len(self.S):
            return False
        j = self.k - (len(self.S) - len(shape))
        return j < 0 or shape[j] == 1

    def split(self, mono):
        """``mono`` as (the factors constant along ``k``, the others)."""
        rc, el = [], []
        for v, n in mono:
            (rc if self.row_constant(v) else el).append((v, n))
        return tuple(rc), tuple(el)

    def coefficient(self, atom):
        """A forward value or number as a polynomial (``P`` as ``e / Z``), or None."""
        if isinstance(atom, Const):
            value = atom.value
            if type(value) not in (int, float) or not np.isfinite(value):
                return None
            return {(): fractions.Fraction(value)} if value else {}
        if not isinstance(atom, Var) or self.run.cotangent(atom) or self.run.facts.shape(atom) is None:
            return None
        if self.run.normalised(atom) == (self.e, self.Z):
            return {_mono((self.e, 1), (self.Z, -1)): fractions.Fraction(1)}
        return {_mono((atom, 1)): fractions.Fraction(1)}

    def reduced(self, poly):
        """``R[poly]`` for a polynomial without ``g``: only ``R[e] = Z`` is known."""
        out = {}
        for m, a in poly.items():
            rc, el = self.split(m)
            if el != ((self.e, 1),):
                return None
            out = _plus(out, {_mono(*rc, (self.Z, 1)): a})
        return out

    def sum_along(self, form):
        out = {}
        for basis, c in form.items():
            if basis == "g":
                for m, a in c.items():
                    rc, el = self.split(m)
                    out = _summed(out, {("R", el): {rc: a}})
            else:
                r = self.reduced(c)
                if r is None:
                    return None
                out = _summed(out, {basis: r})
        return out

    def evaluate(self, root, leaf, block_ids):
        """``root``'s normal form in its ``leaf`` and the equations evaluated, or None."""
        memo, members = {leaf: {"g": _ONE}}, []

        def linear(v):
            if v in memo:
                return memo[v]
            eqn = self.run.producer.get(v)
            if eqn is None or id(eqn) not in block_ids or eqn.role in _FORWARD \
                    or eqn.prim not in _LINEAR or len(members) >= _MAX_TREE:
                return None
            members.append(eqn)
            memo[v] = form = self.step(eqn, linear)
            return form

        form = linear(root)
        return (form, members) if form is not None else None

    def step(self, eqn, linear):
        ops = bound_operands(primitives.get(eqn.prim), eqn)
        run = self.run
        if eqn.prim == "negative":
            x = linear(ops["x"])
            return None if x is None else _scaled(x, {(): fractions.Fraction(-1)})
        if eqn.prim in ("add", "subtract"):
            x, y = ops["x"], ops["y"]
            if not (run.cotangent(x) and run.cotangent(y)):
                return None
            a, b = linear(x), linear(y)
            if a is None or b is None:
                return None
            return _summed(a, b if eqn.prim == "add" else _scaled(b, {(): fractions.Fraction(-1)}))
        if eqn.prim == "multiply":
            x, y = ops["x"], ops["y"]
            if run.cotangent(y):
                x, y = y, x
            if not run.cotangent(x) or run.cotangent(y):
                return None
            a, c = linear(x), self.coefficient(y)
            return None if a is None or c is None else _scaled(a, c)
        if eqn.prim == "divide":
            x, y = ops["x"], ops["y"]
            if not run.cotangent(x):
                return None
            a, c = linear(x), self.coefficient(y)
            c = _inverse(c) if c else None
            return None if a is None or c is None else _scaled(a, c)
        if eqn.prim == "broadcast_to":
            shape = run.facts.shape(eqn.outs[0])
            return linear(ops["array"]) if shape is not None and len(shape) == len(self.S) else None
        # a sum along k, keeping its axis
        a, shape = ops["a"], run.facts.shape(ops["a"])
        if shape is None or len(shape) != len(self.S) or run.axis(eqn, len(shape)) != self.k:
            return None
        form = linear(a)
        if form is None or shape[self.k] == 1:       # summing one entry: itself
            return form
        return self.sum_along(form)

    # -- the two closed forms, as normal forms -------------------------------------------
    def log_softmax(self):
        """``g - P * R[g]``."""
        return {"g": _ONE, ("R", ()): {_mono((self.e, 1), (self.Z, -1)): fractions.Fraction(-1)}}

    def softmax(self):
        """``P * g - P * R[P * g]``."""
        return {"g": {_mono((self.e, 1), (self.Z, -1)): fractions.Fraction(1)},
                ("R", _mono((self.e, 1))): {_mono((self.e, 1), (self.Z, -2)): fractions.Fraction(-1)}}


class _Pass:
    def __init__(self, func, facts):
        self.func, self.facts = func, facts
        self.producer = producers(func.body)
        self.uses = _live_uses(func)        # (dead equations the passes before left count not)
        self.namer = None
        self._cotangent = {}
        self._index_tapes()

    # -- what a value is ------------------------------------------------------------------
    def cotangent(self, v, depth=0):
        """A gradient value, or one computed from one; not a forward value (nor a value
        the backward pass computes from forward values alone, like the max rule's ties)."""
        if not isinstance(v, Var):
            return False
        if v.kind is VarKind.ADJOINT:
            return True
        if v not in self._cotangent:
            eqn = self.producer.get(v)
            self._cotangent[v] = eqn is not None and eqn.role not in _FORWARD and depth < 40 and (
                eqn.role is Role.SEED or any(self.cotangent(a, depth + 1) for a in eqn.inputs()))
        return self._cotangent[v]

    def axis(self, eqn, ndim):
        """The axis of a sum with ``keepdims=True`` along one axis (non-negative), or None."""
        ops = bound_operands(primitives.get(eqn.prim), eqn)
        axis, keep = ops.get("axis"), ops.get("keepdims")
        if not (isinstance(axis, Const) and type(axis.value) is int and isinstance(keep, Const)
                and keep.value is True and -ndim <= axis.value < ndim):
            return None
        return axis.value % ndim

    def normaliser(self, Z):
        """``(e, k)`` when forward value ``Z`` is ``np.sum(e, axis=k, keepdims=True)``; for
        ``Z`` popped from a tape, ``e`` is popped in the same block, and was pushed in the
        same block as ``Z``'s value (one iteration's ``e`` and ``Z`` come back together)."""
        if Z in self.pushed:
            Z0, pushed_in, popped_in = self.pushed[Z]
            found = self._normaliser(Z0)
            e = self.popped.get((found[0], popped_in)) if found is not None else None
            return (e, found[1]) if e is not None and self.pushed[e][1] == pushed_in else None
        return self._normaliser(Z)

    def _normaliser(self, Z):
        eqn = self.producer.get(Z) if isinstance(Z, Var) else None
        if eqn is None or eqn.role is not Role.PRIMAL or eqn.prim not in _SUMS:
            return None
        e = bound_operands(primitives.get(eqn.prim), eqn)["a"]
        shape = self.facts.shape(e) if isinstance(e, Var) else None
        if shape is None or self.facts.shape(Z) is None:
            return None
        k = self.axis(eqn, len(shape))
        return None if k is None else (e, k)

    def normalised(self, y):
        """``(e, Z)`` when forward value ``y`` is ``e / Z``, ``Z`` ``e``'s sum along an
        axis; or all three are popped together (as in ``normaliser``)."""
        if y in self.pushed:
            y0, pushed_in, popped_in = self.pushed[y]
            found = self._normalised(y0)
            if found is None:
                return None
            e, Z = (self.popped.get((v, popped_in)) for v in found)
            ok = e is not None and Z is not None and self.pushed[e][1] == self.pushed[Z][1] == pushed_in
            return (e, Z) if ok else None
        return self._normalised(y)

    def _normalised(self, y):
        eqn = self.producer.get(y)
        if eqn is None or eqn.role is not Role.PRIMAL or eqn.prim != "divide" or len(eqn.args) != 2:
            return None
        e, Z = eqn.args
        found = self._normaliser(Z)
        return (e, Z) if found is not None and found[0] == e else None

    def is_exp(self, e):
        e = self.pushed[e][0] if e in self.pushed else e
        return getattr(self.producer.get(e), "prim", None) == "exp"

    def _index_tapes(self):
        """``pushed``: popped value -> (the value pushed, the push's block, the pop's
        block); ``popped``: (value pushed, pop's block) -> popped value. Only tapes pushed
        once and popped once (per iteration of the loops around)."""
        pushes, pops = {}, {}

        def visit(stmts):
            for s in stmts:
                if isinstance(s, Eqn) and s.prim == "push" and len(s.args) == 2 and isinstance(s.args[0], Var):
                    pushes.setdefault(s.args[0], []).append((s.args[1], id(stmts)))
                elif isinstance(s, Eqn) and s.prim == "pop" and len(s.outs) == 1 and s.args \
                        and isinstance(s.args[0], Var):
                    pops.setdefault(s.args[0], []).append((s.outs[0], id(stmts)))
                for b in blocks_of(s):
                    visit(b.body)

        visit(self.func.body)
        self.pushed, self.popped = {}, {}
        for tape, made in pushes.items():
            taken = pops.get(tape, [])
            if len(made) == 1 and len(taken) == 1 and isinstance(made[0][0], Var):
                (value, pushed_in), (out, popped_in) = made[0], taken[0]
                self.pushed[out] = (value, pushed_in, popped_in)
                self.popped.setdefault((value, popped_in), out)

    # -- rewriting ------------------------------------------------------------------------
    def block(self, stmts):
        """The block's statements with softmax backward passes in closed form, or None."""
        softmaxes = []
        for s in stmts:
            if isinstance(s, Eqn) and len(s.outs) == 1 and (
                    s.role is Role.PRIMAL and s.prim in _SUMS or s.prim == "pop" and s.outs[0] in self.pushed):
                found = self.normaliser(s.outs[0])
                if found is not None and self.is_exp(found[0]):
                    softmaxes.append((found[0], s.outs[0], found[1]))
        changed, out = False, list(stmts)
        if softmaxes:
            out, changed = self.rewrite_block(out, softmaxes)
        result = []
        for s in out:
            if blocks_of(s):
                inner = []

                def visit(body):
                    new = self.block(body)
                    inner.append(new is not None)
                    return body if new is None else new

                s = map_blocks(s, visit)
                changed = changed or any(inner)
            result.append(s)
        return result if changed else None

    def rewrite_block(self, stmts, softmaxes):
        changed = False
        k = len(stmts) - 1
        while k >= 0:
            root = stmts[k]
            if isinstance(root, Eqn) and root.role not in _FORWARD and root.prim in _LINEAR \
                    and len(root.outs) == 1:
                for e, Z, axis in softmaxes:
                    new = self.rewrite(stmts, root, e, Z, axis)
                    if new is not None:
                        # on with the statements before the new ones (those read the root's leaf)
                        stmts, made = new
                        k = next(i for i, s in enumerate(stmts) if s is made[0])
                        changed = True
                        break
            k -= 1
        return stmts, changed

    def rewrite(self, stmts, root, e, Z, k):
        """``stmts`` with ``root`` in closed form, and the equations made; or None."""
        S = self.facts.shape(root.outs[0])
        if S is None or S != self.facts.shape(e):
            return None
        algebra = _Algebra(self, k, S, e, Z)
        block_ids = {id(s) for s in stmts}
        for leaf in self.leaves(root, block_ids, S):
            found = algebra.evaluate(root.outs[0], leaf, block_ids)
            if found is None:
                continue
            form, members = found
            if not self.closed(members, root):
                continue
            if form == algebra.log_softmax():
                kind = "log-softmax"
            elif form == algebra.softmax():
                kind = "softmax"
            else:
                continue
            made = self.closed_form(kind, root, leaf, e, Z, k, stmts, members)
            if made is None:
                continue
            # the members are left unread, for ``dead_code`` (so are equations that already
            # were, which may read them)
            out = []
            for s in stmts:
                out.extend(made if s is root else [s])
            for m in members:
                if m is not root:
                    for v in m.inputs():
                        self.uses[v] -= 1
            for s in made:
                for v in s.inputs():
                    self.uses[v] = self.uses.get(v, 0) + 1
                self.producer[s.outs[0]] = s
            for v in root.inputs():
                self.uses[v] -= 1
            return out, made
        return None

    def leaves(self, root, block_ids, S):
        """The cotangents of shape ``S`` that ``root`` is made from through linear
        equations, the farthest first (the largest rewrite is tried first)."""
        depth, order, work = {root.outs[0]: 0}, [], [root.outs[0]]
        while work and len(order) < _MAX_TREE:
            v = work.pop(0)
            eqn = self.producer.get(v)
            if eqn is None or id(eqn) not in block_ids or eqn.role in _FORWARD or eqn.prim not in _LINEAR:
                continue
            for a in eqn.inputs():
                if self.cotangent(a) and a not in depth:
                    depth[a] = depth[v] + 1
                    order.append(a)
                    work.append(a)
        found = [v for v in order if self.facts.shape(v) == S]
        return sorted(found, key=lambda v: -depth[v])

    def closed(self, members, root):
        """Whether what the members make (but the root) is read only by members."""
        reads = {}
        for m in members:
            for v in m.inputs():
                reads[v] = reads.get(v, 0) + 1
        return all(self.uses.get(m.outs[0], 0) == reads.get(m.outs[0], 0) for m in members if m is not root)

    # -- the replacement --------------------------------------------------------------------
    def closed_form(self, kind, root, g, e, Z, k, stmts, members):
        """The equations computing ``root``'s value in closed form (the last one makes
        ``root``'s output), or None when they do not have its shape and dtype."""
        out = root.outs[0]
        before = self.facts.values.get(out)
        if self.namer is None:
            self.namer = fresh_namer(self.func, self.facts)
        origin = copy.copy(root.origin) if isinstance(root.origin, Eqn) else \
            Eqn((), "constant", (), {}, root.loc, Role.PRIMAL, None)
        made = []
        build = Builder(made, self.facts, self.namer, role=Role.ADJOINT)
        P, axis = self.probabilities(e, Z, stmts, root, build, origin), self.axis_atom(Z)

        def eqn(prim, *args, kwargs=None, hint="", result=False):
            return build.eqn(prim, args, kwargs, hint=hint, loc=root.loc, origin=origin,
                             out=out if result else None)

        def row_sum(x):
            return eqn("sum", x, axis, kwargs={"keepdims": Const(True)}, hint="sum")

        lines = _lines(members + [root])
        picked = self.picked(g, k, e, Z) if kind == "softmax" else None
        if picked is not None:
            a, index = picked
            origin.note = (f"softmax, then the log of each row's entry at its label{lines}: P, less 1 "
                           f"at each row's label, times the loss's scale")
            self.less_at_labels(eqn, P, index, a)
        elif kind == "softmax":
            origin.note = f"softmax{lines}: dx = P * (dP - (dP * P).sum(axis, keepdims=True))"
            eqn("multiply", P, eqn("subtract", g, row_sum(eqn("multiply", g, P, hint="mul")),
                                   hint="sub"), result=True)
        else:
            one_hot = self.one_hot(g, S=self.facts.shape(out), k=k)
            labels = self.labels(g, k) if one_hot is None else None
            if one_hot is not None:
                c, T = one_hot
                u = self.negated(c)
                origin.note = (f"softmax with cross-entropy{lines}: log, divide, sum and exp cancel to "
                               f"P * T.sum(axis, keepdims=True) - T, times the loss's scale")
                pT = eqn("multiply", P, row_sum(T), hint="mul")
                if u is not None:
                    eqn("multiply", u, eqn("subtract", pT, T, hint="sub"), result=True)
                else:
                    eqn("multiply", c, eqn("subtract", T, pT, hint="sub"), result=True)
            elif labels is not None:
                c, index = labels
                origin.note = (f"softmax with cross-entropy at integer labels{lines}: P, less 1 at each "
                               f"row's label, times the loss's scale")
                self.less_at_labels(eqn, P, index, c)
            else:
                origin.note = f"log-softmax{lines}: dx = dout - P * dout.sum(axis, keepdims=True)"
                eqn("subtract", g, eqn("multiply", P, row_sum(g), hint="mul"), result=True)
        after = self.facts.values.get(out)
        if before is not None and (np.shape(after) != np.shape(before)
                                   or getattr(after, "dtype", None) != getattr(before, "dtype", None)):
            self.facts.values[out] = before
            return None
        return made

    def less_at_labels(self, eqn, P, index, c):
        """``-c * P`` with ``c`` added at ``index``: ``(P - onehot) * u`` for ``c = -u``."""
        u = self.negated(c)
        scaled = eqn("multiply", u, P, hint="mul") if u is not None else \
            eqn("multiply", eqn("negative", c, hint="neg"), P, hint="mul")
        eqn("add", scaled, eqn("scatter", P, index, c, hint="at"), result=True)

    def axis_atom(self, Z):
        """The axis of the sum that made ``Z`` (or the value pushed that ``Z`` is a copy of)."""
        eqn = self.producer[self.pushed[Z][0] if Z in self.pushed else Z]
        return bound_operands(primitives.get(eqn.prim), eqn)["axis"]

    def probabilities(self, e, Z, stmts, root, build, origin):
        """The softmax ``e / Z``: a forward value computed before ``root``, or made now."""
        for s in stmts:
            if s is root:
                break
            if isinstance(s, Eqn) and len(s.outs) == 1 and self.normalised(s.outs[0]) == (e, Z):
                return s.outs[0]
        return build.eqn("divide", (e, Z), hint="probs", kind=VarKind.USER, loc=root.loc, origin=origin)

    def negated(self, c):
        """``u`` when the 0-d cotangent ``c`` is ``-u`` (``u`` 0-d), else None."""
        eqn = self.producer.get(c) if isinstance(c, Var) else None
        if eqn is None or eqn.role in _FORWARD or eqn.prim != "negative" or len(eqn.args) != 1:
            return None
        u = eqn.args[0]
        return u if isinstance(u, Var) and self.facts.shape(u) == () else None

    def one_hot(self, g, S, k):
        """``(c, T)`` when ``g = c * T``, ``c`` a 0-d cotangent, ``T`` a forward array of shape ``S``."""
        eqn = self.producer.get(g)
        if eqn is None or eqn.role in _FORWARD or eqn.prim != "multiply" or len(eqn.args) != 2:
            return None
        for c, T in (eqn.args, eqn.args[::-1]):
            if isinstance(c, Var) and self.cotangent(c) and self.facts.shape(c) == () \
                    and isinstance(T, Var) and not self.cotangent(T) and self.facts.shape(T) == S:
                return c, T
        return None

    def labels(self, g, k):
        """``(c, index)`` when ``g`` puts the 0-d cotangent ``c`` once in each row (a
        ``row_scatter``); else None."""
        found = self.row_scatter(g, k)
        c = self.scalar_cotangent(found[1]) if found is not None else None
        return None if c is None else (c, found[0])

    def picked(self, g, k, e, Z):
        """``(a, index)`` when ``g`` puts ``a / P[index]`` once in each row (a
        ``row_scatter``), ``a`` a 0-d cotangent and ``P`` the softmax ``e / Z``: the
        gradient of ``np.log(P[np.arange(n), labels])``. Else None."""
        found = self.row_scatter(g, k)
        eqn = self.producer.get(found[1]) if found is not None and isinstance(found[1], Var) else None
        if eqn is None or eqn.role in _FORWARD or eqn.prim != "divide" or len(eqn.args) != 2:
            return None
        a, sel = eqn.args
        read = self.producer.get(sel) if isinstance(sel, Var) else None
        if read is None or read.role is not Role.PRIMAL or read.prim != "getitem" or len(read.args) != 2 \
                or self.normalised(read.args[0]) != (e, Z) or not _same_index(read.args[1], found[0]):
            return None
        a = self.scalar_cotangent(a)
        return None if a is None else (a, found[0])

    def scalar_cotangent(self, c):
        """The 0-d cotangent ``c`` is, or is spread by ``np.broadcast_to``; else None."""
        made = self.producer.get(c) if isinstance(c, Var) else None
        if made is not None and made.prim == "broadcast_to" and made.role not in _FORWARD:
            c = made.args[0]
        return c if isinstance(c, Var) and self.cotangent(c) and self.facts.shape(c) == () else None

    def row_scatter(self, g, k):
        """``(index, values)`` when ``g`` is zeros with ``values`` put at ``index =
        (np.arange(n), labels)``, ``n`` ``g``'s number of rows at every call, so that each
        row gets one value (the rows differ, and every row is named); else None."""
        eqn = self.producer.get(g)
        if eqn is None or eqn.role in _FORWARD or eqn.prim != "scatter" or len(eqn.args) != 3:
            return None
        x, index, values = eqn.args
        S = self.facts.shape(g)
        if S is None or len(S) != 2 or k != 1 or not isinstance(index, Pack) or index.kind != "tuple" \
                or len(index.items) != 2:
            return None
        rows, labels = index.items
        arange = self.producer.get(rows) if isinstance(rows, Var) else None
        if arange is None or arange.prim != "arange" or len(arange.args) != 1 or arange.kwargs:
            return None
        for a in (rows, labels):
            shape, dtype = self.facts.shape(a), self.facts.dtype(a)
            if shape is None or len(shape) != 1 or dtype is None or np.dtype(dtype).kind not in "iu":
                return None
        return (index, values) if self.same_rows(arange.args[0], x, S) else None

    def same_rows(self, n, x, S):
        """Whether ``n`` is the number of rows of ``x`` (of shape ``S``) at every call."""
        if not self.facts.sizes_vary:
            value = self.facts.values.get(n) if isinstance(n, Var) else getattr(n, "value", None)
            return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value == S[0]
        memo = {}
        source = _rows_of(n, self.producer, self.facts, memo)
        return source is not None and source == _rows_of(x, self.producer, self.facts, memo)


def _same_index(a, b):
    """Whether two index tuples name the same arrays."""
    return isinstance(a, Pack) and isinstance(b, Pack) and a.kind == b.kind == "tuple" \
        and len(a.items) == len(b.items) and all(x == y for x, y in zip(a.items, b.items))


def _lines(eqns):
    """`` (lines 4 to 7 at once)`` for equations from several lines of one file, else ``""``."""
    locs = [e.loc for e in eqns if e.loc is not None]
    files = {loc.file for loc in locs}
    lines = sorted({loc.line for loc in locs})
    if len(files) != 1 or len(lines) < 2:
        return ""
    return f" (lines {lines[0]} to {lines[-1]} at once)"


def _rows_of(v, producer, facts, memo):
    """The array whose ``shape[0]`` ``v``'s first axis (or integer ``v``) always equals, or None."""
    if not isinstance(v, Var):
        return None
    if v not in memo:
        memo[v] = None                   # (a cycle, through a loop's carried value: unknown)
        memo[v] = _rows_source(v, producer, facts, memo)
    return memo[v]


def _rows_source(v, producer, facts, memo):
    eqn = producer.get(v)
    if eqn is None:
        return v if facts.ndim(v) else None
    if eqn.prim == "getitem" and len(eqn.args) == 2 and isinstance(eqn.args[1], Const) \
            and type(eqn.args[1].value) is int and eqn.args[1].value == 0:
        shape = producer.get(eqn.args[0]) if isinstance(eqn.args[0], Var) else None
        if shape is not None and shape.prim == "shape_attribute" and len(shape.args) == 1:
            return _rows_of(shape.args[0], producer, facts, memo)
        return None
    ndim = facts.ndim(v)
    if not ndim:
        return None
    if eqn.prim == "matmul" and len(eqn.args) == 2 and ndim == 2 and facts.ndim(eqn.args[0]) == 2:
        return _rows_of(eqn.args[0], producer, facts, memo)
    if eqn.prim in _ROW_REDUCTIONS:
        ops = bound_operands(primitives.get(eqn.prim), eqn)
        axis, keep = ops.get("axis"), ops.get("keepdims")
        if isinstance(axis, Const) and type(axis.value) is int and axis.value % ndim != 0 \
                and isinstance(keep, Const) and keep.value is True:
            return _rows_of(ops.get("a"), producer, facts, memo)
        return None
    if eqn.prim == "scatter" and len(eqn.args) == 3:
        return _rows_of(eqn.args[0], producer, facts, memo)
    if not primitives.get(eqn.prim).elementwise:
        return None
    # elementwise: its operands of full rank whose first axis is not a fixed 1 decide it
    sources = set()
    for a in eqn.args:
        if isinstance(a, Const) or facts.ndim(a) != ndim:
            continue
        shape = facts.shape(a)
        if shape is not None and shape[0] == 1:
            continue
        sources.add(_rows_of(a, producer, facts, memo))
    return sources.pop() if len(sources) == 1 and None not in sources else None
