"""Objects made inside the differentiated function: ``Dense(W1, b1)``, a model of layers
built from the parameters, a ``@dataclass`` or ``namedtuple`` of parameters.

A call of a class of the user's (``lower_objects.is_user_class``) makes, while compiling, a
fresh instance of it (``object.__new__``: no ``__init__`` of the user's runs) that stands for
the object the call makes when the function runs. Its ``__init__`` (found in the method
resolution order, as Python finds it; ``super().__init__(...)`` too) is inlined with
``self`` bound to it, so ``self.W = W`` makes ``W`` the object's attribute (``lower_objects``
keeps it); later methods, attribute reads and stores on it work as on an object passed in.
The object exists only while compiling: the generated code holds no object, it uses the
arrays the object's attributes are, and gradients flow through them as through local names
(the ``W`` given to ``Dense(W1, b1)`` is ``W1``).

A ``@dataclass``'s ``__init__`` has no source: its fields are assigned from the arguments
and defaults as the generated ``__init__`` assigns them, then ``__post_init__`` is inlined.
A ``namedtuple`` is a tuple of its fields (a ``Pack``) that knows its class: ``p.W`` reads a
field, ``p[0]`` and ``W, b = p`` work as on a tuple.

What cannot outlive the call is refused with its location: returning such an object,
storing it on an object passed in, handing it to a library function
(``lower_objects.escape``).
"""
from __future__ import annotations

import dataclasses
import inspect

from diffc.core.ir import Const, Pack, Var
from diffc.errors import UnsupportedSyntax
from diffc.frontend import lower_objects
from diffc.frontend.lower_inline import inline_call
from diffc.frontend.lower_scope import user_error
from diffc.frontend.lower_static import NeedsUnroll, lift
from diffc.frontend.source import from_function as source_from_function


def construct(scope, cls, args, kwargs, node, hint):
    """``cls(*args, **kwargs)`` in the function being lowered: the atom of the new object."""
    if not scope.top:       # a loop of known steps unrolls; elsewhere this is refused
        raise NeedsUnroll(node, f"making a {cls.__name__} object", f"make the {cls.__name__} "
                          "before it, or choose the arrays it is given with np.where")
    if lower_objects.is_namedtuple_class(cls):
        return _namedtuple(scope, cls, args, kwargs, node)
    obj = _fresh(scope, cls, node)
    atom = Const(obj)
    kind, init = lower_objects.member(cls, "__init__")
    if init is object.__init__:
        if args or kwargs:
            raise user_error(scope, node, TypeError(f"{cls.__name__}() takes no arguments"))
        return atom
    klass = lower_objects.defining_class(obj, "__init__")
    if dataclasses.is_dataclass(klass) and _generated(init):
        _dataclass_init(scope, obj, atom, klass, args, kwargs, node)
        return atom
    if not inspect.isfunction(init):
        raise UnsupportedSyntax(f"making a {cls.__name__} object is not supported: its "
                                "__init__ is not a Python function", scope.loc(node),
                                "make the object outside the function and pass it in")
    src = dataclasses.replace(source_from_function(init), defining_class=klass)
    inline_call(scope, src, (atom,) + tuple(args), kwargs, node, hint or cls.__name__, False)
    return atom


def _fresh(scope, cls, node):
    """The instance that stands for the object while compiling (its ``__init__`` not run)."""
    if cls.__new__ is not object.__new__:
        raise UnsupportedSyntax(f"making a {cls.__name__} object is not supported: its class "
                                "defines __new__", scope.loc(node),
                                "make the object outside the function and pass it in")
    try:
        obj = object.__new__(cls)
    except TypeError as e:          # an abstract class, as Python refuses it
        raise user_error(scope, node, TypeError(str(e))) from None
    if not hasattr(obj, "__dict__"):
        raise UnsupportedSyntax(f"making a {cls.__name__} object is not supported: its class "
                                "has __slots__", scope.loc(node),
                                "remove __slots__, or make the object outside the function "
                                "and pass it in")
    scope.state.made[id(obj)] = obj
    return obj


def _generated(init):
    """Whether ``init`` is one ``dataclasses`` wrote (it has no source file)."""
    code = getattr(init, "__code__", None)
    return code is not None and code.co_filename.startswith("<")


def _dataclass_init(scope, obj, atom, klass, args, kwargs, node):
    """A dataclass's own ``__init__``: each field from its argument or its default, then
    ``__post_init__`` with the ``InitVar``s."""
    signature = inspect.signature(klass)
    try:
        given = signature.bind(*args, **kwargs).arguments
    except TypeError as e:
        raise user_error(scope, node, TypeError(f"{klass.__name__}(): {e}")) from None
    regular = {f.name for f in dataclasses.fields(klass)}
    init_vars = {}
    for f in klass.__dataclass_fields__.values():
        if f.name not in regular and f.name not in signature.parameters:
            continue                  # a ClassVar
        if f.name in given:
            value = given[f.name]
        elif f.default is not dataclasses.MISSING:
            value = lift(f.default)
        elif f.default_factory is not dataclasses.MISSING:
            value = _from_factory(scope, klass, f, node)
        else:
            continue                  # init=False and no default: not set, as in Python
        if f.name in regular:
            scope.state.assigned.setdefault(id(obj), {})[f.name] = value
        else:
            init_vars[f.name] = value
    kind, post = lower_objects.member(obj, "__post_init__")
    if kind == "method":
        src = dataclasses.replace(source_from_function(post),
                                  defining_class=lower_objects.defining_class(obj, "__post_init__"))
        inline_call(scope, src, (atom,), init_vars, node, "__post_init__", False)


def _from_factory(scope, klass, f, node):
    """A field's ``default_factory()``, made while compiling: a container of numbers,
    strings and None (``field(default_factory=list)``); an array or an object it makes
    would be made at every call, so it is refused."""
    value = f.default_factory()
    if not _plain(value):
        raise UnsupportedSyntax(f"the default_factory of {klass.__name__}.{f.name} makes a "
                                f"{type(value).__name__}, which diffc cannot make while "
                                "compiling", scope.loc(node),
                                f"pass {f.name}=... to {klass.__name__}(...) in the function")
    return lift(value)


def _plain(value, depth=0):
    if isinstance(value, (list, tuple, set, dict)) and depth < 8:
        items = list(value.items()) if isinstance(value, dict) else list(value)
        return all(_plain(v, depth + 1) for v in items)
    return isinstance(value, (bool, int, float, complex, str, type(None)))


def _namedtuple(scope, cls, args, kwargs, node):
    """A namedtuple: the tuple of its fields, bound as its ``__new__`` binds them."""
    try:
        bound = inspect.signature(cls).bind(*args, **kwargs)
    except TypeError as e:
        raise user_error(scope, node, TypeError(f"{cls.__name__}(): {e}")) from None
    bound.apply_defaults()
    items = tuple(v if isinstance(v, (Var, Const, Pack)) else lift(v)
                  for v in (bound.arguments[f] for f in cls._fields))
    pack = Pack("tuple", items)
    scope.state.records[id(pack)] = (pack, cls)
    return pack


def record_field(scope, pack, node):
    """``p.W`` on a namedtuple made in the function: the field's atom; None when ``pack``
    is not one."""
    found = scope.state.records.get(id(pack))
    if found is None or found[0] is not pack:
        return None
    cls = found[1]
    if node.attr in cls._fields:
        return pack.items[cls._fields.index(node.attr)]
    if node.attr == "_fields":
        return lift(cls._fields)
    raise UnsupportedSyntax(f"{cls.__name__}.{node.attr} of a namedtuple made in the function "
                            "is not supported", scope.loc(node),
                            f"read its fields ({', '.join(cls._fields)}) and make a new "
                            f"{cls.__name__}(...) from them")
