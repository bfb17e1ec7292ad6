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
  Python makes it, and later reads in the same call see the value assigned;
* so is an assignment into a dict the call is given (``bn_param['running_mean'] = m``,
  ``self.dropout_param['mode'] = mode``): the generated code writes into the caller's dict,
  as Python does, and later reads of that dict in the same call (``d[k]``, ``d.get(k)``,
  ``k in d``, ``d.items()``) see the entry.

Compiling makes none of these stores (the compile reads the objects as the call finds
them); each call of the generated code makes them, in program order.
"""
from __future__ import annotations

import ast
import enum
import inspect
import os
import random
import sysconfig
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


_LIBRARY_DIRS = tuple(os.path.realpath(sysconfig.get_paths()[k]) + os.sep
                      for k in ("stdlib", "platstdlib", "purelib", "platlib"))


def is_user_class(value):
    """A class of the user's (not an exception or an enumeration; not a library's or the
    standard library's): a call of it makes an object in the function (``lower_construct``)."""
    if not isinstance(value, type) or issubclass(value, (BaseException, enum.Enum)):
        return False
    module = inspect.getmodule(value)
    if module is None or value.__module__.split(".")[0] in ("builtins", "diffc"):
        return False
    path = getattr(module, "__file__", None)
    return path is None or not os.path.realpath(path).startswith(_LIBRARY_DIRS)


def is_namedtuple_class(cls):
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


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


# among a method's attributes read (``Function.attributes``), the object itself: the
# compiled function's parameter ``self``, which the stores a method makes on it need
SELF = "self"


def attribute_value(obj, name):
    """The value of attribute input ``name`` of ``obj`` (``SELF``: the object)."""
    return obj if name == SELF else getattr(obj, name)


class State:
    """Attributes assigned on objects during the call being lowered: ``id(obj) -> {name:
    atom}`` (reads see them, as in Python)."""

    def __init__(self):
        self.assigned = {}
        self.entries = {}        # id(dict) -> (the dict, {key: atom}) assigned in this call
        self.holders = {}        # id(obj) -> (obj, its atom): objects assigned to
        self.read_first = set()  # (id(obj), name) or id(dict): read from the live value
        self.stored = set()      # the same, for what this call assigns
        self.stored_after_read = False   # a store whose target was read before it
        self.leaves = {}         # id(array) -> the input atom it is (see ``alias``)
        self.inputs = set()      # ids of the compiled function's parameters' atoms
        self.made = {}           # id -> an object made in the function (``lower_construct``)
        self.records = {}        # id(Pack) -> (the Pack, its class): a namedtuple made here
        self.envs = []           # the names of every frame lowered in this call
        self.generators = {}     # id(atom) -> the random generator an object's attribute holds

    def read(self, obj, name):
        return self.assigned.get(id(obj), {}).get(name)

    def stores(self):
        """What ``restore`` takes back to: the stores lowered so far."""
        return ({k: dict(v) for k, v in self.assigned.items()},
                {k: (c, dict(e)) for k, (c, e) in self.entries.items()}, dict(self.holders))

    def restore(self, stores):
        """Forget the stores lowered since ``stores()`` (code lowered again, another way)."""
        self.assigned, self.entries, self.holders = stores

    def was_read(self, obj, name=None):
        """The compiled code reads ``obj.name`` (``name`` None: the dict ``obj``) as the
        call finds it."""
        self.read_first.add(id(obj) if name is None else (id(obj), name))

    def will_store(self, obj, name=None):
        key = id(obj) if name is None else (id(obj), name)
        if key in self.read_first or (name is not None and id(obj) in self.read_first):
            self.stored_after_read = True
        self.stored.add(key)

    def stores_first(self):
        """None without stores; True when no store's target was read before it in the
        compiled code: the values the call leaves there do not change what the code
        does, so the state after a call may use the same code (``api.gradients``)."""
        if not self.stored:
            return None
        return not self.stored_after_read

    def written(self, container):
        """``{key: atom}``: the entries this call assigned in the live dict ``container``."""
        found = self.entries.get(id(container))
        return found[1] if found is not None and found[0] is container else {}


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
        raise NeedsUnroll(node, store=True)
    if isinstance(obj, type):
        raise UnsupportedSyntax("assigning to an attribute of a class is not supported",
                                scope.loc(node), "keep per-call values on the object or in locals")
    scope.state.will_store(obj, name)
    scope.state.assigned.setdefault(id(obj), {})[name] = value
    scope.state.holders[id(obj)] = (obj, obj_atom)
    if scope.state.made.get(id(obj)) is obj:    # made in the function: its attributes are
        return                                  # atoms of the compile, nothing to run
    record(scope, Eqn((), "store_attribute", (obj_atom, Const(name), value), {}, scope.loc(node)))


def holders(state, atom):
    """``[(obj, obj_atom, name)]``: the attributes assigned ``atom`` (a list or dict made
    here) in this call, which a change of the container assigns again."""
    if not isinstance(atom, Pack):
        return []
    return [(state.holders[key][0], state.holders[key][1], name)
            for key, names in state.assigned.items() for name, value in names.items()
            if value is atom and key in state.holders]


def store_entry(scope, record, container_atom, container, key, value, node):
    """``d[key] = value`` into a dict the call is given (``container``, its live value):
    made in the generated code, and seen by later reads of the dict in this call."""
    if not scope.top:
        raise NeedsUnroll(node, store=True)
    scope.state.will_store(container)
    scope.state.entries.setdefault(id(container), (container, {}))[1][key] = value
    record(scope, Eqn((), "store_item", (container_atom, Const(key), value), {}, scope.loc(node)))


def is_plain_container(value):
    return isinstance(value, (dict, list, tuple, Pack))


def escape(scope, atom, loc, what):
    """Refuse ``atom`` when it holds an object made in the function (``what``: where it
    would go, e.g. "returned")."""
    obj = _made_in(scope, atom)
    if obj is None:
        return
    name = type(obj).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    verb = "return" if what == "returned" else "pass"
    raise UnsupportedSyntax(
        f"{article} {name} object made in the function cannot be {what}: it exists only "
        "while diffc compiles, as the arrays its attributes hold", loc,
        f"{verb} the arrays it holds (its attribute {_an_attribute(scope, obj)}) instead of "
        f"the object, or make the {name} outside the function and pass it in")


def _made_in(scope, atom):
    state = scope.state
    stack = [atom]
    while stack:
        a = stack.pop()
        if isinstance(a, Const) and id(a.value) in state.made and state.made[id(a.value)] is a.value:
            return a.value
        if isinstance(a, Pack):
            found = state.records.get(id(a))
            if found is not None and found[0] is a:
                return found[1]._make(range(len(a.items)))
            stack.extend(a.items)
    return None


def _an_attribute(scope, obj):
    names = list(scope.state.assigned.get(id(obj), {})) or list(getattr(type(obj), "_fields", ()))
    return names[0] if names else "W"


def escape_in(scope, eqn):
    """Refuse an equation of the generated code that would hold an object made in the
    function (``lower_construct``): storing it on an object that outlives the call, or
    passing it to a library function."""
    if not scope.state.made and not scope.state.records:
        return
    what = "stored on an object that outlives the call" if eqn.prim == "store_attribute" \
        else f"passed to {eqn.prim}()"
    for atom in list(eqn.args) + list(eqn.kwargs.values()):
        escape(scope, atom, eqn.loc, what)


def made_attribute(scope, node):
    """``(obj, name)`` when ``node`` is ``name.attr`` of an object made in the function
    (``lower_construct``), whose list attribute a method may then change; else None."""
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
        return None
    atom = scope.env.get(node.value.id)
    obj = atom.value if isinstance(atom, Const) else None
    return (obj, node.attr) if obj is not None and scope.state.made.get(id(obj)) is obj else None


def rebind_attribute(scope, made, old, new, node):
    """The object's attribute, and every local name and attribute of an object made in the
    function that held the same container, now hold ``new`` (as they share it in Python)."""
    if not scope.top:
        raise NeedsUnroll(node)
    obj, name = made
    scope.state.assigned.setdefault(id(obj), {})[name] = new
    for attrs in scope.state.assigned.values():
        for key, atom in list(attrs.items()):
            if atom is old:
                attrs[key] = new
    for env in scope.state.envs:          # the callers' frames too: `layers = net.layers`
        for key, atom in list(env.items()):
            if atom is old:
                env[key] = new
