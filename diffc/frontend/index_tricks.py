"""``np.r_[...]`` and ``np.c_[...]``: written as the NumPy calls they stand for.

NumPy builds these from their items: a slice ``start:stop:step`` is
``np.arange(start, stop, step)`` (a complex step ``n*1j`` asks for ``n`` points of
``np.linspace``), every other item an array; ``r_`` makes each at least 1-D and joins
them along the first axis, ``c_`` makes each at least 2-D with a 1-D item as a column
and joins them along the last axis. ``rewrite`` gives that expression as ``ast`` nodes
located at the user's subscript, for lowering to read as if the user had written it::

    np.r_[x, c, 1:10]  ->  np.concatenate([np.atleast_1d(x), np.atleast_1d(c), np.arange(1, 10)], axis=0)
    np.c_[x, 0:3]      ->  np.concatenate([np.transpose(np.atleast_2d(np.transpose(x))),
                                           np.reshape(np.arange(0, 3), (-1, 1))], axis=-1)

(``transpose(atleast_2d(transpose(v)))`` is ``v`` as a column when 1-D, ``v`` itself
when 2-D or more.) The string directives (``np.r_['0,2', ...]``) are refused.
"""
from __future__ import annotations

import ast
import copy

from diffc.errors import UnsupportedSyntax

_TRICKS = {"numpy.r_": 0, "numpy.c_": -1}       # the axis each joins along


def is_index_trick(node):
    """Whether subscript ``node`` may be ``np.r_[...]``/``np.c_[...]`` (its base is
    ``<module>.r_`` or ``<module>.c_``; the caller checks the module is NumPy)."""
    return isinstance(node.value, ast.Attribute) and node.value.attr in ("r_", "c_")


def rewrite(node, base, loc):
    """The call ``np.r_[...]``/``np.c_[...]`` (subscript ``node``) stands for, or None
    when ``base`` (what ``node.value`` resolved to) is not one of them. ``loc(node)``
    locates an error."""
    qualname = getattr(base, "qualname", None)
    if qualname not in _TRICKS:
        return None
    numpy = node.value.value                     # the user's own name for NumPy
    items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    parts = [_item(numpy, item, qualname, loc) for item in items]
    call = _call(numpy, "concatenate", [ast.List(parts, ast.Load())],
                 axis=ast.Constant(_TRICKS[qualname]))
    return ast.fix_missing_locations(ast.copy_location(call, node))


def _item(numpy, item, qualname, loc):
    if isinstance(item, ast.Constant) and isinstance(item.value, str):
        raise UnsupportedSyntax(
            f"the string directive {item.value!r} of {qualname.replace('numpy.', 'np.')}[...] "
            "is not supported", loc(item),
            "write the np.concatenate / np.stack call it stands for")
    if isinstance(item, ast.Slice):             # a 1-D range: as it is, or as a column
        points = _slice(numpy, item, qualname, loc)
        if qualname == "numpy.r_":
            return points
        column = ast.Tuple([ast.UnaryOp(ast.USub(), ast.Constant(1)), ast.Constant(1)], ast.Load())
        return _call(numpy, "reshape", [points, column])
    value = item
    if qualname == "numpy.r_":
        return _call(numpy, "atleast_1d", [value])
    column = _call(numpy, "atleast_2d", [_call(numpy, "transpose", [value])])
    return _call(numpy, "transpose", [column])


def _slice(numpy, item, qualname, loc):
    """``start:stop:step`` as ``np.arange``, or ``np.linspace`` for a complex step."""
    if item.upper is None:
        raise UnsupportedSyntax(f"a slice without an end in {qualname.replace('numpy.', 'np.')}[...] "
                                "has no length", loc(item), "give the slice its end: 0:n")
    start = item.lower if item.lower is not None else ast.Constant(0)
    step = item.step
    if isinstance(step, ast.Constant) and isinstance(step.value, complex):
        count = ast.Constant(int(abs(step.value)))
        return _call(numpy, "linspace", [start, item.upper, count])
    if step is not None and not isinstance(step, ast.Constant):
        raise UnsupportedSyntax(f"the step of a slice in {qualname.replace('numpy.', 'np.')}[...] "
                                "must be a number written there", loc(step),
                                "write the np.arange(start, stop, step) it stands for")
    return _call(numpy, "arange", [start, item.upper] + ([step] if step is not None else []))


def _call(numpy, name, args, **keywords):
    func = ast.Attribute(_copy(numpy), name, ast.Load())
    return ast.Call(func, args, [ast.keyword(k, v) for k, v in keywords.items()])


def _copy(node):
    return copy.deepcopy(node)
