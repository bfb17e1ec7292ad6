"""Lowering of objects the differentiated code reaches: layers, cost strategies, callables.

An object passed in (an argument, an attribute of ``self``, an item of a list of layers)
is a value of the compiled function like any other; its class is fixed for the compile
(the call's signature holds each object's class and attributes, see ``api.gradients``),
so what ``layer.forward`` or ``self.cost.fn`` *is* is known while lowering:

* a method of its class (found in method resolution order, as Python finds it): its body
  is inlined with ``self`` bound to the object;
* a static method, a function or class stored on it, a property's getter: likewise;
* an attribute holding a value: read in the generated code (``getattr(layer, 'W')``); an
  array that is also an entry of an input (a layer's weight that is ``params['W1']``) is
  that entry, so that its gradient reaches the input (the signature marks the sharing, and
  a call where it no longer holds compiles again);
* an assignment ``self.mask = x <= 0`` on such an object is made in the generated code, as
  Python makes it, and later reads in the same call see the value assigned.
"""
from __future__ import annotations

import inspect
import random
import types

import numpy as np

from diffc.core.ir import Const, Eqn, Pack, Var
from diffc.errors import UnsupportedSyntax
from diffc.frontend import static
from diffc.frontend.lower_static import NeedsUnroll


def is_object(value):
    """An instance of a class of the user's (attributes in ``__dict__``); not a NumPy
    function (``np.sum`` is an instance of NumPy's dispatcher class)."""
    return hasattr(value, "__dict__") and not isinstance(
        value, (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                types.ModuleType, np.ufunc, np.ndarray, dict, list, tuple, set, random.Random)) \
        and not (callable(value) and (type(value).__module__ or "").split(".")[0] == "numpy")


def reaches_object(scope, atom):
    """The object or class ``atom`` holds, when the compile knows it; else None."""
    if not isinstance(atom, (Var, Const)):
        return None
    value = static.example(scope, atom)
    if value is static.UNKNOWN:
        return None
    if is_object(value) or (isinstance(value, type) and value.__module__ not in ("builtins", "numpy")):
        return value
    return None


def member(obj, name, after=None):
    """``("method"|"static"|"property"|"value", found)``: what ``obj.name`` is (``after``:
    a class of its MRO, for ``super().name`` in a method that class defines)."""
    cls = obj if isinstance(obj, type) else type(obj)
    if after is None and not isinstance(obj, type) and name in vars(obj):
        return "value", vars(obj)[name]
    mro = cls.__mro__
    if after is not None:
        mro = mro[mro.index(after) + 1:] if after in mro else ()
    for klass in mro:
        if name in vars(klass):
            found = vars(klass)[name]
            if isinstance(found, staticmethod):
                return "static", found.__func__
            if isinstance(found, classmethod):
                return "classmethod", found.__func__
            if isinstance(found, property):
                return "property", found.fget
            if inspect.isfunction(found):
                return ("static" if isinstance(obj, type) else "method"), found
            return "value", found
    return "missing", None


def defining_class(obj, name):
    """The class of ``obj``'s MRO whose body defines ``name``."""
    for klass in type(obj).__mro__:
        if name in vars(klass):
            return klass
    return None


class Super:
    """``super()`` in a method of class ``klass`` called on ``self_atom`` (object ``obj``)."""

    def __init__(self, self_atom, obj, klass):
        self.self_atom, self.obj, self.klass = self_atom, obj, klass


class State:
    """Attributes assigned on objects during the call being lowered: ``id(obj) -> {name:
    atom}`` (reads see them, as in Python)."""

    def __init__(self):
        self.assigned = {}
        self.leaves = {}         # id(array) -> the input atom it is (see ``alias``)
        self.inputs = set()      # ids of the compiled function's parameters' atoms
        self.generators = {}     # id(atom) -> the random generator an object's attribute holds

    def read(self, obj, name):
        return self.assigned.get(id(obj), {}).get(name)


def register_leaves(state, atom, value):
    """Remember every array of input ``atom`` (nested in dicts, lists, tuples) by identity,
    with its path from ``atom``."""
    stack = [(value, ())]
    while stack:
        v, path = stack.pop()
        if isinstance(v, (np.ndarray, dict, list)) or isinstance(v, tuple) and v:
            state.leaves.setdefault(id(v), (atom, path))   # a dict an object also holds, too
        if isinstance(v, dict):
            stack.extend((x, path + (k,)) for k, x in v.items())
        elif isinstance(v, (list, tuple)):
            stack.extend((x, path + (i,)) for i, x in enumerate(v))


def alias(state, value, getitem):
    """The input atom an array (or a dict, list or tuple of them) read from an object is,
    lowered (``getitem``), or None: ``store.d`` that is the ``params`` dict the call is given."""
    shared = isinstance(value, (np.ndarray, dict, list)) or isinstance(value, tuple) and value
    found = state.leaves.get(id(value)) if shared else None
    if found is None:
        return None
    atom, path = found
    for key in path:
        atom = getitem(atom, Const(key))
    return atom


def store(scope, record, obj_atom, obj, name, value, node):
    """``obj.name = value``: made in the generated code, and seen by later reads."""
    if not scope.top:
        raise NeedsUnroll(node)
    if isinstance(obj, type):
        raise UnsupportedSyntax("assigning to an attribute of a class is not supported",
                                scope.loc(node), "keep per-call values on the object or in locals")
    scope.state.assigned.setdefault(id(obj), {})[name] = value
    record(scope, Eqn((), "store_attribute", (obj_atom, Const(name), value), {}, scope.loc(node)))


def is_plain_container(value):
    return isinstance(value, (dict, list, tuple, Pack))
