"""What lowering works in: the ``Scope`` (names bound so far, the equations made, the example
arguments' facts) and what a name can stand for besides an atom (``ir.Var``, ``Const``,
``Pack``): a module or library function (``Ref``), a function of the user's to inline
(``UserFunction``, ``NestedFunction``), a diffc transform (``TransformCall``), an array
method awaiting its call (``Method``), the ``self`` of a differentiated method (``SelfRef``).
``user_error`` makes an exception the user's code raises on the example arguments theirs.
"""
from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass

from diffc.frontend import lower_objects
from diffc.errors import mark_user_code
from diffc.core.naming import Namer
from diffc.frontend.source import SourceFunction, from_function as source_from_function, static_mro


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
        self.call_stack = ()         # the user's functions being inlined: (file, line) each
        self.state = lower_objects.State()   # objects' attributes assigned in this call
        self.state.envs.append(self.env)

    def loc(self, node):
        return self.fn.loc(node)


SELF = lower_objects.SELF     # the input that is the object itself, among its attributes


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
        if self.state is not None and self.instance is not None:
            stored = self.state.read(self.instance, name)
            if stored is not None:          # assigned earlier in this call
                return stored
            self.state.was_read(self.instance, name)
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

    def itself(self):
        """The object as an input of the compiled function (named ``self``), for the
        stores the method makes on it: the object the call is given, the live one."""
        if SELF not in self.attrs:
            self.attrs[SELF] = var = self.namer.var("self")
            if self.state is not None:
                self.state.inputs.add(id(var))
            if self.facts is not None and self.instance is not None:
                self.facts.bind_param(var, self.instance)
        return self.attrs[SELF]

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


def user_error(scope, stmt, error):
    """``error`` as the user's code raises it (marked as theirs), with a note of where."""
    loc = scope.loc(stmt)
    mark_user_code(error)
    notes = getattr(error, "__notes__", None)
    if isinstance(notes, list):
        notes.append(f"raised at {loc.file}:{loc.line} on the example arguments diffc compiled for")
    return error
