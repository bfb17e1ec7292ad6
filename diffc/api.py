"""The Python API: ``grad`` and ``value_and_grad``, usable as functions or decorators.

The object returned compiles on its first call for the arguments' signature (array
shapes and dtypes, Python scalar types, values of int/bool/str arguments) and then
calls the generated NumPy function directly; a new signature compiles again.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np

from diffc import load, pipeline, source

_BY_VALUE = (int, bool, str, type(None))
_ndarray = np.ndarray


def _signature(args):
    key = []
    for a in args:
        t = type(a)
        if t is _ndarray:
            key.append((a.shape, a.dtype.char))
        elif t in _BY_VALUE:
            key.append((t, a))
        elif t is tuple:
            key.append((t, _signature(a)))
        else:
            key.append(t)
    return tuple(key)


class GradientFunction:
    """``diffc.grad(f, wrt)``: call it like ``f`` to get the gradient(s)."""

    def __init__(self, fn, wrt=0, with_value=False):
        self.primal = fn
        self.with_value = with_value
        self._params = list(inspect.signature(fn).parameters)
        self.wrt, self._single = _resolve_wrt(fn, self._params, wrt)
        self._specialised = {}
        self._last = None
        self._src = None
        functools.update_wrapper(self, fn)
        self.__wrapped__ = fn

    def __repr__(self):
        kind = "value_and_grad" if self.with_value else "grad"
        names = ", ".join(self._params[i] for i in self.wrt)
        return f"<diffc.{kind} of {self.primal.__qualname__} with respect to {names}>"

    def __call__(self, *args, **kwargs):
        if kwargs:
            args = self._bind(args, kwargs)
        fn = self._specialised.get(_signature(args))
        if fn is None:
            fn = self._compile(args)
        return fn(*args)

    def _bind(self, args, kwargs):
        bound = inspect.signature(self.primal).bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.arguments.values())

    def _source_function(self):
        if self._src is None:
            self._src = source.from_function(self.primal)
        return self._src

    def _compile(self, args):
        if len(args) < len(self._params):
            args = self._bind(args, {})
        compiled = pipeline.compile_gradient(self._source_function(), self.wrt, args,
                                             with_value=self.with_value, single=self._single)
        fn = self._load(compiled)
        self._specialised[_signature(args)] = fn
        self._last = fn
        return fn

    def _load(self, compiled):
        text = pipeline.module_text(self._source_function().module.path, [compiled])
        module = load.load_source(text, f"{self.primal.__name__}")
        fn = getattr(module, compiled.name)
        fn.diffc_source = text
        fn.diffc_stages = compiled.stages
        return fn

    @property
    def source(self):
        """The generated module's source: for the last call's signature, or general code."""
        if self._last is None:
            compiled = pipeline.compile_gradient(self._source_function(), self.wrt, None,
                                                 with_value=self.with_value, single=self._single)
            self._last = self._load(compiled)
        return self._last.diffc_source

    def source_for(self, *args, **kwargs):
        """The generated source specialised to these example arguments."""
        if kwargs:
            args = self._bind(args, kwargs)
        fn = self._specialised.get(_signature(args)) or self._compile(args)
        return fn.diffc_source

    def ir(self, *args, stage="ir"):
        """The IR (``stage``: "ir", "reverse" or "optimized") for example ``args`` or generally."""
        compiled = pipeline.compile_gradient(self._source_function(), self.wrt, args or None,
                                             with_value=self.with_value, single=self._single)
        return compiled.stages[stage]


def _resolve_wrt(fn, params, wrt):
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


def _decorator_or_call(fn, wrt, with_value):
    if fn is None:
        return lambda f: GradientFunction(f, wrt, with_value)
    return GradientFunction(fn, wrt, with_value)


def grad(fn=None, wrt=0):
    """The gradient of scalar-valued ``fn`` with respect to ``wrt``.

    ``wrt`` is a parameter index or name, or a tuple of them (then a tuple of
    gradients is returned). Works as ``diffc.grad(f)``, ``@diffc.grad`` and
    ``@diffc.grad(wrt=("W", "b"))``.
    """
    return _decorator_or_call(fn, wrt, False)


def value_and_grad(fn=None, wrt=0):
    """Like ``grad``, but returns ``(fn(...), gradient)``."""
    return _decorator_or_call(fn, wrt, True)


def ir(fn, *args, wrt=0, stage="ir"):
    """The IR of ``fn`` (``stage``: "ir", "reverse", "optimized"), printable with ``print``."""
    return GradientFunction(fn, wrt).ir(*args, stage=stage)
