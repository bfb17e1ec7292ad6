"""Lowering: a fenced ``def`` → an IR ``Function`` in one-operation-per-equation form.

Names resolve statically: a local variable, else the module's imports (so ``np``,
``numpy`` and ``from numpy import exp`` all reach ``numpy.exp``), else a module-level
literal constant, else a builtin. Each call, operator and array attribute becomes
one ``Eqn`` of the primitive registered for its source-level name
(``numpy.exp``, ``operator.add``, ``ndarray.sum``, ``ndarray.T``). Every equation keeps
the user's file, line and column.

The same lowering reads rule templates: ``lower_template`` turns a rule's body into
equations over the operands it is instantiated with.
"""
from __future__ import annotations

import ast
import builtins
import inspect
from dataclasses import dataclass

import numpy as np

from diffc import declared, lower_jumps, rules
from diffc.errors import InternalError, NameResolutionError, NoRuleError, UnsupportedSyntax
from diffc.ir import Block, Call, Const, Eqn, Function, Pack, Var
from diffc.naming import Namer
from diffc.source import SourceFunction, from_function as source_from_function, user_function

_OPERATORS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv", ast.Pow: "pow",
    ast.MatMult: "matmul", ast.FloorDiv: "floordiv", ast.Mod: "mod",
    ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert", ast.Not: "not_",
    ast.Gt: "gt", ast.Lt: "lt", ast.GtE: "ge", ast.LtE: "le", ast.Eq: "eq", ast.NotEq: "ne",
    ast.BitAnd: "and_", ast.BitOr: "or_", ast.BitXor: "xor",
}


@dataclass(frozen=True)
class Ref:
    """A name that is not a value: a module (``numpy``) or a function (``numpy.exp``)."""
    qualname: str


@dataclass(frozen=True)
class UserFunction:
    """A function of the user's (same module or an imported one): its calls are inlined.

    ``bound``: for a method called on ``self``, the ``SelfRef`` its ``self`` is."""
    src: object
    bound: object = None

    def __hash__(self):
        return id(self.src)


@dataclass(frozen=True)
class TransformCall:
    """A diffc transform (``grad_loss = diffc.grad(loss)``) called inside compiled code."""
    transform: object

    def __hash__(self):
        return id(self.transform)


@dataclass(frozen=True)
class Method:
    """``value.attr`` awaiting a call: a method on an array."""
    receiver: object
    attr: str


class Scope:
    """Where names are looked up: local SSA bindings first, then the module."""

    def __init__(self, fn, namer: Namer):
        self.fn = fn
        self.namer = namer
        self.env: dict = {}
        self.body: list = []
        self.hints: dict = {}        # in a rule: template name -> hint of the gradient it is
        self.template = False        # names assigned in a rule are temporaries
        self.calls = False           # keep calls to the user's functions whole (ir.Call)

    def loc(self, node):
        return self.fn.loc(node)


@dataclass(frozen=True)
class SelfRef:
    """``self`` in a method: each ``self.attr`` read becomes an input of the function."""
    attrs: dict
    namer: object
    cls: object            # the ast.ClassDef the method belongs to

    def __hash__(self):
        return id(self.attrs)

    def attribute(self, name):
        if name not in self.attrs:
            self.attrs[name] = self.namer.var(name)
        return self.attrs[name]

    def method(self, fn, name):
        """The ``def`` of method ``name`` of the same class, or None."""
        for stmt in self.cls.body:
            if isinstance(stmt, ast.FunctionDef) and stmt.name == name:
                return SourceFunction(stmt, fn.module, fn.runtime_globals)
        return None


def enclosing_class(fn):
    """The ``ast.ClassDef`` whose body defines ``fn``, or None."""
    for node in ast.walk(fn.module.tree):
        if isinstance(node, ast.ClassDef) and any(s is fn.node for s in node.body):
            return node
    return None


def lower_function(fn, method=False, calls=False) -> Function:
    """Lower a fenced ``SourceFunction`` to an IR ``Function``.

    ``method``: the first parameter is ``self``; the function's inputs are then the
    attributes it reads (``self.params`` → an input named ``params``), in the order
    first read, followed by its other parameters (``Function.attributes`` names them).
    ``calls``: a call to one of the user's functions of more than one statement stays
    one ``ir.Call`` (for the reverse transform to give it a forward/backward pair);
    otherwise every call is inlined.
    """
    namer = Namer()
    scope = Scope(fn, namer)
    scope.calls = calls
    node = fn.node
    params = []
    arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
    self_ref = None
    if method:
        cls = enclosing_class(fn)
        self_ref = SelfRef({}, namer, cls)
        scope.env[arguments[0].arg] = self_ref
        arguments = arguments[1:]
    for arg in arguments:
        var = namer.var(arg.arg)
        scope.env[arg.arg] = var
        params.append(var)
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    results = ()
    for stmt in lower_jumps.desugar(body):
        if isinstance(stmt, ast.Return):
            hint = stmt.value.id if isinstance(stmt.value, ast.Name) else "out"
            results = (_lower_expr(scope, stmt.value, hint),)
        else:
            _lower_statement(scope, stmt)
    attributes = tuple(self_ref.attrs) if self_ref is not None else ()
    if self_ref is not None:
        params = list(self_ref.attrs.values()) + params
    func = Function(node.name, tuple(params), scope.body, results, fn.loc(node),
                    ast.get_docstring(node) or "")
    func.defaults = _param_defaults(fn)
    func.attributes = attributes
    return func


def _param_defaults(fn):
    args = fn.node.args
    positional = args.posonlyargs + args.args
    defaults = {}
    for arg, value in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        defaults[arg.arg] = value
    for arg, value in zip(args.kwonlyargs, args.kw_defaults):
        if value is not None:
            defaults[arg.arg] = value
    return defaults


def _lower_statement(scope, stmt):
    if isinstance(stmt, (ast.Pass, ast.Assert)):
        return
    if isinstance(stmt, (ast.If, ast.For, ast.While)):
        from diffc import lower_control
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
        value = _lower_expr(scope, stmt.value, hint)
        for target in stmt.targets:
            _assign(scope, target, value, stmt)
        return
    raise InternalError(f"statement {type(stmt).__name__} passed the fence but has no lowering")


def _as_load(target):
    node = ast.parse(ast.unparse(target), mode="eval").body
    return ast.copy_location(node, target)


def _assign(scope, target, value, stmt):
    if isinstance(target, ast.Name):
        scope.env[target.id] = value
    elif isinstance(target, (ast.Tuple, ast.List)):
        for i, elt in enumerate(target.elts):
            if isinstance(value, Pack):
                item = value.items[i]
            else:
                hint = elt.id if isinstance(elt, ast.Name) else ""
                item = _emit(scope, "operator.getitem", (value, Const(i)), {}, stmt, hint)
            _assign(scope, elt, item, stmt)
    elif isinstance(target, ast.Subscript):
        base = _lower_expr(scope, target.value)
        index = _lower_index(scope, target.slice)
        scope.env[target.value.id] = _emit(scope, "operator.setitem", (base, index, value), {}, stmt,
                                           target.value.id)
    else:
        raise InternalError(f"assignment target {type(target).__name__} passed the fence")


def _lower_expr(scope, node, hint=""):
    """Lower an expression to an atom, appending equations to the scope's body."""
    value = _lower(scope, node, hint)
    if isinstance(value, Method):
        return _emit(scope, f"ndarray.{value.attr}", (value.receiver,), {}, node, hint)
    if isinstance(value, Ref):
        return _constant_ref(scope, value, node)
    return value


def _lower(scope, node, hint=""):
    if isinstance(node, ast.Constant):
        return Const(node.value)
    if isinstance(node, ast.Name):
        return _lookup(scope, node)
    if isinstance(node, ast.Attribute):
        base = _lower(scope, node.value)
        if isinstance(base, SelfRef):
            method = base.method(scope.fn, node.attr)
            return UserFunction(method, base) if method is not None else base.attribute(node.attr)
        if isinstance(base, Ref):
            return Ref(f"{base.qualname}.{node.attr}")
        if isinstance(base, Method):
            base = _lower_expr(scope, node.value)
        return Method(base, node.attr)
    if isinstance(node, ast.BoolOp):
        name = "numpy.logical_and" if isinstance(node.op, ast.And) else "numpy.logical_or"
        value = _lower_expr(scope, node.values[0])
        for other in node.values[1:]:
            value = _emit(scope, name, (value, _lower_expr(scope, other)), {}, node, hint)
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _emit(scope, "numpy.logical_not", (_lower_expr(scope, node.operand),), {}, node, hint)
    if isinstance(node, ast.UnaryOp):
        operand = _lower_expr(scope, node.operand)
        if isinstance(operand, Const) and isinstance(node.op, (ast.USub, ast.UAdd)) \
                and isinstance(operand.value, (int, float)):
            return Const(-operand.value if isinstance(node.op, ast.USub) else operand.value)
        return _emit(scope, f"operator.{_OPERATORS[type(node.op)]}", (operand,), {}, node, hint)
    if isinstance(node, ast.BinOp):
        left = _lower_expr(scope, node.left)
        right = _lower_expr(scope, node.right)
        return _emit(scope, f"operator.{_OPERATORS[type(node.op)]}", (left, right), {}, node, hint)
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise UnsupportedSyntax("chained comparisons are not supported", scope.loc(node),
                                    "compare two values at a time and combine with np.logical_and")
        left = _lower_expr(scope, node.left)
        right = _lower_expr(scope, node.comparators[0])
        op = node.ops[0]
        if isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)):
            raise UnsupportedSyntax(f"`{type(op).__name__.lower()}` comparisons are not supported",
                                    scope.loc(node), "compare values with == or !=")
        return _emit(scope, f"operator.{_OPERATORS[type(op)]}", (left, right), {}, node, hint)
    if isinstance(node, (ast.Tuple, ast.List)):
        kind = "tuple" if isinstance(node, ast.Tuple) else "list"
        return Pack(kind, tuple(_lower_expr(scope, e) for e in node.elts))
    if isinstance(node, ast.Subscript):
        base = _lower_expr(scope, node.value)
        index = _lower_index(scope, node.slice)
        if isinstance(base, Pack) and base.kind in ("tuple", "list") and isinstance(index, Const) \
                and type(index.value) is int and -len(base.items) <= index.value < len(base.items):
            return base.items[index.value]       # an element of a literal: no operation
        if not hint and isinstance(index, Const) and isinstance(index.value, str) and index.value.isidentifier():
            return _emit(scope, "operator.getitem", (base, index), {}, node, index.value, kind="temp")
        return _emit(scope, "operator.getitem", (base, index), {}, node, hint)
    if isinstance(node, ast.Call):
        return _lower_call(scope, node, hint)
    if isinstance(node, ast.IfExp):
        from diffc import lower_control
        return lower_control.lower_ifexp(scope, node, hint)
    raise UnsupportedSyntax(f"{type(node).__name__} expressions are not supported",
                            scope.loc(node), "rewrite it with arithmetic and NumPy calls")


def _lower_index(scope, node):
    if isinstance(node, ast.Slice):
        parts = [Const(None) if p is None else _lower_expr(scope, p)
                 for p in (node.lower, node.upper, node.step)]
        return Pack("slice", tuple(parts))
    if isinstance(node, ast.Tuple):
        return Pack("tuple", tuple(_lower_index(scope, e) for e in node.elts))
    return _lower_expr(scope, node)


def _lookup(scope, node):
    name = node.id
    if name in scope.env:
        return scope.env[name]
    fn = scope.fn
    if name in fn.module.aliases:
        return Ref(fn.module.aliases[name])
    if name in fn.closure:
        return _runtime_value(scope, name, fn.closure[name], node)
    if name in fn.module.constants:
        return Const(fn.module.constants[name])
    if fn.runtime_globals is not None and name in fn.runtime_globals:
        return _runtime_value(scope, name, fn.runtime_globals[name], node)
    prim = _template_primitive(fn, name)
    if prim is not None:
        return Ref(f"primitive.{prim.name}")
    if name in fn.module.functions:
        node_def = fn.module.functions[name]
        if any("grad" in ast.unparse(d) or "jvp" in ast.unparse(d) or "hessian" in ast.unparse(d)
               for d in node_def.decorator_list):
            raise UnsupportedSyntax(
                f"{name} is a diffc transform (it is decorated), and reading the file without "
                f"running it cannot call one", scope.loc(node),
                "compile through the Python API (diffc.grad imports the module), or call the "
                "undecorated function")
        found = SourceFunction(node_def, fn.module, fn.runtime_globals)
        prim = declared.primitive_of(found, declared.module_name(fn.module.path))
        return Ref(f"primitive.{prim.name}") if prim else UserFunction(found)
    if hasattr(builtins, name):
        return Ref(f"builtins.{name}")
    if _assigned_a_diffc_call(fn.module, name):
        raise UnsupportedSyntax(
            f"{name} is made by a diffc transform at module level, and reading the file "
            f"without running it cannot call one", scope.loc(node),
            "use the Python API (diffc.grad imports the module), as for a gradient penalty")
    raise NameResolutionError(f"name {name!r} is not defined", scope.loc(node),
                              "define it in the function, pass it as an argument, "
                              "or make it a module-level constant")


def _assigned_a_diffc_call(module, name):
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets) \
                and isinstance(stmt.value, ast.Call):
            target = ast.unparse(stmt.value.func)
            if module.aliases.get(target.split(".")[0], "").startswith("diffc"):
                return True
    return False


def _template_primitive(fn, name):
    """In a rule template, a primitive defined in the same template module."""
    if name not in fn.module.functions:
        return None
    try:
        prim = rules.get(name)
    except KeyError:
        return None
    code = getattr(prim.impl, "__code__", None)
    return prim if code is not None and code.co_filename == fn.module.path else None


def _runtime_value(scope, name, value, node):
    if inspect.ismodule(value):
        return Ref(value.__name__)
    if hasattr(type(value), "__diffc_lower_call__"):
        return TransformCall(value)
    if isinstance(value, rules.Primitive):
        return Ref(f"primitive.{value.name}")
    if inspect.isfunction(value) and not (value.__module__ or "").startswith(("numpy", "diffc")):
        return UserFunction(source_from_function(value))
    if isinstance(value, (bool, int, float, complex, str, type(None))):
        return Const(value)
    qual = _numpy_qualname(value)
    if qual:
        return Ref(qual)
    raise NameResolutionError(
        f"{name!r} refers to a {type(value).__name__} defined outside the function",
        scope.loc(node), f"pass {name} to the function as an argument")


def _numpy_qualname(value):
    """``numpy.exp`` for the object ``np.exp`` (so runtime-only aliases still resolve)."""
    name = getattr(value, "__name__", None)
    module = getattr(value, "__module__", None) or ""
    if name and (module.startswith("numpy") or isinstance(value, np.ufunc)):
        for prefix in ("numpy", "numpy.linalg"):
            obj = np if prefix == "numpy" else np.linalg
            if getattr(obj, name, None) is value:
                return f"{prefix}.{name}"
    return None


def _constant_ref(scope, ref, node):
    """A non-called reference such as ``np.pi``, ``np.newaxis`` or ``np.float32``: a constant."""
    if ref.qualname in ("builtins.float", "builtins.int", "builtins.bool", "builtins.complex"):
        return Const(getattr(builtins, ref.qualname.split(".")[1]))   # a dtype: x.astype(float)
    found, obj = _resolve_object(ref.qualname)
    if found and (obj is None or isinstance(obj, (bool, int, float))
                  or isinstance(obj, type) and issubclass(obj, np.generic)):
        return Const(obj)
    raise NameResolutionError(f"{ref.qualname} is not a value diffc can use here",
                              scope.loc(node), "call it, or pass the value as an argument")


def _resolve_object(qualname):
    """(True, object) for a NumPy/math constant's qualified name, else (False, None)."""
    parts = qualname.split(".")
    roots = {"numpy": np, "math": __import__("math")}
    if parts[0] not in roots:
        return False, None
    obj = roots[parts[0]]
    for p in parts[1:]:
        if not hasattr(obj, p):
            return False, None
        obj = getattr(obj, p)
    return True, obj


def _lower_call(scope, node, hint):
    callee = _lower(scope, node.func)
    args = tuple(_lower_expr(scope, a) for a in node.args)
    kwargs = {k.arg: _lower_expr(scope, k.value) for k in node.keywords}
    if isinstance(callee, Method):
        return _emit(scope, f"ndarray.{callee.attr}", (callee.receiver, *args), kwargs, node, hint,
                     call=node.func)
    if isinstance(callee, Ref):
        user_prim = _user_primitive(callee.qualname)
        if user_prim is not None:
            callee = Ref(f"primitive.{user_prim.name}")
    if isinstance(callee, Ref) and not rules.lookup(callee.qualname) \
            and not callee.qualname.startswith(("numpy.", "builtins.", "primitive.", "math.")):
        found = user_function(scope.fn, callee.qualname)
        if found is not None:       # read, not imported: its @diffc.primitive is read too
            prim = declared.primitive_of(found, callee.qualname.rpartition(".")[0])
            callee = Ref(f"primitive.{prim.name}") if prim else UserFunction(found)
    if isinstance(callee, TransformCall):
        return callee.transform.__diffc_lower_call__(scope, args, kwargs, node, hint)
    if isinstance(callee, UserFunction):
        if callee.bound is not None:
            args = (callee.bound,) + args
        return _inline_call(scope, callee.src, args, kwargs, node, hint)
    if isinstance(callee, Ref):
        return _emit(scope, callee.qualname, args, kwargs, node, hint, call=node.func)
    raise UnsupportedSyntax("calling a value is not supported", scope.loc(node.func),
                            "call NumPy functions or array methods")


def _user_primitive(qualname):
    """A primitive a user registered, reached as ``module.name`` (module already imported)."""
    import sys

    module, _, attr = qualname.rpartition(".")
    obj = getattr(sys.modules.get(module), attr, None) if module else None
    return obj if isinstance(obj, rules.Primitive) else None


def _inline_call(scope, callee, args, kwargs, node, hint):
    """Lower a call to one of the user's functions by lowering its body in place.

    The callee's equations keep the callee's own file and line, so generated comments
    point into it. Recursion is rejected (it cannot be inlined). When the scope keeps
    calls whole and the callee is more than a one-line expression, its equations go
    into the block of an ``ir.Call`` instead of the caller's body.
    """
    from diffc import fence

    stack = getattr(scope, "call_stack", ())
    key = (callee.module.path, callee.node.lineno)
    if key in stack:
        raise UnsupportedSyntax(f"recursive call to {callee.name}() is not supported",
                                scope.loc(node), "rewrite the recursion as a loop")
    fence.check(callee, entry=False)
    inner = Scope(callee, scope.namer)
    inner.calls = scope.calls
    inner.call_stack = stack + (key,)
    try:
        bound = _bind_user_args(callee, args, kwargs)
    except TypeError as e:
        raise UnsupportedSyntax(f"bad call to {callee.name}(): {e}", scope.loc(node),
                                f"call it as {callee.name}({ast.unparse(callee.node.args)})") from None
    statements = lower_jumps.desugar(_body_without_docstring(callee.node))
    whole = scope.calls and _keeps_whole(statements, bound)
    params, operands = [], []
    if whole:
        for name, value in bound.items():
            if not isinstance(value, (ast.AST, Const)):      # constants stay in the callee
                params.append(scope.namer.var(name))
                operands.append(value)
                bound[name] = params[-1]
    else:
        inner.body = scope.body
    for name, value in bound.items():
        inner.env[name] = value if not isinstance(value, ast.AST) else _lower_expr(inner, value)
    result = None
    for stmt in statements:
        if isinstance(stmt, ast.Return):
            result = _lower_expr(inner, stmt.value, "out" if whole else hint or callee.name)
        else:
            _lower_statement(inner, stmt)
    if not whole:
        return result
    out = scope.namer.var(hint or callee.name, "user" if hint else "temp")
    scope.body.append(Call((out,), callee.name, tuple(operands),
                           Block(tuple(params), inner.body, (result,)), scope.loc(node),
                           defined_at=callee.loc(callee.node)))
    return out


def _keeps_whole(statements, bound):
    """A call worth its own forward/backward pair: more than ``return <expression>``,
    called with values only (not ``self`` or a function)."""
    if len(statements) < 2 and not any(isinstance(s, (ast.If, ast.For, ast.While)) for s in statements):
        return False
    return all(isinstance(v, (Var, Const, Pack, ast.AST)) for v in bound.values())


def _body_without_docstring(node):
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def _bind_user_args(callee, args, kwargs):
    """Parameter name -> atom (or default expression ``ast`` node, lowered in the callee)."""
    a = callee.node.args
    positional = [p.arg for p in a.posonlyargs + a.args]
    if len(args) > len(positional):
        raise TypeError(f"takes {len(positional)} positional arguments but {len(args)} were given")
    bound = dict(zip(positional, args))
    for k, v in kwargs.items():
        if k in bound:
            raise TypeError(f"got multiple values for argument {k!r}")
        if k not in positional and k not in [p.arg for p in a.kwonlyargs]:
            raise TypeError(f"got an unexpected keyword argument {k!r}")
        bound[k] = v
    defaults = dict(zip(positional[len(positional) - len(a.defaults):], a.defaults))
    defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
    for name in positional + [p.arg for p in a.kwonlyargs]:
        if name not in bound:
            if name not in defaults:
                raise TypeError(f"missing a required argument: {name!r}")
            bound[name] = defaults[name]
    return bound


def _emit(scope, source_name, args, kwargs, node, hint="", call=None, kind=None):
    """Append ``out = prim(args)`` for the primitive registered under ``source_name``."""
    if source_name.startswith("primitive."):
        prim = rules.get(source_name.split(".", 1)[1])
    else:
        prim = rules.lookup(source_name) or _alias_lookup(source_name)
    if prim is None:
        raise NoRuleError(
            f"diffc has no rule for {_display(source_name)}",
            scope.loc(call if call is not None else node),
            f"use a supported operation (`diffc coverage` lists them), or give "
            f"{_display(source_name)} a rule with @diffc.primitive in your own templates")
    args, kwargs = bind(prim, args, kwargs, scope.loc(node))
    if kind is not None:
        out = scope.namer.var(hint or _temp_hint(prim.name), kind)
    elif hint in scope.hints:
        out = scope.namer.var(scope.hints[hint], "adjoint")
    elif hint and not scope.template:
        out = scope.namer.var(hint, "user")
    else:
        out = scope.namer.var(hint or _temp_hint(prim.name), "temp")
    scope.body.append(Eqn((out,), prim.name, args, kwargs, scope.loc(node)))
    return out


def _alias_lookup(source_name):
    """``math.exp`` behaves as ``numpy.exp`` on floats."""
    if source_name.startswith("math."):
        return rules.lookup("numpy." + source_name[5:])
    return None


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
