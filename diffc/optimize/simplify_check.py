"""Whether a recipe may replace a chain: its form (``_well_formed``), and its value on the
example values and at points around them (``_Checks``), compared entry by entry.
"""
from __future__ import annotations

import dataclasses
import math
import re
import string

import numpy as np

from diffc.core import primitives
from diffc.core.ir import Call, Const, Eqn, If, Loop, walk
from diffc.optimize.simplify_ops import (_BINARY, _CHECKED_ENTRIES, _MAX_CHAIN, _MAX_CLOSURE,
                                         _NUMPY_NAMES, _ops)


_AROUND_SEED = 20261123      # the points are fixed: the same chain is always checked alike


_AROUND_POINTS = 3


def _is_cut(shape):
    return bool(shape) and int(np.prod(shape)) > _CHECKED_ENTRIES


def _sample(v, shape):
    """The first ``_CHECKED_ENTRIES`` entries of an array of the chain's ``shape``."""
    if _is_cut(shape) and isinstance(v, np.ndarray) and v.shape == shape:
        return v.reshape(-1)[:_CHECKED_ENTRIES]
    return v


def _scaled(v, rng):
    """A float value (array or scalar, its type and dtype kept) times random factors in
    [0.75, 1.25]; anything else as it is."""
    if isinstance(v, np.ndarray) and v.dtype.kind == "f":
        return v * rng.uniform(0.75, 1.25, v.shape).astype(v.dtype)
    if type(v) is float:
        return v * float(rng.uniform(0.75, 1.25))
    if isinstance(v, np.floating):
        return type(v)(v * type(v)(rng.uniform(0.75, 1.25)))
    return v


_RECIPE_KINDS = re.compile(r"(sigmoid|tanh)'?( \* -?[0-9]+(/[0-9]+)?)?")


_MAX_RECIPE_OPS = 4 * _MAX_CHAIN


def _well_formed(recipe, problem):
    """Whether a recipe read from disk has the form ``_solve`` gives one for ``problem``:
    known operations with their number of operands, each operand a value readable where
    the chain ends (``problem.visible``), an earlier result or a finite number, and a
    comment made of text and those values' names only."""
    n = len(problem.vars)

    def index(i):
        return type(i) is int and 0 <= i < n

    if not (isinstance(recipe, tuple) and len(recipe) == 3):
        return False
    ops, named, info = recipe
    if not _ops_well_formed(ops, problem, index):
        return False
    if not (named is None or (type(named) is int and 0 <= named < len(ops) - 1)):
        return False
    if not (isinstance(info, tuple) and len(info) == 6):
        return False
    kind, sign, arg, minus, arg_vars, reused = info
    return (kind is None or (isinstance(kind, str) and _RECIPE_KINDS.fullmatch(kind) is not None)) \
        and sign in (-1, 0, 1) and type(sign) is int \
        and all(isinstance(t, tuple) and all(index(i) for i in t) for t in (arg_vars, reused)) \
        and _template_ok(arg, arg_vars) and _template_ok(minus, arg_vars)


def _ops_well_formed(ops, problem, index):
    """The recipe's operations: known, with their number of operands, each operand well
    formed (``index``: whether an int is a value of the problem)."""
    def ref_ok(r, k):
        if not isinstance(r, tuple) or not r:
            return False
        if r[0] == "v":
            return len(r) == 2 and index(r[1]) and r[1] in problem.visible
        if r[0] == "t":
            return len(r) == 2 and type(r[1]) is int and 0 <= r[1] < k
        return r[0] == "c" and len(r) == 3 and r[1] in ("int", "float") and type(r[2]).__name__ == r[1] \
            and math.isfinite(r[2])

    if not (isinstance(ops, (list, tuple)) and 0 < len(ops) <= _MAX_RECIPE_OPS):
        return False
    for k, step in enumerate(ops):
        if not (isinstance(step, tuple) and len(step) == 2 and step[0] in _NUMPY_NAMES
                and isinstance(step[1], tuple)):
            return False
        op, args = step
        if len(args) != (2 if op in _BINARY else 1) or not all(ref_ok(a, k) for a in args) \
                or (op == "pow" and args[1][0] != "c"):
            return False
    return True


def _template_ok(text, arg_vars):
    """A comment template: printable text whose fields are only the names of ``arg_vars``."""
    if text is None:
        return True
    if not isinstance(text, str) or len(text) > 400 or not text.isprintable():
        return False
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return False
    allowed = {f"v{i}" for i in arg_vars}
    return all(name is None or (name in allowed and not spec and conversion is None)
               for _, name, spec, conversion in fields)


def _linear(ops, cot):
    """Whether the chain's result is ``g * F`` with ``F`` free of ``g`` (the cotangent):
    each value's degree in ``g`` is 0 or 1, sums add equal degrees, nothing divides by,
    raises or applies a function to a value of degree 1, and the result has degree 1."""
    degree = {cot: 1}

    def deg(r):
        return degree.get(r[1], 0) if r[0] == "v" else 0

    for (_, out), op, args in ops:
        d = [deg(a) for a in args]
        if op in ("add", "sub"):
            if d[0] != d[1]:
                return False
            degree[out] = d[0]
        elif op == "mul":
            degree[out] = d[0] + d[1]
        elif op == "div":
            if d[1]:
                return False
            degree[out] = d[0]
        elif op in ("neg", "pos"):
            degree[out] = d[0]
        elif any(d):
            return False
        if degree.get(out, 0) > 1:
            return False
    return degree.get(ops[-1][0][1], 0) == 1


def _live_uses(func):
    """How many times each value is read by what ``dead_code`` will keep (the reverse
    transform's primal result, for one, is read by nothing that stays)."""
    uses = func.uses()
    producer, dead = {}, []
    for s in walk(func.body):
        if isinstance(s, Eqn) and s.outs and primitives.get(s.prim).effect is None:
            for o in s.outs:
                producer[o] = s
            if not any(uses.get(o, 0) for o in s.outs):
                dead.append(s)
    gone = set()
    while dead:
        s = dead.pop()
        if id(s) in gone or any(uses.get(o, 0) for o in s.outs):
            continue
        gone.add(id(s))
        for v in s.inputs():
            uses[v] -= 1
            if uses[v] == 0 and v in producer:
                dead.append(producer[v])
    return uses


def _layout_of(value):
    if type(value) in (int, float):
        return ((), np.result_type(value), True)
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, np.bool_):
        return (tuple(value.shape), value.dtype, False)
    return None


def _agrees(old, new, g):
    """Same type, dtype and shape; equal within rounding where ``old`` is finite."""
    if type(old) is not type(new):
        return False
    if isinstance(old, (np.ndarray, np.generic)) and (old.shape != new.shape or old.dtype != new.dtype):
        return False
    a = np.asarray(old, dtype=np.float64)
    b = np.asarray(new, dtype=np.float64)
    finite = np.isfinite(a)
    if not np.all(np.isfinite(b[finite])):
        return False
    if not finite.any():
        return True
    tol = math.sqrt(np.finfo(np.result_type(old)).eps)
    scale = float(np.max(np.abs(a[finite])))
    g = np.asarray(g, dtype=np.float64)
    if np.all(np.isfinite(g)) and g.size:
        scale = max(scale, float(np.max(np.abs(g))))
    return bool(np.all(np.abs(a[finite] - b[finite]) <= tol * np.abs(a[finite]) + tol * scale))


def _with_blocks(stmt, replaced):
    def pick(b):
        return replaced.get(id(b), b) if b is not None else None
    if isinstance(stmt, If):
        return dataclasses.replace(stmt, then=pick(stmt.then), orelse=pick(stmt.orelse))
    if isinstance(stmt, Loop):
        return dataclasses.replace(stmt, body=pick(stmt.body), cond=pick(stmt.cond))
    if isinstance(stmt, Call):
        return dataclasses.replace(stmt, body=pick(stmt.body))
    raise AssertionError(f"a statement with blocks: {type(stmt).__name__}")


class _Checks:
    """The checks of a recipe: on the example values (``_check``) and around them
    (``_holds_around``); a method of ``_Pass``."""

    def _check(self, members, eqns, problem, out):
        """The new equations' values on the examples, if their result agrees with the chain's.

        Every operand has the result's shape or is a scalar, so the chain may be checked
        on the first entries of large arrays; the new values are then recorded as
        stand-ins of the right shape and dtype (what later passes read of them), the way
        ``Facts.assume`` records a gradient's."""
        shape = self.layout(out)[0]

        def sample(v):
            return _sample(v, shape)

        def run(stmts):
            env = {}

            def val(a):
                if isinstance(a, Const):
                    return a.value
                return env[a] if a in env else sample(self.value(a))

            results = []
            with np.errstate(all="ignore"):
                for e in stmts:
                    value = primitives.get(e.prim).impl(*[val(a) for a in e.args])
                    env[e.outs[0]] = value
                    results.append(value)
            return results

        try:
            old = run(members)[-1]
            new = run(eqns)
            g = sample(self.value(problem.vars[problem.cot]))
        except Exception:       # noqa: BLE001 - what cannot be checked is not rewritten
            return None
        if not _agrees(old, new[-1], g):
            return None
        if _is_cut(shape):
            return [np.zeros(shape, v.dtype) if isinstance(v, np.ndarray) and v.shape == (_CHECKED_ENTRIES,)
                    else v for v in new[:-1]]
        return new[:-1]

    def _holds_around(self, problem, ops, out):
        """Whether recipe ``ops`` computes the chain's function at points around the
        example values too: each value the chain's forward values are made from (its
        roots) and the cotangent scaled by factors drawn in [0.75, 1.25], the forward
        values made again from them (``problem.defs``). An identity agrees everywhere; a
        recipe that is wrong (a damaged or planted file, a bug) may agree at the example
        values (a zero cotangent, a symmetric point) but not at these."""
        shape = self.layout(out)[0]
        impl = {op: primitives.get(name).impl for op, name in _ops()[1].items()}
        chain_outs = {o[0][1] for o in problem.ops}
        try:
            roots = {i: _sample(self.value(v), shape) for i, v in enumerate(problem.vars)
                     if i not in chain_outs and i not in problem.defs}
        except KeyError:
            return False
        rng = np.random.default_rng(_AROUND_SEED)
        for _ in range(_AROUND_POINTS):
            env = {i: _scaled(v, rng) for i, v in roots.items()}
            try:
                with np.errstate(all="ignore"):
                    chain, new = _chain_and_recipe_at(problem, ops, impl, env)
            except Exception:   # noqa: BLE001 - what cannot be checked is not rewritten
                return False
            if not _agrees(chain, new, env[problem.cot]):
                return False
        return True


def _chain_and_recipe_at(problem, ops, impl, env):
    """The chain's result and recipe ``ops``'s at the point whose roots are ``env`` (the
    values made from them are added to ``env``)."""
    def value(ref, depth=0):
        if ref[0] == "c":
            return ref[2]
        i = ref[1]
        if i not in env:
            if depth > _MAX_CLOSURE:
                raise RecursionError("definitions too deep")
            op, args = problem.defs[i]
            args = [value(a, depth + 1) for a in args]
            env[i] = args[0] if op == "alias" else impl[op](*args)
        return env[i]

    def run(steps, results):
        for target, op, args in steps:
            vals = [results[a[1]] if a[0] == "t" else value(a) for a in args]
            results[target] = impl[op](*vals)
        return results

    chain = run([(o[1], op, args) for o, op, args in problem.ops], env)[problem.root]
    new = run([(k, op, args) for k, (op, args) in enumerate(ops)], {})[len(ops) - 1]
    return chain, new
