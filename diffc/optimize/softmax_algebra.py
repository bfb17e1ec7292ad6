"""Exact algebra of adjoint equations across row sums, for ``softmax_grads``.

A value made from one cotangent ``g`` by linear equations (negate, add, subtract, multiply
or divide by a forward value, ``np.sum`` along axis ``k`` with ``keepdims=True``,
``np.broadcast_to``) is a *linear form*: a dict ``{"g": c, ("R", h): c', ...}`` standing
for ``c * g + c' * R[h * g] + ...``, ``R`` the sum along ``k``. Coefficients are Laurent
polynomials in forward values with rational coefficients: a monomial is a sorted tuple of
``(Var, exponent)``, a polynomial a dict monomial -> ``Fraction``. Nothing is rounded, so
two forms are equal exactly when the dicts are. A factor constant along ``k`` moves out
of ``R``; the softmax's definitions ``P = e / Z`` (``P`` is written as ``e / Z``) and
``R[e] = Z`` are the only other facts used.
"""
from __future__ import annotations

import fractions
import functools

import numpy as np

from diffc.core import primitives
from diffc.core.ir import Const, Var
from diffc.rules.instantiate import bound_operands

# op key -> the NumPy name of its primitive (the IR name comes from the registry, ``ops``)
_NUMPY_NAMES = {"neg": "numpy.negative", "add": "numpy.add", "sub": "numpy.subtract",
                "mul": "numpy.multiply", "div": "numpy.divide", "spread": "numpy.broadcast_to",
                "sum": "numpy.sum"}
MAX_TREE = 64           # equations between a root and its leaves

@functools.cache
def ops():
    """The linear operations: IR primitive name -> op key."""
    return {primitives.lookup(path).name: op for op, path in _NUMPY_NAMES.items()}


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


class Algebra:
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
            if eqn is None or id(eqn) not in block_ids or self.run.forward(eqn) \
                    or eqn.prim not in ops() or len(members) >= MAX_TREE:
                return None
            members.append(eqn)
            memo[v] = form = self.step(eqn, linear)
            return form

        form = linear(root)
        return (form, members) if form is not None else None

    def step(self, eqn, linear):
        """``eqn``'s result as a linear form (``linear(v)``: an operand's), or None."""
        op, operands = ops()[eqn.prim], bound_operands(primitives.get(eqn.prim), eqn)
        run, minus = self.run, {(): fractions.Fraction(-1)}
        if op == "neg":
            x = linear(operands["x"])
            return None if x is None else _scaled(x, minus)
        if op in ("add", "sub"):
            x, y = operands["x"], operands["y"]
            if not (run.cotangent(x) and run.cotangent(y)):
                return None                  # (plus a forward value: not linear)
            a, b = linear(x), linear(y)
            if a is None or b is None:
                return None
            return _summed(a, b if op == "add" else _scaled(b, minus))
        if op in ("mul", "div"):
            x, y = operands["x"], operands["y"]
            if op == "mul" and run.cotangent(y):
                x, y = y, x
            if not run.cotangent(x) or run.cotangent(y):
                return None
            a, c = linear(x), self.coefficient(y)
            c = _inverse(c) if op == "div" and c else c
            return None if a is None or c is None else _scaled(a, c)
        if op == "spread":
            shape = run.facts.shape(eqn.outs[0])
            return linear(operands["array"]) if shape is not None and len(shape) == len(self.S) else None
        # a sum along k, keeping its axis
        a, shape = operands["a"], run.facts.shape(operands["a"])
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
