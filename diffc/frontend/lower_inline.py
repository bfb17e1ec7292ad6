"""Calls to the user's functions: the callee's body lowered in place, its parameters bound
as Python binds a call (``bind_user_args``: ``*args``, ``**kwargs``, defaults). When the
scope keeps calls whole and the callee is more than ``return <expression>``, its
equations go into the block of one ``ir.Call`` (which the reverse transform gives a
forward/backward pair). A nested function reads its defining frame's names
(``defining_frame``). Recursion is refused.
"""
from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass

from diffc.frontend import bindings, fence, jumps, lower_objects
from diffc.frontend import lower_entry as entry
from diffc.errors import UnsupportedSyntax
from diffc.core.ir import Block, Call, Const, Eqn, Loop, Pack, Var, VarKind, atoms_in, blocks_of, walk
from diffc.frontend.lower_scope import NestedFunction, Scope
from diffc.frontend.lower_names import live_value


def defining_frame(scope, nested):
    """The names a nested function reads from the frame that defined it, as they are now:
    this frame's when it is the definer's, or those it was passed with."""
    if nested.env is not None:
        return nested.env
    if scope.fn is nested.definer:
        return scope.env
    if scope.fn.enclosing is nested.definer:
        return scope.outer
    return None


def _captured(scope, value):
    """A nested function passed to a helper carries its defining frame's names (that frame
    waits for the helper to return, so they hold for the whole call)."""
    if isinstance(value, NestedFunction) and value.env is None:
        env = defining_frame(scope, value)
        return dataclasses.replace(value, env=env) if env is not None else value
    if isinstance(value, Pack):
        return Pack(value.kind, tuple(_captured(scope, v) for v in value.items))
    return value


def _closed_over(inner, callee, value):
    """A function this call defined and returns (``def layer(W, b): def apply(z): ...;
    return apply``) keeps this call's names, as a Python closure does once its frame is done."""
    if isinstance(value, NestedFunction) and value.env is None and value.definer is callee:
        return dataclasses.replace(value, env=dict(inner.env))
    if isinstance(value, Pack):
        items = tuple(_closed_over(inner, callee, v) for v in value.items)
        if all(a is b for a, b in zip(items, value.items)):
            return value        # the same Pack: a namedtuple made here is known by identity
        return Pack(value.kind, items)
    return value


def inline_call(scope, callee, args, kwargs, node, hint, may_keep_whole=True, outer=None):
    """Lower a call to one of the user's functions by lowering its body in place.

    The callee's equations keep the callee's own file and line, so generated comments
    point into it. Recursion is rejected (it cannot be inlined). When the scope keeps
    calls whole and the callee is more than a one-line expression, its equations go
    into the block of an ``ir.Call`` instead of the caller's body.
    """
    inner = _callee_scope(scope, callee, node, outer, _receiver(scope, args))
    try:
        bound = bind_user_args(callee, args, kwargs)
    except TypeError as e:
        raise UnsupportedSyntax(f"bad call to {callee.name}(): {e}", scope.loc(node),
                                f"call it as {callee.name}({ast.unparse(callee.node.args)})") from None
    statements = jumps.desugar(_body_without_docstring(callee.node))
    whole = may_keep_whole and scope.calls and _keeps_whole(statements, bound) and not any(
        isinstance(v, (Var, Const)) and lower_objects.reaches_object(scope, v) is not None
        for v in bound.values())      # an object's method reads inputs through the object
    params, operands = _call_operands(scope, inner, bound) if whole else ([], [])
    stored = scope.state.stores() if whole else None
    if not whole:
        inner.body = scope.body
    for name, value in bound.items():
        inner.env[name] = _captured(scope, bound_value(inner, value))
    result = _lower_callee_body(inner, statements, "out" if whole else hint or callee.name)
    result = _closed_over(inner, callee, result)
    if not whole:
        return Const(None) if result is None else result
    if isinstance(result, Pack):        # several results (`return out, cache`): inlined, so
        scope.state.restore(stored)     # (the stores the attempt lowered are lowered again)
        return inline_call(scope, callee, args, kwargs, node, hint, False, outer)   # each is a value
    return _whole_call(scope, inner, result, params, operands, node, hint)


_MAX_DEPTH = 100       # calls inlined one inside another: deeper is taken for recursion


def _receiver(scope, args):
    """The object a method is called on (its first argument), or None."""
    first = args[0] if args else None
    return lower_objects.reaches_object(scope, first) if isinstance(first, (Var, Const)) else None


def _callee_scope(scope, callee, node, outer, receiver=None):
    """The scope the callee's body is lowered in: the caller's facts, free inputs and
    objects, one more call on the stack (a recursive call is refused). A method called on
    another object (a model's ``__call__`` calling its layers') is not a recursion: the
    objects are finitely many, so a call that does recur meets the same object again; nor
    is a closure made several times (``lambda h: g(f(h))`` composed by reduce) calling
    another of its makings: each closes over its own frame."""
    key = (callee.module.path, callee.node.lineno, id(receiver) if receiver is not None else None,
           id(outer) if outer is not None else None)
    if key in scope.call_stack or len(scope.call_stack) >= _MAX_DEPTH:
        raise UnsupportedSyntax(f"recursive call to {callee.name}() is not supported",
                                scope.loc(node), "rewrite the recursion as a loop")
    fence.check(callee, entry=False)
    inner = Scope(callee, scope.namer)
    inner.calls = scope.calls
    inner.free = scope.free          # arrays the callee reads from free names are inputs too
    inner.call_stack = scope.call_stack + (key,)
    inner.facts, inner.top, inner.state = scope.facts, scope.top, scope.state
    inner.state.envs.append(inner.env)
    inner.outer = outer
    return inner


def _call_operands(scope, inner, bound):
    """A call kept whole: its parameters (in ``bound``, replaced by them) and operands.
    Constants and defaults stay in the callee."""
    params, operands = [], []
    for name, value in bound.items():
        if not isinstance(value, (ast.AST, Const, LiveDefault)):
            params.append(scope.namer.var(name))
            operands.append(value)
            bound[name] = params[-1]
    if inner.top and inner.facts is not None:    # the callee's lines run with the operands
        inner.facts.bind_like(params, operands)
    return params, operands


def _lower_callee_body(inner, statements, hint):
    """Lower the callee's statements; returns the atom of its ``return`` (None without)."""
    result = None
    for stmt in statements:
        if isinstance(stmt, ast.Return):
            result = entry.expression(inner, stmt.value, hint)
        else:
            entry.statement(inner, stmt)
    return result


def _whole_call(scope, inner, result, params, operands, node, hint):
    """One ``ir.Call`` whose block is the callee's body; arrays it reads from free names
    are operands too."""
    callee = inner.fn
    for free in _free_inputs_read(scope.free, inner.body, result):
        params.append(free)
        operands.append(free)
    out = scope.namer.var(hint or callee.name, VarKind.USER if hint else VarKind.TEMP)
    call = Call((out,), callee.name, tuple(operands), Block(tuple(params), inner.body, (result,)),
                scope.loc(node), defined_at=callee.loc(callee.node))
    scope.body.append(call)
    if inner.top and inner.facts is not None:         # its lines ran as they were lowered
        inner.facts.finish_call(call)
    return out


def _free_inputs_read(free, body, result):
    """The Vars of free inputs (arrays read from free names) that ``body`` or its
    ``result`` reads."""
    read = {a for stmt in walk(body) for a in _atoms_read(stmt)} | set(atoms_in(result))
    return [f.var for f in free.values() if f.var in read]       # in the order first read


def _atoms_read(stmt):
    """The Vars a statement reads: its operands, a branch's condition, a loop's iterable
    and initial values, and what each of its blocks returns."""
    if isinstance(stmt, Eqn):
        args = [*stmt.args, *stmt.kwargs.values()]
    elif isinstance(stmt, Call):
        args = list(stmt.args)
    elif isinstance(stmt, Loop):
        args = [*stmt.inits, stmt.iterable]
    else:
        args = [stmt.cond]
    args += [r for block in blocks_of(stmt) for r in block.results]
    return [v for a in args for v in atoms_in(a)]


def _keeps_whole(statements, bound):
    """A call worth its own forward/backward pair: more than ``return <expression>``,
    called with values only (not ``self`` or a function)."""
    if len(statements) < 2 and not any(isinstance(s, (ast.If, ast.For, ast.While)) for s in statements):
        return False
    if not any(isinstance(n, ast.Return) for s in statements for n in ast.walk(s)):
        return False                    # a procedure (stores on objects): its effects stay inline
    if any(isinstance(n, (ast.FunctionDef, ast.Lambda)) for s in statements for n in ast.walk(s)):
        return False                    # it may return a closure over its names: inline
    return all(isinstance(v, (Var, Const, Pack, ast.AST, LiveDefault)) for v in bound.values())


def _body_without_docstring(node):
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


@dataclass(frozen=True)
class LiveDefault:
    """A parameter left to its default in a live function: the default's current value."""
    fetch: object
    value: object


def bind_user_args(callee, args, kwargs):
    """Parameter name -> atom, as Python binds a call: ``*args`` collects the extra
    positional atoms in a tuple ``Pack``, ``**kwargs`` the extra keywords in a dict one;
    a missing parameter gets its default (an ``ast`` node lowered in the callee when read
    statically, a ``LiveDefault`` from the running function)."""
    a = callee.node.args
    positional = [p.arg for p in a.posonlyargs + a.args]
    keyword_only = [p.arg for p in a.kwonlyargs]
    if len(args) > len(positional) and a.vararg is None:
        raise TypeError(f"takes {len(positional)} positional arguments but {len(args)} were given")
    bound = dict(zip(positional, args))
    if a.vararg is not None:
        bound[a.vararg.arg] = Pack("tuple", tuple(args[len(positional):]))
    extra = []
    for k, v in kwargs.items():
        if k in bound:
            raise TypeError(f"got multiple values for argument {k!r}")
        if k not in positional and k not in keyword_only:
            if a.kwarg is None:
                raise TypeError(f"got an unexpected keyword argument {k!r}")
            extra += [Const(k), v]
            continue
        bound[k] = v
    if a.kwarg is not None:
        bound[a.kwarg.arg] = Pack("dict", tuple(extra))
    defaults = defaults_of(callee, positional, keyword_only)
    for name in positional + keyword_only:
        if name not in bound:
            if name not in defaults:
                raise TypeError(f"missing a required argument: {name!r}")
            bound[name] = defaults[name]
    return bound


def defaults_of(callee, positional, keyword_only):
    """Parameter name -> its default: an ``ast`` node (read statically) or a ``LiveDefault``."""
    a = callee.node.args
    live = callee.live
    if live is None:
        defaults = dict(zip(positional[len(positional) - len(a.defaults):], a.defaults))
        defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
        return defaults
    values = live.__defaults__ or ()
    defaults = {}
    for i, name in enumerate(positional[len(positional) - len(values):]):
        defaults[name] = LiveDefault(bindings.Fetch("default", live, i, f"the default of {name}"),
                                     values[i])
    for name, value in (live.__kwdefaults__ or {}).items():
        defaults[name] = LiveDefault(bindings.Fetch("kwdefault", live, name,
                                                    f"the default of {name}"), value)
    return defaults


def bound_value(scope, value):
    """A bound parameter's atom in the callee's scope."""
    if isinstance(value, LiveDefault):
        return live_value(scope, value.fetch.label, value.value, value.fetch, scope.fn.node)
    if isinstance(value, ast.AST):
        return entry.expression(scope, value)
    return value
