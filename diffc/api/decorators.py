"""``diffc.grad``, ``diffc.value_and_grad`` and ``diffc.ir``: the gradient object of a
function (a ``GradientFunction``, or a ``MethodGradient`` for a method), made once per
function and options.
"""
from __future__ import annotations

import functools
import inspect
import weakref

from diffc.api import gradients, methods, variadic


def _decorator_or_call(fn, wrt, with_value, has_aux=False):
    if fn is None:
        return lambda f: _make(f, wrt, with_value, has_aux)
    return _make(fn, wrt, with_value, has_aux)


_CACHE = weakref.WeakKeyDictionary()     # function -> {(wrt, with_value, has_aux): gradient}


def _make(fn, wrt, with_value, has_aux):
    """The gradient object of ``fn``: made once per function and options, so compiled
    specialisations are shared by every ``diffc.grad(f)`` of the same ``f``."""
    key = (tuple(wrt) if isinstance(wrt, list) else wrt, with_value, has_aux)
    try:
        cached = _CACHE.get(fn, {}).get(key)
    except TypeError:                    # unhashable or not weak-referenceable: no cache
        return _build(fn, wrt, with_value, has_aux)
    if cached is None:
        cached = _build(fn, wrt, with_value, has_aux)
        try:
            _CACHE.setdefault(fn, {})[key] = cached
        except TypeError:
            pass                         # bound methods are made anew each time: not cached
    return cached


class PartialGradient:
    """``diffc.grad(functools.partial(f, *args, **keywords))``: the gradient of ``f`` with
    the partial's values passed as ``f``'s, ``wrt`` counted in what the partial leaves."""

    def __init__(self, partial, wrt, with_value, has_aux):
        self.partial = partial
        remaining = list(inspect.signature(partial).parameters)
        single = not isinstance(wrt, (tuple, list))
        names = []
        for w in [wrt] if single else list(wrt):
            if isinstance(w, int):
                if not -len(remaining) <= w < len(remaining):
                    raise ValueError(f"wrt={w!r} is not a parameter of {partial!r}")
                w = remaining[w]
            if w not in remaining:
                raise ValueError(f"{partial!r} has no parameter {w!r}; its parameters are {remaining}")
            names.append(w)
        self.inner = _make(partial.func, names[0] if single else tuple(names), with_value, has_aux)
        self.__wrapped__ = partial
        self.__name__ = getattr(partial.func, "__name__", "partial")

    def __call__(self, *args, **kwargs):
        return self.inner(*self.partial.args, *args, **{**self.partial.keywords, **kwargs})

    def __repr__(self):
        return f"<diffc gradient of {self.partial!r}>"


def _build(fn, wrt, with_value, has_aux):
    if isinstance(fn, functools.partial):
        return PartialGradient(fn, wrt, with_value, has_aux)
    if not hasattr(fn, "_diffc_stage") and methods.is_method(fn):
        return methods.MethodGradient(fn, wrt, with_value, has_aux)
    return variadic.transform(fn, wrt, lambda f, w: gradients.GradientFunction(f, w, with_value, has_aux))


def grad(fn=None, wrt=0, has_aux=False):
    """The gradient of scalar-valued ``fn`` with respect to ``wrt``.

    ``wrt`` is a parameter index or name, or a tuple of them (then a tuple of
    gradients is returned). Works as ``diffc.grad(f)``, ``@diffc.grad`` and
    ``@diffc.grad(wrt=("W", "b"))``. ``fn`` may itself be a ``diffc.grad`` (higher
    order). ``has_aux=True``: ``fn`` returns ``(loss, aux)``; the result is
    ``(gradient, aux)``.
    """
    return _decorator_or_call(fn, wrt, False, has_aux)


def value_and_grad(fn=None, wrt=0, has_aux=False):
    """Like ``grad``, but returns ``(fn(...), gradient)``; with ``has_aux=True``,
    ``((loss, aux), gradient)``."""
    return _decorator_or_call(fn, wrt, True, has_aux)


def ir(fn, *args, wrt=0, stage="ir"):
    """The IR of ``fn`` (``stage``: "ir", "reverse", "optimized"), printable with ``print``."""
    return gradients.GradientFunction(fn, wrt).ir(*args, stage=stage)
