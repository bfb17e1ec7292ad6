"""Instantiating rule templates: a rule's Python body → IR equations over real operands.

A reverse rule ``multiply_reverse(out, dout, x, y)`` is read once as ``ast``; to
differentiate ``z = q * w`` its parameters are bound to the equation's atoms
(``out``→z, ``dout``→dz, ``x``→q, ``y``→w), each ``if`` is decided now (on constant
parameters and on shapes the ``Facts`` know), and the remaining assignments are
lowered with the ordinary front end. The result is a list of equations plus the atom
of each returned gradient ``d<param>``.
"""
from __future__ import annotations

import ast
import inspect
import itertools
from functools import lru_cache

import numpy as np

from diffc.frontend import lower
from diffc.core.primitives import is_basic_index
from diffc.errors import DiffcError, InternalError, NoRuleError
from diffc.core.ir import Const, Pack, Var
from diffc.frontend.source import SourceFunction, module_of_file
from diffc.rules.derived import template as derived_template


class _Refused(Exception):
    """A rule's ``unsupported("...")`` was reached for these operands."""


class Undecidable(Exception):
    """A template ``if`` needs a fact (a shape) that is not known at compile time."""


@lru_cache(maxsize=None)
def template_of(fn) -> SourceFunction:
    """The parsed ``def`` of a rule function, with its module's imports."""
    derived = derived_template(fn)
    if derived is not None:
        return derived
    path = inspect.getsourcefile(fn)
    module = module_of_file(path)
    top = module.functions.get(fn.__name__)     # rules are top-level functions
    for node in itertools.chain([top] if top is not None else [], ast.walk(module.tree)):
        if isinstance(node, ast.FunctionDef) and node.name == fn.__name__:
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            if first == fn.__code__.co_firstlineno:
                return SourceFunction(node, module)
    raise InternalError(f"cannot find the source of rule {fn.__qualname__}")


def bound_operands(prim, eqn):
    """Map each of the primitive's parameters to the equation's atom (defaults as Consts)."""
    bound = prim.signature.bind(*eqn.args, **eqn.kwargs)
    bound.apply_defaults()
    result = {}
    for name, value in bound.arguments.items():
        param = prim.signature.parameters[name]
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            result[name] = Pack("tuple", tuple(value))
        elif isinstance(value, (Var, Const, Pack)):
            result[name] = value
        else:
            result[name] = Const(value)
    return result


def returned_names(fn):
    """The names a rule returns, in order (``None`` entries kept as None)."""
    node = template_of(fn).node
    ret = [s for s in node.body if isinstance(s, ast.Return)]
    if len(ret) != 1:
        raise InternalError(f"rule {fn.__name__} must end with exactly one return")
    value = ret[0].value
    items = value.elts if isinstance(value, ast.Tuple) else [value]
    return [None if isinstance(i, ast.Constant) and i.value is None else i.id for i in items]


def instantiate(rule, bindings: dict, facts, namer, loc, role, origin, hints=None):
    """Lower ``rule``'s body with its parameters bound to atoms.

    Returns ``(equations, env)``: ``env`` maps every name the body assigned (and every
    parameter) to its atom.
    """
    template = template_of(rule)
    scope = lower.Scope(template, namer)
    scope.env.update(bindings)
    scope.template = True
    scope.hints = dict(hints or {})
    body = template.node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    try:
        _run_block(scope, body, facts, rule)
    except Undecidable:
        unrun = [facts.unrun[a] for a in bindings.values() if isinstance(a, Var) and a in facts.unrun]
        if unrun:
            where = f" (the loop at {unrun[0].loc})" if unrun[0].loc else ""
            raise NoRuleError(
                f"the rule for {rule.__name__.rsplit('_', 1)[0]} needs the shapes of its operands, "
                f"and this loop body never ran on the example arguments{where}: its range or "
                f"condition gave no iteration, so nothing is known of the values in it", loc,
                "compile with example arguments on which this loop runs at least once") from None
        raise NoRuleError(
            f"the rule for {rule.__name__.rsplit('_', 1)[0]} depends on the shape or value of an "
            f"operand that is not fixed here (it changes between calls or iterations)", loc,
            "pass that argument as a constant, or compile with example arguments (diffc.grad "
            "does; on the command line add --arg NAME=SHAPE)") from None
    except _Refused as e:
        raise NoRuleError(f"no gradient rule for this use of {rule.__name__.rsplit('_', 1)[0]}: {e}",
                          loc, "rewrite the call with a supported form (see `diffc coverage`)") from None
    except DiffcError as e:
        raise InternalError(f"rule {rule.__name__} does not lower: {e}") from e
    for eqn in scope.body:
        eqn.loc = loc
        eqn.role = role
        eqn.origin = origin
    return scope.body, scope.env


def _run_block(scope, body, facts, rule):
    for stmt in body:
        if isinstance(stmt, ast.If):
            branch = stmt.body if _decide(scope, stmt.test, facts, rule) else stmt.orelse
            _run_block(scope, branch, facts, rule)
        elif isinstance(stmt, ast.Return):
            return
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "unsupported":
            raise _Refused(ast.literal_eval(stmt.value.args[0]))
        elif isinstance(stmt, ast.Assign):
            value = _comprehension_or_expr(scope, stmt.value, stmt.targets[0])
            for target in stmt.targets:
                lower.assign(scope, target, value, stmt)
        else:
            raise InternalError(f"rule {rule.__name__}: unsupported statement {ast.unparse(stmt)}")


def _comprehension_or_expr(scope, node, target):
    """Lower an expression; a list comprehension over a bound tuple is unrolled."""
    if isinstance(node, ast.ListComp):
        return _unroll(scope, node)
    hint = target.id if isinstance(target, ast.Name) else ""
    return lower.lower_expr(scope, node, hint)


def _unroll(scope, node):
    gen = node.generators[0]
    seq = scope.env.get(gen.iter.id) if isinstance(gen.iter, ast.Name) else None
    if len(node.generators) != 1 or gen.ifs or not isinstance(seq, Pack) \
            or not isinstance(gen.target, ast.Name):
        raise InternalError(f"unsupported comprehension in a rule: {ast.unparse(node)}")
    saved = scope.env.get(gen.target.id)
    items = []
    for item in seq.items:
        scope.env[gen.target.id] = item
        items.append(lower.lower_expr(scope, node.elt))
    if saved is not None:
        scope.env[gen.target.id] = saved
    return Pack("list", tuple(items))


class _Abstract:
    """What a template test may ask of an operand whose shape is known."""

    def __init__(self, shape, dtype):
        self.shape = shape
        self.ndim = len(shape)
        self.dtype = dtype
        self.size = int(np.prod(shape)) if shape else 1


def _undecidable(self, *other):
    raise Undecidable("comparison")


for _name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__float__",
              "__int__", "__index__"):
    setattr(_Abstract, _name, _undecidable)
_Abstract.__hash__ = None


class _RankOnly:
    """An operand whose number of dimensions is known but whose sizes vary (a loop)."""

    def __init__(self, ndim, dtype):
        self.ndim = ndim
        self.dtype = dtype

    def __getattr__(self, name):
        raise Undecidable(name)


class _Unknown:
    def __getattr__(self, name):
        raise Undecidable(name)

    def __len__(self):
        raise Undecidable("len")

    def __bool__(self):
        raise Undecidable("bool")

    def __eq__(self, other):
        raise Undecidable("==")

    __hash__ = None


def _static_value(atom, facts):
    if isinstance(atom, Const):
        return atom.value
    if isinstance(atom, Pack):
        items = [_static_value(i, facts) for i in atom.items]
        if atom.kind == "slice":
            return slice(*items)
        return tuple(items) if atom.kind == "tuple" else items
    if facts is not None and facts.is_static(atom):
        value = facts.value(atom)
        if isinstance(value, (bool, int, float, str, tuple, type(None))) or isinstance(value, np.generic):
            if facts.is_value_static(atom):
                return value
        shape = facts.shape(atom)
        if shape is not None:
            return _Abstract(shape, facts.dtype(atom))
    if facts is not None and isinstance(atom, Var) and facts.ndim(atom) is not None:
        return _RankOnly(facts.ndim(atom), facts.dtype(atom))
    return _Unknown()


_TESTS = {}      # a template's test (ast node) -> (its code, the names it reads)


def _decide(scope, test, facts, rule):
    compiled = _TESTS.get(test)
    if compiled is None:        # each test is compiled once, not once per equation
        code = compile(ast.Expression(test), f"<rule {rule.__name__}>", "eval")
        names = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
        compiled = _TESTS[test] = (code, names)
    code, names = compiled
    namespace = {"np": np, "None": None, "True": True, "False": False, "len": len,
                 "isinstance": isinstance, "tuple": tuple, "int": int,
                 "is_basic_index": is_basic_index}
    env = scope.env
    for name in names:          # only the operands the test reads
        if name in env:
            namespace[name] = _static_value(env[name], facts)
    try:        # the names are globals, so that a comprehension in the test sees them too
        return bool(eval(code, {"__builtins__": {}, **namespace}))
    except Undecidable:
        raise
    except Exception as e:  # a rule's test failed to evaluate on known facts: a rule bug
        raise InternalError(f"rule {rule.__name__}: cannot evaluate `{ast.unparse(test)}`: {e}") from e
