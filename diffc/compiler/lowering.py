"""The first stage of every compile: fence and lower a source function, check its example
arguments; and ``Compiled``, what a compile returns.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

import numpy as np

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


def lower(src, calls=False):
    """Fence and lower a ``SourceFunction`` (``calls``: keep calls whole, see ``lower``)."""
    fence.check(src)
    func = lower_function(src, method=src.method, calls=calls)
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


def check_args(src, func, wrt, args):
    """Every differentiated argument must hold floats (a located error otherwise)."""
    for i in wrt:
        bad = [leaf for leaf in _leaves(args[i]) if not _is_float_leaf(leaf)]
        if not bad:
            continue
        value = bad[0]
        dtype = getattr(value, "dtype", None)
        is_int = isinstance(value, (bool, int, np.integer, np.bool_)) or \
            (dtype is not None and dtype.kind in "biu")
        if is_int or (dtype is None and not isinstance(value, (float, complex, np.floating))):
            param = func.params[i].name
            what = f"an integer {type(value).__name__}" if is_int else f"a {type(value).__name__}"
            raise NonDifferentiableInput(
                f"cannot differentiate with respect to {param!r}: it is {what}",
                src.loc(src.node.args.args[i] if i < len(src.node.args.args) else src.node),
                f"pass {param} as floats (e.g. np.asarray({param}, dtype=float)), "
                f"or leave it out of wrt")


def _is_float_leaf(value):
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return dtype.kind in "fc"
    return isinstance(value, (float, complex))
