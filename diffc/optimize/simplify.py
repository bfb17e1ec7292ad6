"""Symbolic simplification of elementwise adjoint chains: ``simplify(func, facts)``.

Reverse mode differentiates one operation at a time, so a sigmoid written as
``s = 1 / (1 + np.exp(-z))`` gets the adjoints of a divide, an exp and a negation
(``-(dout / add) * s * exp``, negated) where a person writes ``dz = dout * s * (1 - s)``.
This pass finds such chains in the gradient IR and replaces them by a cheaper
equivalent when there is one. It is a pure IR pass (the input is not modified), run by
``optimize.optimize`` after common subexpressions and loop invariants, before dead code.
It needs example values (``facts``): without them it changes nothing.

* A *chain* is a maximal set of adjoint equations in one block, each an elementwise
  primitive (add, subtract, multiply, divide, negative, power with a constant exponent,
  square, reciprocal, sqrt, exp, log, tanh, sinh, cosh, sin, cos), whose values are
  read only inside the chain, ending at one equation (the root). Every operand has the
  result's shape and dtype, or is a Python number or a 0-d value of the same dtype:
  nothing in a chain broadcasts, and no un-broadcasting sum is inside one. A chain
  computes ``g * F`` for its one cotangent input ``g`` (an adjoint value) and a
  function ``F`` of forward values. Chains that differentiate a single primal
  operation are left alone (each rule is already written in its simplest form).
* The chain's forward leaves are expanded through the elementwise primal equations
  that made them (and, in a backward loop, from a popped value to the value its tape
  pushed), so ``F`` is also known as a function of *roots*. Each ``exp`` of a root is a
  symbol ``u``; a forward value that is a Möbius function of ``u`` alone
  (``s = 1 / (1 + exp(-z))`` is ``u / (u + 1)``) is solved for it (``u = s / (1 - s)``,
  an exact inverse), substituted, and the result cancelled and factored: the sigmoid's
  ``F = u / (u + 1) ** 2`` becomes ``s * (1 - s)``. Other forward values that appear
  as subexpressions are then substituted back (``exp / (exp + 1)`` → ``exp / add``).
  Without a usable forward value, ``u`` is recomputed from its root.
* Candidates are costed (exp, log and the like 16, sqrt 8, divide 4, other arithmetic
  1; an operation on arrays ten times one on scalars, so ``dout / n`` is done once on
  numbers). The cheapest replaces the chain when it is strictly cheaper, or equally cheap
  and recognised as a named function (a sigmoid, a tanh, or their derivatives, e.g.
  ``np.log(1 + np.exp(x))``'s derivative is the sigmoid ``exp / (1 + exp)``, then
  computed into a variable named ``sigmoid``). The root equation is replaced by the
  candidate's equations (same output, role ``adjoint``, the user's location); their
  ``origin`` carries a ``note`` that the emitted comment shows. The chain's other
  equations are left unread for ``dead_code``.

Soundness. Each rewrite is an identity of real functions: a value replaced by its own
definition, an exact inverse of a Möbius map, rational cancellation. A candidate
divides only by values the chain itself divided by or by expressions sympy proves
positive, so no division by zero is introduced; cancellation may turn a ``0 * inf`` of
the chain (an overflowed ``exp``) into the finite limit. Constants are Python numbers,
which NumPy never lets upcast an array (float32 stays float32). Before a replacement is
made it is evaluated on the example values: it must give the chain's type, dtype and
shape, and agree with it within rounding (relative and absolute tolerance
``sqrt(eps)``, the latter scaled by the cotangent) wherever the chain is finite; and
so at three fixed points around them (the chain's roots and cotangent scaled by factors in
[0.75, 1.25], its forward values made again from the roots), since agreeing at the
example alone proves little when the cotangent there is zero. The
usual cancellation of ``1 - s`` for ``s`` near 1 is the one numerical difference from
the op-by-op chain, and it is within ``eps * |g|`` absolutely.

Cost. Most chains never reach sympy (a chain whose forward leaves relate to nothing
is left at once). A chain that does is solved in a few milliseconds (5 to 15 ms for a
sigmoid layer's; the first one in a process also pays sympy's own first-use imports,
about 30 ms), and its recipe is cached by a key that names only primitives, constants,
the chain's shape of dependencies and which values are visible and scalar, so a second
compile or a second identical layer costs no sympy time. The rewrite is checked on at
most ``_CHECKED_ENTRIES`` entries of each array. ``DIFFC_NO_SIMPLIFY=1`` turns the pass
off.
"""
from __future__ import annotations

import ast
import copy
import dataclasses
import hashlib
import heapq
import importlib.util
import itertools
import math
import os
import re
import string
from fractions import Fraction

import numpy as np

from diffc.backend import load
from diffc.core import primitives
from diffc.core.ir import (Block, Call, Const, Eqn, Function, If, Loop, Pack, Role, Var, VarKind, all_names, blocks_of, with_body)

# op key -> the NumPy name of its primitive (the primitive's IR name comes from the registry)
_NUMPY_NAMES = {
    "add": "numpy.add", "sub": "numpy.subtract", "mul": "numpy.multiply", "div": "numpy.divide",
    "neg": "numpy.negative", "pos": "numpy.positive", "pow": "numpy.power", "square": "numpy.square",
    "recip": "numpy.reciprocal", "sqrt": "numpy.sqrt", "exp": "numpy.exp", "log": "numpy.log",
    "tanh": "numpy.tanh", "sinh": "numpy.sinh", "cosh": "numpy.cosh", "sin": "numpy.sin",
    "cos": "numpy.cos",
}
_BINARY = frozenset({"add", "sub", "mul", "div", "pow"})
_FUNCTIONS = ("exp", "log", "tanh", "sinh", "cosh", "sin", "cos")
_TRANSCENDENTAL = frozenset(_FUNCTIONS) | {"sqrt"}
_ALGEBRAIC = frozenset({"div", "recip", "pow", "square"})
_COST = {"add": 1, "sub": 1, "mul": 1, "neg": 1, "pos": 0, "square": 1, "div": 4, "recip": 4, "sqrt": 8}
_TEMP_HINTS = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "neg": "neg", "pow": "pow",
               "sqrt": "sqrt", "exp": "exp", "log": "log"}

_MAX_CHAIN = 32          # equations in one chain
_MAX_CLOSURE = 48        # values in a chain and the expansions of its forward leaves
_MAX_COMBOS = 12         # ways of expressing the chain's atoms that are tried
_CHECKED_ENTRIES = 256   # a rewrite is checked on this many entries of large arrays
_CACHE: dict = {}        # structural key -> recipe (or None: nothing better)
_MAX_SHAPES = 32         # different chain shapes simplified per compile (see _max_shapes)
_CACHE_LIMIT = 1024

_sympy_module = None
_tables = None

# Recipes are also kept on disk (one small file per chain structure, in diffc's cache
# directory), so that a new process does not ask SymPy again: a key and a recipe are plain
# literals (tuples, strings, numbers), written with ``repr`` and read with
# ``ast.literal_eval``. A file is named by a hash of the key and of this module's source
# and SymPy's version: another diffc or SymPy never reads it. The files are read only
# from a directory of the user's own that no one else can write to (``load``), and a
# recipe from disk is trusted no more than a fresh one: its form is checked (each
# operation known, each operand a value readable where the chain ends, the comment's
# text a template of those values) and, like every recipe, it must compute the chain's
# function on the example values and at points around them (``_Pass.instantiate``): a
# damaged or planted file cannot change a gradient (it is ignored).
# ``DIFFC_NO_RECIPE_CACHE=1`` keeps recipes in memory only.
_NOT_STORED = object()
_version = None
_MAX_RECIPE_FILE = 1 << 16           # bytes: a recipe file is a few hundred


def _recipe_path(key):
    global _version
    if os.environ.get("DIFFC_NO_RECIPE_CACHE") == "1" or not _is_literal(key):
        return None
    directory = load.private_subdir("recipes")
    if directory is None:
        return None
    if _version is None:
        with open(__file__, "rb") as fh:
            _version = hashlib.sha256(fh.read() + _sympy_version()).hexdigest()[:16]
    digest = hashlib.sha256(f"{_version}:{key!r}".encode()).hexdigest()[:32]
    return os.path.join(directory, f"{digest}.txt")


def _sympy_version():
    """SymPy's release file (its version), read without importing SymPy: a recipe read
    back from disk then costs no SymPy import, which is longer than a whole compile."""
    spec = importlib.util.find_spec("sympy")
    if spec is None or not spec.submodule_search_locations:
        return _sympy().__version__.encode()
    try:
        with open(os.path.join(spec.submodule_search_locations[0], "release.py"), "rb") as fh:
            return fh.read()
    except OSError:
        return _sympy().__version__.encode()


def _stored(key):
    """The recipe stored for ``key`` (None: nothing better was found), or ``_NOT_STORED``."""
    path = _recipe_path(key)
    data = load.read_cached(path, _MAX_RECIPE_FILE) if path is not None else None
    if data is None:
        return _NOT_STORED
    try:
        stored_key, recipe = ast.literal_eval(data.decode("utf-8"))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, UnicodeDecodeError):
        return _NOT_STORED
    return recipe if stored_key == key else _NOT_STORED


def _store(key, recipe):
    path = _recipe_path(key)
    if path is None or not _is_literal(recipe):
        return
    try:
        load.write_atomically(path, repr((key, recipe)))
    except OSError:
        pass                        # a read-only cache: the recipe stays in memory


def _max_shapes():
    """How many different shapes of chain one compile simplifies (``DIFFC_SIMPLIFY_SHAPES``,
    default ``_MAX_SHAPES``): SymPy costs milliseconds per new shape, so a model with
    hundreds of them would spend most of its compile there. The first shapes in program
    order are taken, whether or not their recipes are cached: the code does not depend on
    what earlier compiles left on disk. Chains of further shapes keep the rules' form."""
    try:
        return max(0, int(os.environ.get("DIFFC_SIMPLIFY_SHAPES", _MAX_SHAPES)))
    except ValueError:
        return _MAX_SHAPES


def _is_literal(value):
    if isinstance(value, (tuple, list)):
        return all(_is_literal(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


def _sympy():
    global _sympy_module
    if _sympy_module is None:
        import sympy
        _sympy_module = sympy
    return _sympy_module


def _ops():
    """(primitive name -> op key, op key -> primitive name), looked up in the registry."""
    global _tables
    if _tables is None:
        by_prim, by_op = {}, {}
        for op, source in _NUMPY_NAMES.items():
            prim = primitives.lookup(source)
            by_prim[prim.name] = op
            by_op[op] = prim.name
        _tables = (by_prim, by_op)
    return _tables


def _weight(op, args, scalar=False):
    """An operation's cost: an array operation ten times its weight, one on scalars
    (a 0-d value, a Python number) its weight: next to arrays, almost free."""
    if op == "pow":
        n = args[1][2]
        w = {2: 1, 3: 2}.get(n, 4) if type(n) is int else 8
    else:
        w = _COST.get(op, 16)
    return w if scalar else 10 * w


class _Unsupported(Exception):
    """A candidate the emitter cannot write as NumPy operations (or may not: a divisor
    that could vanish)."""


# -- the pass ------------------------------------------------------------------------------
def simplify(func: Function, facts=None) -> Function:
    """``func`` with each elementwise adjoint chain replaced by a cheaper equivalent."""
    if facts is None or not facts.enabled or os.environ.get("DIFFC_NO_SIMPLIFY") == "1":
        return func
    run = _Pass(func, facts)
    body = run.block(func.body, func.params, _Scope(set(), None))
    if body is None:
        return func
    return with_body(func, body)


class _Scope:
    """The values defined so far in a block, and in the blocks around it."""

    def __init__(self, names, parent):
        self.names = names
        self.parent = parent

    def has(self, v):
        scope = self
        while scope is not None:
            if v in scope.names:
                return True
            scope = scope.parent
        return False


@dataclasses.dataclass
class _Problem:
    vars: list           # index -> Var
    ops: tuple           # the chain: (out index, op, argument refs), in block order
    root: int
    cot: int             # the cotangent leaf
    leaves: tuple
    defs: dict           # index -> (op, refs) or ("alias", (ref,)): how a forward value was made
    visible: frozenset   # indices readable where the chain ends
    scalars: frozenset   # indices of 0-d values (and Python numbers)
    key: tuple


class _Pass:
    def __init__(self, func, facts):
        self.func = func
        self.facts = facts
        self.uses = _live_uses(func)
        self.producer = {}          # var -> (equation, id of its block's list)
        self.pushes = {}            # tape -> [push equations]
        self.pops = {}              # tape -> [pop equations]
        self.carried = {}           # a loop body's carried parameter -> (init, result)
        self._index(func.body)
        self.pushed = {}            # value pushed on a tape used once each way -> (tape, block id)
        self.popped = {}            # value popped from such a tape -> the value pushed
        for tape, pushes in self.pushes.items():
            pops = self.pops.get(tape, [])
            if len(pushes) == 1 and len(pops) == 1 and isinstance(pushes[0][0].args[1], Var):
                value = pushes[0][0].args[1]
                self.pushed[value] = (tape, pushes[0][1])
                self.popped[pops[0].outs[0]] = value
        self.pop_of = {w: v for v, w in self.popped.items()}
        self._layouts = {}
        self._elementwise = {}
        self._reaches = {}
        self._cotangent = {}
        self.taken = None
        self._next_name = {}
        self.shapes_seen = []       # distinct chain keys met, in program order (the budget)

    def _index(self, stmts):
        for s in stmts:
            if isinstance(s, Eqn):
                for o in s.outs:
                    self.producer[o] = (s, id(stmts))
                if s.prim == "push" and len(s.args) == 2 and isinstance(s.args[0], Var):
                    self.pushes.setdefault(s.args[0], []).append((s, id(stmts)))
                elif s.prim == "pop" and len(s.outs) == 1 and s.args and isinstance(s.args[0], Var):
                    self.pops.setdefault(s.args[0], []).append(s)
            elif isinstance(s, Loop):
                params = s.body.params[1:] if s.kind == "for" else s.body.params
                for p, init, result in zip(params, s.inits, s.body.results):
                    self.carried[p] = (init, result)
            for b in blocks_of(s):
                self._index(b.body)

    # -- what is known of a value --------------------------------------------------------
    def value(self, v):
        values = self.facts.values
        if v in values:
            return values[v]
        init = self.carried.get(v, (None,))[0]
        if isinstance(init, Var) and init in values:
            return values[init]
        raise KeyError(v)

    def layout(self, atom):
        """``(shape, dtype, weak)`` of an operand, or None when not known to be static.
        ``weak``: a Python number, which NumPy never lets change an array's dtype."""
        if isinstance(atom, Const):
            return ((), None, True) if type(atom.value) in (int, float) else None
        if not isinstance(atom, Var):
            return None
        if atom in self._layouts:
            return self._layouts[atom]
        self._layouts[atom] = None          # (a carried value's init may lead back here)
        facts, found = self.facts, None
        if atom in facts.values:
            if facts.is_static(atom):
                found = _layout_of(facts.values[atom])
        elif atom in self.carried:
            init, result = self.carried[atom]
            a, b = self.layout(init), self.layout(result)
            found = a if a is not None and a == b and not a[2] else None
        self._layouts[atom] = found
        return found

    def elementwise(self, eqn):
        """The op key of an elementwise equation whose operands never broadcast, or None."""
        key = id(eqn)
        if key not in self._elementwise:
            self._elementwise[key] = self._classify(eqn)
        return self._elementwise[key]

    def _classify(self, eqn):
        if not isinstance(eqn, Eqn) or len(eqn.outs) != 1 or eqn.kwargs:
            return None
        op = _ops()[0].get(eqn.prim)
        if op is None or len(eqn.args) != (2 if op in _BINARY else 1):
            return None
        out = self.layout(eqn.outs[0])
        if out is None or out[1] is None or out[1].kind != "f":
            return None
        if op == "pow":
            exponent = eqn.args[1]
            if not (isinstance(exponent, Const) and type(exponent.value) in (int, float)
                    and float(exponent.value * 2).is_integer() and abs(exponent.value) <= 16):
                return None
            operands = eqn.args[:1]
        else:
            operands = eqn.args
        for a in operands:
            if isinstance(a, Pack):
                return None
            lay = self.layout(a)
            if lay is None:
                return None
            if not (lay[2] or (lay[1] == out[1] and lay[0] in (out[0], ()))):
                return None
        return op

    def adjoint_elementwise(self, stmt):
        return isinstance(stmt, Eqn) and stmt.role in (Role.ADJOINT, Role.ACCUMULATE) \
            and self.elementwise(stmt) is not None

    def definition(self, v):
        """How forward value ``v`` was made: ``(op, args)``, ``("alias", pushed value)``, or None."""
        if v in self.popped:
            return ("alias", self.popped[v])
        found = self.producer.get(v)
        if found is None or found[0].role is not Role.PRIMAL:
            return None
        op = self.elementwise(found[0])
        return (op, found[0].args) if op is not None else None

    def reaches(self, v, depth=0):
        """Whether expanding ``v`` can relate it to other values: its definition reaches
        a transcendental or an algebraic (division, power) operation."""
        if v in self._reaches:
            return self._reaches[v]
        if depth > 40:
            return False
        d = self.definition(v)
        if d is None:
            found = False
        elif d[0] == "alias":
            found = self.reaches(d[1], depth + 1)
        else:
            found = d[0] in _TRANSCENDENTAL or d[0] in _ALGEBRAIC or any(
                self.reaches(a, depth + 1) for a in d[1] if isinstance(a, Var))
        self._reaches[v] = found
        return found

    # -- chains -----------------------------------------------------------------------------
    def chains(self, stmts):
        """The chains of a block, by the id of their root equation."""
        pos = {id(s): k for k, s in enumerate(stmts)}
        absorbed, found = set(), {}
        for k in range(len(stmts) - 1, -1, -1):
            root = stmts[k]
            if id(root) in absorbed or not self.adjoint_elementwise(root):
                continue
            members = self._grow(root, stmts, pos)
            absorbed.update(id(m) for m in members)
            if len(members) >= 2 and len({id(m.origin) for m in members}) >= 2:
                found[id(root)] = members
        return found

    def _grow(self, root, stmts, pos):
        """``root`` and the equations of its block that only it (transitively) reads."""
        block = id(stmts)
        members, reads = [root], {}
        heap, queued, by_id = [], set(), {}

        def add(eqn):
            for v in eqn.inputs():
                reads[v] = reads.get(v, 0) + 1
                found = self.producer.get(v)
                if found is None or found[1] != block or id(found[0]) in queued:
                    continue
                producer = found[0]
                if id(producer) in pos and self.adjoint_elementwise(producer):
                    queued.add(id(producer))
                    by_id[id(producer)] = producer
                    heapq.heappush(heap, (-pos[id(producer)], id(producer)))

        add(root)
        while heap and len(members) < _MAX_CHAIN:
            _, i = heapq.heappop(heap)
            eqn = by_id[i]
            out = eqn.outs[0]
            if self.uses.get(out, 0) == reads.get(out, 0):      # every read is in the chain
                members.append(eqn)
                add(eqn)
        members.sort(key=lambda e: pos[id(e)])
        return members

    def problem(self, members, scope):
        """The chain as a structure (indices, not names), or None when it does not qualify."""
        index, names = {}, []

        def ref(a):
            if isinstance(a, Var):
                if a not in index:
                    index[a] = len(names)
                    names.append(a)
                return ("v", index[a])
            return ("c", type(a.value).__name__, a.value)

        ops = []
        for m in members:
            args = tuple(ref(a) for a in m.args)
            ops.append((ref(m.outs[0]), self.elementwise(m), args))
        outs = {o[0][1] for o in ops}
        leaves = [i for i in range(len(names)) if i not in outs]
        cots = [i for i in leaves if self._is_cotangent(names[i])]
        if len(cots) > 1:         # a seed (the outer gradient's 1.0 inside a second derivative)
            cots = [i for i in cots if self.producer.get(names[i], (None,))[0] is None
                    or self.producer[names[i]][0].role is not Role.SEED]
        if len(cots) != 1 or not _linear(ops, cots[0]):
            return None
        cot = cots[0]
        defs, blocks = {}, set()
        work = [names[i] for i in leaves if i != cot]
        while work:
            v = work.pop(0)
            d = self.definition(v)
            # expanded: what leads to a transcendental or algebraic operation, and
            # temporaries (a user's named value is a natural root), while there is room
            if d is None or len(names) >= _MAX_CLOSURE or not (self.reaches(v) or v.kind is VarKind.TEMP):
                continue
            if d[0] == "alias":
                blocks.add(self.pushed[d[1]][1])
                args = (d[1],)
            else:
                args = d[1]
            fresh = [a for a in args if isinstance(a, Var) and a not in index]
            defs[index[v]] = (d[0], tuple(ref(a) for a in args))
            work.extend(fresh)
            for w in fresh:                     # a popped copy of a pushed value, if readable here
                pop = self.pop_of.get(w)
                if pop is not None and pop not in index and scope.has(pop):
                    blocks.add(self.pushed[w][1])
                    ref(pop)
                    defs[index[pop]] = ("alias", (("v", index[w]),))
        if len(blocks) > 1:           # values popped from tapes pushed in different blocks
            return None
        if not any(self.reaches(names[i]) for i in leaves if i != cot):
            return None               # no forward value to relate: nothing for sympy to find
        visible = frozenset(i for i, v in enumerate(names)
                            if i not in outs and (i in leaves or scope.has(v) or v in self.func.params))
        scalars = frozenset(i for i, v in enumerate(names) if (self.layout(v) or ((0,),))[0] == ())
        key = (tuple(ops), tuple(sorted(defs.items())), cot, tuple(sorted(visible)), tuple(sorted(scalars)))
        return _Problem(names, tuple(ops), ops[-1][0][1], cot, tuple(leaves), defs, visible, scalars, key)

    def _is_cotangent(self, v, depth=0):
        """An adjoint value, or one computed from one (a rule's temporary read twice); not
        a value a rule computes from forward values alone (``np.size(y)``, ``W.T``)."""
        if v.kind is VarKind.ADJOINT:
            return True
        if v in self._cotangent:
            return self._cotangent[v]
        found = self.producer.get(v)
        dependent = found is not None and found[0].role not in (Role.PRIMAL, Role.TAPE) and depth < 40 and \
            any(self._is_cotangent(a, depth + 1) for a in found[0].inputs())
        self._cotangent[v] = dependent
        return dependent

    # -- rewriting ------------------------------------------------------------------------------
    def block(self, stmts, params, parent):
        """The block's statements with its chains rewritten, or None when nothing changed."""
        chains = self.chains(stmts)
        local = set(params)
        scope = _Scope(local, parent)
        out, changed = [], False
        for s in stmts:
            if id(s) in chains:
                new = self.rewrite(s, chains[id(s)], scope)
                if new is not None:
                    out.extend(new)
                    local.update(s.outs)
                    changed = True
                    continue
            replaced = {}
            for b in blocks_of(s):
                body = self.block(b.body, b.params, scope)
                if body is not None:
                    replaced[id(b)] = Block(b.params, body, b.results)
            if replaced:
                s = _with_blocks(s, replaced)
                changed = True
            out.append(s)
            local.update(s.outs)
        return out if changed else None

    def rewrite(self, root, members, scope):
        problem = self.problem(members, scope)
        if problem is None:
            return None
        if problem.key not in self.shapes_seen:
            if len(self.shapes_seen) >= _max_shapes():
                return None         # past the budget: the chain stays as the rules wrote it
            self.shapes_seen.append(problem.key)
        if problem.key in _CACHE:
            recipe = _CACHE[problem.key]
        else:
            recipe = _stored(problem.key)
            if recipe is not _NOT_STORED and recipe is not None and not _well_formed(recipe, problem):
                recipe = _NOT_STORED        # damaged or planted: solved again, and rewritten
            if recipe is _NOT_STORED:
                try:
                    recipe = _solve(problem)
                except Exception:   # noqa: BLE001 - sympy failing on a chain leaves it as it is
                    recipe = None
                _store(problem.key, recipe)
            if len(_CACHE) >= _CACHE_LIMIT:
                _CACHE.clear()
            _CACHE[problem.key] = recipe
        if recipe is None:
            return None
        return self.instantiate(root, members, problem, recipe)

    def instantiate(self, root, members, problem, recipe):
        """The recipe's equations for this chain, if they check out on the example values
        and around them."""
        from diffc.frontend.lower import bind

        ops, named, info = recipe
        by_op = _ops()[1]
        origin = copy.copy(root.origin) if isinstance(root.origin, Eqn) else \
            Eqn((), "constant", (), {}, root.loc, Role.PRIMAL, None)
        origin.note = _note(info, problem.vars)
        temps, eqns = [], []

        def atom(r):
            if r[0] == "v":
                return problem.vars[r[1]]
            if r[0] == "t":
                return temps[r[1]]
            return Const(r[2])

        for k, (op, args) in enumerate(ops):
            if k == len(ops) - 1:
                out = root.outs[0]
            elif k == named:
                out = self.fresh("sigmoid", VarKind.USER)
            else:
                out = self.fresh(_TEMP_HINTS.get(op, "t"), VarKind.TEMP)
            temps.append(out)
            prim = primitives.get(by_op[op])
            bound, kwargs = bind(prim, tuple(atom(a) for a in args), {})
            eqns.append(Eqn((out,), prim.name, bound, kwargs, root.loc, Role.ADJOINT, origin))
        values = self._check(members, eqns, problem, root.outs[0])
        if values is None or not self._holds_around(problem, ops, root.outs[0]):
            return None
        for eqn, value in zip(eqns[:-1], values):
            self.facts.values[eqn.outs[0]] = value
        return eqns

    def fresh(self, hint, kind):
        """A new value. Its SSA name must be new to the whole compile, not only to this
        function: ``facts`` (shared by every stage of a nested transform) knows values
        by Var, and the stages' ``Namer`` hands out ``hint`` and ``hint_<k>`` later. So
        the name has a shape no ``Namer`` makes (``mul__s1``) and no known value has."""
        if self.taken is None:
            self.taken = all_names(self.func) | {v.name for v in self.facts.values if isinstance(v, Var)}
        k = self._next_name.get(hint, 1)
        while f"{hint}__s{k}" in self.taken:
            k += 1
        self._next_name[hint] = k + 1
        self.taken.add(f"{hint}__s{k}")
        return Var(f"{hint}__s{k}", hint, kind)

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

            try:
                with np.errstate(all="ignore"):
                    chain = run([(o[1], op, args) for o, op, args in problem.ops], env)[problem.root]
                    new = run([(k, op, args) for k, (op, args) in enumerate(ops)], {})[len(ops) - 1]
            except Exception:   # noqa: BLE001 - what cannot be checked is not rewritten
                return False
            if not _agrees(chain, new, env[problem.cot]):
                return False
        return True


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

    def ref_ok(r, k):
        if not isinstance(r, tuple) or not r:
            return False
        if r[0] == "v":
            return len(r) == 2 and index(r[1]) and r[1] in problem.visible
        if r[0] == "t":
            return len(r) == 2 and type(r[1]) is int and 0 <= r[1] < k
        return r[0] == "c" and len(r) == 3 and r[1] in ("int", "float") and type(r[2]).__name__ == r[1] \
            and math.isfinite(r[2])

    def template_ok(text, arg_vars):
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

    if not (isinstance(recipe, tuple) and len(recipe) == 3):
        return False
    ops, named, info = recipe
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
    if not (named is None or (type(named) is int and 0 <= named < len(ops) - 1)):
        return False
    if not (isinstance(info, tuple) and len(info) == 6):
        return False
    kind, sign, arg, minus, arg_vars, reused = info
    return (kind is None or (isinstance(kind, str) and _RECIPE_KINDS.fullmatch(kind) is not None)) \
        and sign in (-1, 0, 1) and type(sign) is int \
        and all(isinstance(t, tuple) and all(index(i) for i in t) for t in (arg_vars, reused)) \
        and template_ok(arg, arg_vars) and template_ok(minus, arg_vars)


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
    from diffc.core.ir import walk

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


# -- the comment ------------------------------------------------------------------------------
def _note(info, names):
    """The emitted comment's text for a rewrite (``info`` from ``_solve``)."""
    kind, sign, arg, minus, arg_vars, reused = info
    kind, _, factor = (kind or "").partition(" * ")
    times = f" (times {factor})" if factor else ""
    printable = all(names[i].kind is VarKind.USER and names[i].hint.isidentifier() for i in arg_vars)
    hints = {f"v{i}": names[i].hint for i in arg_vars}
    a = arg.format(**hints) if printable and arg else None
    na = minus.format(**hints) if printable and minus else None
    users = [names[i].hint for i in reused if names[i].kind is VarKind.USER]
    if kind == "sigmoid'":
        what = (f"sigmoid s = 1 / (1 + exp({na}))" if a else "a sigmoid s") + " has derivative s * (1 - s)"
        where = _from_forward("s", users, reused)
    elif kind == "sigmoid":
        form = f"exp({a}) / (1 + exp({a}))" if sign > 0 else f"1 / (1 + exp({na}))"
        what = f"the derivative is sigmoid({a}) = {form}" if a else "the derivative is a sigmoid"
        where = ""
    elif kind == "tanh'":
        what = (f"t = tanh({a})" if a else "a tanh t") + " has derivative 1 - t ** 2"
        where = _from_forward("t", users, reused)
    elif kind == "tanh":
        what = f"the derivative is tanh({a})" if a else "the derivative is a tanh"
        where = ""
    else:
        what, where = "simplified symbolically", ""
    what += times
    if not where and reused:
        where = ", reusing forward values" if len(reused) > 1 else ", reusing a forward value"
        if users and len(users) == len(reused):
            where += " " + ", ".join(users)
    elif not reused and kind:
        where = ", recomputed"
    return ("simplified: " if kind else "") + what + where


def _from_forward(letter, users, reused):
    if len(reused) != 1 or len(users) != 1:
        return ""
    return f", {letter} from the forward pass" if users[0] == letter else \
        f", {letter} is {users[0]} from the forward pass"


# -- the symbolic part ------------------------------------------------------------------------
def _number(sp, value):
    if isinstance(value, bool):
        raise _Unsupported("a boolean operand")
    if not math.isfinite(value):
        raise _Unsupported("a constant that is not finite")
    if isinstance(value, int) or float(value).is_integer():
        return sp.Integer(int(value))
    return sp.Rational(value)          # the float's exact value


def _build(sp, op, args):
    if op == "add":
        return args[0] + args[1]
    if op == "sub":
        return args[0] - args[1]
    if op == "mul":
        return args[0] * args[1]
    if op == "div":
        return args[0] / args[1]
    if op == "neg":
        return -args[0]
    if op == "pos":
        return args[0]
    if op == "pow":
        return args[0] ** args[1]
    if op == "square":
        return args[0] ** 2
    if op == "recip":
        return 1 / args[0]
    if op == "sqrt":
        return sp.sqrt(args[0])
    return getattr(sp, op)(args[0])


def _split(sp, arg):
    """``arg`` as ``c * rest`` with ``c`` a rational number (sign taken out of a sum)."""
    c, rest = arg.as_coeff_Mul()
    if rest.is_Add and rest.could_extract_minus_sign():
        c, rest = -c, -rest
    return c, rest


def _solve(p):
    """The cheapest equivalent of chain ``p`` as a recipe ``(ops, named, info)``, or None.

    ``ops``: ``(op, argument refs)`` in order, the last one computing the chain's result;
    a ref is ``("v", index)`` (a value of the problem), ``("t", k)`` (the k-th op's
    result) or ``("c", type name, value)``. ``named``: the op computing a recognised
    function into a variable of its own, or None. ``info``: what the comment says.
    """
    sp = _sympy()
    S = [sp.Symbol(f"v{i}", real=True) for i in range(len(p.vars))]

    def operand(r, env):
        return _number(sp, r[2]) if r[0] == "c" else env.get(r[1], S[r[1]])

    env = {}
    for (_, out), op, args in p.ops:
        env[out] = _build(sp, op, [operand(a, env) for a in args])
    g = S[p.cot]
    F = sp.together(env[p.root].xreplace({g: 1}))    # C = g * F: the chain is linear in g
    if F.is_Number:
        return None
    original = sum(_weight(op, args, out in p.scalars) for (_, out), op, args in p.ops)
    scalar_syms = {S[i] for i in p.scalars}
    divisors = set(sp.fraction(F)[1].free_symbols)      # what the chain itself divides by

    # each value as a function of roots
    expanded = {}

    def expand(i):
        if i not in expanded:
            d = p.defs.get(i)
            if d is None:
                expanded[i] = S[i]
            elif d[0] == "alias":
                expanded[i] = expand(d[1][0][1])
            else:
                expanded[i] = _build(sp, d[0], [expand(a[1]) if a[0] == "v" else _number(sp, a[2])
                                               for a in d[1]])
        return expanded[i]

    available = [i for i in sorted(p.visible) if i != p.cot]
    F_root = F.xreplace({S[i]: expand(i) for i in p.leaves if i in p.defs})
    norm, bases, atoms = _normaliser(sp, [F_root] + [expand(i) for i in available])
    F_norm = norm(F_root)
    E = {i: norm(expand(i)) for i in available}
    visible_syms = {S[i] for i in available}

    candidates = [(F, None, {})]      # (expression, substitution (None: F as written), recomputed)
    # the atoms of F (exp bases u, other functions w), each expressed by a forward value
    # (solved for it) or recomputed from its roots
    options = []
    free = F_norm.free_symbols
    if all(s in visible_syms or s in bases or s in atoms for s in free):
        for s in sorted(free - visible_syms, key=str):
            choices = []
            for i in available:
                if E[i].free_symbols != {s}:
                    continue
                inverse = _inverse(sp, E[i], s, S[i]) if s in bases else (S[i] if E[i] == s else None)
                if inverse is not None:
                    choices.append(inverse)
            if not choices:
                inner = (bases[s] if s in bases else atoms[s]).free_symbols
                if inner <= visible_syms:
                    choices = ["+", "-"] if s in bases else ["+"]
            if not choices:
                options = None
                break
            options.append([(s, c) for c in choices])
    for combo in itertools.islice(itertools.product(*options), _MAX_COMBOS) if options is not None else ():
        sub, recomputed = {}, {}
        for s, choice in combo:
            if choice in ("+", "-"):
                r = sp.Symbol(f"{s}{'m' if choice == '-' else 'p'}", positive=True)
                if s in bases:
                    rest = bases[s]
                    recomputed[r] = sp.exp(rest if choice == "+" else -rest)
                    sub[s] = r if choice == "+" else 1 / r
                else:
                    recomputed[r] = atoms[s]
                    sub[s] = r
            else:
                sub[s] = choice
        candidates.append((sp.together(F_norm.xreplace(sub)), sub, recomputed))

    def score(expr, recomputed, order):
        return _score(sp, expr, g, S, divisors, visible_syms, recomputed, scalar_syms, order)

    # each candidate as sympy combines it (cheap), then the two best also with common
    # factors taken out (s * (1 - s)), cancelled, fully factored, and with other forward
    # values substituted for the subexpressions they are (exp + 1 -> add)
    scored = []
    for n, (expr, sub, recomputed) in enumerate(candidates):
        s = score(expr, recomputed, (0, n))
        if s is not None:
            scored.append((s, expr, sub, recomputed))
    if not scored:
        return None
    scored.sort(key=lambda c: c[0])
    refined = []
    for s, expr, sub, recomputed in scored[:2]:
        n = s[-1][1]
        forms = _reduced(sp, expr)
        for k, form in enumerate(forms):
            s2 = score(form, recomputed, (k + 1, n))
            if s2 is not None:
                refined.append((s2, form, sub, recomputed))
        if sub is None:
            continue
        patterns = []
        for i in available:
            pattern = sp.together(E[i].xreplace(sub))
            if not (pattern.is_Atom or pattern.is_Number) and pattern.free_symbols <= visible_syms | set(recomputed):
                patterns.append((sp.count_ops(pattern), i, pattern))
        patterns.sort(key=lambda t: (-t[0], t[1]))
        for form in (expr, *forms[:1]):
            for j, (_, i, pattern) in enumerate(patterns):
                if not pattern.free_symbols <= form.free_symbols:
                    continue            # a symbol the form lacks: subs cannot find the pattern
                again = form.subs(pattern, S[i])
                if again != form:
                    form = again
                    s2 = score(form, recomputed, (4 + j, n))
                    if s2 is not None:
                        refined.append((s2, form, sub, recomputed))
    best = min(refined + scored, key=lambda c: c[0])
    (cost, *_), expr, _, recomputed = best
    kind, sign, arg, minus, arg_vars = _recognise(sp, F_norm, bases, S)
    if not (cost < original or (cost == original and kind is not None)):
        return None
    named_first = kind in ("sigmoid", "tanh") and not (expr.is_Symbol and expr in visible_syms)
    emitter = _Emitter(sp, S, divisors, recomputed, scalar_syms)
    ops, named = emitter.top(expr, g, named_first)
    reused = tuple(sorted(int(str(s)[1:]) for s in expr.free_symbols if s in visible_syms))
    return ops, named, (kind, sign, arg, minus, arg_vars, reused)


def _reduced(sp, expr):
    """Candidate ``expr`` (as ``together`` combined it) in lowest terms, in the forms the
    refinement scores: with common factors taken out, expanded, and fully factored when
    a common factor cancelled. Empty when there is nothing to reduce."""
    if not expr.atoms(sp.Add):
        return []           # a product of powers of symbols: in lowest terms already
    num, den = sp.fraction(expr)
    if not den.atoms(sp.Add) and not (den.free_symbols & num.free_symbols):
        # a monomial denominator with no symbol of the numerator: nothing cancels, and
        # the candidate is already factored (cancel and factor would expand it and factor
        # it again, at a third of this pass's time)
        expanded = sp.expand(num) / den
        return [sp.factor_terms(expanded), expanded]
    cancelled = sp.cancel(expr)
    return [sp.factor_terms(cancelled), cancelled, sp.factor(cancelled)]


def _score(sp, expr, g, S, divisors, visible, recomputed, scalars, order):
    """``(cost, recomputations, overflow risk, values read, powers, order)`` of a candidate, or None
    if unusable."""
    if not expr.free_symbols <= (visible | set(recomputed)):
        return None
    emitter = _Emitter(sp, S, divisors, recomputed, scalars)
    try:
        ops, _ = emitter.top(expr, g, False)
    except _Unsupported:
        return None
    cost = emitter.cost
    num = sp.fraction(expr)[0]
    # a larger power of a recomputed exp in the numerator overflows first
    risk = sum(sp.degree(num, r) if num.is_polynomial(r) else 1 for r in recomputed)
    powers = sum(op == "pow" for op, _ in ops)      # as cheap: the factored form, s * (1 - s)
    values = len(expr.free_symbols)         # as cheap: fewer forward values kept alive
    return (cost, len(recomputed), risk, values, powers, order)


def _inverse(sp, e, u, v):
    """``u`` as a function of ``v`` when ``v = e(u)`` is a Möbius map ``(a u + b) / (c u + d)``."""
    if e == u:
        return v
    if e == 1 / u:
        return 1 / v
    num, den = sp.fraction(sp.together(e))
    if not (num.is_polynomial(u) and den.is_polynomial(u)):
        return None
    pn, pd = sp.Poly(num, u), sp.Poly(den, u)
    if pn.degree() > 1 or pd.degree() > 1:
        num, den = sp.fraction(sp.cancel(e))    # a common factor may cancel
        pn, pd = sp.Poly(num, u), sp.Poly(den, u)
        if pn.degree() > 1 or pd.degree() > 1:
            return None
    a, b = (pn.all_coeffs() if pn.degree() == 1 else [0, pn.all_coeffs()[-1]])
    c, d = (pd.all_coeffs() if pd.degree() == 1 else [0, pd.all_coeffs()[-1]])
    if not all(getattr(x, "is_Number", True) for x in (a, b, c, d)) or a * d - b * c == 0:
        return None
    return (d * v - b) / (a - c * v)


def _normaliser(sp, exprs):
    """A function rewriting expressions over symbols: ``exp(k * b * rest)`` → ``u ** k``
    with ``u = exp(b * rest)`` (one ``u`` per ``rest``, ``b`` the largest rational making
    every ``k`` an integer), any other function (or fractional power) → a symbol ``w``.

    Returns ``(norm, bases, atoms)``: ``bases[u]`` = the argument of the exp ``u`` is,
    ``atoms[w]`` = the expression ``w`` stands for.
    """
    groups = {}
    for e in exprs:
        for a in e.atoms(sp.exp):
            c, rest = _split(sp, a.args[0])
            if c.is_Rational and not rest.atoms(sp.Function) and not rest.is_Number:
                groups.setdefault(rest, set()).add(c)
    bases, by_rest = {}, {}
    for k, rest in enumerate(sorted(groups, key=sp.default_sort_key)):
        top, bottom = 0, 1
        for c in groups[rest]:
            top = math.gcd(top, abs(int(c.p)))
            bottom = bottom * int(c.q) // math.gcd(bottom, int(c.q))
        step = sp.Rational(top, bottom)
        u = sp.Symbol(f"u{k}", positive=True)
        bases[u] = step * rest
        by_rest[rest] = (u, step)
    atoms, by_atom, memo = {}, {}, {}

    def norm(e):
        if e in memo:
            return memo[e]
        if isinstance(e, sp.exp):
            c, rest = _split(sp, e.args[0])
            if rest in by_rest and c.is_Rational:
                u, step = by_rest[rest]
                memo[e] = u ** (c / step)
                return memo[e]
        if e.is_Function or (e.is_Pow and not e.exp.is_Integer):
            if e not in by_atom:
                w = sp.Symbol(f"w{len(by_atom)}", real=True)
                by_atom[e] = w
                atoms[w] = e
            memo[e] = by_atom[e]
            return memo[e]
        if not e.args:
            return e
        memo[e] = e.func(*[norm(a) for a in e.args])
        return memo[e]

    return norm, bases, atoms


def _exactly(e, u, x):
    """The rational function ``e`` of the one symbol ``u`` at ``u = x``, in exact fractions
    (SymPy's own substitution costs a millisecond; this, microseconds)."""
    if e.is_Symbol:
        if e != u:
            raise _Unsupported(e)
        return x
    if e.is_Rational:
        return Fraction(int(e.p), int(e.q))
    if e.is_Add:
        return sum((_exactly(a, u, x) for a in e.args), Fraction(0))
    if e.is_Mul:
        return math.prod((_exactly(a, u, x) for a in e.args), start=Fraction(1))
    if e.is_Pow and e.exp.is_Integer:
        return _exactly(e.base, u, x) ** int(e.exp)
    raise _Unsupported(e)


def _recognise(sp, F, bases, S):
    """Whether ``F`` (normalised) is a sigmoid, a tanh, or one's derivative, of one
    exp's argument: ``(kind, argument, its negation, its value indices)``, printable with
    ``str.format`` of ``v<i>`` names."""
    if len(F.free_symbols) != 1 or next(iter(F.free_symbols)) not in bases:
        return None, 0, None, None, ()
    u = next(iter(F.free_symbols))
    half = sp.Rational(1, 2)
    # (kind, template in u = exp(arg), the function's argument as a multiple of arg); the
    # templates are evaluated in exact Python fractions (SymPy's numbers cost milliseconds)
    templates = (("sigmoid", lambda u: u / (u + 1), 1), ("sigmoid", lambda u: 1 / (u + 1), -1),
                 ("sigmoid'", lambda u: u / (u + 1) ** 2, 1),
                 ("tanh", lambda u: (u ** 2 - 1) / (u ** 2 + 1), 1),
                 ("tanh", lambda u: (u - 1) / (u + 1), half),
                 ("tanh", lambda u: (1 - u ** 2) / (u ** 2 + 1), -1),
                 ("tanh", lambda u: (1 - u) / (u + 1), -half),
                 ("tanh'", lambda u: 4 * u ** 2 / (u ** 2 + 1) ** 2, 1),
                 ("tanh'", lambda u: 4 * u / (u + 1) ** 2, half))
    matches = []
    points = [Fraction(k, 7) for k in (3, 11, 19, 30, 45)]
    try:
        at = [_exactly(F, u, x) for x in points]
    except (_Unsupported, ZeroDivisionError):
        return None, 0, None, None, ()
    if 0 in at:
        return None, 0, None, None, ()
    for kind, t, sign in templates:
        # a rational function of degree <= 4 equal to c * t at five points is c * t (the
        # kind only names the rewrite in a comment; what is emitted is checked otherwise)
        ratios = {v / t(x) for v, x in zip(at, points)}
        if len(ratios) == 1:
            factor = ratios.pop()
            matches.append((abs(factor.numerator) + factor.denominator, len(matches), kind, sign, factor))
    if not matches:
        return None, 0, None, None, ()
    _, _, kind, sign, factor = min(matches)         # the simplest factor: 3 tanh', not 12 sigmoid'
    if factor != 1:
        kind = f"{kind} * {factor}"
    a = bases[u] * sign
    if any(str(s)[0] != "v" for s in a.free_symbols):
        return kind, sign, None, None, ()
    placeholders = {s: sp.Symbol("{" + str(s) + "}") for s in a.free_symbols}
    indices = tuple(sorted(int(str(s)[1:]) for s in a.free_symbols))
    return kind, sign, str(a.xreplace(placeholders)), str((-a).xreplace(placeholders)), indices


class _Emitter:
    """A sympy expression as NumPy operations (op list), costed; only what is safe."""

    def __init__(self, sp, S, divisors, recomputed, scalars):
        self.sp = sp
        self.index = {s: i for i, s in enumerate(S)}
        self.divisors = divisors
        self.recomputed = recomputed
        self.scalar_syms = scalars
        self.scalar_refs = {("v", self.index[s]) for s in scalars}
        self.ops = []
        self.made = {}
        self.cost = 0

    def op(self, op, *args):
        key = (op, args)
        if key not in self.made:
            self.ops.append((op, args))
            ref = ("t", len(self.ops) - 1)
            scalar = all(a[0] == "c" or a in self.scalar_refs for a in args)
            if scalar:
                self.scalar_refs.add(ref)
            self.cost += _weight(op, args, scalar)
            self.made[key] = ref
        return self.made[key]

    def is_scalar(self, e):
        """Whether ``e`` is a scalar: every value it reads is one."""
        return all(s in self.scalar_syms if s not in self.recomputed
                   else self.is_scalar(self.recomputed[s]) for s in e.free_symbols)

    def top(self, expr, g, named_first):
        """``g * expr``: ``g`` leads the product, or multiplies a named value of ``expr``."""
        lead = ("v", self.index[g])
        if named_first:
            value = self.expr(expr)
            if value[0] != "t":
                raise _Unsupported("nothing to name")
            named = int(value[1])
            if self.op("mul", lead, value) != ("t", len(self.ops) - 1):
                raise _Unsupported("the result is not computed last")
            return list(self.ops), named
        if expr.is_Mul or (expr.is_Pow and expr.exp.is_negative):
            result = self.product(expr, lead)
        else:
            result = self.op("mul", lead, self.expr(expr))
        if result != ("t", len(self.ops) - 1):
            raise _Unsupported("the result is not computed last")
        return list(self.ops), None

    @staticmethod
    def const(value):
        value = int(value) if value.is_Integer else float(value)
        return ("c", type(value).__name__, value)

    def expr(self, e):
        sp = self.sp
        if e.is_Number:
            if not e.is_Rational and not e.is_Float:
                raise _Unsupported(f"the number {e}")
            return self.const(e)
        if e.is_Symbol:
            if e in self.recomputed:
                return self.expr(self.recomputed[e])
            if e not in self.index:
                raise _Unsupported(f"the symbol {e}")
            return ("v", self.index[e])
        if e.is_Add:
            return self.sum(e)
        if e.is_Mul or (e.is_Pow and e.exp.is_negative):
            return self.product(e, None)
        if e.is_Pow:
            return self.power(e.base, e.exp)
        for name in _FUNCTIONS:
            if isinstance(e, getattr(sp, name)):
                return self.op(name, self.expr(e.args[0]))
        raise _Unsupported(f"the expression {e}")

    def power(self, base, exponent):
        sp = self.sp
        if base in self.recomputed and isinstance(self.recomputed[base], sp.exp):
            return self.expr(sp.exp(self.recomputed[base].args[0] * exponent))
        if exponent == 1:
            return self.expr(base)
        if exponent.is_Integer:
            return self.op("pow", self.expr(base), self.const(exponent))
        if exponent == sp.Rational(1, 2):
            return self.op("sqrt", self.expr(base))
        if exponent.is_Rational:
            return self.op("pow", self.expr(base), self.const(exponent))
        raise _Unsupported(f"the power {exponent}")

    def sum(self, e):
        pos, neg = [], []
        for t in e.args:
            if t.could_extract_minus_sign():
                neg.append(-t)
            else:
                pos.append(t)
        # a constant after the other terms (x + 1), but first in a difference (1 - s)
        pos.sort(key=lambda t: t.is_Number != bool(neg))
        if pos:
            acc = self.expr(pos[0])
            rest = pos[1:]
        else:
            acc = self.op("neg", self.expr(neg[0]))
            rest, neg = [], neg[1:]
        for t in rest:
            acc = self.op("add", acc, self.expr(t))
        for t in neg:
            acc = self.op("sub", acc, self.expr(t))
        return acc

    def product(self, e, lead):
        sp = self.sp
        c, factors = e.as_coeff_mul()
        num, den = [], []
        for f in factors:
            base, exponent = f.as_base_exp()
            if exponent.is_Number and exponent < 0:
                den.append((base, -exponent))
            else:
                num.append(f)
        negate = False
        if c < 0:
            sums = [k for k, f in enumerate(num) if f.is_Add]
            if sums:
                k = next((k for k in sums if num[k].as_coeff_add()[0] < 0), sums[0])
                num[k] = -num[k]
            else:
                negate = True
            c = -c
        for base, _ in den:
            if not (base in self.divisors or base.is_positive or base in self.recomputed):
                raise _Unsupported(f"a division by {base}, which may vanish")
        num.sort(key=lambda f: not f.is_Symbol)     # plain values first, then sums and powers
        # scalars first (dout / n: one division of numbers), then the arrays they scale
        refs = [lead] if lead is not None else []
        if c != 1:
            refs.append(self.const(c))
        refs += [self.expr(f) for f in num]
        dens = [self.power(base, exponent) for base, exponent in den]
        small = [r for r in refs if r[0] == "c" or r in self.scalar_refs]
        small_den = [r for r in dens if r in self.scalar_refs]
        large = [r for r in refs if r not in small]
        large_den = [r for r in dens if r not in small_den]
        acc = None
        for group, divisors in ((small, small_den), (large, large_den)):
            for r in group:
                acc = r if acc is None else self.op("mul", acc, r)
            divisor = None
            for r in divisors:
                divisor = r if divisor is None else self.op("mul", divisor, r)
            if divisor is not None:
                acc = self.op("div", acc if acc is not None else self.const(sp.Integer(1)), divisor)
            if negate and acc is not None and (acc in self.scalar_refs or group is large):
                acc = self.op("neg", acc)
                negate = False
        if acc is None:
            acc = self.const(sp.Integer(1))
        if negate:
            acc = self.op("neg", acc)
        return acc
