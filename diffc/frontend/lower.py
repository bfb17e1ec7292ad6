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
import copy
import dataclasses
import builtins
import inspect
from dataclasses import dataclass

import numpy as np

from diffc.frontend import bindings
from diffc.frontend import declared
from diffc.frontend import fence
from diffc.frontend import jumps
from diffc.frontend import index_tricks, library_values, lower_objects, lower_random, lower_static, static
from diffc.core import primitives
from diffc.errors import DiffcError, InternalError, NameResolutionError, NoRuleError, UnsupportedSyntax, mark_user_code
from diffc.core.ir import Block, Call, Const, Eqn, Function, If, Loop, Pack, Role, Var, VarKind, atoms_in, blocks_of, walk
from diffc.core.naming import Namer
from diffc.frontend.source import (SourceFunction, from_function as source_from_function, static_mro, user_function)
from diffc.frontend import source as source_module

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
class NestedFunction:
    """A ``def`` or lambda inside the function being lowered: calls to it are inlined, its
    free names read (as Python reads them, when it is called) in the frame that defined it."""
    src: object
    definer: object         # the SourceFunction whose body defines it
    env: object = None      # passed to a helper: the defining frame's names during that call

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
        self.facts = None            # the example arguments' facts (None: none, a template)
        self.top = True              # statements here run in order: facts evaluate them now
        self.outer = None            # a nested function's call: the defining frame's names
        self.state = lower_objects.State()   # objects' attributes assigned in this call

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
    instance: object = None  # the live object (a compile with example arguments), or None
    facts: object = None     # the compile's facts: an attribute's value is known when read
    state: object = None     # lower_objects.State: its arrays are inputs others may share

    def __hash__(self):
        return id(self.attrs)

    def attribute(self, name):
        if name not in self.attrs:
            self.attrs[name] = var = self.namer.var(name)
            if self.state is not None:
                self.state.inputs.add(id(var))
            if self.facts is not None and self.instance is not None:
                value = getattr(self.instance, name)
                self.facts.bind_param(var, value)
                if self.state is not None:
                    lower_objects.register_leaves(self.state, var, value)
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


def lower_function(fn, method=False, calls=False, facts=None, args=None,
                   instance=None, preread=()) -> Function:
    """Lower a fenced ``SourceFunction`` to an IR ``Function``.

    ``method``: the first parameter is ``self``; the function's inputs are then the
    attributes it reads (``self.params`` → an input named ``params``), in the order
    first read, followed by its other parameters (``Function.attributes`` names them).
    ``calls``: a call to one of the user's functions of more than one statement stays
    one ``ir.Call`` (for the reverse transform to give it a forward/backward pair);
    otherwise every call is inlined.

    ``facts``, ``args``: the example arguments and the facts to record them in. Lowering
    then evaluates each statement as it makes it, so that what the signature fixes is
    known while lowering (``static``): conditions on it are decided, loops over it
    unrolled, Python on it evaluated. For a method, ``args`` are those after ``self`` and
    ``instance`` is the object: each attribute read takes its value from it.
    """
    namer = Namer()
    scope = Scope(fn, namer)
    scope.calls = calls
    scope.facts = facts if facts is not None and facts.enabled and args is not None else None
    node = fn.node
    params = []
    arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
    self_ref = None
    if method:
        cls = enclosing_class(fn)
        self_ref = SelfRef({}, namer, cls, fn.owner, instance, scope.facts, scope.state)
        for name in preread:        # attributes named by ``wrt``: inputs, read or not
            self_ref.attribute(name)
        scope.env[arguments[0].arg] = self_ref
        arguments = arguments[1:]
    if node.args.vararg or node.args.kwarg:
        params, results = _lower_wrapper(scope, fn, self_ref, args)
    else:
        for k, arg in enumerate(arguments):
            var = namer.var(arg.arg)
            scope.env[arg.arg] = var
            params.append(var)
            scope.state.inputs.add(id(var))
            if scope.facts is not None and k < len(args):
                scope.facts.bind_param(var, args[k])
                lower_objects.register_leaves(scope.state, var, args[k])
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


def _lower_wrapper(scope, fn, self_ref, examples=None):
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
    scope.state.inputs.update(id(p) for p in params)
    if scope.facts is not None:
        for var, value in zip(params, examples):
            scope.facts.bind_param(var, value)
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
    if isinstance(stmt, ast.Pass):
        return
    if isinstance(stmt, ast.Assert):
        return _lower_assert(scope, stmt)
    if isinstance(stmt, ast.Raise):
        return _lower_raise(scope, stmt)
    if isinstance(stmt, ast.Expr):
        return _lower_expression_statement(scope, stmt)
    if isinstance(stmt, ast.FunctionDef):
        scope.env[stmt.name] = _nested(scope, stmt)
        return
    if isinstance(stmt, ast.With):
        return _lower_with(scope, stmt)
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
    elif isinstance(target, (ast.Tuple, ast.List)) and any(isinstance(e, ast.Starred) for e in target.elts):
        _assign_starred(scope, target, value, stmt)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for i, elt in enumerate(target.elts):
            if isinstance(value, Pack):
                item = value.items[i]
            else:
                hint = elt.id if isinstance(elt, ast.Name) else ""
                item = _emit(scope, "operator.getitem", (value, Const(i)), {}, stmt, hint)
            _assign(scope, elt, item, stmt)
    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Subscript):
        _assign_into_entry(scope, target, value, stmt)
    elif isinstance(target, ast.Subscript):
        base = _lower_expr(scope, target.value)
        index = _lower_index(scope, target.slice)
        if isinstance(base, Pack) and base.kind in ("list", "dict", "tuple"):
            _rebind(scope, target.value, base,
                    lower_static.with_entry(scope, base, index, value, target))
            return
        scope.env[target.value.id] = _emit(scope, "operator.setitem", (base, index, value), {}, stmt,
                                           target.value.id)
    elif isinstance(target, ast.Attribute):
        base = _lower(scope, target.value)
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
    outer = _lower_expr(scope, outer_node)
    key = _lower_index(scope, target.value.slice)
    rule = fence.OTHER["nested subscript"]
    if not isinstance(outer, Pack) or outer.kind not in ("dict", "list"):
        raise UnsupportedSyntax(f"{rule.what} is not supported here: `{ast.unparse(outer_node)}` "
                                "is not a dict or list made in this function", scope.loc(target),
                                rule.hint)
    entry = _lower(scope, target.value)
    held = [n for n, atom in scope.env.items() if _holds(atom, entry) and atom is not outer]
    if not isinstance(entry, Var) or held or _holds(outer, entry, twice=True) or _is_input(scope, entry):
        raise UnsupportedSyntax(f"{rule.what} is not supported here: the array is also held "
                                f"elsewhere{' (' + held[0] + ')' if held else ''}", scope.loc(target),
                                "make a fresh array for the entry (np.zeros(...), x.copy()) and "
                                "write into that")
    index = _lower_index(scope, target.slice)
    written = _emit(scope, "operator.setitem", (entry, index, value), {}, stmt, "entry")
    _rebind(scope, outer_node, outer, lower_static.with_entry(scope, outer, key, written, target))


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
    pack = value if isinstance(value, Pack) else _fixed_sequence(scope, value, target)
    star = next(i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred))
    if not (isinstance(pack, Pack) and pack.kind in ("list", "tuple")):
        rule = fence.OTHER["star target"]
        raise UnsupportedSyntax(f"{rule.what} of a value that is not a list or tuple of fixed "
                                "length is not supported", scope.loc(target.elts[star]), rule.hint)
    after = len(target.elts) - star - 1
    items = pack.items
    if len(items) < len(target.elts) - 1:
        raise _user_error(scope, stmt, ValueError(
            f"not enough values to unpack (expected at least {len(target.elts) - 1}, got {len(items)})"))
    for elt, item in zip(target.elts[:star], items[:star]):
        _assign(scope, elt, item, stmt)
    _assign(scope, target.elts[star].value, Pack("list", items[star:len(items) - after]), stmt)
    for elt, item in zip(target.elts[star + 1:], items[len(items) - after:]):
        _assign(scope, elt, item, stmt)


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
        if isinstance(base, lower_objects.Super):
            return _super_member(scope, base, node, hint)
        if isinstance(base, (UserFunction, NestedFunction)) and node.attr in ("__name__", "__doc__"):
            fn_node = base.src.node                  # print("calling", fn.__name__)
            return Const(fn_node.name if node.attr == "__name__" else ast.get_docstring(fn_node))
        obj = lower_objects.reaches_object(scope, base)
        if obj is not None:
            return _object_member(scope, base, obj, node, hint)
        return Method(base, node.attr)
    if isinstance(node, ast.BoolOp):
        return _lower_boolop(scope, node, hint, condition=False)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _lower_not(scope, node, hint, condition=False)
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
        return _lower_compare(scope, node, hint)
    if isinstance(node, (ast.Tuple, ast.List)):
        kind = "tuple" if isinstance(node, ast.Tuple) else "list"
        return Pack(kind, tuple(_lower_expr(scope, e) for e in node.elts))
    if isinstance(node, ast.Dict):         # only in has_aux's auxiliary output (the fence)
        return Pack("dict", tuple(item for k, v in zip(node.keys, node.values)
                                  for item in (Const(k.value), _lower_expr(scope, v))))
    if isinstance(node, ast.Subscript):
        if index_tricks.is_index_trick(node) and (call := index_tricks.rewrite(node, _lower(scope, node.value), scope.loc)):
            return _lower(scope, call, hint)         # np.r_[...], np.c_[...]
        base = _lower_expr(scope, node.value)
        index = _lower_index(scope, node.slice)
        if isinstance(base, Pack) and base.kind == "dict":
            key = lower_static.known_key(scope, index, node)
            for k, v in zip(base.items[::2], base.items[1::2]):
                if k.value == key:
                    return v              # an entry of a dict made here: no operation
            raise _user_error(scope, node, KeyError(key))
        if isinstance(base, Pack) and base.kind in ("tuple", "list") and isinstance(index, Const) \
                and type(index.value) is int and -len(base.items) <= index.value < len(base.items):
            return base.items[index.value]       # an element of a literal: no operation
        fixed = _fixed_item(scope, base, index)
        if fixed is not None:
            return fixed
        if not hint and isinstance(index, Const) and isinstance(index.value, str) and index.value.isidentifier():
            return _emit(scope, "operator.getitem", (base, index), {}, node, index.value, kind=VarKind.TEMP)
        return _emit(scope, "operator.getitem", (base, index), {}, node, hint)
    if isinstance(node, ast.Call):
        return _lower_call(scope, node, hint)
    if isinstance(node, ast.Dict):
        return _lower_dict(scope, node)
    if isinstance(node, ast.JoinedStr):
        return lower_static.joined_string(scope, node, _lower_expr)
    if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
        return _lower_comprehension(scope, node)
    if isinstance(node, ast.IfExp):
        from diffc.frontend import lower_control
        return lower_control.lower_ifexp(scope, node, hint)
    if isinstance(node, ast.Lambda):
        return _nested(scope, source_module.as_function(node))
    raise UnsupportedSyntax(f"{type(node).__name__} expressions are not supported",
                            scope.loc(node), "rewrite it with arithmetic and NumPy calls")


def lower_condition(scope, node, hint="cond"):
    """An ``if``/``while``/``assert`` test: ``and``, ``or`` and ``not`` on values the data
    decides mean ``np.logical_and``/``or``/``not`` there; on static values, Python's."""
    if isinstance(node, ast.BoolOp):
        return _lower_boolop(scope, node, hint, condition=True)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _lower_not(scope, node, hint, condition=True)
    return _lower_expr(scope, node, hint)


def _lower_boolop(scope, node, hint, condition):
    """``a and b``/``a or b``: Python's short circuit while the operands are static (the
    value is the operand that decides, as in Python); past the first operand the data
    decides, element-wise logic in a condition, an error elsewhere."""
    is_and = isinstance(node.op, ast.And)
    lower_operand = lower_condition if condition else _lower_expr
    value = None
    for k, operand_node in enumerate(node.values):
        operand = lower_operand(scope, operand_node, "")
        if value is None:
            decided = static.known(scope, operand)
            if decided is not static.UNKNOWN and static.is_plain(decided):
                if k == len(node.values) - 1 or bool(decided) != is_and:
                    return operand           # `a and b`: a if a is false, else b
                continue
            if not condition:
                rule = fence.OTHER["and/or"]
                raise UnsupportedSyntax(f"{rule.what} is not supported",
                                        scope.loc(operand_node), rule.hint)
            value = operand
            continue
        name = "numpy.logical_and" if is_and else "numpy.logical_or"
        value = _emit(scope, name, (value, operand), {}, node, hint)
    return value


def _lower_not(scope, node, hint, condition):
    operand = (lower_condition if condition else _lower_expr)(scope, node.operand, "")
    decided = static.known(scope, operand)
    if decided is not static.UNKNOWN and static.is_plain(decided):
        return Const(not decided)
    if not condition:
        rule = fence.OTHER["not"]
        raise UnsupportedSyntax(f"{rule.what} is not supported",
                                scope.loc(node), rule.hint)
    return _emit(scope, "numpy.logical_not", (operand,), {}, node, hint)


_IDENTITY_TESTS = (ast.Is, ast.IsNot, ast.In, ast.NotIn)


def _lower_compare(scope, node, hint):
    """A comparison. Static operands are compared in Python (a chain as Python chains it);
    ``is`` and ``in`` need static operands, except that whether a value is None (or True,
    False) is fixed by its type; comparisons of values the data decides are IR."""
    left = _lower_expr(scope, node.left)
    results = []
    for op, right_node in zip(node.ops, node.comparators):
        right = _lower_expr(scope, right_node)
        decided = _static_compare(scope, op, left, right)
        if decided is not static.UNKNOWN:
            if not decided and len(node.ops) > 1:
                return Const(False)      # a chain stops at its first false link
            results.append(Const(decided))
        elif isinstance(op, _IDENTITY_TESTS):
            word = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}[type(op)]
            rule = fence.OTHER["is/in"]
            raise UnsupportedSyntax(f"`{word}` on a value the data decides is not supported",
                                    scope.loc(node), rule.hint.format(op=word))
        elif len(node.ops) > 1:
            rule = fence.OTHER["chained"]
            raise UnsupportedSyntax(f"{rule.what} is not supported",
                                    scope.loc(node), rule.hint)
        else:
            return _emit(scope, f"operator.{_OPERATORS[type(op)]}", (left, right), {}, node, hint)
        left = right
    return results[-1] if len(results) == 1 else Const(True)


_SINGLETONS = (None, True, False)


def _static_compare(scope, op, left, right):
    """The comparison's Python value when static, else ``UNKNOWN``."""
    a, b = static.known(scope, left), static.known(scope, right)
    fn = static.COMPARE[type(op).__name__]
    if a is not static.UNKNOWN and b is not static.UNKNOWN:
        if isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) or \
                (static.is_plain(a) and static.is_plain(b)):
            result = fn(a, b)
            return bool(result) if isinstance(result, (bool, np.bool_)) else static.UNKNOWN
        return static.UNKNOWN
    if isinstance(op, (ast.Is, ast.IsNot)):
        # `x is None`: the signature fixes whether a value is None, True or False
        for value, other in ((a, right), (b, left)):
            if value is not static.UNKNOWN and any(value is s for s in _SINGLETONS):
                seen = static.example(scope, other)
                if seen is not static.UNKNOWN:
                    return fn(seen, value) if other is right else fn(value, seen)
    if isinstance(op, (ast.In, ast.NotIn)) and a is not static.UNKNOWN:
        seen = static.example(scope, right)
        if isinstance(seen, dict):                  # a dict's keys are in the signature
            return fn(a, seen)
    return static.UNKNOWN


def _lower_index(scope, node):
    if isinstance(node, ast.Slice):
        parts = [Const(None) if p is None else _lower_expr(scope, p)
                 for p in (node.lower, node.upper, node.step)]
        return Pack("slice", tuple(parts))
    if isinstance(node, ast.Tuple):
        return Pack("tuple", tuple(_lower_index(scope, e) for e in node.elts))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" \
            and "range" not in scope.env and not node.keywords and \
            isinstance(_lookup(scope, node.func), Ref) and _lookup(scope, node.func).qualname == "builtins.range":
        # S[range(N), y] picks the same entries as S[np.arange(N), y]
        return _emit(scope, "numpy.arange", tuple(_lower_expr(scope, a) for a in node.args), {},
                     node, "arange")
    return _lower_expr(scope, node)


def _defining_frame(scope, nested):
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
        env = _defining_frame(scope, value)
        return dataclasses.replace(value, env=env) if env is not None else value
    if isinstance(value, Pack):
        return Pack(value.kind, tuple(_captured(scope, v) for v in value.items))
    return value


def _escapes(value):
    if isinstance(value, NestedFunction):
        return value.env is not None
    return isinstance(value, Pack) and any(_escapes(v) for v in value.items)


_LOCALS = {}


def _local_names(fn):
    """The names ``fn``'s body binds (its locals, for Python), parameters included."""
    key = id(fn.node)
    found = _LOCALS.get(key)
    if found is None or found[0] is not fn.node:
        a = fn.node.args
        params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
        params |= {p.arg for p in (a.vararg, a.kwarg) if p is not None}
        found = _LOCALS[key] = (fn.node, fence.stored_names(fn.node.body) | params)
    return found[1]


def _nested(scope, fdef):
    src = SourceFunction(fdef, scope.fn.module, scope.fn.runtime_globals, enclosing=scope.fn)
    return NestedFunction(src, scope.fn)


def _lookup(scope, node):
    name = node.id
    if name in scope.env:
        return scope.env[name]
    if scope.outer is not None and name in scope.outer:
        return scope.outer[name]
    fn = scope.fn
    if name in _local_names(fn):          # Python's UnboundLocalError, located
        rule = fence.OTHER["maybe unbound"]
        raise UnsupportedSyntax(f"`{name}` may not be assigned here: only some paths (or "
                                "later loop steps) assign it before this line", scope.loc(node),
                                rule.hint.format(name=name))
    if fn.enclosing is not None:          # a nested function: the rest as its definer reads it
        scope.fn = fn.enclosing
        try:
            return _lookup(scope, node)
        finally:
            scope.fn = fn
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
    if inspect.isfunction(value) and not (value.__module__ or "").startswith(("numpy", "scipy", "diffc")):
        named = f"{value.__module__}.{value.__qualname__}"
        if primitives.lookup(named):              # the user gave it a rule by its name
            return Ref(named)
        return UserFunction(source_from_function(value))
    qual = _numpy_qualname(value) or _library_qualname(value) or _library_instance(value) \
        or library_values.bound_method_qualname(value, _library_instance) \
        or library_values.public_name(value)
    if qual:
        return Ref(qual)
    if isinstance(value, lower_random.GENERATORS):   # read at each call: its draws go on
        return _free_input(scope, fetch, value, name)
    if lower_objects.is_object(value):    # a settings object, a model: read at each call,
        record.structure(fetch, value)    # compiled again when its attributes change
        return _free_input(scope, fetch, value, name)
    if type(value) in (list, tuple) and any(lower_objects.is_object(v) for v in value):
        record.structure(fetch, value)    # a list of layer specifications
        return _free_input(scope, fetch, value, name)
    if _static_container(value):          # a table of settings or of functions
        record.value(fetch, copy.deepcopy(value))     # a copy: a change is seen
        return lower_static.lift(value)
    raise NameResolutionError(
        f"{name!r} refers to a {type(value).__name__} defined outside the function",
        scope.loc(node), f"pass {name} to the function as an argument")


def _static_container(value, depth=0):
    """A dict, list or tuple of numbers, strings, None and functions (no arrays)."""
    if depth > 8:
        return False
    if type(value) is dict:
        return all(_static_container(k, depth + 1) and _static_container(v, depth + 1)
                   for k, v in value.items())
    if type(value) in (list, tuple):
        return all(_static_container(v, depth + 1) for v in value)
    return bindings.is_scalar_constant(value) or value is None or \
        inspect.isfunction(value) or isinstance(value, np.ufunc) or \
        (depth > 0 and callable(value) and _numpy_qualname(value) is not None)


def _free_input(scope, fetch, value, name):
    """The parameter through which the generated function reads an array from a free name."""
    found = scope.free.get(fetch)
    if found is None:
        found = bindings.FreeInput(fetch, scope.namer.var(name.split(".")[-1]), value)
        scope.free[fetch] = found
        if scope.facts is not None:
            scope.facts.bind_param(found.var, value)
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
    if inspect.isfunction(value) and not (value.__module__ or "").startswith(("numpy", "scipy", "diffc")):
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
    if found and (obj is None or isinstance(obj, (bool, int, float, type))):
        return Const(obj)                   # a class: isinstance(W, np.ndarray), a dtype
    if ref.qualname.startswith("builtins.") and isinstance(getattr(builtins, ref.qualname[9:], None), type):
        return Const(getattr(builtins, ref.qualname[9:]))      # isinstance(reg, dict)
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
    return _call_value(scope, callee, args, kwargs, node, hint)


def _call_value(scope, callee, args, kwargs, node, hint):
    """Call what ``callee`` lowered to with lowered ``args`` (``node``: the call, for
    locations)."""
    if isinstance(callee, Method) and isinstance(static.example(scope, callee.receiver),
                                                 lower_random.GENERATORS):
        operands = lower_random.positional(scope, callee.attr, args, kwargs, node)
        return _emit(scope, "primitive.draw", (callee.receiver, Const(callee.attr), *operands),
                     {}, node, hint or callee.attr)
    if isinstance(callee, Ref) and callee.qualname.startswith("numpy.random.") \
            and callee.qualname.count(".") == 2:
        method = callee.qualname.rsplit(".", 1)[1]
        if method == "shuffle":
            raise UnsupportedSyntax("np.random.shuffle writes into its argument, which is not "
                                    "supported", scope.loc(node), "index with a permutation: "
                                    "x = x[np.random.permutation(len(x))]")
        operands = lower_random.positional(scope, method, args, kwargs, node)
        return _emit(scope, "primitive.draw_global", (Const(method), *operands), {}, node,
                     hint or method)
    if isinstance(callee, Method) and callee.attr == "astype" and "copy" in kwargs:
        # the same values either way; whether the result may share memory with the array is
        # the fence's concern (it treats `astype(..., copy=...)` as a possible view)
        kwargs = {k: v for k, v in kwargs.items() if k != "copy"}
    if isinstance(callee, Method):
        done = _container_call(scope, callee, args, kwargs, node)
        if done is not NotImplemented:
            return done
        receiver = static.known(scope, callee.receiver)
        if receiver is not static.UNKNOWN and isinstance(receiver, (str, bytes, int, float, tuple)) \
                and hasattr(receiver, callee.attr):
            value = lower_static.evaluate(scope, getattr(receiver, callee.attr), args, kwargs)
            if value is not static.UNKNOWN:          # "W1".startswith("W"), "{}".format(i)
                return lower_static.lift(value)
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
    if isinstance(callee, (Var, Const)):
        held = static.example(scope, callee)
        if lower_objects.is_object(held):             # layer(x): its class's __call__
            kind, found = lower_objects.member(held, "__call__")
            if kind != "method":
                raise UnsupportedSyntax(f"a {type(held).__name__} object is not callable",
                                        scope.loc(node.func), "call one of its methods")
            callee = UserFunction(source_from_function(found), callee)
        elif held is not static.UNKNOWN and callable(held) and not isinstance(held, type):
            callee = _callable(scope, held, node.func)
    if isinstance(callee, UserFunction):
        if callee.bound is not None:
            args = (callee.bound,) + args
        return _inline_call(scope, callee.src, args, kwargs, node, hint)
    if isinstance(callee, NestedFunction):
        outer = _defining_frame(scope, callee)
        if outer is None:
            raise UnsupportedSyntax(f"calling {callee.src.name}() outside the function that "
                                    "defines it is not supported", scope.loc(node),
                                    "define it at module level and pass it what it reads")
        # inlined in place (never a call of its own: it reads the frame's values directly)
        return _inline_call(scope, callee.src, args, kwargs, node, hint, False, outer)
    if isinstance(callee, Ref) and callee.qualname == "builtins.super":
        return _super(scope, node)
    if isinstance(callee, Ref):
        done = _static_call(scope, callee.qualname, args, kwargs, node)
        if done is not NotImplemented:
            return done
        return _emit(scope, callee.qualname, args, kwargs, node, hint, call=node.func)
    raise UnsupportedSyntax("calling a value is not supported", scope.loc(node.func),
                            "call NumPy functions or array methods")


def _object_member(scope, base, obj, node, hint):
    """``obj.attr`` for an object the compile knows (``lower_objects``)."""
    name = node.attr
    stored = scope.state.read(obj, name)
    if stored is not None:
        return stored
    kind, found = lower_objects.member(obj, name)
    if kind == "method":
        return _method_of(obj, name, found, base)
    if kind == "property":
        return _inline_call(scope, source_from_function(found), (base,), {}, node, hint or name)
    if kind == "static":
        return _callable(scope, found, node)
    if kind == "missing":
        raise _user_error(scope, node, AttributeError(
            f"{type(obj).__name__!r} object has no attribute {name!r}"))
    if kind == "classmethod":
        raise UnsupportedSyntax("calling a classmethod is not supported", scope.loc(node),
                                "make it a static method or a module-level function")
    if callable(found) and not lower_objects.is_object(found) and not isinstance(found, np.ndarray):
        return _callable(scope, found, node)        # self.activation = np.tanh
    if bindings.is_scalar_constant(found) and (isinstance(base, Const) or not isinstance(found, float)):
        return Const(found)     # in the signature by value, or of an object made while compiling
    same = lower_objects.alias(scope.state, found, _getitem(scope, node))
    if same is not None:
        return same                                 # a weight that is an input's entry
    out = scope.namer.var(hint or name, VarKind.USER if hint else VarKind.TEMP)
    record(scope, Eqn((out,), "attribute", (base, Const(name)), {}, scope.loc(node)))
    return out


def _method_of(obj, name, found, self_atom, after=None):
    """A method of ``obj``'s class, to inline with ``self`` bound to ``self_atom``."""
    src = source_from_function(found)
    klass = next((k for k in type(obj).__mro__ if vars(k).get(name) is found), None)
    return UserFunction(dataclasses.replace(src, defining_class=klass), self_atom)


def _super_member(scope, sup, node, hint):
    kind, found = lower_objects.member(sup.obj, node.attr, after=sup.klass)
    if kind == "method":
        return _method_of(sup.obj, node.attr, found, sup.self_atom)
    if kind == "property":
        return _inline_call(scope, source_from_function(found), (sup.self_atom,), {}, node,
                            hint or node.attr)
    if kind == "static":
        return _callable(scope, found, node)
    raise UnsupportedSyntax(f"super().{node.attr} is not a method diffc can call",
                            scope.loc(node), "call a method of the base class")


def _super(scope, node):
    """``super()`` (no arguments) in a method of an object's class."""
    klass = scope.fn.defining_class
    params = scope.fn.node.args.posonlyargs + scope.fn.node.args.args
    self_atom = scope.env.get(params[0].arg) if params else None
    obj = lower_objects.reaches_object(scope, self_atom) if self_atom is not None else None
    if klass is None or obj is None or node.args or node.keywords:
        raise UnsupportedSyntax("this use of super() is not supported", scope.loc(node),
                                "call super() without arguments in a method of an object "
                                "the function is given")
    return lower_objects.Super(self_atom, obj, klass)


def _callable(scope, value, node):
    """A function held in a value, called: NumPy's by its rule, the user's inlined."""
    found = lower_objects.callable_value(value)
    if found is None:
        raise UnsupportedSyntax(f"calling {getattr(value, '__name__', type(value).__name__)} "
                                "held in a value is not supported", scope.loc(node),
                                "call NumPy functions or functions of your own")
    kind, target = found
    return Ref(target) if kind == "numpy" else UserFunction(target)


def _getitem(scope, node):
    def get(base, key):
        fixed = _fixed_item(scope, base, key)
        if fixed is not None:
            return fixed
        return _emit(scope, "operator.getitem", (base, key), {}, node,
                     key.value if isinstance(key.value, str) and key.value.isidentifier()
                     else "", kind=VarKind.TEMP)
    return get


_IN_SIGNATURE = (bool, int, str, type(None))


def _fixed_item(scope, base, key):
    """``base[key]``, an int, bool, str or None entry of a dict, list or tuple argument at
    a key the compile knows: a constant (the call's signature holds its value)."""
    if not isinstance(base, Var) or scope.facts is None or base in scope.facts.value_static:
        return None             # a value the compile computes (a shape): its own operation
    seen, k = static.example(scope, base), static.known(scope, key)
    if k is static.UNKNOWN or not isinstance(seen, (dict, list, tuple)) or \
            isinstance(k, (list, np.ndarray, slice)):
        return None
    try:
        item = seen[k]
    except (KeyError, IndexError, TypeError):
        return None
    return Const(item) if type(item) in _IN_SIGNATURE else None


def _container_call(scope, method, args, kwargs, node):
    """A method of a list or dict whose structure is fixed here (``lower_static``)."""
    if method.attr not in lower_static.MUTATORS + ("items", "keys", "values", "get", "copy"):
        return NotImplemented
    pack = lower_static.structure(scope, method.receiver, node, _getitem(scope, node))
    if pack is None:
        return NotImplemented
    if method.attr in lower_static.MUTATORS:
        if not isinstance(node.func.value, ast.Name) or kwargs:
            raise UnsupportedSyntax(f"changing a {pack.kind} that is not a local name is not "
                                    "supported", scope.loc(node), "assign the container to a "
                                    "local name and change that")
        new, result = lower_static.mutated(scope, pack, method.attr, args, node)
        _rebind(scope, node.func.value, method.receiver, new)
        return result
    if pack.kind != "dict":
        return NotImplemented
    return lower_static.dict_method(scope, pack, method.attr, args, kwargs, node)


def _rebind(scope, name_node, old, new):
    """``name`` (and every local name bound to the same container) now holds ``new``."""
    if not isinstance(name_node, ast.Name) or name_node.id not in scope.env:
        raise UnsupportedSyntax("changing a container that is not a local name is not "
                                "supported", scope.loc(name_node), "copy it into a local "
                                "name first (`d = dict(d)`, `xs = list(xs)`) and change that")
    if not scope.top:
        raise lower_static.NeedsUnroll(name_node)
    for name, atom in list(scope.env.items()):
        if atom is old:
            scope.env[name] = new


def _static_call(scope, qualname, args, kwargs, node):
    """A builtin on values the compile knows runs now (``lower_static``)."""
    kind, _, name = qualname.partition(".")
    if kind == "builtins" and name in ("isinstance", "type", "callable") and args:
        seen = static.example(scope, args[0])
        rest = [static.known(scope, a) for a in args[1:]]
        if seen is not static.UNKNOWN and static.UNKNOWN not in rest:
            return lower_static.lift(lower_static.PURE[name](seen, *rest))
    if kind == "builtins" and name == "range":
        return NotImplemented                   # a primitive: loops keep their range
    fn = lower_static.PURE.get(name if kind == "builtins" else qualname)
    if fn is None and kind == "builtins" and isinstance(getattr(builtins, name, None), type) \
            and issubclass(getattr(builtins, name), BaseException):
        fn = getattr(builtins, name)            # ValueError(f"unknown mode {mode}")
    if fn is not None:
        value = lower_static.evaluate(scope, fn, args, kwargs)
        if value is not static.UNKNOWN:
            return lower_static.lift(value)
    if kind == "builtins" and name in lower_static.STRUCTURAL and not kwargs:
        packs = [lower_static.structure(scope, a, node, _getitem(scope, node)) or
                 (_rows(scope, a, node) if name in ("zip", "enumerate", "reversed", "list", "tuple") else a)
                 for a in args]
        done = lower_static.by_structure(scope, name, packs, node)
        if done is not NotImplemented:
            return done
    if kind == "builtins" and name in ("max", "min") and len(args) == 1 and not kwargs:
        seen = static.example(scope, args[0])
        pack = lower_static.structure(scope, args[0], node, _getitem(scope, node))
        if pack is None and isinstance(args[0], Var) and (seen is static.UNKNOWN or getattr(seen, "ndim", None) == 1):
            # Python iterates a vector: its largest element (an array of more dimensions
            # would make Python compare rows, an error; where the rank is not known here,
            # that is the only case that runs)
            return _emit(scope, f"numpy.{name}", args, {}, node)
        if pack is not None and pack.kind != "dict" and pack.items:
            best = pack.items[0]
            for item in pack.items[1:]:
                best = _emit(scope, f"builtins.{name}", (best, item), {}, node)
            return best
    if kind == "builtins" and name == "map" and len(args) >= 2 and not kwargs:
        seqs = [lower_static.structure(scope, a, node, _getitem(scope, node)) for a in args[1:]]
        if all(p is not None and p.kind != "dict" for p in seqs):   # map(f, xs): f on each
            return Pack("list", tuple(_call_value(scope, args[0], items, {}, node, "")
                                      for items in zip(*(p.items for p in seqs))))
    if kind == "builtins" and name == "pow" and len(args) == 2 and not kwargs:
        return _emit(scope, "operator.pow", args, {}, node)      # pow(x, 2) is x ** 2
    if kind == "builtins" and name == "round" and 1 <= len(args) <= 2 and not kwargs:
        return _emit(scope, "numpy.round", args, {}, node)     # the same values (half to even)
    if kind == "builtins" and name == "sum" and args and not kwargs and isinstance(args[0], Var) \
            and lower_static.structure(scope, args[0], node, lambda b, k: None) is None:
        # Python adds an array's rows: np.sum along the first axis, the same for any rank
        total = _emit(scope, "numpy.sum", (args[0],), {"axis": Const(0)}, node)
        return _emit(scope, "operator.add", (args[1], total), {}, node) if len(args) > 1 else total
    if kind == "builtins" and name == "sum" and args and not kwargs:
        pack = lower_static.structure(scope, args[0], node, _getitem(scope, node))
        if pack is not None and pack.kind != "dict":
            total = args[1] if len(args) > 1 else Const(0)
            for item in pack.items:
                total = _emit(scope, "operator.add", (total, item), {}, node)
            return total
    return NotImplemented


def _fixed_sequence(scope, atom, node):
    """A tuple or list whose length the compile knows, as a ``Pack`` (else ``atom``)."""
    known = static.known(scope, atom)
    if isinstance(known, (tuple, list)):
        return lower_static.lift(known)
    return lower_static.structure(scope, atom, node, _getitem(scope, node)) or atom


def _rows(scope, atom, node):
    """An array argument's rows, as Python iterates it, when its length is fixed here."""
    seen = static.example(scope, atom)
    if getattr(seen, "ndim", 0) < 1 or not isinstance(atom, Var):
        return atom
    get = _getitem(scope, node)
    return Pack("list", tuple(get(atom, Const(i)) for i in range(seen.shape[0])))


def _lower_dict(scope, node):
    items = []
    for key, value in zip(node.keys, node.values):
        if key is None:                     # {**other, ...}
            other = lower_static.structure(scope, _lower_expr(scope, value), node, _getitem(scope, node))
            if other is None or other.kind != "dict":
                raise UnsupportedSyntax("`**` of a dict whose keys are not fixed here is not "
                                        "supported", scope.loc(value), "write the entries out")
            pack = Pack("dict", tuple(items))
            for k, v in zip(other.items[::2], other.items[1::2]):
                pack = lower_static.with_entry(scope, pack, k, v, node)
            items = list(pack.items)
            continue
        k = _lower_expr(scope, key)
        pack = lower_static.with_entry(scope, Pack("dict", tuple(items)), k,
                                       _lower_expr(scope, value), key)
        items = list(pack.items)
    return Pack("dict", tuple(items))


def _lower_comprehension(scope, node):
    """``[f(x) for x in xs if c]``, ``g(x) for x in xs`` and ``{k: v for ...}`` over
    iterables whose length is fixed here: the items, written out."""
    results = []

    def walk(generators, env):
        if not generators:
            saved, scope.env = scope.env, env
            try:
                if isinstance(node, ast.DictComp):
                    results.append((_lower_expr(scope, node.key), _lower_expr(scope, node.value)))
                else:
                    results.append(_lower_expr(scope, node.elt))
            finally:
                scope.env = saved
            return
        gen = generators[0]
        saved, scope.env = scope.env, env
        try:
            iterable = _lower_expr(scope, gen.iter)
            pack = lower_static.structure(scope, iterable, gen.iter, _getitem(scope, gen.iter))
            if pack is None:
                steps, seen = static.known(scope, iterable), static.example(scope, iterable)
                if isinstance(steps, range):
                    pack = lower_static.lift(list(steps))
                elif getattr(seen, "ndim", 0) >= 1:          # an array's rows
                    get = _getitem(scope, gen.iter)
                    pack = Pack("list", tuple(get(iterable, Const(i)) for i in range(seen.shape[0])))
        finally:
            scope.env = saved
        if pack is None or gen.is_async:
            raise UnsupportedSyntax("a comprehension over a sequence whose length is not fixed "
                                    "here is not supported", scope.loc(gen.iter),
                                    "use a NumPy operation on the whole array")
        items = pack.items[::2] if pack.kind == "dict" else pack.items
        for item in items:
            inner = dict(env)
            saved, scope.env = scope.env, inner
            try:
                _assign(scope, gen.target, item, gen)
                keep = True
                for test in gen.ifs:
                    decided = static.known(scope, lower_condition(scope, test))
                    if decided is static.UNKNOWN:
                        raise UnsupportedSyntax("a comprehension's `if` on a value the data "
                                                "decides is not supported", scope.loc(test),
                                                "select with np.where")
                    keep = keep and bool(decided)
                inner = scope.env
            finally:
                scope.env = saved
            if keep:
                walk(generators[1:], inner)

    walk(node.generators, scope.env)
    if isinstance(node, ast.DictComp):
        pack = Pack("dict", ())
        for k, v in results:
            pack = lower_static.with_entry(scope, pack, k, v, node)
        return pack
    return Pack("list", tuple(results))


_QUIET_CONTEXTS = ("numpy.errstate",)


def _lower_with(scope, stmt):
    """``with np.errstate(...):`` only changes which floating-point warnings NumPy shows:
    its body is lowered as it is. Any other context manager is refused."""
    for item in stmt.items:
        ctx = item.context_expr
        callee = _lower(scope, ctx.func) if isinstance(ctx, ast.Call) else None
        if not (isinstance(callee, Ref) and callee.qualname in _QUIET_CONTEXTS) \
                or item.optional_vars is not None:
            rule = fence.OTHER["with"]
            raise UnsupportedSyntax(rule.what + " is not supported", scope.loc(stmt), rule.hint)
    for s in stmt.body:
        _lower_statement(scope, s)


def _lower_assert(scope, stmt):
    """``assert`` on values the compile knows is checked now, as Python checks it at the
    call; on values the data decides it is left out, as ``python -O`` leaves it."""
    decided = static.known(scope, lower_condition(scope, stmt.test))
    if decided is static.UNKNOWN or not static.is_plain(decided) or decided:
        return
    message = () if stmt.msg is None else (static.known(scope, _lower_expr(scope, stmt.msg)),)
    if not scope.top:
        return                                  # a branch that may not run
    raise _user_error(scope, stmt, AssertionError(*[m for m in message if m is not static.UNKNOWN]))


def _lower_raise(scope, stmt):
    """``raise`` reached on a path the compile decides: the call raises, as in Python."""
    if not scope.top:
        raise UnsupportedSyntax("`raise` in a branch the data decides is not supported",
                                scope.loc(stmt), "check the inputs and raise before calling "
                                "the differentiated function")
    error = RuntimeError("re-raise") if stmt.exc is None else \
        static.known(scope, _lower_expr(scope, stmt.exc))
    if isinstance(error, type) and issubclass(error, BaseException):
        error = error()
    if not isinstance(error, BaseException):
        raise UnsupportedSyntax("`raise` of a value diffc cannot evaluate here is not supported",
                                scope.loc(stmt), "raise an exception built from labels and settings")
    raise _user_error(scope, stmt, error)


def _user_error(scope, stmt, error):
    """``error`` as the user's code raises it (marked as theirs), with a note of where."""
    loc = scope.loc(stmt)
    mark_user_code(error)
    notes = getattr(error, "__notes__", None)
    if isinstance(notes, list):
        notes.append(f"raised at {loc.file}:{loc.line} on the example arguments diffc compiled for")
    return error


def _lower_expression_statement(scope, stmt):
    """A statement that is an expression: a container method (``parts.append(h)``) or a
    docstring-like constant; a call made only for its effect is refused."""
    value = stmt.value
    if isinstance(value, ast.Constant):
        return
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
            and value.func.attr in lower_static.MUTATORS:
        _lower_expr(scope, value)
        return
    if isinstance(value, ast.Call) and _is_random_draw(scope, value):
        _lower_expr(scope, value)                     # np.random.seed(0): kept, in order
        return
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print" \
            and isinstance(_lookup(scope, value.func), Ref):
        if value.keywords or any(isinstance(a, ast.Starred) for a in value.args):
            raise UnsupportedSyntax("print() with keywords or *args is not supported",
                                    scope.loc(stmt), "print the values one by one: print('loss', loss)")
        args = tuple(_lower_expr(scope, a) for a in value.args)   # kept: it prints at each call
        record(scope, Eqn((), "builtin_print", args, {}, scope.loc(stmt)))
        return
    rule = fence.OTHER["unused call" if isinstance(value, ast.Call) else "no effect"]
    raise UnsupportedSyntax(rule.what + " is not supported", scope.loc(stmt), rule.hint)


def _is_random_draw(scope, call):
    """``np.random.seed(n)``, ``rng.normal(size=3)`` as a statement (not ``shuffle``, which
    writes into its argument)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr in ("shuffle",):
        return False
    try:
        base = _lower(scope, func.value)
    except DiffcError:
        return False
    if isinstance(base, Ref):
        return base.qualname == "numpy.random"
    return isinstance(base, (Var, Const)) and \
        isinstance(static.example(scope, base), lower_random.GENERATORS)


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
        if not isinstance(value, Pack):             # *x.shape, *sizes: fixed here
            value = _fixed_sequence(scope, value, a)
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
        if not isinstance(value, Pack):
            value = lower_static.structure(scope, value, k, _getitem(scope, k)) or value
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


def _inline_call(scope, callee, args, kwargs, node, hint, may_keep_whole=True, outer=None):
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
    inner.facts, inner.top, inner.free, inner.state = scope.facts, scope.top, scope.free, scope.state
    inner.outer = outer
    try:
        bound = _bind_user_args(callee, args, kwargs)
    except TypeError as e:
        raise UnsupportedSyntax(f"bad call to {callee.name}(): {e}", scope.loc(node),
                                f"call it as {callee.name}({ast.unparse(callee.node.args)})") from None
    statements = jumps.desugar(_body_without_docstring(callee.node))
    whole = may_keep_whole and scope.calls and _keeps_whole(statements, bound) and not any(
        isinstance(v, (Var, Const)) and lower_objects.reaches_object(scope, v) is not None
        for v in bound.values())      # an object's method reads inputs through the object
    params, operands = [], []
    if whole:
        for name, value in bound.items():
            if not isinstance(value, (ast.AST, Const, LiveDefault)):   # constants stay in the callee
                params.append(scope.namer.var(name))
                operands.append(value)
                bound[name] = params[-1]
        if inner.top and inner.facts is not None:    # the callee's lines run with the operands
            inner.facts.bind_like(params, operands)
    else:
        inner.body = scope.body
    for name, value in bound.items():
        inner.env[name] = _captured(scope, _bound_value(inner, value))
    result = None
    for stmt in statements:
        if isinstance(stmt, ast.Return):
            result = _lower_expr(inner, stmt.value, "out" if whole else hint or callee.name)
        else:
            _lower_statement(inner, stmt)
    if _escapes(result):
        raise UnsupportedSyntax(f"{callee.name}() returns a function it was passed, defined "
                                "inside the differentiated function", scope.loc(node),
                                "call the function where it is defined")
    if not whole:
        return result
    if isinstance(result, Pack):        # several results (`return out, cache`): inlined, so
        return _inline_call(scope, callee, args, kwargs, node, hint, False, outer)   # each is a value
    for free in _free_inputs_read(scope.free, inner.body, result):   # arrays read from free names
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
