"""Lowering: a fenced ``def`` → an IR ``Function`` in one-operation-per-equation form.

Names resolve as Python resolves them. In a live function (``diffc.grad`` at run time)
a name that is not local is read from the running program: a closure cell, else the
function's globals, else a builtin; each read is recorded (``bindings``) as a guard
checked at every call, or, for arrays, as a *free input* the generated function takes as
an extra parameter. Read statically (the command line, rule templates), a name is a local
variable, else the module's imports (so ``np``, ``numpy`` and ``from numpy import exp``
all reach ``numpy.exp``), else a module-level literal constant, else a builtin. Each
call, operator and array attribute becomes
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

from diffc.frontend import bindings
from diffc.frontend import declared
from diffc.frontend import fence
from diffc.frontend import jumps
from diffc.core import primitives
from diffc.errors import InternalError, NameResolutionError, NoRuleError, UnsupportedSyntax
from diffc.core.ir import Block, Call, Const, Eqn, Function, If, Pack, Var, atoms_in, blocks_of, walk
from diffc.core.naming import Namer
from diffc.frontend.source import (SourceFunction, from_function as source_from_function, static_mro, user_function)

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
        self.free = {}               # Fetch -> FreeInput: arrays read from free names

    def loc(self, node):
        return self.fn.loc(node)


@dataclass(frozen=True)
class SelfRef:
    """``self`` in a method: each ``self.attr`` read becomes an input of the function.

    ``owner``: the object's class (a live compile): ``self.name`` resolves through its
    method resolution order, as Python does, so a subclass's override is the one called.
    Without it (read statically), through the ``class`` statements of the module: the
    method's own class, then its bases defined in the same file."""
    attrs: dict
    namer: object
    cls: object            # the ast.ClassDef the method belongs to
    owner: object = None   # the live class of ``self``, or None

    def __hash__(self):
        return id(self.attrs)

    def attribute(self, name):
        if name not in self.attrs:
            self.attrs[name] = self.namer.var(name)
        return self.attrs[name]

    def method(self, fn, name):
        """What ``self.name`` is when it is not a plain attribute: ``("method", src)`` for a
        method (a ``SourceFunction``), ``("static", src)`` for a static method,
        ``("property", src)`` for a property's getter; None for an attribute."""
        if self.owner is not None:
            return _live_member(self.owner, name)
        for cls in static_mro(fn.module, self.cls):
            for stmt in cls.body:
                if isinstance(stmt, ast.FunctionDef) and stmt.name == name:
                    kind = _decorated_kind(stmt)
                    return kind, SourceFunction(stmt, fn.module, fn.runtime_globals)
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and name in _assigned_names(stmt):
                    return None
        return None


def _live_member(owner, name):
    """``self.name`` looked up in ``owner``'s classes, in method resolution order."""
    for klass in owner.__mro__:
        if name in vars(klass):
            member = vars(klass)[name]
            if isinstance(member, staticmethod):
                member = member.__func__
                return ("static", source_from_function(member)) if inspect.isfunction(member) else None
            if isinstance(member, property) and inspect.isfunction(member.fget):
                return "property", source_from_function(member.fget)
            if inspect.isfunction(member):
                return "method", source_from_function(member)
            return None
    return None


def _decorated_kind(stmt):
    names = {ast.unparse(d) for d in stmt.decorator_list}
    if "staticmethod" in names:
        return "static"
    if "property" in names:
        return "property"
    return "method"


def _assigned_names(stmt):
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return {t.id for t in targets if isinstance(t, ast.Name)}


def enclosing_class(fn):
    """The ``ast.ClassDef`` whose body defines ``fn`` (or, read statically as
    ``Cls.method``, the class ``Cls`` it was named through), or None."""
    through = fn.through_class
    if through is not None:
        return through
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
        self_ref = SelfRef({}, namer, cls, fn.owner)
        scope.env[arguments[0].arg] = self_ref
        arguments = arguments[1:]
    if node.args.vararg or node.args.kwarg:
        params, results = _lower_wrapper(scope, fn, self_ref)
    else:
        for arg in arguments:
            var = namer.var(arg.arg)
            scope.env[arg.arg] = var
            params.append(var)
        results = _lower_body(scope, node.body)
    attributes = tuple(self_ref.attrs) if self_ref is not None else ()
    if self_ref is not None:
        params = list(self_ref.attrs.values()) + params
    free = tuple(scope.free.values())
    func = Function(node.name, tuple(params) + tuple(f.var for f in free), scope.body, results,
                    fn.loc(node), ast.get_docstring(node) or "", free)
    func.defaults = _param_defaults(fn, params[len(attributes):])
    func.attributes = attributes
    return func


def _lower_body(scope, body):
    """Lower a function body into ``scope``; returns the results of its ``return``."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    results = ()
    for stmt in jumps.desugar(body):
        if isinstance(stmt, ast.Return):
            hint = stmt.value.id if isinstance(stmt.value, ast.Name) else "out"
            results = (_lower_expr(scope, stmt.value, hint),)
        else:
            _lower_statement(scope, stmt)
    return results


def _lower_wrapper(scope, fn, self_ref):
    """A function taking ``*args``/``**kwargs`` (a decorator's wrapper): its parameters are
    those its signature shows (``inspect.signature`` follows ``__wrapped__`` to the
    function it wraps), passed to the wrapper as Python would pass them."""
    if fn.live is None:
        raise UnsupportedSyntax(
            "a function taking *args or **kwargs can only be compiled when it runs",
            fn.loc(fn.node.args.vararg or fn.node.args.kwarg),
            "use the Python API (diffc.grad), or compile the function it calls")
    signature = [p for p in inspect.signature(fn.live).parameters.values()
                 if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if self_ref is not None:
        signature = signature[1:]
    names = [p.name for p in signature]
    params = [scope.namer.var(n) for n in names]
    args = ((self_ref,) if self_ref is not None else ()) + tuple(
        v for p, v in zip(signature, params) if p.kind != p.KEYWORD_ONLY)
    kwargs = {p.name: v for p, v in zip(signature, params) if p.kind == p.KEYWORD_ONLY}
    try:
        bound = _bind_user_args(fn, args, kwargs)
    except TypeError as e:
        raise UnsupportedSyntax(f"cannot pass {', '.join(names)} to {fn.name}(): {e}",
                                fn.loc(fn.node), "differentiate the function it wraps") from None
    for name, value in bound.items():
        scope.env[name] = _bound_value(scope, value)
    return params, _lower_body(scope, fn.node.body)


def _param_defaults(fn, params):
    """Parameter name -> the ``ast`` default the generated ``def`` repeats: for the last
    parameters in ``params`` whose defaults can be written there (any expression the
    fence allows when read statically; a number, string or None of the running function)."""
    args = fn.node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    keyword_only = [a.arg for a in args.kwonlyargs]
    if fn.live is None:
        candidates = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        candidates.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    else:
        candidates = {}
        for name, value in _defaults_of(fn, positional, keyword_only).items():
            if type(value.value) in (bool, int, float, str, type(None)) and value.value == value.value:
                candidates[name] = ast.Constant(value.value)
    defaults = {}
    for var in reversed(params):
        if var.name not in candidates:
            break
        defaults[var.name] = candidates[var.name]
    return defaults


def _lower_statement(scope, stmt):
    if isinstance(stmt, (ast.Pass, ast.Assert)):
        return
    if isinstance(stmt, (ast.If, ast.For, ast.While)):
        from diffc.frontend import lower_control
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
            member = base.method(scope.fn, node.attr)
            if member is None:
                return base.attribute(node.attr)
            kind, src = member
            if kind == "property":
                return _inline_call(scope, src, (base,), {}, node, hint or node.attr)
            return UserFunction(src, base if kind == "method" else None)
        if isinstance(base, Ref):
            if scope.fn.live is not None:
                found = _live_module_member(scope, base, node)
                if found is not None:
                    return found
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
        from diffc.frontend import lower_control
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
    if fn.live is not None:
        return _live_lookup(scope, node)
    if name in fn.module.aliases:
        return Ref(fn.module.aliases[name])
    if name in fn.closure:
        return _runtime_value(scope, name, fn.closure[name], node)
    if name in fn.module.constants:
        bindings.current().bake(name, fn.module.constants[name], fn.module.path)
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


def _live_lookup(scope, node):
    """A free name of a live function, read as Python reads it: its closure cell, else its
    globals, else the builtins. Each read is recorded in ``bindings``."""
    name = node.id
    live = scope.fn.live
    code = live.__code__
    if name in code.co_freevars:
        cell = live.__closure__[code.co_freevars.index(name)]
        fetch = bindings.Fetch("closure", cell, name, name)
        value = fetch.read()
        if value is bindings.MISSING:
            raise NameResolutionError(f"free variable {name!r} has no value yet", scope.loc(node),
                                      f"assign {name} in the enclosing function before calling")
        return _live_value(scope, name, value, fetch, node)
    namespace = live.__globals__
    fetch = bindings.Fetch("global", namespace, name, name)
    if name in namespace:
        return _live_value(scope, name, namespace[name], fetch, node)
    builtins_ns = namespace.get("__builtins__", builtins)
    if name in (builtins_ns if isinstance(builtins_ns, dict) else vars(builtins_ns)):
        bindings.current().absent(fetch)
        return Ref(f"builtins.{name}")
    raise NameResolutionError(f"name {name!r} is not defined", scope.loc(node),
                              "define it in the function, pass it as an argument, "
                              "or define it at module level before calling")


_LIBRARIES = ("numpy", "scipy", "math", "builtins", "diffc")


def _live_module_member(scope, ref, node):
    """``module.name`` for a module of the user's (not a library diffc has rules for): the
    live member, read from the module at each call."""
    import sys

    if ref.qualname.split(".")[0] in _LIBRARIES or ref.qualname.startswith("primitive.") \
            or primitives.lookup(f"{ref.qualname}.{node.attr}"):
        return None          # a library's, or a function the user gave a rule by its name
    module = sys.modules.get(ref.qualname)
    if module is None or not hasattr(module, node.attr):
        return None
    value = getattr(module, node.attr)
    if inspect.ismodule(value):
        return Ref(value.__name__)
    fetch = bindings.Fetch("attribute", module, node.attr, f"{ref.qualname}.{node.attr}")
    return _live_value(scope, node.attr, value, fetch, node)


def _live_value(scope, name, value, fetch, node):
    """What a free name read from the running program is to the compile, with its guard:
    a module or a library function (a ``Ref``), a function of the user's (inlined), a
    number or string (a constant), an array or a container of arrays (a free input)."""
    record = bindings.current()
    if inspect.ismodule(value):
        return Ref(value.__name__)          # an import binds a module once: not guarded
    alias = scope.fn.module.aliases.get(name) if fetch.kind == "global" else None
    if alias is not None and _resolves_to(alias, value):
        record.same(fetch, value)
        return Ref(alias)
    if bindings.is_scalar_constant(value):
        record.value(fetch, value)
        return Const(value)
    if bindings.holds_arrays(value):
        return _free_input(scope, fetch, value, name)
    record.same(fetch, value)
    if hasattr(type(value), "__diffc_lower_call__"):
        return TransformCall(value)
    if isinstance(value, primitives.Primitive):
        return Ref(f"primitive.{value.name}")
    if inspect.isfunction(value) and not (value.__module__ or "").startswith(("numpy", "diffc")):
        named = f"{value.__module__}.{value.__qualname__}"
        if primitives.lookup(named):              # the user gave it a rule by its name
            return Ref(named)
        return UserFunction(source_from_function(value))
    qual = _numpy_qualname(value) or _library_qualname(value) or _library_instance(value)
    if qual:
        return Ref(qual)
    raise NameResolutionError(
        f"{name!r} refers to a {type(value).__name__} defined outside the function",
        scope.loc(node), f"pass {name} to the function as an argument")


def _free_input(scope, fetch, value, name):
    """The parameter through which the generated function reads an array from a free name."""
    found = scope.free.get(fetch)
    if found is None:
        found = bindings.FreeInput(fetch, scope.namer.var(name.split(".")[-1]), value)
        scope.free[fetch] = found
    return found.var


def _resolves_to(qualname, value):
    """Whether the dotted ``qualname`` (an import's target) names ``value`` in the running
    program (``numpy.exp`` is ``np.exp``)."""
    import sys

    parts = qualname.split(".")
    for k in range(len(parts), 0, -1):
        obj = sys.modules.get(".".join(parts[:k]))
        if obj is not None:
            for p in parts[k:]:
                obj = getattr(obj, p, bindings.MISSING)
            return obj is value
    return False


def _library_qualname(value):
    """``scipy.special.expit`` for that object: a function of a library diffc has rules
    for, found where its module says it lives."""
    module = getattr(value, "__module__", None) or ""
    name = getattr(value, "__name__", None)
    if not name or module.split(".")[0] not in _LIBRARIES:
        return None
    for prefix in (module, module.rsplit(".", 1)[0] if "." in module else None):
        if prefix and _resolves_to(f"{prefix}.{name}", value) and primitives.lookup(f"{prefix}.{name}"):
            return f"{prefix}.{name}"
    return None


def _library_instance(value):
    """``scipy.stats.norm`` for that object: an object a library exposes under a public
    name (a distribution), found in a public package its class comes from, when diffc
    has rules for its methods."""
    import sys

    parts = (type(value).__module__ or "").split(".")
    if parts[0] not in _LIBRARIES:
        return None
    for k in range(1, len(parts) + 1):
        if parts[k - 1].startswith("_"):
            break
        package = sys.modules.get(".".join(parts[:k]))
        for attr, member in vars(package).items() if package else ():
            qual = f"{package.__name__}.{attr}"
            if member is value and not attr.startswith("_") and \
                    any(n.startswith(qual + ".") for n in primitives.source_names()):
                return qual
    return None


def _assigned_a_diffc_call(module, name):
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets) \
                and isinstance(stmt.value, ast.Call):
            target = ast.unparse(stmt.value.func)
            if module.aliases.get(target.split(".")[0], "").startswith("diffc"):
                return True
    return False


def _template_primitive(fn, name):
    """In a rule template, a primitive defined in the same template module, or imported
    from a sibling one (``from .special_functions import digamma``)."""
    defined = name in fn.module.functions
    if not defined and name not in _relative_imports(fn.module.tree):
        return None
    try:
        prim = primitives.get(name)
    except KeyError:
        return None
    if not defined:
        return None if prim.user else prim
    code = getattr(prim.impl, "__code__", None)
    return prim if code is not None and code.co_filename == fn.module.path else None


def _relative_imports(tree):
    """The names a module imports with ``from .sibling import name``."""
    return {a.asname or a.name for stmt in tree.body if isinstance(stmt, ast.ImportFrom)
            and stmt.level > 0 for a in stmt.names}


def _runtime_value(scope, name, value, node):
    if inspect.ismodule(value):
        return Ref(value.__name__)
    if hasattr(type(value), "__diffc_lower_call__"):
        return TransformCall(value)
    if isinstance(value, primitives.Primitive):
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
    args, kwargs = _call_arguments(scope, node)
    if isinstance(callee, Method):
        return _emit(scope, f"ndarray.{callee.attr}", (callee.receiver, *args), kwargs, node, hint,
                     call=node.func)
    if isinstance(callee, Ref):
        user_prim = _user_primitive(callee.qualname)
        if user_prim is not None:
            callee = Ref(f"primitive.{user_prim.name}")
    if isinstance(callee, Ref) and not primitives.lookup(callee.qualname) \
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


def _call_arguments(scope, node):
    """A call's lowered arguments: ``(args, kwargs)``. ``f(*args, **kwargs)`` spreads a
    tuple or list of fixed length and a dict with fixed keys (as a decorator's wrapper
    passes its arguments on)."""
    args = []
    for a in node.args:
        if not isinstance(a, ast.Starred):
            args.append(_lower_expr(scope, a))
            continue
        value = _lower_expr(scope, a.value)
        if not (isinstance(value, Pack) and value.kind in ("tuple", "list")):
            rule = fence.EXPRESSIONS[ast.Starred]
            raise UnsupportedSyntax(f"{rule.what} of a value whose length is not fixed here is "
                                    "not supported", scope.loc(a), rule.hint)
        args.extend(value.items)
    kwargs = {}
    for k in node.keywords:
        if k.arg is not None:
            kwargs[k.arg] = _lower_expr(scope, k.value)
            continue
        value = _lower_expr(scope, k.value)
        keys = value.items[::2] if isinstance(value, Pack) and value.kind == "dict" else None
        if keys is None or not all(isinstance(key, Const) and isinstance(key.value, str) for key in keys):
            rule = fence.OTHER["**kwargs call"]
            raise UnsupportedSyntax(f"{rule.what} whose keys are not fixed here is not supported",
                                    scope.loc(k), rule.hint)
        kwargs.update({key.value: v for key, v in zip(keys, value.items[1::2])})
    return tuple(args), kwargs


def _user_primitive(qualname):
    """A primitive a user registered, reached as ``module.name`` (module already imported)."""
    import sys

    module, _, attr = qualname.rpartition(".")
    obj = getattr(sys.modules.get(module), attr, None) if module else None
    return obj if isinstance(obj, primitives.Primitive) else None


def _inline_call(scope, callee, args, kwargs, node, hint):
    """Lower a call to one of the user's functions by lowering its body in place.

    The callee's equations keep the callee's own file and line, so generated comments
    point into it. Recursion is rejected (it cannot be inlined). When the scope keeps
    calls whole and the callee is more than a one-line expression, its equations go
    into the block of an ``ir.Call`` instead of the caller's body.
    """
    from diffc.frontend import fence

    stack = getattr(scope, "call_stack", ())
    key = (callee.module.path, callee.node.lineno)
    if key in stack:
        raise UnsupportedSyntax(f"recursive call to {callee.name}() is not supported",
                                scope.loc(node), "rewrite the recursion as a loop")
    fence.check(callee, entry=False)
    inner = Scope(callee, scope.namer)
    inner.calls = scope.calls
    inner.free = scope.free          # arrays the callee reads from free names are inputs too
    inner.call_stack = stack + (key,)
    try:
        bound = _bind_user_args(callee, args, kwargs)
    except TypeError as e:
        raise UnsupportedSyntax(f"bad call to {callee.name}(): {e}", scope.loc(node),
                                f"call it as {callee.name}({ast.unparse(callee.node.args)})") from None
    statements = jumps.desugar(_body_without_docstring(callee.node))
    whole = scope.calls and _keeps_whole(statements, bound)
    params, operands = [], []
    if whole:
        for name, value in bound.items():
            if not isinstance(value, (ast.AST, Const, LiveDefault)):   # constants stay in the callee
                params.append(scope.namer.var(name))
                operands.append(value)
                bound[name] = params[-1]
    else:
        inner.body = scope.body
    for name, value in bound.items():
        inner.env[name] = _bound_value(inner, value)
    result = None
    for stmt in statements:
        if isinstance(stmt, ast.Return):
            result = _lower_expr(inner, stmt.value, "out" if whole else hint or callee.name)
        else:
            _lower_statement(inner, stmt)
    if not whole:
        return result
    for free in _free_inputs_read(scope.free, inner.body, result):   # arrays read from free names
        params.append(free)
        operands.append(free)
    out = scope.namer.var(hint or callee.name, "user" if hint else "temp")
    scope.body.append(Call((out,), callee.name, tuple(operands),
                           Block(tuple(params), inner.body, (result,)), scope.loc(node),
                           defined_at=callee.loc(callee.node)))
    return out


def _free_inputs_read(free, body, result):
    """The Vars of free inputs (arrays read from free names) that ``body`` or its
    ``result`` reads."""
    read = {a for stmt in walk(body) for a in _atoms_read(stmt)} | set(atoms_in(result))
    return [f.var for f in free.values() if f.var in read]       # in the order first read


def _atoms_read(stmt):
    """The Vars a statement reads: its operands, a branch's condition, a loop's iterable
    and initial values, and what each of its blocks returns."""
    args = [*getattr(stmt, "args", ()), *getattr(stmt, "kwargs", {}).values(),
            *getattr(stmt, "inits", ()), getattr(stmt, "iterable", None)]
    if isinstance(stmt, If):
        args.append(stmt.cond)
    args += [r for block in blocks_of(stmt) for r in block.results]
    return [v for a in args for v in atoms_in(a)]


def _keeps_whole(statements, bound):
    """A call worth its own forward/backward pair: more than ``return <expression>``,
    called with values only (not ``self`` or a function)."""
    if len(statements) < 2 and not any(isinstance(s, (ast.If, ast.For, ast.While)) for s in statements):
        return False
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


def _bind_user_args(callee, args, kwargs):
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
    defaults = _defaults_of(callee, positional, keyword_only)
    for name in positional + keyword_only:
        if name not in bound:
            if name not in defaults:
                raise TypeError(f"missing a required argument: {name!r}")
            bound[name] = defaults[name]
    return bound


def _defaults_of(callee, positional, keyword_only):
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


def _bound_value(scope, value):
    """A bound parameter's atom in the callee's scope."""
    if isinstance(value, LiveDefault):
        return _live_value(scope, value.fetch.label, value.value, value.fetch, scope.fn.node)
    if isinstance(value, ast.AST):
        return _lower_expr(scope, value)
    return value


def _emit(scope, source_name, args, kwargs, node, hint="", call=None, kind=None):
    """Append ``out = prim(args)`` for the primitive registered under ``source_name``."""
    if source_name.startswith("primitive."):
        prim = primitives.get(source_name.split(".", 1)[1])
    else:
        prim = primitives.lookup(source_name) or _alias_lookup(source_name)
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
        return primitives.lookup("numpy." + source_name[5:])
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
