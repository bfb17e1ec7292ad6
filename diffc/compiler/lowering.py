"""The first stage of every compile: fence and lower a source function, check its example
arguments; and ``Compiled``, what a compile returns.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

import types

import numpy as np

from diffc.core import primitives
from diffc.core.ir import Eqn, walk
from diffc.errors import NonDifferentiableInput
from diffc.frontend import fence
from diffc.frontend.lower import lower_function


@dataclass
class Compiled:
    """One compiled gradient: its generated source, function name and IR stages."""
    name: str
    function_def: ast.FunctionDef
    helpers: set
    stages: dict = field(default_factory=dict)
    functions: list = field(default_factory=list)    # generated forward/backward pairs
    free: tuple = ()          # bindings.FreeInput: the trailing parameters read at each call
    # the ``def`` the fast-call dispatcher inlines, when it differs from ``function_def`` (a
    # small gradient with the seed's products by scalars folded), else None
    fast_def: ast.FunctionDef | None = None
    # the modules of the users' rules the code calls (the generated module imports them)
    user_modules: set = field(default_factory=set)
    # for the array-API form, by pair name: ``(arguments of array_namespace, Python-number
    # names, list and dict names, statement index)`` from the example values (``call_pairs``), or None
    pair_namespaces: dict = field(default_factory=dict)


def user_modules(func):
    """The modules of the users' rules that IR ``func`` calls."""
    return {primitives.get(s.prim).call_path[0] for s in walk(func.body)
            if isinstance(s, Eqn) and primitives.get(s.prim).call_path}


def lower(src, calls=False, facts=None, args=None, instance=None, preread=()):
    """Fence and lower a ``SourceFunction`` (``calls``: keep calls whole, see ``lower``);
    with example ``args``, ``facts`` records their values as lowering makes each line
    (a method's: those after ``self``, and ``instance`` the object)."""
    fence.check(src)
    return lower_function(src, method=src.method, calls=calls, facts=facts, args=args,
                          instance=instance, preread=preread)


class LayoutChanged(Exception):
    """A method read other attributes of its object than those its inputs were gathered
    for (its static values decided other branches): gather them again and compile."""

    def __init__(self, attributes):
        super().__init__(attributes)
        self.attributes = attributes


def lower_with_examples(src, facts, args, instance=None, calls=True):
    """Lower ``src`` with its example ``args`` (a method's: its attributes' values, in the
    order of ``args.attributes``, then its own arguments; ``instance`` the object)."""
    if args is None or (src.method and instance is None):
        func = lower(src, calls=calls)
        if args is not None:              # no object: the example values run afterwards
            facts.run_function(func, with_free(func, args))
        return func
    if not src.method:
        return lower(src, calls=calls, facts=facts, args=args)
    expected = tuple(getattr(args, "attributes", ()))
    func = lower(src, calls=calls, facts=facts, args=args[len(expected):], instance=instance,
                 preread=expected)
    if tuple(func.attributes) != expected:
        raise LayoutChanged(tuple(func.attributes))
    return func


def with_free(func, args):
    """The example arguments of lowered ``func``: ``args`` and then the values its free
    inputs had when it was lowered."""
    return tuple(args) + tuple(f.value for f in func.free)


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def check_args(src, wrt, args, names=None):
    """Every differentiated argument holds floats (a located error otherwise), checked
    before anything runs on the examples. ``names``: the compiled function's parameter
    names (default: the function's own, for a function that is not a method)."""
    if names is None:
        a = src.node.args
        names = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
        if a.vararg or a.kwarg:
            names = list(src.live_parameters())
        if src.method:      # self's attributes read, then the parameters after self
            attributes = getattr(args, "attributes", None)
            if attributes is None:
                return      # not known before lowering: checked by the caller
            names = list(attributes) + names[1:]
    check_values(src, names, wrt, args)


class MethodExamples(tuple):
    """A method's example inputs: the values of the attributes it reads (``attributes``,
    in that order), then its own arguments."""

    def __new__(cls, items, attributes):
        out = super().__new__(cls, items)
        out.attributes = tuple(attributes)
        return out


def check_values(src, names, wrt, args):
    """Every differentiated argument holds floats: a located error naming ``names[i]``
    otherwise."""
    for i in wrt:
        bad = [leaf for leaf in _leaves(args[i]) if not _is_float_leaf(leaf)]
        if not bad:
            continue
        value = bad[0]
        dtype = getattr(value, "dtype", None)
        is_int = isinstance(value, (bool, int, np.integer, np.bool_)) or \
            (dtype is not None and _kind(dtype) in "biu")
        if is_int or (dtype is None and not isinstance(value, (float, complex, np.floating))):
            param = names[i]
            what = _kind_of(value)
            hint = f"pass {param} as floats (e.g. np.asarray({param}, dtype=float)), " \
                f"or leave it out of wrt"
            if hasattr(value, "__dict__") and not isinstance(value, (type, types.FunctionType)):
                hint = (f"leave {param} out of wrt and differentiate with respect to the arrays "
                        f"its objects hold: keep them in a dict or list of arrays (an argument "
                        f"or an attribute) that the objects read, and name that in wrt")
            raise NonDifferentiableInput(
                f"cannot differentiate with respect to {param!r}: it is {what}",
                src.loc(src.node.args.args[i] if i < len(src.node.args.args) else src.node), hint)


def _kind_of(value):
    """``the integer 5``, ``an integer array (int64)``, ``the bool True``, ``a str``."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and np.ndim(value) > 0:
        return f"an integer array ({dtype})" if _kind(dtype) in "iu" else f"a {dtype} array"
    if isinstance(value, (bool, np.bool_)):
        return f"the bool {bool(value)}"
    if isinstance(value, (int, np.integer)):
        return f"the integer {int(value)}"
    return f"a {type(value).__name__}"


def _is_float_leaf(value):
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return _kind(dtype) in "fc"
    return isinstance(value, (float, complex))


def _kind(dtype):
    """NumPy's kind letter of a dtype, also of another library's (``torch.int64``: ``i``)."""
    kind = getattr(dtype, "kind", None)
    if isinstance(kind, str):
        return kind
    try:
        return np.dtype(str(dtype).rsplit(".", 1)[-1]).kind
    except TypeError:
        return "O"
