"""The gradient object behind ``grad`` and ``value_and_grad`` (``decorators``): a
``GradientFunction``.

It compiles on its first call for the arguments' signature (array
shapes and dtypes, Python scalar types, values of int/bool/str arguments) and then
calls the generated NumPy function directly; a new signature compiles again. So does a
call at which a value the compiled code took from the running program has changed (a
global or closure variable, a default, a method of the object's class: see
``bindings``); arrays read from free names are passed to the generated function at
each call.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import types

import numpy as np

from diffc.backend import dispatch, load, namespaces, portable
from diffc.compiler import backends, pipeline, staging, transform_calls
from diffc.core import signature
from diffc.errors import DiffcError, UnsupportedSyntax, reports_internal_errors, user_code
from diffc.frontend import bindings, source
from diffc.tools import display

_BY_VALUE = (int, bool, str, type(None))
_ndarray = np.ndarray


def _signature(args):
    """What a compiled function is specialised to: array shapes and dtypes, Python scalar
    types, the values of int/bool/str/None arguments, the keys and items of dicts (of any
    dict class) and lists; of an object (a layer), its class and, attribute by attribute,
    the same; of a function or class, which one it is. Arrays met again (an object's weight
    that is also an entry of a parameter dict) are marked as the same array: code compiled
    for that sharing is used only while it holds."""
    if all(type(a) is _ndarray or type(a) in _BY_VALUE or type(a) is float for a in args):
        return tuple((a.shape, a.dtype.char) if type(a) is _ndarray else
                     (type(a), a) if type(a) in _BY_VALUE else float for a in args)
    return signature.Signature().of(args)


class Specialisation:
    """One compiled function and the check of the live values it was compiled for:
    ``check()`` gives the free inputs to pass after the arguments, or None when the
    running program no longer has the values compiled in."""
    __slots__ = ("fn", "check")

    def __init__(self, fn, check):
        self.fn = fn
        self.check = check

    def __call__(self, *args):
        """Call with ``args`` when the live values still hold; ``MISS`` otherwise."""
        extras = self.check()
        if extras is None:
            return MISS
        return self.fn(*args, *extras)


MISS = object()


def compiled(build):
    """Run ``build()`` (a compile returning ``(fn, free inputs)``) while recording what it
    reads from the running program; the ``Specialisation`` that checks it."""
    with bindings.recording() as record:
        fn, free = build()
    return Specialisation(fn, record.checker(free))


def call(specialisation, args, recompile):
    """``specialisation`` called on ``args``; when the running program's values changed,
    ``recompile()`` gives a new one, which is called with the values it just read."""
    out = specialisation(*args)
    if out is not MISS:
        return out
    fresh = recompile()
    out = fresh(*args)
    if out is MISS:      # a value that differs at every read (a module __getattr__): not guarded
        raise DiffcError(f"a value {fresh.fn.__name__} reads from the running program changes "
                         f"at every read ({_guard_labels(fresh.check)})", None,
                         "pass it to the function as an argument")
    return out


def _guard_labels(check):
    return ", ".join(g.fetch.label for g in check.guards)


def after_stores(specialised, key, after):
    """The code compiled for signature ``key`` also serves signature ``after``: the state
    its call's stores left (``self.h = ...``, ``d['mode'] = 'train'``), when it reads no
    value it stores before storing it (``diffc_stores_first``), so what it does cannot
    depend on the values stored there. Without this, the next call would compile again
    for the values the first call stored."""
    if after != key and key in specialised:
        specialised.setdefault(after, specialised[key])


class GradientFunction:
    """``diffc.grad(f, wrt)``: call it like ``f`` to get the gradient(s)."""

    def __init__(self, fn, wrt=0, with_value=False, has_aux=False):
        self.primal = fn
        self.with_value = with_value
        self.has_aux = has_aux
        self._nested = hasattr(fn, "_diffc_stage")   # grad(grad(f)), grad(jvp(f))...
        self._params = parameters(fn)
        self.wrt, self._single = resolve_wrt(fn, self._params, wrt)
        self._specialised = {}
        self._last = None
        self._last_args = None       # the arguments self._last was compiled for
        self._src = None
        functools.update_wrapper(self, fn, updated=())   # never copy a wrapped transform's state
        self.__wrapped__ = fn
        self._examples = []
        self._fast_params = dispatch.positional_params(fn)
        if self._fast_params is not None:
            dispatch.own_class(self)

    def __repr__(self):
        kind = "value_and_grad" if self.with_value else "grad"
        names = ", ".join(self._params[i] for i in self.wrt)
        return f"<diffc.{kind} of {self.primal.__qualname__} with respect to {names}>"

    def __call__(self, *args, **kwargs):
        if kwargs or len(args) < len(self._params):
            args = self._bind(args, kwargs)
        key = _signature(args)
        entry = self._specialised.get(key)
        if entry is None:
            entry = self._compile(args)
        out = call(entry, args, lambda: self._compile(args))
        if getattr(entry.fn, "diffc_stores_first", None):
            after_stores(self._specialised, key, _signature(args))
        return out

    def _slow_call(self, *args):
        """The general call, for the dispatcher's misses (new signatures, omitted defaults)."""
        while args and args[-1] is dispatch.MISSING:
            args = args[:-1]
        if any(a is dispatch.MISSING for a in args):      # an omitted default before a given one
            k = next(i for i, a in enumerate(args) if a is dispatch.MISSING)
            given = {n: a for n, a in zip(self._params[k:], args[k:]) if a is not dispatch.MISSING}
            return GradientFunction.__call__(self, *args[:k], **given)
        return GradientFunction.__call__(self, *args)

    def _bind(self, args, kwargs):
        with user_code():
            signature = inspect.signature(self.primal)
            bound = signature.bind(*args, **kwargs)      # Python's own TypeError if it fails
        for p in signature.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and bound.arguments.get(p.name):
                src = self._source_function()
                node = src.node.args.vararg if p.kind == p.VAR_POSITIONAL else src.node.args.kwarg
                raise UnsupportedSyntax(
                    f"values passed to {'*' if p.kind == p.VAR_POSITIONAL else '**'}{p.name} "
                    f"are not supported: diffc compiles {self.__name__} for its named parameters",
                    src.loc(node if node is not None else src.node),
                    f"name each value as a parameter: def {self.__name__}(..., scale=1.0)")
        with user_code():
            return bind_arguments(self.primal, self._params, args, kwargs)

    def _source_function(self):
        if self._src is None:
            self._src = dataclasses.replace(source.from_function(self.primal), aux=self.has_aux)
        return self._src

    @reports_internal_errors
    def _compile(self, args):
        if len(args) < len(self._params):
            args = self._bind(args, {})
        entry = compiled(lambda: self._build(args))
        self._specialised[_signature(args)] = entry
        if self._fast_params is not None and len(args) == len(self._fast_params):
            self._examples = [(a, e) for a, e in self._examples if _signature(a) != _signature(args)]
            self._examples.append((args, entry))
            dispatch.install(self, self._fast_params, self._examples)
        self._last, self._last_args = entry.fn, args
        return entry

    def _repr_html_(self):
        """Jupyter: the generated code highlighted, its signature and its graph."""
        return display.gradient_html(self)

    def _repr_markdown_(self):
        return display.gradient_markdown(self)

    def _build(self, args):
        """Compile for ``args``: ``(the generated function, its free inputs)``."""
        target = namespaces.target_for(args, self.wrt) if args is not None else None
        if target is not None:
            return self._build_portable(args, target)
        if self._nested or self.has_aux:
            return self._compile_staged(args)
        compiled = pipeline.compile_gradient(self._source_function(), self.wrt, args,
                                             with_value=self.with_value, single=self._single)
        return self._load(compiled), compiled.free

    def _build_portable(self, args, target):
        """Compile for arrays of another namespace (``backends``)."""
        src = self._source_function()
        if self._nested:
            raise portable.BackendUnsupported(
                f"diffc's array-API form ({target.name}) is made for a grad or value_and_grad "
                f"of a function, not for nested transforms", src.loc(), "call it with NumPy arrays")
        compiled, fdefs, uses_math = backends.compile_portable(
            src, self.wrt, args, target, with_value=self.with_value, single=self._single,
            has_aux=self.has_aux)
        return backends.load_portable(self, compiled, fdefs, uses_math, target, src), compiled.free

    def _diffc_stage(self, args):
        """This gradient's IR on example ``args`` (``staging``): how transforms nest."""
        if self._nested:
            inner = staging.stage(self.primal, args)
        else:
            inner = staging.stage_source(self._source_function(), args)
        if args is not None:
            staging.check_float_args(inner, self.wrt, args, "grad")
        return staging.gradient(inner, self.wrt, with_value=self.with_value,
                                has_aux=self.has_aux, single=self._single)

    def __diffc_lower_call__(self, scope, args, kwargs, node, hint):
        """How ``lower`` reads a call to this gradient inside a function diffc compiles."""
        return transform_calls.lower_transform_call(self, scope, args, kwargs, node, hint)

    def _compile_staged(self, args):
        return self._emit_staged(self._diffc_stage(args), self.wrt, args)

    def _emit_staged(self, staged, wrt, args):
        """Load the code of a staged gradient: ``(the generated function, its free inputs)``."""
        kind = "value_and_grad_" if self.with_value else "grad_"
        names = ", ".join(self._params[i] for i in wrt)
        doc = f"Computes {staged.what} ({staged.src.loc().short}), with respect to {names}."
        if args is not None:
            doc += f"\n\nSpecialised to arguments {staging.describe_args(staged.func, args)}."
        doc += pipeline.describe_free(staged.free)
        compiled = staging.emit_staged(staged, kind + staged.func.name, doc)
        return self._load(compiled, staged.src), staged.free

    def _load(self, compiled, src=None):
        src = src or self._source_function()
        text = pipeline.module_text(src.module.path, [compiled],
                                    made_by=f"diffc.{'value_and_grad' if self.with_value else 'grad'}"
                                            f"({self.__qualname__})")
        module = load.load_source(text, f"{self.primal.__name__}")
        fn = getattr(module, compiled.name)
        fn.diffc_source = text
        fn.diffc_stages = compiled.stages
        fn.diffc_stores_first = getattr(compiled.stages.get("ir"), "stores_first", None)
        # what the dispatcher inlines, when it differs from the printed function
        fn.diffc_inline_source = ast.unparse(compiled.fast_def) if compiled.fast_def is not None else None
        return fn

    @property
    @reports_internal_errors
    def source(self):
        """The generated module's source: for the last call's signature, or general code."""
        if self._last is None:
            self._last, self._last_args = self._build(None)[0], None
        return self._last.diffc_source

    def source_for(self, *args, **kwargs):
        """The generated source specialised to these example arguments."""
        if kwargs or len(args) < len(self._params):
            args = self._bind(args, kwargs)
        entry = self._specialised.get(_signature(args))
        if entry is None or entry.check() is None:
            entry = self._compile(args)
        return entry.fn.diffc_source

    @reports_internal_errors
    def ir(self, *args, stage="ir"):
        """The IR (``stage``: "ir", "reverse" or "optimized") for example ``args`` or generally."""
        if self._nested or self.has_aux:
            return self._diffc_stage(args or None).func
        compiled = pipeline.compile_gradient(self._source_function(), self.wrt, args or None,
                                             with_value=self.with_value, single=self._single)
        return compiled.stages[stage]


def parameters(fn):
    """The names of ``fn``'s parameters a compiled function takes: all but ``*args`` and
    ``**kwargs`` (``inspect.signature`` follows a decorator's ``__wrapped__``)."""
    return [p.name for p in inspect.signature(fn).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def bind_arguments(fn, names, args, kwargs):
    """The values of parameters ``names`` for the call ``fn(*args, **kwargs)``, defaults
    filled in. Values for ``*args``/``**kwargs`` are refused: the compiled function has a
    parameter for each named one only."""
    signature = inspect.signature(fn)
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    variadic = {p.name for p in signature.parameters.values() if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    extra = [n for n in variadic if bound.arguments.get(n)]
    if extra:
        raise TypeError(f"diffc compiles {getattr(fn, '__name__', fn)} for its named parameters; "
                        f"it cannot pass values to *{extra[0]} (name them as parameters)")
    return tuple(bound.arguments[n] for n in names)


def resolve_wrt(fn, params, wrt):
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    indices = []
    for w in items:
        if isinstance(w, str):
            if w not in params:
                raise ValueError(f"{fn.__name__} has no parameter {w!r}; its parameters are {params}")
            indices.append(params.index(w))
        elif isinstance(w, int) and -len(params) <= w < len(params):
            indices.append(w % len(params))
        else:
            raise ValueError(f"wrt={w!r} is neither a parameter name nor an index of {fn.__name__}{tuple(params)}")
    return tuple(indices), single
