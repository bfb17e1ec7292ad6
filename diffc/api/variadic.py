"""Transforms of a function taking ``*args``/``**kwargs``: one view per way it is called.

``diffc.grad(f, wrt)`` of ``def f(*args, **kwargs)`` counts ``wrt`` in the positional
arguments of each call, as autograd's ``argnum`` does. diffc compiles for named
parameters, so each call's shape (how many positional arguments, which keyword names)
gets a *view* of ``f``: the same function whose signature names those arguments
(``args_0, args_1, *, allow_singular``). Lowering passes the view's parameters to ``f``
as Python would (``args`` the tuple, ``kwargs`` the dict), so the code compiled is
``f``'s own; a transform is made per view and the call goes to it.
"""
from __future__ import annotations

import functools
import inspect
import types

from diffc.errors import UnsupportedSyntax

_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def is_variadic(fn):
    """A plain function whose signature (a decorator's follows ``__wrapped__``) takes
    ``*args`` or ``**kwargs``."""
    if not inspect.isfunction(fn) or hasattr(fn, "_diffc_stage"):
        return False
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind in _VARIADIC for p in parameters)


def transform(fn, wrt, make, reserved=()):
    """``make(fn, wrt)``, or for a variadic ``fn`` a ``Variadic`` making it per view.
    ``reserved``: keywords the transform's call takes for itself (``tangents``)."""
    if is_variadic(fn):
        return Variadic(fn, wrt, make, reserved)
    return make(fn, wrt)


class Variadic:
    """A transform of ``f(*args, **kwargs)``, made for each call's view of ``f``."""

    def __init__(self, fn, wrt, make, reserved=()):
        self.fn, self.wrt, self._make, self._reserved = fn, wrt, make, frozenset(reserved)
        self._views = {}
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args, **kwargs):
        return self.for_call(args, kwargs)(*args, **kwargs)

    def for_call(self, args, kwargs):
        """The transform of the view of ``fn`` this call goes to."""
        names = tuple(k for k in kwargs if k not in self._reserved)
        key = (len(args), names)
        inner = self._views.get(key)
        if inner is None:
            inner = self._views[key] = self._make(view(self.fn, len(args), names), self.wrt)
        self._last = inner
        return inner

    def source_for(self, *args, **kwargs):
        """The generated source for a call with these arguments."""
        return self.for_call(args, kwargs).source_for(*args, **kwargs)

    def __diffc_lower_call__(self, scope, args, kwargs, node, hint):
        """A call inside a function diffc compiles: the view's gradient's own lowering."""
        inner = self.for_call(args, kwargs)
        lower_call = getattr(type(inner), "__diffc_lower_call__", None)
        if lower_call is None:
            raise UnsupportedSyntax(f"{inner!r} called inside a function diffc compiles is "
                                    "not supported", scope.loc(node),
                                    "call it outside the function, or use diffc.grad there")
        return lower_call(inner, scope, args, kwargs, node, hint)

    def __getattr__(self, name):
        """``source`` and the other public attributes: the last call's transform's."""
        last = self.__dict__.get("_last")
        if name.startswith("_") or last is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}"
                                 + ("" if name.startswith("_") else " before its first call"))
        return getattr(last, name)

    def __repr__(self):
        return f"<diffc transform of {self.fn.__qualname__}(*args, **kwargs) with respect to {self.wrt!r}>"


def view(fn, n_positional, keywords):
    """``fn`` with a signature naming the ``n_positional`` positional arguments and the
    ``keywords`` of one call: its ``*args`` become ``args_0, args_1, ...``, its
    ``**kwargs`` keyword-only parameters of those names."""
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    taken = {p.name for p in params} | set(keywords)
    named = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    out = []
    for p in params:
        if p.kind is p.VAR_POSITIONAL:
            for k in range(max(0, n_positional - len(named))):
                name = _fresh(f"{p.name}_{k}", taken)
                out.append(inspect.Parameter(name, p.POSITIONAL_OR_KEYWORD))
        elif p.kind is p.VAR_KEYWORD:
            out.extend(inspect.Parameter(k, p.KEYWORD_ONLY)
                       for k in keywords if k not in signature.parameters)
        else:
            out.append(p)
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    for attr in ("__module__", "__qualname__", "__doc__"):
        setattr(copy, attr, getattr(fn, attr))
    copy.__signature__ = signature.replace(parameters=out)
    return copy


def _fresh(name, taken):
    while name in taken:
        name += "_"
    taken.add(name)
    return name
