"""The gradient through a softmax in closed form: ``softmax_gradients(func, facts)``.

Reverse mode takes a softmax ``P = e / Z`` (``Z = np.sum(e, axis=k, keepdims=True)``,
``e = np.exp(s)``) one operation at a time: the cotangent goes through the divide (twice),
the sum and the exp, and a cross-entropy's ``np.log(P)`` divides it by ``P`` first. What
comes out is the textbook's two lines::

    dlogits = G - P * np.sum(G, axis=k, keepdims=True)       # under log(P): log-softmax
    dlogits = P * (H - np.sum(H * P, axis=k, keepdims=True))  # softmax, H = the gradient of P

and, more specific: with targets ``G = c * T`` (``c`` a 0-d gradient, ``-dout / N``),
``(P * T.sum(axis=k, keepdims=True) - T) * dout / N``; with integer labels (``c`` put at
``[np.arange(N), labels]``, once in each row, by ``log_probs[np.arange(N), labels]``),
``(P - onehot) * dout / N``, written ``d = u * P; d[rows, labels] += c``; and so for
``np.log(P[np.arange(N), labels])`` under a plain softmax (``P * (c / P[index])`` is
``c`` at the index).

How a rewrite is found: from what the adjoint equations compute, not from names. An
adjoint value ``V`` and a cotangent ``g`` it is made from (its *leaf*) are evaluated
exactly in ``softmax_algebra``: each equation between them must be linear in ``g``, so
``V`` is a sum of terms ``c * g`` and ``c * R[h * g]`` (``R`` the sum along ``k``,
coefficients exact polynomials in forward values). The forward equations give two facts,
both definitions: ``P = e / Z`` and ``R[e] = Z``. ``V`` is rewritten when its normal form
is one of the two forms above, compared exactly, so each rewrite is an identity of real
functions. The shift of a stable softmax (``a - np.max(a, axis=k, keepdims=True)``)
falls out of the same algebra: the max's gradient is ``-R[V]``, and ``R[P] = R[e] / Z
= 1`` makes it zero, so the gradient of ``a`` through the shift has ``V``'s normal form
and the max rule's tie routing is no longer computed. Leaves are tried farthest first
(the largest rewrite wins); the equations between a leaf and ``V`` must be read by
nothing else (they are left for ``dead_code``).

Where the normal form is anything else (``np.log(P + 1e-7)``: the divide by ``P`` no
longer cancels; a sum along another axis or without ``keepdims``; the log of something
else) nothing is rewritten but what is still exact (under ``np.log(P + 1e-7)``, the
softmax's own backward). The one numerical difference: where ``P`` underflows to 0 the
chain's ``G / P`` is ``0 / 0`` (NaN), the closed form its finite limit.

Inside a backward loop ``P``, ``e`` and ``Z`` are values popped from tapes: the two facts
hold between popped values whose values were pushed in one block and that are popped in
one block (each tape pushed and popped once: one iteration's values come back together).
The label forms need ``n``, the rows of the index, to be ``P``'s number of rows at every
call: the signature fixes both, or ``softmax_rows`` proves both are one array's
``shape[0]``. The replacement is built where ``V`` was and must have ``V``'s shape and
dtype on the example values. Needs ``facts``; without them nothing changes.
"""
from __future__ import annotations

import copy

import numpy as np

from diffc.core import primitives
from diffc.core.build import Builder
from diffc.core.ir import (Const, Eqn, Function, Pack, Role, Var, VarKind, blocks_of, map_blocks, producers,
                           with_body)
from diffc.core.naming import fresh_namer
from diffc.optimize.simplify_check import _live_uses
from diffc.optimize.softmax_algebra import MAX_TREE, Algebra, ops
from diffc.optimize.softmax_rows import rows_of, same_index
from diffc.rules.instantiate import bound_operands

_FORWARD = (Role.PRIMAL, Role.TAPE)
_SHIFT = ("the shift inside exp, constant along the normalised axis, gets no gradient: the "
          "normalisation cancels it")


def softmax_gradients(func: Function, facts=None) -> Function:
    """``func`` with each adjoint that is a softmax's or log-softmax's backward written in
    closed form."""
    if facts is None or not facts.enabled:
        return func
    run = _Pass(func, facts)
    body = run.block(func.body)
    return func if body is None else with_body(func, body)


class _Pass:
    def __init__(self, func, facts):
        self.func, self.facts = func, facts
        self.producer = producers(func.body)
        self.uses = _live_uses(func)        # (dead equations the passes before left count not)
        self.namer = None
        self._cotangent = {}
        self._index_tapes()

    # -- what a value is ------------------------------------------------------------------
    @staticmethod
    def forward(eqn):
        """Whether ``eqn`` computes a forward value (the user's, or a copy from a tape)."""
        return eqn.role in _FORWARD

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
        if eqn is None or eqn.role is not Role.PRIMAL or ops().get(eqn.prim) != "sum":
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
                    s.role is Role.PRIMAL and ops().get(s.prim) == "sum" or s.prim == "pop" and s.outs[0] in self.pushed):
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
            if isinstance(root, Eqn) and root.role not in _FORWARD and root.prim in ops() \
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
        algebra = Algebra(self, k, S, e, Z)
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
        while work and len(order) < MAX_TREE:
            v = work.pop(0)
            eqn = self.producer.get(v)
            if eqn is None or id(eqn) not in block_ids or eqn.role in _FORWARD or eqn.prim not in ops():
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
        write = _Writer(Builder(made, self.facts, self.namer, role=Role.ADJOINT), root, origin,
                        self.axis_atom(Z))
        P = self.probabilities(e, Z, stmts, root, write)
        origin.note = self.write(kind, write, g, P, e, Z, k).format(lines=_lines(members + [root]))
        if self.shift_cancelled(members + [root]):
            origin.note += f"; {_SHIFT}"
        after = self.facts.values.get(out)
        if before is not None and (np.shape(after) != np.shape(before)
                                   or getattr(after, "dtype", None) != getattr(before, "dtype", None)):
            self.facts.values[out] = before
            return None
        return made

    @staticmethod
    def shift_cancelled(eqns):
        """Whether a stable softmax's shift gets no gradient where these equations were:
        the reverse pass gave it none (``ad/softmax_shift.py`` said so in the exp's
        comment), or the max rule's equations are among what the closed form replaced
        (the algebra found their sum zero: ``R[P] = 1``)."""
        extremes = {primitives.lookup("numpy.max").name, primitives.lookup("numpy.min").name}
        return any(isinstance(m.origin, Eqn) and (_SHIFT in (m.origin.note or "") or m.origin.prim in extremes)
                   for m in eqns)

    def write(self, kind, write, g, P, e, Z, k):
        """Write ``kind``'s closed form for cotangent ``g`` (the most specific one its
        equation allows); return the comment's text, ``{lines}`` left to fill."""
        picked = self.picked(g, k, e, Z) if kind == "softmax" else None
        if picked is not None:
            self.less_at_labels(write, P, picked[1], picked[0])
            return ("softmax, then the log of each row's entry at its label{lines}: P, less 1 at "
                    "each row's label, times the loss's scale")
        if kind == "softmax":
            write("multiply", P, write("subtract", g, write.row_sum(write("multiply", g, P, hint="mul")),
                                       hint="sub"), result=True)
            return "softmax{lines}: dx = P * (dP - (dP * P).sum(axis, keepdims=True))"
        one_hot = self.one_hot(g, self.facts.shape(write.root.outs[0]))
        if one_hot is not None:
            c, T = one_hot
            u = self.negated(c)
            pT = write("multiply", P, write.row_sum(T), hint="mul")
            if u is not None:
                write("multiply", u, write("subtract", pT, T, hint="sub"), result=True)
            else:
                write("multiply", c, write("subtract", T, pT, hint="sub"), result=True)
            return ("softmax with cross-entropy{lines}: log, divide, sum and exp cancel to "
                    "P * T.sum(axis, keepdims=True) - T, times the loss's scale")
        labels = self.labels(g, k)
        if labels is not None:
            self.less_at_labels(write, P, labels[1], labels[0])
            return ("softmax with cross-entropy at integer labels{lines}: P, less 1 at each row's "
                    "label, times the loss's scale")
        write("subtract", g, write("multiply", P, write.row_sum(g), hint="mul"), result=True)
        return "log-softmax{lines}: dx = dout - P * dout.sum(axis, keepdims=True)"

    def less_at_labels(self, write, P, index, c):
        """``-c * P`` with ``c`` added at ``index``: ``(P - onehot) * u`` for ``c = -u``."""
        u = self.negated(c)
        scaled = write("multiply", u, P, hint="mul") if u is not None else \
            write("multiply", write("negative", c, hint="neg"), P, hint="mul")
        write("add", scaled, write("scatter", P, index, c, hint="at"), result=True)

    def axis_atom(self, Z):
        """The axis of the sum that made ``Z`` (or the value pushed that ``Z`` is a copy of)."""
        eqn = self.producer[self.pushed[Z][0] if Z in self.pushed else Z]
        return bound_operands(primitives.get(eqn.prim), eqn)["axis"]

    def probabilities(self, e, Z, stmts, root, write):
        """The softmax ``e / Z``: a forward value computed before ``root``, or made now."""
        for s in stmts:
            if s is root:
                break
            if isinstance(s, Eqn) and len(s.outs) == 1 and self.normalised(s.outs[0]) == (e, Z):
                return s.outs[0]
        return write("divide", e, Z, hint="probs", kind=VarKind.USER)

    def negated(self, c):
        """``u`` when the 0-d cotangent ``c`` is ``-u`` (``u`` 0-d), else None."""
        eqn = self.producer.get(c) if isinstance(c, Var) else None
        if eqn is None or eqn.role in _FORWARD or eqn.prim != "negative" or len(eqn.args) != 1:
            return None
        u = eqn.args[0]
        return u if isinstance(u, Var) and self.facts.shape(u) == () else None

    def one_hot(self, g, S):
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
                or self.normalised(read.args[0]) != (e, Z) or not same_index(read.args[1], found[0]):
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
        source = rows_of(n, self.producer, self.facts, memo)
        return source is not None and source == rows_of(x, self.producer, self.facts, memo)


def _lines(eqns):
    """`` (lines 4 to 7 at once)`` for equations from several lines of one file, else ``""``."""
    locs = [e.loc for e in eqns if e.loc is not None]
    files = {loc.file for loc in locs}
    lines = sorted({loc.line for loc in locs})
    if len(files) != 1 or len(lines) < 2:
        return ""
    return f" (lines {lines[0]} to {lines[-1]} at once)"


class _Writer:
    """Makes the equations of one closed form: at ``root``'s place, under one comment
    (``origin``), the last one making ``root``'s output."""

    def __init__(self, build, root, origin, axis):
        self.build, self.root, self.origin, self.axis = build, root, origin, axis

    def __call__(self, prim, *args, kwargs=None, hint="", kind=VarKind.TEMP, result=False):
        return self.build.eqn(prim, args, kwargs, hint=hint, kind=kind, loc=self.root.loc,
                              origin=self.origin, out=self.root.outs[0] if result else None)

    def row_sum(self, x):
        return self("sum", x, self.axis, kwargs={"keepdims": Const(True)}, hint="sum")
