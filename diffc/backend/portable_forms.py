"""NumPy functions the array API standard has no function for, written with what it has
(for ``portable``): ``np.outer(a, b)`` as a column times a row, ``np.ravel(a)`` and
``np.squeeze(a)`` (no axis) as reshapes, ``np.copy(a)`` as ``asarray(a, copy=True)`` and ``np.split(a, points, axis=k)``
(the gradient of a concatenation, cut where ``split_points`` says) as ``split_along(a,
points, k)``, the slices between the points; ``np.dot``, ``np.hstack``, ``np.vstack``,
``np.swapaxes`` and ``np.nan_to_num(x)`` as calls of ``numpy_dot``..., which do what NumPy's do with the
standard's functions (the primitives' ``array_api_form``, defined in the module); ``np.linalg.norm`` without
``ord``, where the namespace has no ``norm``, as ``vector_norm`` (the 2-norm of the entries);
``np.zeros_like`` of a list of arrays as zeros like their stack, the array NumPy makes;
``np.tri`` as ``tril`` of ones; ``np.pad`` with one constant as ``numpy_pad``; for PyTorch's ``index_put_``, a name that may hold a slice as
the positions it reads (``positions``); NumPy's array methods as functions (``method``). And
the small constructors of the rewritten code (``xp.name``, calls).
"""
from __future__ import annotations

import ast
import functools

from diffc.core import primitives


def name(n):
    return ast.Name(n, ast.Load())


def attr(value, attribute):
    return ast.Attribute(value, attribute, ast.Load())


def call(func, args, keywords=()):
    return ast.Call(func, list(args), list(keywords))


def xp(attribute):
    return attr(name("xp"), attribute)


def special(rewrite, path, e, args, keywords):
    """The rewritten form of call ``e`` of ``np.<path>`` (its arguments rewritten: ``args``
    and ``keywords``) when it is one of these; None otherwise."""
    if path in ("outer", "squeeze", "ravel", "copy") and not keywords:
        return _reshaped(rewrite, path, e, args)
    if path == "zeros_like" and isinstance(e.args[0], ast.List) and e.args[0].elts \
            and not any(rewrite.scalars.is_scalar(v) for v in e.args[0].elts):
        # the gradient of an item of a list of arrays (``[b, b.T][i]``): NumPy's array of them
        return call(xp("zeros_like"), [call(xp("stack"), [args[0]])], keywords)
    if path == "linalg.norm" and len(args) == 1 and all(k.arg in ("axis", "keepdims") for k in keywords) \
            and not hasattr(getattr(rewrite.target.namespace, "linalg", None), "norm"):
        # without ``ord``: the 2-norm of the entries (over ``axis``), the standard's vector_norm
        return call(attr(xp("linalg"), "vector_norm"), args, keywords)
    if path == "tri" and len(args) <= 4 and all(k.arg in ("M", "k", "dtype") for k in keywords):
        # ones on and below the k-th diagonal (a causal mask): the standard's tril of ones
        given = dict(zip(("N", "M", "k", "dtype"), args), **{k.arg: k.value for k in keywords})
        given = {k: v for k, v in given.items() if not (isinstance(v, ast.Constant) and v.value is None)}
        rows, columns = given["N"], given.get("M", given["N"])
        dtype = given.get("dtype", xp(rewrite.target.precision))
        ones = call(xp("ones"), [ast.Tuple([rows, columns], ast.Load())], [ast.keyword("dtype", dtype)])
        return call(xp("tril"), [ones], [ast.keyword("k", given["k"])] if "k" in given else [])
    forms = _forms()
    if path == "pad" and path in forms:
        return _pad(rewrite, e, args, keywords, forms[path])
    if path == "split" and path in forms and len(args) in (2, 3) and all(k.arg == "axis" for k in keywords):
        axis = args[2] if len(args) == 3 else keywords[0].value if keywords else ast.Constant(0)
        return call(name(forms[path]), [args[0], args[1], axis])
    if path in forms and path != "split" and len(args) == len(primitives.get(forms[path]).params) and not keywords:
        # (a number made an array where an array is taken: dot's two operands, the others' first)
        return call(name(forms[path]), [rewrite._array(a, original) if k == 0 or path == "dot" else a
                                        for k, (a, original) in enumerate(zip(args, e.args))])
    return None


def _reshaped(rewrite, path, e, args):
    """``np.outer``, ``np.squeeze`` (no axis), ``np.ravel`` and ``np.copy`` with the
    standard's reshape and asarray; None for other arguments."""
    if path == "outer" and len(args) == 2:     # each flattened: a column times a row
        column, row = (call(xp("reshape"), [a, ast.Tuple([ast.Constant(m), ast.Constant(n)], ast.Load())])
                       for a, (m, n) in zip(args, ((-1, 1), (1, -1))))
        return ast.BinOp(column, ast.Mult(), row)
    if path == "squeeze" and len(args) == 1 and isinstance(args[0], ast.Name):
        # every axis of size 1 (the standard's squeeze names them): the other sizes kept
        size = ast.Name("n", ast.Store())
        kept = ast.GeneratorExp(name("n"), [ast.comprehension(size, attr(args[0], "shape"), [ast.Compare(
            name("n"), [ast.NotEq()], [ast.Constant(1)])], 0)])
        return call(xp("reshape"), [args[0], call(name("tuple"), [kept])])
    if path == "ravel" and len(args) == 1:
        return call(xp("reshape"), [rewrite._array(args[0], e.args[0]), ast.Tuple([ast.Constant(-1)], ast.Load())])
    if path == "copy" and len(args) == 1:
        return call(xp("asarray"), [rewrite._array(args[0], e.args[0])], [ast.keyword("copy", ast.Constant(True))])
    return None


def method(rewrite, e):
    """NumPy's array methods as the standard's functions: ``a.sum(axis=1)`` → ``xp.sum(a,
    axis=1)``, ``a.reshape(n, 1)`` → ``xp.reshape(a, (n, 1))``, ``a.transpose(0, 2, 1)`` →
    ``xp.permute_dims(a, (0, 2, 1))``."""
    receiver = rewrite.expr(e.func.value)
    args = [rewrite.expr(a) for a in e.args]
    keywords = [rewrite._keyword(k) for k in e.keywords]
    method = e.func.attr
    if method == "copy" and rewrite.scalars.is_container(e.func.value):
        return call(attr(receiver, "copy"), args)       # a Python list's or dict's own copy
    if method == "copy" and not args:
        return call(xp("asarray"), [receiver], [ast.keyword("copy", ast.Constant(True))])
    if method == "astype":
        return call(xp("astype"), [receiver] + args, keywords)
    if method == "transpose":          # a.transpose(0, 2, 1), a.transpose((0, 2, 1)), a.transpose()
        axes = args[0] if len(args) == 1 and not rewrite.scalars.is_scalar(e.args[0]) else ast.Tuple(args, ast.Load())
        if not args:
            every = call(name("tuple"), [call(name("range"), [attr(receiver, "ndim")])])
            axes = ast.Subscript(every, ast.Slice(None, None, ast.Constant(-1)), ast.Load())
        return call(xp("permute_dims"), [receiver, axes])
    if method == "reshape":
        shape = args[0] if len(args) == 1 else ast.Tuple(args, ast.Load())
        if len(args) == 1 and rewrite.scalars.is_scalar(e.args[0]):
            shape = ast.Tuple([shape], ast.Load())
        return call(xp("reshape"), [receiver, shape], keywords)
    if args:
        keywords = [ast.keyword("axis", args[0])] + keywords
    return call(xp(method), [receiver], keywords)


def _pad(rewrite, e, args, keywords, helper):
    """``np.pad(a, widths, "constant", constant_values=c)`` with one constant ``c`` as
    ``numpy_pad(a, widths, c)``; None for another mode or a constant per side."""
    if not 2 <= len(args) <= 3 or any(k.arg not in ("mode", "constant_values") for k in keywords):
        return None
    given = dict(zip(("array", "pad_width", "mode"), args), **{k.arg: k.value for k in keywords})
    constant = {k.arg: k.value for k in e.keywords}.get("constant_values", ast.Constant(0))
    mode = given.get("mode", ast.Constant("constant"))
    if not (isinstance(mode, ast.Constant) and mode.value == "constant" and rewrite.scalars.is_scalar(constant)):
        return None
    return call(name(helper), [given["array"], given["pad_width"], given.get("constant_values", ast.Constant(0))])


@functools.lru_cache(maxsize=1)
def _forms():
    """NumPy's name -> the helper computing it with the standard's functions."""
    return {p.array_api_form: p.name for p in primitives.all_primitives() if p.array_api_form}


def helpers():
    """The names of those helpers (defined in the module where the code calls them)."""
    return frozenset(_forms().values())


@functools.lru_cache(maxsize=1)
def array_api_helpers():
    """The names of every helper the array-API form can define (those helpers call some)."""
    return frozenset(p.name for p in primitives.all_primitives() if p.array_api_helper)


def positions(array, index, as_array):
    """What PyTorch's ``index_put_`` (tensors only) takes for ``index``, a name that may hold
    a slice (autograd's parsers keep ``slice(start, stop)``s): the positions it reads along
    the first axis of ``array`` if it holds one, else ``as_array``."""
    first_axis = call(xp("arange"), [ast.Subscript(attr(array, "shape"), ast.Constant(0), ast.Load())])
    return ast.IfExp(call(name("isinstance"), [index, name("slice")]),
                     ast.Subscript(first_axis, index, ast.Load()), as_array)
