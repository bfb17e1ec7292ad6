"""``diffc.grad``, ``diffc.value_and_grad`` and ``diffc.ir``: the gradient object of a
function (a ``GradientFunction``, or a ``MethodGradient`` for a method), made once per
function and options.
"""
from __future__ import annotations

import weakref

from diffc.api import gradients, methods


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


def _build(fn, wrt, with_value, has_aux):
    if not has_aux and not hasattr(fn, "_diffc_stage") and methods.is_method(fn):
        return methods.MethodGradient(fn, wrt, with_value)
    return gradients.GradientFunction(fn, wrt, with_value, has_aux)


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
