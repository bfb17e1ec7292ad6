"""One equation of a primitive: ``emit`` finds the primitive registered under a source-level
name (``numpy.exp``, ``operator.add``, ``ndarray.sum``), binds the arguments to its
signature (``bind``), names the result and ``record``s the equation, which runs it on the
example arguments when the compile has them. A source name with no rule is a located
``NoRuleError``.
"""
from __future__ import annotations

import inspect

from diffc.core import primitives
from diffc.errors import NoRuleError, UnsupportedSyntax
from diffc.core.ir import Const, Eqn, Pack, Role, Var, VarKind


def emit(scope, source_name, args, kwargs, node, hint="", call=None, kind=None):
    """Append ``out = prim(args)`` for the primitive registered under ``source_name``."""
    if source_name.startswith("primitive."):
        prim = primitives.get(source_name.split(".", 1)[1])
    else:
        prim = primitives.lookup(source_name) or _alias_lookup(source_name)
    if prim is None:
        owner = _receiver_type(scope, source_name, args)
        if owner is not None:       # d.fromkeys(...) on a dict: not "an array method"
            raise NoRuleError(
                f"diffc has no rule for the {owner} method .{source_name.partition('.')[2]}",
                scope.loc(call if call is not None else node),
                f"diffc runs the methods of dicts, lists and strings it knows while compiling "
                f"(d.get, d.items, xs.append, s.format...); compute this one before calling the "
                f"differentiated function and pass the result in")
        raise NoRuleError(
            f"diffc has no rule for {_display(source_name)}",
            scope.loc(call if call is not None else node),
            _HINTS.get(source_name, f"use a supported operation (`diffc coverage` lists them), or give "
                       f"{_display(source_name)} a rule with @diffc.primitive in your own templates"))
    args, kwargs = bind(prim, args, kwargs, scope.loc(node))
    if kind is not None:
        out = scope.namer.var(hint or _temp_hint(prim.name), kind)
    elif hint in scope.hints:
        out = scope.namer.var(scope.hints[hint], VarKind.ADJOINT)
    elif hint and not scope.template:
        out = scope.namer.var(hint, VarKind.USER)
    else:
        out = scope.namer.var(hint or _temp_hint(prim.name), VarKind.TEMP)
    record(scope, Eqn((out,), prim.name, args, kwargs, scope.loc(node)))
    return out


def record(scope, stmt):
    """Append ``stmt`` to the scope's body; at the top level, evaluate it on the example
    arguments now (what it makes may decide what is lowered next). In a branch or a loop
    body, only what the signature fixes is evaluated (``x.shape`` of an array made before
    it, arithmetic on sizes): it is the same wherever and whenever it runs."""
    scope.body.append(stmt)
    if scope.facts is None:
        return
    if scope.top:
        scope.facts.run(stmt)
    elif isinstance(stmt, Eqn) and stmt.role is Role.PRIMAL and _fixed_here(scope, stmt):
        try:
            scope.facts.run(stmt)
        except Exception:           # noqa: a value the call may never compute: left unknown
            for out in stmt.outs:
                scope.facts.values.pop(out, None)


def _fixed_here(scope, eqn):
    facts = scope.facts
    prim = primitives.get(eqn.prim)
    if prim.effect is not None:
        return False
    inputs = list(eqn.inputs())
    if not all(v in facts.values for v in inputs):
        return False
    if getattr(prim, "shape_only", False):
        return not any(v in facts.dynamic for v in inputs)
    return all(v in facts.value_static for v in inputs)


def _alias_lookup(source_name):
    """``math.exp`` behaves as ``numpy.exp`` on floats."""
    if source_name.startswith("math."):
        return primitives.lookup("numpy." + source_name[5:])
    return None


_HINTS = {
    "ndarray.tolist": "keep the values in an array (x itself; list(x) gives its rows, "
                      "x.ravel() its entries)",
}


def _receiver_type(scope, source_name, args):
    """The type name of a method call's receiver when it is not an array (a dict, an
    OrderedDict, a list, a str): what the message should name."""
    if not source_name.startswith("ndarray.") or not args:
        return None
    receiver = args[0]
    if isinstance(receiver, Pack):
        return receiver.kind
    value = receiver.value if isinstance(receiver, Const) else \
        scope.facts.values.get(receiver) if scope.facts is not None and isinstance(receiver, Var) else None
    if value is None or hasattr(value, "shape") or isinstance(value, (int, float, complex)):
        return None
    return type(value).__name__


def _display(source_name):
    kind, _, name = source_name.partition(".")
    if kind == "operator":
        return f"the operator {name!r}"
    if kind == "ndarray":
        return f"the array method/attribute .{name}"
    if kind == "builtins":
        return f"the builtin {name}()"
    return source_name


def bind(prim, args, kwargs, loc=None):
    """Bind call arguments to a primitive's signature; spread a list into ``*args``."""
    if prim.variadic and len(args) >= 1 and isinstance(args[0], Pack) and args[0].kind != "slice" \
            and _first_param_is_variadic(prim):
        args = args[0].items + args[1:]
    try:
        bound = prim.signature.bind(*args, **kwargs)
    except TypeError as e:
        raise UnsupportedSyntax(f"unsupported arguments for {prim.name}: {e}", loc,
                                f"call it as {prim.name}{prim.signature}") from None
    return tuple(bound.args), dict(bound.kwargs)


def _first_param_is_variadic(prim):
    first = next(iter(prim.signature.parameters.values()))
    return first.kind is inspect.Parameter.VAR_POSITIONAL


_TEMP_HINTS = {"negative": "neg", "multiply": "mul", "subtract": "sub", "divide": "div",
               "power": "pow", "matmul": "mm", "getitem": "sel", "T": "tr"}


def _temp_hint(prim_name):
    return _TEMP_HINTS.get(prim_name, prim_name.rsplit(".", 1)[-1])
