"""Emission for an array namespace other than NumPy: the NumPy form's ``def`` rewritten
to array-API calls on ``xp``, the namespace of its array arguments.

Contract: takes a generated ``ast.FunctionDef`` emitted without NumPy's own forms
(``passes.portable()``: no ``out=``, no in-place arithmetic, no array methods; for a
``Target`` with ``in_place``, ``passes.portable("in place")``: the in-place updates of
large gradient temporaries, ``a *= b`` and ``np.subtract(1, a, out=a)``, and a loop step's
gradient added at its index, ``dWs[i] += dW``, as NumPy's; for one without writes,
``passes.portable("at updates")``: that last one only, as ``dWs = dWs.at[i].add(dW)``) and a
``Target``; returns a new ``FunctionDef`` that starts with
``xp = array_namespace(<its array parameters>)`` and calls only ``xp``'s functions
(the array API standard's names: ``np.concatenate`` → ``xp.concat``, ``np.arccos`` →
``xp.acos``), ``math`` and the arrays' own attributes (``.shape``, ``.T``). What the
standard spells differently is rewritten where the meaning is the same:

* a reduction's axis is a keyword (``xp.sum(a, axis=1)``); ``np.shape(a)`` is
  ``a.shape``; NumPy's methods ``.sum()``, ``.reshape()``, ``.copy()`` are functions;
* a Python scalar where the standard wants an array (``np.broadcast_to(dsum, ...)``, the
  first of two scalar values of ``np.where``) is made an array of the arguments' floating
  dtype, as are new arrays (``np.zeros``): NumPy would make them float64, whatever the
  arguments;
* for a namespace without writes into arrays (JAX), ``d[i] = v`` is ``d = d.at[i].set(v)``
  and ``np.add.at(d, i, v)`` is ``d = d.at[i].add(v)``; PyTorch adds with
  ``index_put_(..., accumulate=True)``.

Anything else NumPy-only is refused with a ``BackendUnsupported`` error naming it, at
compile time: never a call that would fail or differ at run time.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from diffc.backend.expressions import copy_ast
from diffc.backend import portable_forms, printer, torch_kernels
from diffc.backend.portable_forms import attr as _attr, call as _call, name as _name, xp as _xp
from diffc.backend.portable_kinds import Kinds, axis_lists as _axis_lists, number_tapes, numpy_path as _numpy_path
from diffc.backend.portable_kinds import without_name
from diffc.errors import DiffcError


class BackendUnsupported(DiffcError):
    """A NumPy operation the target namespace has no counterpart for. ``line``: the line
    of the user's file the refused code computes or differentiates (the compiler gives
    the error that line's location)."""

    line = None

    @classmethod
    def at_line(cls, line, message, loc, hint):
        error = cls(message, loc, hint)
        error.line = line
        return error


_LINE = re.compile(r"[^\s:]+:(\d+)\b")     # ``model.py:7`` at the start of a comment


@dataclass(frozen=True)
class Target:
    """What the rewrite targets: ``namespace`` (the module ``array_namespace`` gives for
    the arguments, to check each function exists), ``name`` (for messages), whether the
    arrays take writes (``writes``), whether writes add with ``index_put_`` (``torch``),
    ``precision``: the name of the arguments' floating dtype (``"float64"``), and
    ``in_place``: whether the namespace's functions take ``out=`` and its arrays
    ``a *= b`` as NumPy's do (PyTorch), so that the gradient code updates its own large
    temporaries in place as the NumPy form does (``passes.IN_PLACE_PASSES``)."""
    namespace: object
    name: str
    writes: bool = True
    torch: bool = False
    precision: str = "float64"
    extended: bool = False      # NumPy's functions outside the standard (einsum) as the library has them
    in_place: bool = False


# NumPy's name -> the standard's, where they differ
_RENAMED = {"arccos": "acos", "arcsin": "asin", "arctan": "atan", "arctan2": "atan2",
            "arccosh": "acosh", "arcsinh": "asinh", "arctanh": "atanh", "concatenate": "concat",
            "power": "pow", "absolute": "abs", "cumsum": "cumulative_sum",
            "cumprod": "cumulative_prod", "bool_": "bool", "transpose": "permute_dims"}
# functions of the standard (or its linalg extension) NumPy has under the same name
_SAME = frozenset("""
abs acos acosh add all any arange argmax argmin argsort asarray asin asinh astype atan atan2 atanh
broadcast_arrays broadcast_to ceil clip concat copysign cos cosh cumulative_sum cumulative_prod
divide empty empty_like equal exp expm1 expand_dims eye flip floor floor_divide full full_like
greater greater_equal hypot isfinite isinf isnan less less_equal linspace log log10 log1p log2
logaddexp logical_and logical_not logical_or logical_xor matmul max maximum mean min minimum
moveaxis multiply negative nonzero not_equal ones ones_like permute_dims pow prod reciprocal
repeat reshape result_type roll round sign sin sinh sort sqrt square squeeze stack std subtract
sum take take_along_axis tan tanh tensordot tile tril triu trunc unstack var where zeros
zeros_like float32 float64 complex64 complex128 int8 int16 int32 int64 uint8 bool finfo iinfo
""".split())
# NumPy functions outside the standard whose namesakes in PyTorch and JAX agree with them
_SHARED = frozenset({"einsum", "diag", "diagonal"})     # (written positionally by the templates)
_REDUCTIONS = frozenset({"sum", "max", "min", "mean", "prod", "std", "var", "all", "any",
                         "argmax", "argmin", "cumulative_sum", "cumulative_prod"})
_AXIS_KEYWORD = _REDUCTIONS | {"expand_dims", "concat", "stack", "flip", "sort", "argsort"}
# where NumPy takes positionally what the standard takes by keyword: (position, keyword)
_KEYWORD_AT = {"tensordot": (2, "axes"), "roll": (2, "axis"), "repeat": (2, "axis"), "take": (2, "axis"),
               "take_along_axis": (2, "axis"), "tril": (1, "k"), "triu": (1, "k"), "eye": (2, "k")}
_NEW_FLOATS = frozenset({"zeros", "ones", "empty", "full", "eye", "linspace"})
_ELEMENTWISE = frozenset({"exp", "log", "sqrt", "tanh", "sin", "cos", "tan", "sinh", "cosh", "abs",
                          "sign", "expm1", "log1p", "log2", "log10", "square", "negative",
                          "reciprocal", "floor", "ceil", "round", "trunc", "asin", "acos", "atan",
                          "asinh", "acosh", "atanh", "isnan", "isinf", "isfinite"})
# functions of the standard whose first argument must be an array (NumPy takes a number)
_ARRAY_FIRST = _ELEMENTWISE | _REDUCTIONS | {"expand_dims", "reshape", "squeeze", "moveaxis", "flip",
                                            "roll", "tile", "repeat"}
_METHODS = frozenset({"sum", "max", "min", "mean", "prod", "std", "var", "all", "any",
                      "argmax", "argmin"})
_MATH = {"inf": "inf", "pi": "pi", "e": "e", "nan": "nan"}


def _is_int(e):
    """An integer written in the code (``-1``)."""
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
        e = e.operand
    return isinstance(e, ast.Constant) and type(e.value) is int



class _Rewrite:
    def __init__(self, target, scalar_params, container_params=()):
        self.target = target
        self.helpers = frozenset()
        self.dry = False            # in a pass over a loop's body whose code is thrown away
        self.scalars = Kinds(scalar_params, container_params)
        self.uses_math = False
        self.line = None
        self.axis_lists = set()

    # -- statements ---------------------------------------------------------------------
    def body(self, stmts):
        out = []
        for s in stmts:
            out += self.statement(s)
        return out

    def statement(self, s):
        kept = printer.comments(s)
        for comment in [kept.after] + list(kept.before):
            found = _LINE.match(comment or "")
            if found:                # the user's line this statement computes or differentiates
                self.line = int(found.group(1))
                break
        new = self._statement(s)
        if new:
            if kept.before:
                printer.comment_before(new[0], *kept.before)
            if kept.after:
                printer.comment_after(new[-1], kept.after)
        return new

    def _statement(self, s):
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Subscript):
            return [self._write(s.targets[0], self.expr(s.value), "set")]
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
                and s.targets[0].id in self.axis_lists:      # axis numbers: tuple(range(...))
            rng = _call(_name("range"), [self.expr(a) for a in s.value.args])
            self.scalars.assigned(s.targets[0].id, None)
            return [ast.Assign(s.targets, _call(_name("tuple"), [rng]), lineno=0)]
        if isinstance(s, ast.Assign):
            value = self.expr(s.value)
            for t in s.targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        self.scalars.assigned(n.id, s.value if isinstance(t, ast.Name) else None)
            return [ast.Assign(s.targets, value, lineno=0)]
        if isinstance(s, ast.AugAssign):
            if isinstance(s.target, ast.Subscript) and self.target.in_place:
                # ``acc[i] += v`` (``add_into``): at indices a scatter wrote once each, as NumPy's
                return [ast.AugAssign(self.expr(s.target), s.op, self.expr(s.value))]
            if isinstance(s.target, ast.Subscript) and isinstance(s.op, ast.Add):
                return [self._write(s.target, self.expr(s.value), "add")]
            if isinstance(s.target, ast.Name) and self.target.in_place:
                # only ``passes.IN_PLACE_PASSES`` write ``a *= b``: into the gradient's own memory
                self.scalars.assigned(s.target.id, None)
                return [ast.AugAssign(ast.Name(s.target.id, ast.Store()), s.op, self.expr(s.value))]
            if isinstance(s.target, ast.Name):        # never in place: the array may be shared
                target = ast.Name(s.target.id, ast.Store())
                value = ast.BinOp(_name(s.target.id), s.op, self.expr(s.value))
                self.scalars.assigned(s.target.id, value)
                return [ast.Assign([target], value, lineno=0)]
            raise self._unsupported(ast.unparse(s), "an in-place update of part of an array")
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and _numpy_path(s.value.func) == "add.at":
            a, index, values = s.value.args
            return [self._write(ast.Subscript(a, index, ast.Store()), self.expr(values), "add")]
        if isinstance(s, (ast.For, ast.While, ast.If)):
            return [self._compound(s)]
        if isinstance(s, ast.Return):
            return [ast.Return(self.expr(s.value) if s.value is not None else None)]
        if isinstance(s, ast.Expr) and self.scalars.appends_maybe_scalar(s.value):
            value = self._array(self.expr(s.value.args[0]), always=True)     # a tape of arrays only
            return [ast.Expr(_call(self.expr(s.value.func), [value]))]
        if isinstance(s, ast.Expr):
            return [ast.Expr(self.expr(self.scalars.effect(s.value)))]
        if isinstance(s, (ast.Pass, ast.Break, ast.Continue)):
            return [s]
        raise self._unsupported(ast.unparse(s).splitlines()[0], "this statement")

    def _compound(self, s):
        if isinstance(s, (ast.For, ast.While)):
            self._loop_kinds(s)
        before = self.scalars.state()
        new = copy_ast(s)
        if isinstance(s, ast.For):
            new.iter = self.expr(s.iter)
            for n in ast.walk(s.target):
                if isinstance(n, ast.Name):
                    self.scalars.assigned(n.id, None)
        else:
            new.test = self.expr(s.test)
        new.body = self.body(s.body)
        after_body = self.scalars.state()
        self.scalars.restore(before)
        new.orelse = self.body(s.orelse)
        # a scalar after the statement only if a scalar on every path through it
        self.scalars.meet(before, after_body, self.scalars.state())
        kept = printer.comments(s)
        if kept.before:
            printer.comment_before(new, *kept.before)
        if kept.after:
            printer.comment_after(new, kept.after)
        return new

    def _loop_kinds(self, s):
        """The kinds a loop's body starts with: what holds before it and after each pass
        through its body (``x = x.copy()`` keeps a list), by up to three passes whose code
        is thrown away; unsettled, a name the body assigns is of no kind."""
        state = self.scalars.state()
        for _ in range(0 if self.dry else 3):        # (a loop inside a thrown-away pass: forgotten)
            self.dry = True
            for n in ast.walk(s.target) if isinstance(s, ast.For) else ():
                if isinstance(n, ast.Name):
                    self.scalars.assigned(n.id, None)
            self.body(s.body)
            self.dry = False
            self.scalars.meet(state, self.scalars.state())
            if self.scalars.state() == state:
                return
            state = self.scalars.state()
        self.scalars.forget({n.id for n in ast.walk(ast.Module(s.body, []))
                             if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)})

    def _write(self, target, value, how):
        """``a[i] = v`` (``how`` "set") or ``a[i] += v`` with repeated indices adding ("add")."""
        array, index = self.expr(target.value), self.expr(target.slice)
        if self.scalars.is_container(target.value) or isinstance(target.slice, ast.Constant) \
                and isinstance(target.slice.value, str):     # a Python list's or dict's own write
            if how == "add":
                value = ast.BinOp(ast.Subscript(array, copy_ast(index), ast.Load()), ast.Add(), value)
            return ast.Assign([ast.Subscript(array, index, ast.Store())], value, lineno=0)
        if not isinstance(array, ast.Name):
            raise self._unsupported(ast.unparse(target), "a write into an expression")
        if not self.target.writes:                    # d = d.at[i].set(v)
            at = ast.Subscript(_attr(array, "at"), index, ast.Load())
            return ast.Assign([ast.Name(array.id, ast.Store())], _call(_attr(at, how), [value]), lineno=0)
        if how == "set":
            return ast.Assign([ast.Subscript(array, index, ast.Store())], value, lineno=0)
        if self.target.torch:                         # d.index_put_((i, j), v, accumulate=True)
            items = index.elts if isinstance(index, ast.Tuple) else [index]
            if any(isinstance(i, ast.Slice) for i in items):
                raise self._unsupported(ast.unparse(target), "adding at indices with a slice among them")
            # (indices as tensors: ``range(n)``, ``list(y)`` and a list a name holds, maybe in a saved
            # tuple, index, but index_put_ takes only tensors; a tensor given to asarray is itself)
            items = [_call(_xp("asarray"), [i]) if isinstance(i, (ast.List, ast.ListComp)) or (
                isinstance(i, ast.Call) and isinstance(i.func, ast.Name) and i.func.id in ("range", "list"))
                or isinstance(i, ast.Name) and not self.scalars.is_scalar(i) else i for i in items]
            if len(items) == 1 and isinstance(index, ast.Name) and not self.scalars.is_container(index):
                items = [portable_forms.positions(array, index, items[0])]     # (it may hold a slice)
            put = _call(_attr(array, "index_put_"),
                        [ast.Tuple(items, ast.Load()), self._array(value, always=True)],
                        [ast.keyword("accumulate", ast.Constant(True))])
            return ast.Expr(put)
        raise self._unsupported(f"np.add.at({ast.unparse(array)}, {ast.unparse(index)}, ...)",
                                "adding at an array of indices (np.add.at)")

    # -- expressions ---------------------------------------------------------------------
    def expr(self, e):
        if e is None:
            return None
        if isinstance(e, ast.Call):
            return self._call(e)
        path = _numpy_path(e)
        if path is not None:
            return self._numpy_attribute(path, e)
        if self.target.torch and isinstance(e, ast.Attribute) and e.attr == "size" and isinstance(e.ctx, ast.Load):
            self.uses_math = True            # (PyTorch's ``size`` is a method; the standard's an attribute)
            return _call(_attr(_name("math"), "prod"), [_attr(self.expr(e.value), "shape")])
        if isinstance(e, ast.Attribute):
            return ast.Attribute(self.expr(e.value), e.attr, e.ctx)
        if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
            return ast.BinOp(self.expr(e.left), e.op, self.expr(e.right))     # masks stay masks
        if isinstance(e, ast.BinOp):
            return ast.BinOp(self._number(e.left), e.op, self._number(e.right))
        new = copy_ast(e)
        for field, value in ast.iter_fields(e):
            if isinstance(value, ast.expr):
                setattr(new, field, self.expr(value))
            elif isinstance(value, list):
                setattr(new, field, [self.expr(v) if isinstance(v, ast.expr) else
                                     self._keyword(v) if isinstance(v, ast.keyword) else
                                     self._comprehension(v) if isinstance(v, ast.comprehension) else v
                                     for v in value])
        return new

    def _comprehension(self, c):
        for n in ast.walk(c.target):
            if isinstance(n, ast.Name):
                self.scalars.assigned(n.id, None)
        return ast.comprehension(c.target, self.expr(c.iter), [self.expr(i) for i in c.ifs], c.is_async)

    def _number(self, e):
        """An operand of arithmetic: a comparison of arrays (a mask) as the arguments'
        floating dtype, as the standard has no arithmetic on booleans."""
        new = self.expr(e)
        if self.scalars.is_mask(e):
            return _call(_xp("astype"), [new, _xp(self.target.precision)])
        return new

    def _keyword(self, k):
        if k.arg == "dtype" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str) \
                and k.value.value in _SAME and hasattr(self.target.namespace, k.value.value):
            return ast.keyword("dtype", _xp(k.value.value))      # dtype="float64": the namespace's
        return ast.keyword(k.arg, self.expr(k.value))

    def _numpy_attribute(self, path, e):
        if path in _MATH:
            self.uses_math = True
            return _attr(_name("math"), _MATH[path])
        if path == "newaxis":
            return ast.Constant(None)
        name = _RENAMED.get(path, path)
        if name in _SAME and hasattr(self.target.namespace, name):
            return _xp(name)
        raise self._unsupported(f"np.{path}", f"np.{path}")

    def _call(self, e):
        path = _numpy_path(e.func)
        if path is None and isinstance(e.func, ast.Name) and e.func.id in self.helpers:
            return _call(e.func, [self._array(self.expr(a), a) for a in e.args])
        if path is None:
            if isinstance(e.func, ast.Attribute) and e.func.attr in _METHODS | {"reshape", "copy", "astype", "transpose"} \
                    and not (isinstance(e.func.value, ast.Name) and e.func.value.id in ("xp", "math")):
                return portable_forms.method(self, e)
            if isinstance(e.func, ast.Attribute) and e.func.attr == "_make" and len(e.args) == 1:
                # a named tuple's gradient; a library's named result (PyTorch's slogdet) has no _make
                return _call(_call(_name("getattr"), [self.expr(e.func.value), ast.Constant("_make"),
                                                      _name("tuple")]), [self.expr(e.args[0])])
            return _call(self.expr(e.func), [self.expr(a) for a in e.args],
                         [self._keyword(k) for k in e.keywords])
        args = [self.expr(a) for a in e.args]
        keywords = [self._keyword(k) for k in e.keywords]
        if path in ("shape", "ndim", "size"):
            return self._query(path, e.args[0], args[0])
        if any(k.arg == "order" for k in e.keywords):
            if any(k.arg == "order" and not (isinstance(k.value, ast.Constant) and k.value.value in ("C", "K", "A"))
                   for k in e.keywords):
                raise self._unsupported(ast.unparse(e), "an order of entries other than C's")
            keywords = [k for k in keywords if k.arg != "order"]      # the standard's only order
        if path == "prod" and len(args) == 1 and self.scalars.is_shape(e.args[0]):
            self.uses_math = True            # the number of entries of a shape
            return _call(_attr(_name("math"), "prod"), args)
        special = portable_forms.special(self, path, e, args, keywords)
        if special is not None:              # outer, ravel, copy, split, dot, norm...
            return special
        if path.startswith("linalg."):
            linalg = getattr(self.target.namespace, "linalg", None)
            if linalg is None or not hasattr(linalg, path[7:]):
                raise self._unsupported(f"np.{path}", f"np.{path}")
            return _call(_attr(_xp("linalg"), path[7:]), args, keywords)
        name = _RENAMED.get(path, path)
        ns = self.target.namespace
        if not ((name in _SAME or (path in _SHARED and self.target.extended)) and hasattr(ns, name)):
            raise self._unsupported(f"np.{path}(...)", f"np.{path}")
        if name == "permute_dims" and len(args) == 1:
            return _attr(args[0], "T")
        if name in ("sum", "mean", "prod", "cumulative_sum") and e.args:
            args[0] = self._number(e.args[0])
        if name in _AXIS_KEYWORD and len(args) > 1:
            keywords = [ast.keyword("axis", args[1])] + keywords
            args = args[:1]
        position, keyword = _KEYWORD_AT.get(name, (None, None))
        if position is not None and len(args) > position:
            keywords = [ast.keyword(keyword, args[position])] + keywords
            args = args[:position]
        if name == "broadcast_to":
            args[0] = self._array(args[0], e.args[0])
        if name == "einsum":                  # (its operands are arrays, as NumPy makes them)
            args[1:] = [self._array(a, original) for a, original in zip(args[1:], e.args[1:])]
        if name in _ARRAY_FIRST and e.args:
            args[0] = self._array(args[0], e.args[0])
        if name == "where" and len(e.args) == 3 and all(self.scalars.is_scalar(a) for a in e.args[1:]):
            # two Python scalars: the arguments' floating dtype (torch's would be its default)
            args[1] = self._array(args[1], e.args[1])
        if name in _NEW_FLOATS and not any(k.arg == "dtype" for k in keywords) \
                and not (name == "full" and len(e.args) > 1 and _is_int(e.args[1])):   # NumPy's: int64
            keywords.append(ast.keyword("dtype", _xp(self.target.precision)))
        if name == "reshape" and len(args) == 2 and self.scalars.is_scalar(e.args[1]):
            args[1] = ast.Tuple([args[1]], ast.Load())
        return _call(_xp(name), args, keywords)

    def _query(self, what, original, arg):
        if self.scalars.is_scalar(original):
            return ast.Tuple([], ast.Load()) if what == "shape" else ast.Constant(0 if what == "ndim" else 1)
        arg = self._array(arg, original)        # (a name that may hold a number)
        if what == "size":
            self.uses_math = True
            return _call(_attr(_name("math"), "prod"), [_attr(arg, "shape")])
        return _attr(arg, what)

    def _array(self, arg, original=None, always=False):
        """``arg`` as an array where the standard wants one: a Python scalar becomes one
        of the arguments' floating dtype (and so does a name that may hold one)."""
        if always or (original is not None and (self.scalars.is_scalar(original)
                                                or self.scalars.may_be_scalar(original))):
            return _call(_xp("asarray"), [arg], [ast.keyword("dtype", _xp(self.target.precision))])
        return arg

    def _unsupported(self, code, what):
        return BackendUnsupported.at_line(self.line,
            f"the gradient uses {what} (`{code}`), which {self.target.name} has no counterpart "
            f"for in diffc's array-API form", None,
            "call the gradient with NumPy arrays, or write the function with operations of the "
            "array API standard")


def _namespace_per_call(fdef, rewrite):
    """``xp.zeros_like(v)`` → ``array_namespace(v).zeros_like(v)`` throughout ``fdef``."""
    for n in ast.walk(fdef):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.args \
                and isinstance(n.func.value, ast.Name) and n.func.value.id == "xp":
            first = copy_ast(n.args[0])     # (of arrays to join: theirs; of ``x.dtype``: x's)
            first = ast.Starred(first, ast.Load()) if n.func.attr in ("concat", "stack") else first
            first = first.value if isinstance(first, ast.Attribute) and first.attr == "dtype" else first
            first = next((copy_ast(k.value.value) for k in n.keywords if k.arg == "dtype"      # (a new array
                          and isinstance(k.value, ast.Attribute) and k.value.attr == "dtype"), first)  # of x's dtype)
            n.func.value = _call(_name("array_namespace"), [first])
    if any(isinstance(n, ast.Name) and n.id == "xp" for n in ast.walk(fdef)):
        raise rewrite._unsupported("xp", "the arguments' namespace outside a call of its function")


def rewrite_function(fdef, target, array_params, scalar_params=(), container_params=(), *, at=0, helpers=(),
                     local=False):
    """``fdef`` (a generated ``def``) for ``target``: ``(new def, whether it uses math)``.
    ``array_params``: the expressions ``array_namespace`` is asked about (``W``,
    ``*params.values()``); ``scalar_params``: those that are Python numbers at the call,
    ``container_params`` those that are lists or dicts; ``at``: the statement
    (docstring included) before which ``xp`` is found (after a backward half unpacks
    ``saved``); ``helpers``: the names of the helpers the code calls (``array_api_helper``
    primitives), whose Python-number arguments are made arrays; ``local``: each call finds
    the namespace of its first argument (a helper walking lists and dicts to its arrays)."""
    fdef, renamed = without_name(fdef, "xp")      # (a user's own ``xp``, a parameter too, is renamed)
    if renamed:
        array_params = [without_name(a, "xp", renamed)[0] for a in array_params]
        scalar_params, container_params = ([renamed if p == "xp" else p for p in names]
                                           for names in (scalar_params, container_params))
    rewrite = _Rewrite(target, scalar_params, container_params)
    rewrite.helpers = frozenset(helpers)
    body = list(fdef.body)
    rewrite.axis_lists, rewrite.scalars.tapes = _axis_lists(body), number_tapes(body)
    doc = []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        doc = [body.pop(0)]
    before = rewrite.body(body[:max(at - len(doc), 0)])
    new_body = rewrite.body(body[max(at - len(doc), 0):])
    namespace = [] if local else [ast.Assign([ast.Name("xp", ast.Store())],
                                             _call(_name("array_namespace"), array_params), lineno=0)]
    new = ast.FunctionDef(fdef.name, copy_ast(fdef.args), doc + before + namespace + new_body, [], None,
                          lineno=0)
    if local:
        _namespace_per_call(new, rewrite)
    leftover = [n for n in ast.walk(new) if isinstance(n, ast.Name) and n.id == "np"]
    if leftover:
        raise rewrite._unsupported("np", "a NumPy name")
    if target.torch:
        new = torch_kernels.rewrite(new)
    return new, rewrite.uses_math
