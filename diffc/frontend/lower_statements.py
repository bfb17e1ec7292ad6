"""Statements: assignments (to names, tuples with a starred target, subscripts, entries of
local containers, attributes of known objects), ``if``/``for``/``while`` (``lower_control``),
``with np.errstate``, ``assert`` and ``raise`` on what the compile decides, nested ``def``s,
and the expression statements that have an effect (a container method, a random draw,
``print``).
"""
from __future__ import annotations

import ast
import inspect

from diffc.frontend import fence, lower_control, lower_objects, lower_random, lower_static, static
from diffc.errors import DiffcError, InternalError, UnsupportedSyntax
from diffc.core.ir import Const, Eqn, Pack, Var
from diffc.frontend.lower_scope import NestedFunction, Ref, SelfRef, UserFunction, user_error
from diffc.frontend.lower_emit import emit, record
from diffc.frontend.lower_names import lookup, nested_function
from diffc.frontend.lower_containers import fixed_sequence, rebind
from diffc.frontend.lower_expressions import lower_condition, lower_expr, lower_index, lower_node


def lower_statement(scope, stmt):
    """Lower one statement (fenced, jumps made structured) into ``scope``."""
    if isinstance(stmt, ast.Pass):
        return
    if isinstance(stmt, ast.Assert):
        return _lower_assert(scope, stmt)
    if isinstance(stmt, ast.Raise):
        return _lower_raise(scope, stmt)
    if isinstance(stmt, ast.Expr):
        return _lower_expression_statement(scope, stmt)
    if isinstance(stmt, ast.FunctionDef):
        scope.env[stmt.name] = nested_function(scope, stmt)
        return
    if isinstance(stmt, ast.With):
        return _lower_with(scope, stmt)
    if isinstance(stmt, (ast.If, ast.For, ast.While)):
        {ast.If: lower_control.lower_if, ast.For: lower_control.lower_for,
         ast.While: lower_control.lower_while}[type(stmt)](scope, stmt)
        return
    if isinstance(stmt, ast.AnnAssign):
        stmt = ast.copy_location(ast.Assign([stmt.target], stmt.value), stmt)
    if isinstance(stmt, ast.AugAssign):
        op = ast.copy_location(ast.BinOp(_as_load(stmt.target), stmt.op, stmt.value), stmt)
        stmt = ast.copy_location(ast.Assign([stmt.target], op), stmt)
    if isinstance(stmt, ast.Assign):
        hint = stmt.targets[0].id if isinstance(stmt.targets[0], ast.Name) else ""
        value = lower_expr(scope, stmt.value, hint)
        for target in stmt.targets:
            assign(scope, target, value, stmt)
        return
    raise InternalError(f"statement {type(stmt).__name__} passed the fence but has no lowering")


def _as_load(target):
    node = ast.parse(ast.unparse(target), mode="eval").body
    return ast.copy_location(node, target)


def assign(scope, target, value, stmt):
    """Bind the assignment target ``target`` to the atom ``value``, as Python assigns it."""
    if isinstance(target, ast.Name):
        scope.env[target.id] = value
    elif isinstance(target, (ast.Tuple, ast.List)) and any(isinstance(e, ast.Starred) for e in target.elts):
        _assign_starred(scope, target, value, stmt)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for i, elt in enumerate(target.elts):
            if isinstance(value, Pack):
                item = value.items[i]
            else:
                hint = elt.id if isinstance(elt, ast.Name) else ""
                item = emit(scope, "operator.getitem", (value, Const(i)), {}, stmt, hint)
            assign(scope, elt, item, stmt)
    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Subscript):
        _assign_into_entry(scope, target, value, stmt)
    elif isinstance(target, ast.Subscript):
        base = lower_expr(scope, target.value)
        index = lower_index(scope, target.slice)
        if isinstance(base, Pack) and base.kind in ("list", "dict", "tuple"):
            rebind(scope, target.value, base,
                   lower_static.with_entry(scope, base, index, value, target))
            return
        scope.env[target.value.id] = emit(scope, "operator.setitem", (base, index, value), {}, stmt,
                                          target.value.id)
    elif isinstance(target, ast.Attribute):
        base = lower_node(scope, target.value)
        obj = lower_objects.reaches_object(scope, base) if isinstance(base, (Var, Const)) else None
        if obj is None:
            rule = fence.OTHER["attribute target"]
            raise UnsupportedSyntax(rule.what + " is not supported" + (
                " on the object whose method is differentiated" if isinstance(base, SelfRef) else ""),
                scope.loc(target), rule.hint)
        lower_objects.store(scope, record, base, obj, target.attr, value, target)
    else:
        raise InternalError(f"assignment target {type(target).__name__} passed the fence")


def _assign_into_entry(scope, target, value, stmt):
    """``xs[t][k] = 1``: a write into an array held by a local dict or list (made in this
    function). The array must be reachable only through that entry (Python would show the
    write wherever else it is held)."""
    outer_node = target.value.value
    outer = lower_expr(scope, outer_node)
    key = lower_index(scope, target.value.slice)
    rule = fence.OTHER["nested subscript"]
    if not isinstance(outer, Pack) or outer.kind not in ("dict", "list"):
        raise UnsupportedSyntax(f"{rule.what} is not supported here: `{ast.unparse(outer_node)}` "
                                "is not a dict or list made in this function", scope.loc(target),
                                rule.hint)
    entry = lower_node(scope, target.value)
    held = [n for n, atom in scope.env.items() if _holds(atom, entry) and atom is not outer]
    if not isinstance(entry, Var) or held or _holds(outer, entry, twice=True) or _is_input(scope, entry):
        raise UnsupportedSyntax(f"{rule.what} is not supported here: the array is also held "
                                f"elsewhere{' (' + held[0] + ')' if held else ''}", scope.loc(target),
                                "make a fresh array for the entry (np.zeros(...), x.copy()) and "
                                "write into that")
    index = lower_index(scope, target.slice)
    written = emit(scope, "operator.setitem", (entry, index, value), {}, stmt, "entry")
    rebind(scope, outer_node, outer, lower_static.with_entry(scope, outer, key, written, target))


def _holds(atom, var, twice=False):
    """Whether ``atom`` is ``var`` or a container holding it (``twice``: more than once)."""
    count = 0
    stack = [atom]
    while stack:
        a = stack.pop()
        if a is var:
            count += 1
        elif isinstance(a, Pack):
            stack.extend(a.items)
    return count > (1 if twice else 0)


def _is_input(scope, var):
    """A parameter of the compiled function or a value read from outside it."""
    return id(var) in scope.state.inputs or any(f.var is var for f in scope.free.values())


def _assign_starred(scope, target, value, stmt):
    """``*hidden, last = params``: the sequence's length must be fixed here."""
    pack = value if isinstance(value, Pack) else fixed_sequence(scope, value, target)
    star = next(i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred))
    if not (isinstance(pack, Pack) and pack.kind in ("list", "tuple")):
        rule = fence.OTHER["star target"]
        raise UnsupportedSyntax(f"{rule.what} of a value that is not a list or tuple of fixed "
                                "length is not supported", scope.loc(target.elts[star]), rule.hint)
    after = len(target.elts) - star - 1
    items = pack.items
    if len(items) < len(target.elts) - 1:
        raise user_error(scope, stmt, ValueError(
            f"not enough values to unpack (expected at least {len(target.elts) - 1}, got {len(items)})"))
    for elt, item in zip(target.elts[:star], items[:star]):
        assign(scope, elt, item, stmt)
    assign(scope, target.elts[star].value, Pack("list", items[star:len(items) - after]), stmt)
    for elt, item in zip(target.elts[star + 1:], items[len(items) - after:]):
        assign(scope, elt, item, stmt)


_QUIET_CONTEXTS = ("numpy.errstate",)


def _lower_with(scope, stmt):
    """``with np.errstate(...):`` only changes which floating-point warnings NumPy shows:
    its body is lowered as it is. Any other context manager is refused."""
    for item in stmt.items:
        ctx = item.context_expr
        callee = lower_node(scope, ctx.func) if isinstance(ctx, ast.Call) else None
        if not (isinstance(callee, Ref) and callee.qualname in _QUIET_CONTEXTS) \
                or item.optional_vars is not None:
            rule = fence.OTHER["with"]
            raise UnsupportedSyntax(rule.what + " is not supported", scope.loc(stmt), rule.hint)
    for s in stmt.body:
        lower_statement(scope, s)


def _lower_assert(scope, stmt):
    """``assert`` on values the compile knows is checked now, as Python checks it at the
    call; on values the data decides it is left out, as ``python -O`` leaves it."""
    decided = static.known(scope, lower_condition(scope, stmt.test))
    if decided is static.UNKNOWN or not static.is_plain(decided) or decided:
        return
    message = () if stmt.msg is None else (static.known(scope, lower_expr(scope, stmt.msg)),)
    if not scope.top:
        return                                  # a branch that may not run
    raise user_error(scope, stmt, AssertionError(*[m for m in message if m is not static.UNKNOWN]))


def _lower_raise(scope, stmt):
    """``raise`` reached on a path the compile decides: the call raises, as in Python."""
    if not scope.top:
        raise UnsupportedSyntax("`raise` in a branch the data decides is not supported",
                                scope.loc(stmt), "check the inputs and raise before calling "
                                "the differentiated function")
    error = RuntimeError("re-raise") if stmt.exc is None else \
        static.known(scope, lower_expr(scope, stmt.exc))
    if isinstance(error, type) and issubclass(error, BaseException):
        error = error()
    if not isinstance(error, BaseException):
        raise UnsupportedSyntax("`raise` of a value diffc cannot evaluate here is not supported",
                                scope.loc(stmt), "raise an exception built from labels and settings")
    raise user_error(scope, stmt, error)


def _lower_expression_statement(scope, stmt):
    """A statement that is an expression: a container method (``parts.append(h)``) or a
    docstring-like constant; a call made only for its effect is refused."""
    value = stmt.value
    if isinstance(value, ast.Constant):
        return
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
            and value.func.attr in lower_static.MUTATORS:
        lower_expr(scope, value)
        return
    if isinstance(value, ast.Call) and _is_random_draw(scope, value):
        lower_expr(scope, value)                     # np.random.seed(0): kept, in order
        return
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print" \
            and isinstance(lookup(scope, value.func), Ref):
        if value.keywords or any(isinstance(a, ast.Starred) for a in value.args):
            raise UnsupportedSyntax("print() with keywords or *args is not supported",
                                    scope.loc(stmt), "print the values one by one: print('loss', loss)")
        args = tuple(lower_expr(scope, a) for a in value.args)   # kept: it prints at each call
        record(scope, Eqn((), "builtin_print", args, {}, scope.loc(stmt)))
        return
    if isinstance(value, ast.Call) and _calls_user_code(scope, value):
        lower_expr(scope, value)      # layer.forward(x) storing on self: inlined, result dropped
        return
    rule = fence.OTHER["unused call" if isinstance(value, ast.Call) else "no effect"]
    raise UnsupportedSyntax(rule.what + " is not supported", scope.loc(stmt), rule.hint)


def _calls_user_code(scope, call):
    """A call of a function or method of the user's: its effects (stores on objects, prints,
    draws) are made as when its result is used; writes into arrays are checked inside."""
    try:
        callee = lower_node(scope, call.func)
    except DiffcError:
        return False
    if isinstance(callee, (Var, Const)):
        held = static.example(scope, callee)
        return lower_objects.is_object(held) or inspect.isfunction(held)
    return isinstance(callee, (UserFunction, NestedFunction))


def _is_random_draw(scope, call):
    """``np.random.seed(n)``, ``rng.normal(size=3)``, ``random.seed(0)`` as a statement
    (``shuffle``, which writes into its argument, is refused where the draw is lowered)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    try:
        base = lower_node(scope, func.value)
    except DiffcError:
        return False
    if isinstance(base, Ref):
        return base.qualname in ("numpy.random", "random")
    return isinstance(base, (Var, Const)) and \
        (isinstance(static.example(scope, base), lower_random.GENERATORS)
         or scope.state is not None and id(base) in scope.state.generators)
