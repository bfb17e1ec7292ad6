"""The IR verifier: what every stage and pass must leave true of a ``Function``.

``verify(func, facts, after="simplify")`` raises ``InternalError`` (a bug in diffc)
naming the pass and the statement when one of these fails:

* **Every use is defined before it.** A statement reads only the function's parameters,
  the outputs of statements before it in its block or in the blocks around it, and the
  parameters of those blocks; a block's results likewise, and the function's results
  are defined at the top level. A value made inside a block leaves it only through the
  block's results (an ``If``'s or a ``Loop``'s ``outs``). Every value is defined once.
* **Regions are well formed.** An ``If``'s two branches take no parameters and yield
  one value per output; a ``Loop``'s body takes ``(item, *carried)`` (a ``for``) or the
  carried values (a ``while``) and yields the carried values, one per initial value
  and per output, and a ``while``'s test takes the carried values and yields one; a
  ``Call``'s body takes one parameter per argument and yields its one output.
* **Everything is known.** Each statement's role is a ``Role``, each value's kind a
  ``VarKind``, each argument a ``Var``, ``Const`` or ``Pack``, and each equation's
  primitive is registered.
* **Shapes agree with the facts.** An equation whose operands and outputs have example
  values (``Facts``), none of them of a shape the signature leaves open, computes on
  those operands a value of the shape recorded for its output: a pass that rewrites an
  equation may not change the shape of what it makes. An equation checked once is not
  computed again while it and the facts' values for it stay the same. (Not inside a loop, where the
  values the facts hold are each value's last, not all of one iteration; nor for a list
  or dict, which later statements may grow.)

The test suite sets ``DIFFC_VERIFY=1`` (``tests/conftest.py``), and the compiler then
verifies the IR after lowering, after each transform and after every optimization
pass (``checked``); otherwise nothing is checked, and compiling costs nothing more.
"""
from __future__ import annotations

import os

import numpy as np

from diffc.core import primitives
from diffc.core.ir import Block, Call, Const, Eqn, Function, If, Loop, Pack, Role, Var, VarKind, blocks_of
from diffc.errors import InternalError


def enabled() -> bool:
    """Whether the compiler verifies its IR between passes (``DIFFC_VERIFY=1``)."""
    return os.environ.get("DIFFC_VERIFY") == "1"


def checked(func: Function, facts=None, after: str = "") -> Function:
    """``func``, verified first when ``DIFFC_VERIFY=1``."""
    if enabled():
        verify(func, facts, after=after)
    return func


def verify(func: Function, facts=None, *, after: str = "") -> None:
    """Raise ``InternalError`` if ``func`` breaks a rule of the IR (module docstring);
    ``after`` names the pass that made it, for the message."""
    _Verifier(facts, after).function(func)


class _Verifier:
    def __init__(self, facts, after):
        self.facts = facts if facts is not None and facts.enabled else None
        self.after = after
        self.defined: set = set()       # every value defined so far, anywhere
        # condition Var -> what the branches of the Ifs on it so far define, one set per
        # branch (a later If on the same condition, a backward branch, reads them)
        self.branches: dict = {}
        self.loops = 0                  # depth of loop bodies around the statement checked

    def fail(self, what, stmt=None):
        where = f" after {self.after}" if self.after else ""
        at = ""
        if stmt is not None:
            text = str(stmt).splitlines()[0]
            at = f"\n    in: {text}"
        raise InternalError(f"the IR is not well formed{where}: {what}{at}")

    # -- definitions and uses --------------------------------------------------------------
    def function(self, func):
        scope = set()
        for p in func.params:
            self.define(p, scope, None)
        self.body(func.body, scope)
        for r in func.results:
            self.use(r, scope, None, "the function's result")
        if func.result_names is not None and len(func.result_names) != len(func.results):
            self.fail(f"{len(func.result_names)} result names for {len(func.results)} results")

    def body(self, stmts, scope):
        for stmt in stmts:
            self.statement(stmt, scope)

    def define(self, var, scope, stmt):
        if not isinstance(var, Var):
            self.fail(f"{var!r} is defined but is not a Var", stmt)
        if not isinstance(var.kind, VarKind):
            self.fail(f"{var} has kind {var.kind!r}, not a VarKind", stmt)
        if var in self.defined:
            self.fail(f"{var} is defined twice", stmt)
        self.defined.add(var)
        scope.add(var)

    def use(self, atom, scope, stmt, what="an operand"):
        if isinstance(atom, Var):
            if atom not in scope:
                self.fail(f"{what} {atom} is read before it is defined (or outside its block)", stmt)
        elif isinstance(atom, Pack):
            for item in atom.items:
                self.use(item, scope, stmt, what)
        elif not isinstance(atom, Const):
            self.fail(f"{what} {atom!r} is not a Var, Const or Pack", stmt)

    def statement(self, stmt, scope):
        if not isinstance(stmt, (Eqn, If, Loop, Call)):
            self.fail(f"{type(stmt).__name__} is not a statement", stmt)
        if not isinstance(stmt.role, Role):
            self.fail(f"role {stmt.role!r} is not a Role", stmt)
        if isinstance(stmt, Eqn):
            try:
                primitives.get(stmt.prim)
            except KeyError:
                self.fail(f"primitive {stmt.prim!r} is not registered", stmt)
            for a in (*stmt.args, *stmt.kwargs.values()):
                self.use(a, scope, stmt)
        elif isinstance(stmt, If):
            self.branch_statement(stmt, scope)
        elif isinstance(stmt, Loop):
            self.loop(stmt, scope)
        else:
            for a in stmt.args:
                self.use(a, scope, stmt)
            if len(stmt.outs) != 1:
                self.fail(f"a call has {len(stmt.outs)} outputs, not one", stmt)
            self.region(stmt.body, stmt.args, 1, scope, stmt, "callee's body")
        for out in stmt.outs:
            self.define(out, scope, stmt)
        if isinstance(stmt, Eqn) and self.facts is not None and not self.loops:
            self.shapes(stmt)

    def branch_statement(self, stmt, scope):
        """An ``If``. In each branch it may read what the same branch of an earlier ``If``
        on the same condition made (a backward branch, what its forward branch made): the
        program takes both on the same path."""
        self.use(stmt.cond, scope, stmt, "the condition")
        same_path = self.branches.setdefault(stmt.cond, (set(), set())) if isinstance(stmt.cond, Var) \
            else (set(), set())
        for k, (block, what) in enumerate(((stmt.then, "then branch"), (stmt.orelse, "else branch"))):
            same_path[k].update(self.region(block, (), len(stmt.outs), scope, stmt, what, set(same_path[k])))

    def loop(self, stmt, scope):
        if stmt.iterable is not None:
            self.use(stmt.iterable, scope, stmt, "the iterable")
        for a in stmt.inits:
            self.use(a, scope, stmt, "an initial value")
        carried = len(stmt.inits)
        if len(stmt.outs) != carried:
            self.fail(f"a loop with {carried} carried values has {len(stmt.outs)} outputs", stmt)
        if stmt.cond is not None:
            if stmt.iterable is not None:
                self.fail("a while loop has an iterable", stmt)
        elif stmt.iterable is None:
            self.fail("a for loop has no iterable", stmt)
        self.loops += 1
        if stmt.cond is not None:
            self.region(stmt.cond, (None,) * carried, 1, scope, stmt, "while test")
        params = carried + (stmt.cond is None)
        self.region(stmt.body, (None,) * params, carried, scope, stmt, "loop body")
        self.loops -= 1

    def region(self, block, params, results, scope, stmt, what, readable=()):
        """Check ``block`` (``scope``: what it may read from outside, and ``readable``);
        return what it defines and may read, less ``scope``."""
        if not isinstance(block, Block):
            self.fail(f"the {what} is a {type(block).__name__}, not a Block", stmt)
        if len(block.params) != len(params):
            self.fail(f"the {what} takes {len(block.params)} parameters, not {len(params)}", stmt)
        if len(block.results) != results:
            self.fail(f"the {what} yields {len(block.results)} values, not {results}", stmt)
        inner = set(scope)
        inner.update(readable)
        for p, bound in zip(block.params, params):
            if p is not bound and p != bound:       # a callee's parameter bound to itself
                self.define(p, inner, stmt)         # (a free input passed on) is defined already
        self.body(block.body, inner)
        for r in block.results:
            self.use(r, inner, stmt, f"a result of the {what}")
        return inner - scope

    # -- shapes ----------------------------------------------------------------------------
    def shapes(self, eqn):
        facts = self.facts
        atoms = (*eqn.inputs(), *eqn.outs)
        if not eqn.outs or any(v not in facts.values or v in facts.dynamic for v in atoms):
            return
        recorded = [facts.values[o] for o in eqn.outs]
        if any(isinstance(r, (list, dict)) for r in recorded):
            return      # a list or dict grows after it is made (a tape's pushes, appends)
        # the same equation on the same values, checked after an earlier pass, holds still
        seen = _seen_key(eqn, tuple(id(facts.values[v]) for v in atoms))
        if seen is not None and seen in facts.verified:
            return
        if primitives.get(eqn.prim).effect in ("store", "print", "random"):
            return      # running it again would assign, print or draw again
        expected = _computed_shapes(facts, eqn)
        recorded = tuple(_layout(r) for r in recorded)
        if expected != recorded:
            self.fail(f"the facts record {_shapes_text(recorded)} for {', '.join(map(str, eqn.outs))}, "
                      f"but the equation computes {_shapes_text(expected)} from its operands' values", eqn)
        if seen is not None:
            facts.verified.add(seen)


def _seen_key(eqn, value_ids):
    """What ``Facts.verified`` records of an equation checked: its primitive, operands and
    outputs, and which values the facts held for them; None when a constant in it is not
    hashable (an array)."""
    key = (eqn.prim, eqn.args, tuple(eqn.kwargs.items()), eqn.outs, value_ids)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _shapes_text(shapes):
    return ", ".join(f"shape {s}" for s in shapes)


def _computed_shapes(facts, eqn):
    """The shapes of what ``eqn`` computes from its operands' example values (run on copies:
    a primitive writing into an operand, ``add_out``, leaves the facts as they were; a large
    product's, like the facts', from its operands' shapes alone)."""
    args = [facts.value(a) for a in eqn.args]
    kwargs = {k: facts.value(a) for k, a in eqn.kwargs.items()}
    like = facts.stand_in_like(eqn, args) if not kwargs else None
    if like is not None:
        return (like[0],)
    prim = primitives.get(eqn.prim)
    with np.errstate(all="ignore"):
        result = prim.impl(*_copied(args), **_copied(kwargs))
    return tuple(_layout(r) for r in result) if len(eqn.outs) > 1 else (_layout(result),)


def _layout(value):
    """An array's shape; a number's ``()``; a tuple's, list's or dict's, those of its items."""
    if isinstance(value, (np.ndarray, np.generic, int, float, complex)):
        return np.shape(value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_layout(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _layout(v)) for k, v in value.items()))
    return type(value).__name__


def _copied(value):
    """``value`` with every array in it copied (containers rebuilt, the rest shared)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copied(v) for v in value) if type(value) in (list, tuple) else value
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    return value
