"""Fast calls: a per-object ``__call__`` that checks the compiled signatures inline.

After each compile, ``install`` builds (as ``ast``) a dispatcher for the object,

    def __call__(self, W, X, y):
        if type(W) is ndarray and W.shape == (3, 4) and W.dtype is dtype_0 and ...:
            return compiled_0(W, X, y)
        return self._slow_call(W, X, y)

so a call with a known signature costs a few attribute checks, not a signature
tuple and a dictionary lookup. A dict of parameters is checked key by key (its keys in
order, then each entry); another library's array (a torch tensor) by its type, shape
and dtype. Signatures the checks cannot express (lists, tuples, other
objects) take the slow path, which is always correct.

A compiled function that needs nothing from its module but ``np`` is *inlined*: its
statements are the branch's body, so a scalar gradient costs one Python call, as a
hand-written one does. The inlined copy may be leaner than ``.source``: the seed's
products by scalars folded (``dout * z`` is ``z``), result copies (``dx = dadd``) read
through. Every name it defines is numbered (``compiled_0``, ``dtype_0``: a dtype's
character may be ``?``), and the user's parameters may not take them. It is compiled
from its text, a copy of which is in diffc's cache (``load.compile_cached``), so a
debugger shows its lines (they are the generated function's). If it cannot be built,
the object keeps the general call and the error is raised as diffc's bug.
"""
from __future__ import annotations

import ast
import builtins
import hashlib
import inspect

import numpy as np

from diffc.frontend import bindings
from diffc.backend import load
from diffc.core import signature
from diffc.errors import InternalError

_MAX_FAST = 4
_MAX_INLINED_LINES = 80
MISSING = object()
_RESERVED = {"self", "ndarray", "float", "complex", "int", "bool", "str", "type", "dict", "tuple",
             "_MISSING", "MISSING", "_cell", "_read", "getattr", "_v", "np"}
_PREFIXES = ("compiled_", "dtype_", "type_", "check_", "extras_", "guard_")


def _checks(name, value, namespace):
    """``ast`` conditions true exactly for arguments with ``value``'s signature, or None."""
    return _checks_of(ast.Name(name, ast.Load()), value, namespace)


def _constant_name(namespace, value, prefix):
    """The dispatcher's global name for ``value`` (``dtype_0``, ``dtype_1``...): numbered,
    so any value gets a valid name (``dtype.char`` is ``?`` for bool, ``V`` for every
    structured dtype), and the same object always the same one."""
    for name, known in namespace.items():
        if known is value and name.startswith(prefix):
            return name
    name = f"{prefix}{sum(1 for n in namespace if n.startswith(prefix))}"
    namespace[name] = value
    return name


def _checks_of(arg, value, namespace):
    t = type(value)

    def is_(left, right_name):
        return ast.Compare(left, [ast.Is()], [ast.Name(right_name, ast.Load())])

    def eq(left, const):
        return ast.Compare(left, [ast.Eq()], [ast.Constant(const)])

    type_of = ast.Call(ast.Name("type", ast.Load()), [arg], [])
    if t is np.ndarray:
        dtype = _constant_name(namespace, value.dtype, "dtype_")
        return [is_(type_of, "ndarray"),
                eq(ast.Attribute(arg, "shape", ast.Load()), value.shape),
                is_(ast.Attribute(arg, "dtype", ast.Load()), dtype)]
    if t in signature.FOREIGN:            # another library's array (a torch tensor)
        kind = _constant_name(namespace, t, "type_")
        dtype = _constant_name(namespace, value.dtype, "dtype_")
        return [is_(type_of, kind), eq(ast.Attribute(arg, "shape", ast.Load()), tuple(value.shape)),
                ast.Compare(ast.Attribute(arg, "dtype", ast.Load()), [ast.Eq()], [ast.Name(dtype, ast.Load())])]
    if t in (float, complex):
        return [is_(type_of, t.__name__)]
    if t in (int, bool, str):
        if t is int and value.bit_length() > _MAX_INT_BITS:
            return None         # printed, it could pass int's digit limit: the slow path checks it
        return [is_(type_of, t.__name__), eq(arg, value)]
    if value is None:
        return [ast.Compare(arg, [ast.Is()], [ast.Constant(None)])]
    if t is dict and all(type(k) is str for k in value) and len(value) <= _MAX_DICT:
        # the keys, in order (as the general path's signature has them), then each entry
        conditions = [is_(type_of, "dict"),
                      eq(ast.Call(ast.Name("tuple", ast.Load()), [arg], []), tuple(value))]
        for k, v in value.items():
            inner = _checks_of(ast.Subscript(arg, ast.Constant(k), ast.Load()), v, namespace)
            if inner is None:
                return None
            conditions += inner
        return conditions
    return None


_MAX_DICT = 16
_MAX_INT_BITS = 64


def install(gradient, params, specialised):
    """Give ``gradient`` (a ``GradientFunction``) a ``__call__`` for its compiled signatures.

    If the dispatcher cannot be built, the object keeps the general call (always right)
    for this and every later call, and the failure is raised: an ``OSError`` as it is
    (the cache directory), anything else as an ``InternalError`` (a bug in diffc)."""
    cls = type(gradient)
    if cls.__dict__.get("_diffc_dispatch_failed"):
        return
    try:
        text, namespace = _dispatcher(params, specialised, inline=True)
        if _shadowed(text, namespace):      # a local that Python would make of a global name
            text, namespace = _dispatcher(params, specialised, inline=False)
        code, _ = load.compile_cached(text, f"diffc_dispatch_{hashlib.sha256(text.encode()).hexdigest()[:16]}.py")
        exec(code, namespace)
        cls.__call__ = namespace["__call__"]
    except Exception as e:
        cls._diffc_dispatch_failed = True
        if "__call__" in cls.__dict__:
            del cls.__call__                 # the general call from now on
        if isinstance(e, OSError):
            raise
        raise InternalError(f"the fast-call dispatcher of {gradient!r} could not be built "
                            f"({type(e).__name__}: {e}); the gradient is computed without it") from e


def _dispatcher(params, specialised, inline):
    """The dispatcher's source text and the globals it runs with."""
    namespace = {"ndarray": np.ndarray, "float": float, "complex": complex, "int": int,
                 "bool": bool, "str": str, "type": type, "dict": dict, "tuple": tuple,
                 "_MISSING": MISSING, "np": np}
    body = []
    for i, (args, entry) in enumerate(list(specialised)[-_MAX_FAST:]):
        case = _case(i, args, entry, params, namespace, inline)
        if case is not None:
            body.append(case)
    slow = ast.Call(ast.Attribute(ast.Name("self", ast.Load()), "_slow_call", ast.Load()),
                    [ast.Name(p, ast.Load()) for p in params], [])
    body.append(ast.Return(slow))
    defaults = [ast.Name("_MISSING", ast.Load()) for _ in params]
    arguments = ast.arguments(posonlyargs=[], args=[ast.arg("self")] + [ast.arg(p) for p in params],
                              kwonlyargs=[], kw_defaults=[], defaults=defaults)
    module = ast.Module([ast.FunctionDef("__call__", arguments, body, [], None, lineno=1)], [])
    return ast.unparse(module) + "\n", namespace       # printed, then compiled: no locations needed


def _case(i, args, entry, params, namespace, inline):
    """``if <the arguments have this signature>: return compiled_i(...)`` for the i-th
    specialisation (its code inlined when ``inline``), or None when its signature cannot
    be checked inline."""
    fn = entry.fn

    def inlined(fn):
        return _inlined(fn, params) if inline else None

    conditions = []
    for name, value in zip(params, args):
        c = _checks(name, value, namespace)
        if c is None:
            return None
        conditions += c
    namespace[f"compiled_{i}"] = fn
    call = ast.Call(ast.Name(f"compiled_{i}", ast.Load()),
                    [ast.Name(p, ast.Load()) for p in params], [])
    test = ast.BoolOp(ast.And(), conditions) if len(conditions) > 1 else conditions[0]
    if entry.check is bindings.NOTHING:
        return ast.If(test, inlined(fn) or [ast.Return(call)], [])
    if not entry.check.free:
        # values compiled in from the running program: their guards join the tests
        guards = entry.check.bindings.conditions(namespace, f"guard_{i}_")
        test = ast.BoolOp(ast.And(), conditions + guards)
        return ast.If(test, inlined(fn) or [ast.Return(call)], [])
    # it read values from the running program: they must still hold (``bindings``)
    namespace[f"check_{i}"] = entry.check
    extras = ast.Name(f"extras_{i}", ast.Load())
    call.args.append(ast.Starred(extras, ast.Load()))
    return ast.If(test, [
        ast.Assign([ast.Name(f"extras_{i}", ast.Store())],
                   ast.Call(ast.Name(f"check_{i}", ast.Load()), [], []), lineno=1),
        ast.If(ast.Compare(extras, [ast.IsNot()], [ast.Constant(None)]), [ast.Return(call)], [])],
        [])


def _shadowed(text, namespace):
    """Whether an inlined body assigns a name the dispatcher reads as a global or builtin
    (Python would make it local to the whole ``__call__``, unbound in the other branches)."""
    names = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name)]
    stored = {n.id for n in names if not isinstance(n.ctx, ast.Load)}
    return bool(stored & (set(namespace) | _BUILTINS))


def _inlined(fn, params):
    """The statements of compiled ``fn`` to run in place of calling it, or None.

    Only for a function whose parameters are ``params`` and that reads no module-level
    name but ``np`` (a helper or a generated pair would have to come along)."""
    # set by ``GradientFunction._load`` (another namespace's function has only the second)
    source = getattr(fn, "diffc_inline_source", None) or fn.diffc_source
    if source is None or source.count("\n") > _MAX_INLINED_LINES:
        return None         # the saving is one call: it matters for small, scalar code
    fdef = next((n for n in ast.parse(source).body
                 if isinstance(n, ast.FunctionDef) and n.name == fn.__name__), None)
    if fdef is None or [a.arg for a in fdef.args.args] != list(params) or fdef.args.defaults:
        return None
    stored = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    loaded = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    local = stored | set(params)
    if (loaded - local) - {"np"} - _BUILTINS or (stored & _RESERVED) or \
            any(n.startswith(_PREFIXES) for n in stored):
        return None
    body = fdef.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return _without_copies(body) or None


def _without_copies(body):
    """Straight-line ``body`` without ``dx = dadd`` copies (the names the printed gradient
    gives its results): each read of ``dx`` reads ``dadd``. Only where both names are
    bound once (or ``dadd`` is a parameter never rebound); any other body is returned as
    it is. The dispatcher is not what a person reads: ``.source`` keeps the names."""
    if any(not isinstance(s, (ast.Assign, ast.Return, ast.Expr)) for s in body):
        return body
    bound = {}
    for node in ast.walk(ast.Module(body, [])):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound[node.id] = bound.get(node.id, 0) + 1
    copies = {}
    kept = []
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and isinstance(stmt.value, ast.Name) and bound[stmt.targets[0].id] == 1 \
                and bound.get(stmt.value.id, 0) <= 1:
            copies[stmt.targets[0].id] = copies.get(stmt.value.id, stmt.value.id)
            continue
        kept.append(stmt)
    if not copies:
        return body

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            if isinstance(node.ctx, ast.Load) and node.id in copies:
                return ast.copy_location(ast.Name(copies[node.id], ast.Load()), node)
            return node
    return [Rename().visit(s) for s in kept]


_BUILTINS = frozenset(dir(builtins))


def own_class(gradient):
    """Give the object a class of its own, so that its ``__call__`` is its own."""
    cls = type(gradient)
    gradient.__class__ = type(cls.__name__, (cls,), {"__module__": cls.__module__,
                                                     "__qualname__": cls.__qualname__})


def positional_params(fn):
    """The names a dispatcher can take (None when ``*args``/keyword-only make it unsafe)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    names = []
    for p in sig.parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) or p.name in _RESERVED \
                or p.name.startswith(_PREFIXES):
            return None
        names.append(p.name)
    return names
