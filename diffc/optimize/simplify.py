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

This module is the pass and its recipe store; its parts: ``simplify_chains`` (finding the
chains, each stated as a problem), ``simplify_solve`` (SymPy), ``simplify_emit`` (a
solution written back as operations, and its comment), ``simplify_check`` (whether a
recipe may replace a chain), ``simplify_ops`` (the operations and limits they share).
"""
from __future__ import annotations

import ast
import copy
import hashlib
import importlib.util
import os

from diffc import cache
from diffc.core import primitives
from diffc.core.ir import (Block, Const, Eqn, Function, Loop, Role, Var, VarKind, all_names,
                           blocks_of, with_body)
from diffc.frontend.lower import bind
from diffc.optimize import (simplify_chains, simplify_check, simplify_emit, simplify_ops,
                            simplify_solve)
from diffc.optimize.simplify_chains import _Chains
from diffc.optimize.simplify_check import _Checks, _live_uses, _well_formed, _with_blocks
from diffc.optimize.simplify_emit import _note
from diffc.optimize.simplify_ops import _ops, _sympy
from diffc.optimize.simplify_solve import _solve

_TEMP_HINTS = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "neg": "neg", "pow": "pow",
               "sqrt": "sqrt", "exp": "exp", "log": "log"}

_CACHE: dict = {}        # structural key -> recipe (or None: nothing better)
_MAX_SHAPES = 32         # different chain shapes simplified per compile (see _max_shapes)
_CACHE_LIMIT = 1024

# Recipes are also kept on disk (one small file per chain structure, in diffc's cache
# directory), so that a new process does not ask SymPy again: a key and a recipe are plain
# literals (tuples, strings, numbers), written with ``repr`` and read with
# ``ast.literal_eval``. A file is named by a hash of the key, of the simplifier's source
# (this module and its parts) and of SymPy's version: another diffc or SymPy never reads it. The files are read only
# from a directory of the user's own that no one else can write to (``diffc.cache``), and a
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
    directory = cache.private_subdir("recipes")
    if directory is None:
        return None
    if _version is None:
        _version = hashlib.sha256(_source_version().encode() + _sympy_version()).hexdigest()[:16]
    digest = hashlib.sha256(f"{_version}:{key!r}".encode()).hexdigest()[:32]
    return os.path.join(directory, f"{digest}.txt")


# Recipes shipped with diffc, in ``recipes/`` beside this module: the chains of the seed
# notes' models, of the benchmark models and of common activations, solved when this diffc
# was made (``DIFFC_UPDATE_RECIPES=1 python -m pytest tests/test_shipped_recipes.py``), so
# that a first compile of such a model in a new installation imports no SymPy. A file is
# named by a hash of the key and of the simplifier's source alone (not SymPy's version:
# the code is then the same on every machine), and is read before the user's cache; it is
# checked as a recipe from the cache is (its form, and its values on the examples). After a
# change to the simplifier, no file matches until they are made again (the test says so).
SHIPPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recipes")
_source_hash = None


def _source_version():
    """A hash of the simplifier's source (this module and its parts)."""
    global _source_hash
    if _source_hash is None:
        version = hashlib.sha256()
        for part in (__file__, simplify_chains.__file__, simplify_check.__file__,
                     simplify_emit.__file__, simplify_ops.__file__, simplify_solve.__file__):
            with open(part, "rb") as fh:
                version.update(fh.read().replace(b"\r\n", b"\n"))
        _source_hash = version.hexdigest()[:16]
    return _source_hash


def shipped_path(key):
    """Where a recipe for ``key`` is shipped with diffc (None when ``key`` is not a literal)."""
    if not _is_literal(key):
        return None
    digest = hashlib.sha256(f"{_source_version()}:{key!r}".encode()).hexdigest()[:32]
    return os.path.join(SHIPPED, f"{digest}.txt")


def _read_recipe(path, key):
    data = cache.read_cached(path, _MAX_RECIPE_FILE) if path is not None else None
    if data is None:
        return _NOT_STORED
    try:
        stored_key, recipe = ast.literal_eval(data.decode("utf-8"))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, UnicodeDecodeError):
        return _NOT_STORED
    return recipe if stored_key == key else _NOT_STORED


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
    """The recipe shipped or stored for ``key`` (None: nothing better was found), or
    ``_NOT_STORED``. ``DIFFC_NO_SHIPPED_RECIPES=1`` reads the user's cache only."""
    if os.environ.get("DIFFC_NO_SHIPPED_RECIPES") != "1":
        recipe = _read_recipe(shipped_path(key), key)
        if recipe is not _NOT_STORED:
            return recipe
    return _read_recipe(_recipe_path(key), key)


def _store(key, recipe):
    path = _recipe_path(key)
    if path is None or not _is_literal(recipe):
        return
    try:
        cache.write_atomically(path, repr((key, recipe)))
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


class _Pass(_Chains, _Checks):
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
