"""Live bindings: what a run-time compile read from the running program.

``diffc.grad`` and the other run-time transforms compile from the source text, but the
names that text reads (module globals, closure variables, default values, methods found
through an object's class) are bound to the live objects of the running program, as
Python binds them at each call. Each such read is recorded here as one of:

* a **guard**: the value was made part of the compiled code (a number, a string, a
  function, a class). At each call the guard reads the name again and checks that it
  still holds the same value (numbers, strings: equal and of the same type; functions and
  other objects: the same object); when one fails, the call compiles again.
* a **free input**: an array (or a dict, list or tuple holding arrays) read from a free
  name. It is never baked in: the generated function takes it as an extra parameter,
  after the function's own, and each call reads the name again and passes its current
  value (its shape and dtype are part of the compiled signature, like an argument's).

``recording()`` collects the guards of one compile (nested compiles, such as a
``diffc.grad`` called inside the function, add theirs to the enclosing one);
``Bindings.checker()`` turns them into one small generated function that a call runs
first: it returns the free inputs' current values, or None when a guard fails.
"""
from __future__ import annotations

import ast
import contextlib
import contextvars
import os
from dataclasses import dataclass, field

import numpy as np

from diffc.core import signature

MISSING = object()

_SCALARS = (bool, int, float, complex, str, bytes, type(None))


@dataclass(frozen=True, eq=False)
class Fetch:
    """Where a free name's value lives, to read it again at a later call.

    ``kind``: ``"global"`` (``holder`` is a module's globals dict), ``"closure"`` (a
    closure cell), ``"attribute"`` (an object), ``"default"`` (a function: ``key`` indexes
    its ``__defaults__``), ``"kwdefault"`` (a function: ``key`` names a keyword-only
    default) or ``"class"`` (an object: its class).
    """
    kind: str
    holder: object
    key: object
    label: str            # what the user wrote: "SCALE", "self.reg", "the default of scale"

    def identity(self):
        return (self.kind, id(self.holder), self.key)

    def __eq__(self, other):
        return isinstance(other, Fetch) and self.identity() == other.identity()

    def __hash__(self):
        return hash(self.identity())

    def __deepcopy__(self, memo):
        # where a value lives, not the value: a copy of the IR reads the same cell or module
        return self

    def read(self):
        """The current value, or ``MISSING`` when the name is gone."""
        try:
            if self.kind == "global":
                return self.holder.get(self.key, MISSING)
            if self.kind == "closure":
                return self.holder.cell_contents
            if self.kind == "attribute":
                return getattr(self.holder, self.key, MISSING)
            if self.kind == "default":
                return (self.holder.__defaults__ or ())[self.key]
            if self.kind == "kwdefault":
                return (self.holder.__kwdefaults__ or {}).get(self.key, MISSING)
            if self.kind == "class":
                return type(self.holder)
        except (ValueError, IndexError):       # an emptied cell, fewer defaults
            return MISSING
        raise ValueError(f"unknown fetch kind {self.kind!r}")

    def expression(self, holder_name):
        """The ``ast`` expression reading this value from ``holder_name``."""
        holder = ast.Name(holder_name, ast.Load())
        missing = ast.Name("MISSING", ast.Load())
        if self.kind == "global":
            return ast.Call(ast.Attribute(holder, "get", ast.Load()),
                            [ast.Constant(self.key), missing], [])
        if self.kind == "closure":
            return ast.Call(ast.Name("_cell", ast.Load()), [holder], [])
        if self.kind == "attribute":
            return ast.Call(ast.Name("getattr", ast.Load()), [holder, ast.Constant(self.key), missing], [])
        if self.kind == "class":
            return ast.Call(ast.Name("type", ast.Load()), [holder], [])
        return ast.Call(ast.Name("_read", ast.Load()), [ast.Name(f"{holder_name}_fetch", ast.Load())], [])


@dataclass(frozen=True)
class Guard:
    """``fetch`` must still give ``expected``: equal (``"value"``), the same object
    (``"identity"``), or nothing at all (``"absent"``: a global that would shadow the
    builtin the compile used)."""
    fetch: Fetch
    test: str
    expected: object = None


@dataclass
class FreeInput:
    """An array read from a free name: the generated function's parameter ``var``."""
    fetch: Fetch
    var: object               # the ir.Var of the parameter
    value: object             # the value read while compiling


@dataclass
class Bindings:
    """The guards of one compile, in the order they were read."""
    guards: dict = field(default_factory=dict)     # (fetch identity, test) -> Guard
    baked: dict = field(default_factory=dict)      # read statically: "NAME (file)" -> literal

    def guard(self, fetch, test, expected=None):
        self.guards.setdefault((fetch.identity(), test), Guard(fetch, test, expected))

    def value(self, fetch, value):
        """A number, string, None or tuple of them, compiled in as a constant."""
        self.guard(fetch, "value", value)

    def same(self, fetch, value):
        """A function, class or other object the compile resolved."""
        self.guard(fetch, "identity", value)

    def absent(self, fetch):
        self.guard(fetch, "absent")

    def structure(self, fetch, value):
        """An object the compile looked inside (its class and attributes, recursively):
        the same object with the same signature (``core.signature``)."""
        self.guard(fetch, "identity", value)
        self.guard(fetch, "signature", signature.of(value))

    def bake(self, name, value, path):
        """A module-level literal read from the source text (the command line, which never
        runs the model): named in the generated module's header."""
        self.baked.setdefault(f"{name} ({os.path.basename(path)})", value)

    def merge(self, other):
        for key, guard in other.guards.items():
            self.guards.setdefault(key, guard)
        for key, value in other.baked.items():
            self.baked.setdefault(key, value)

    def conditions(self, namespace, prefix="g"):
        """``ast`` tests, true when every guard holds; the objects they read are put in
        ``namespace`` under names starting with ``prefix``."""
        namespace.update({"MISSING": MISSING, "_cell": _cell, "_read": Fetch.read,
                          "type": type, "getattr": getattr})
        tests = []
        for i, guard in enumerate(self.guards.values()):
            holder = f"{prefix}{i}"
            namespace[holder] = guard.fetch.holder
            namespace[f"{holder}_fetch"] = guard.fetch
            tests.append(_holds(guard, guard.fetch.expression(holder), f"{holder}_e", namespace))
        return tests

    def checker(self, free=()):
        """A function of no arguments: the current values of the free inputs ``free``
        (``FreeInput``s, in parameter order) when every guard holds and each free input
        still has the signature it was compiled for, else None."""
        if not self.guards and not free:
            return NOTHING
        namespace = {"_signature_of": _signature_of}
        body = []
        tests = self.conditions(namespace)
        if tests:
            test = ast.BoolOp(ast.And(), tests) if len(tests) > 1 else tests[0]
            body.append(ast.If(ast.UnaryOp(ast.Not(), test), [ast.Return(ast.Constant(None))], []))
        values = []
        for i, item in enumerate(free):
            holder, name = f"f{i}", f"v{i}"
            namespace[holder] = item.fetch.holder
            namespace[f"{holder}_fetch"] = item.fetch
            namespace[f"s{i}"] = _signature_of(item.value)
            body.append(ast.Assign([ast.Name(name, ast.Store())], item.fetch.expression(holder)))
            sig = ast.Call(ast.Name("_signature_of", ast.Load()), [ast.Name(name, ast.Load())], [])
            body.append(ast.If(ast.Compare(sig, [ast.NotEq()], [ast.Name(f"s{i}", ast.Load())]),
                               [ast.Return(ast.Constant(None))], []))
            values.append(ast.Name(name, ast.Load()))
        body.append(ast.Return(ast.Tuple(values, ast.Load())))
        fdef = ast.FunctionDef("bindings", ast.arguments([], [], None, [], [], None, []), body, [],
                               None, lineno=1)
        module = ast.fix_missing_locations(ast.Module([fdef], []))
        exec(compile(module, "<diffc bindings>", "exec"), namespace)
        check = namespace["bindings"]
        check.guards = tuple(self.guards.values())
        check.bindings = self
        check.free = tuple(free)
        return check


def _holds(guard, read, expected_name, namespace):
    """The ``ast`` test that is true while ``guard`` holds."""
    if guard.test == "absent":
        return ast.Compare(read, [ast.Is()], [ast.Name("MISSING", ast.Load())])
    namespace[expected_name] = guard.expected
    expected = ast.Name(expected_name, ast.Load())
    if guard.test == "identity":
        return ast.Compare(read, [ast.Is()], [expected])
    if guard.test == "signature":
        namespace["_signature_now"] = signature.of
        return ast.Compare(ast.Call(ast.Name("_signature_now", ast.Load()), [read], []),
                           [ast.Eq()], [expected])
    # a value: the same object (a NaN compiled in), or of the same type and equal
    namespace[expected_name + "_type"] = type(guard.expected)
    value = ast.Name("_v", ast.Store())
    return ast.BoolOp(ast.Or(), [
        ast.Compare(ast.NamedExpr(value, read), [ast.Is()], [expected]),
        ast.BoolOp(ast.And(), [
            ast.Compare(ast.Call(ast.Name("type", ast.Load()), [ast.Name("_v", ast.Load())], []),
                        [ast.Is()], [ast.Name(expected_name + "_type", ast.Load())]),
            ast.Compare(ast.Name("_v", ast.Load()), [ast.Eq()], [expected])])])


def _cell(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return MISSING


def _nothing():
    return ()


_nothing.guards = ()
NOTHING = _nothing     # the check of a compile that read nothing from the running program


def _signature_of(value):
    """What a compile specialised a free input to: its type and, for arrays, shape and
    dtype; containers by their structure (dict keys in order)."""
    t = type(value)
    if t is np.ndarray:
        return (t, value.shape, value.dtype.char)
    if t is dict:
        return (t, tuple(value), tuple(_signature_of(v) for v in value.values()))
    if t is list or t is tuple:
        return (t, tuple(_signature_of(v) for v in value))
    if t in (bool, int, str) or value is None:
        return (t, value)
    return t


def is_scalar_constant(value):
    """A value compiled in as a constant and guarded by equality."""
    if isinstance(value, _SCALARS) or isinstance(value, np.generic):
        return True
    return type(value) is tuple and all(is_scalar_constant(v) for v in value)


def holds_arrays(value):
    """An array (NumPy's or another library's), or a dict/list/tuple whose leaves are
    arrays or numbers (with one array at least): a free input, read at each call."""
    if isinstance(value, np.ndarray) or _is_other_array(value):
        return True
    if type(value) is dict:
        items = list(value.values())
    elif type(value) in (list, tuple):
        items = list(value)
    else:
        return False
    return any(holds_arrays(v) for v in items) and all(
        holds_arrays(v) or is_scalar_constant(v) for v in items)


def _is_other_array(value):
    """An array of another library: the standard's (``__array_namespace__``) or a tensor of
    a library array-api-compat serves (PyTorch's, JAX's, CuPy's, Dask's)."""
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, np.generic) and (
        hasattr(value, "__array_namespace__")
        or type(value).__module__.split(".")[0] in ("torch", "jax", "jaxlib", "cupy", "dask"))


_CURRENT = contextvars.ContextVar("diffc_bindings", default=None)


@contextlib.contextmanager
def recording():
    """Collect the guards of the compile run inside; a compile nested in another one adds
    its guards to the enclosing compile's too (the outer code depends on them)."""
    outer = _CURRENT.get()
    bindings = Bindings()
    token = _CURRENT.set(bindings)
    try:
        yield bindings
    finally:
        _CURRENT.reset(token)
        if outer is not None:
            outer.merge(bindings)


def current():
    """The ``Bindings`` being recorded, or a scratch one (a compile nobody guards: the
    command line, ``diffc.graph``, the tools)."""
    bindings = _CURRENT.get()
    return bindings if bindings is not None else Bindings()
