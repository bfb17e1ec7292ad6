"""Gradients of methods: ``diffc.grad(net.loss, wrt="params")(x, t)``.

A method reads its object's attributes (``self.params["W1"]``, ``self.weights[i]``,
``self.reg``) and may call other methods of the same object (``self.predict(x)``),
which are differentiated through. The compiled gradient takes the attributes it reads
as ordinary inputs, first, in the order first read: ``grad_loss(params, x, t)``.
``wrt`` names attributes (``"params"`` or ``"self.params"``) and parameters alike;
integer ``wrt`` counts the method's own parameters, as for a function.
Assigning to an attribute inside a differentiated method is a located error.
"""
from __future__ import annotations

import inspect

from diffc import api, pipeline, source
from diffc.errors import DiffcError


def is_method(fn):
    """A bound method, or a function defined in a class whose first parameter is ``self``."""
    if inspect.ismethod(fn):
        return True
    try:
        src = source.from_function(fn)
    except DiffcError:    # not a readable function: the ordinary path reports why
        return False
    return src.method


class MethodGradient(api.GradientFunction):
    """``diffc.grad`` of a method, bound (``net.loss``) or not (``Net.loss``, called with
    the object first)."""

    def __init__(self, method, wrt=0, with_value=False):
        self.bound_to = getattr(method, "__self__", None)
        func = getattr(method, "__func__", method)
        src = source.from_function(func)
        src.method = True
        self.attributes = pipeline.lower(src).attributes
        own = list(inspect.signature(func).parameters)[1:]
        names = list(self.attributes) + own
        indices, single = _resolve(func, names, own, wrt)
        self.primal = method
        self.with_value = with_value
        self.has_aux = False
        self._nested = False
        self._params = names
        self._own = own
        self.wrt, self._single = indices, single
        self._specialised = {}
        self._examples = []
        self._fast_params = None          # a method gathers attributes: no generated dispatcher
        self._last = None
        self._src = src
        self.__wrapped__ = method
        self.__name__ = getattr(func, "__name__", "method")
        self.__qualname__ = getattr(func, "__qualname__", self.__name__)
        self.__doc__ = getattr(func, "__doc__", None)

    def __repr__(self):
        names = ", ".join(self._params[i] for i in self.wrt)
        return f"<diffc.grad of method {self.__qualname__} with respect to {names}>"

    def __get__(self, obj, owner=None):
        """``@diffc.grad`` on a method in a class body: ``net.loss`` binds to ``net``."""
        if obj is None:
            return self
        bound = MethodGradient.__new__(MethodGradient)
        bound.__dict__.update(self.__dict__)
        bound.bound_to = obj
        bound._specialised = self._specialised
        return bound

    def _inputs(self, args, kwargs):
        obj = self.bound_to
        if obj is None:
            obj, args = args[0], args[1:]
        if kwargs or len(args) < len(self._own):
            func = getattr(self.primal, "__func__", self.primal)
            bound = inspect.signature(func).bind(obj, *args, **kwargs)
            bound.apply_defaults()
            args = tuple(bound.arguments.values())[1:]
        return tuple(getattr(obj, a) for a in self.attributes) + tuple(args)

    def __call__(self, *args, **kwargs):
        inputs = self._inputs(args, kwargs)
        fn = self._specialised.get(api._signature(inputs))
        if fn is None:
            fn = self._compile(inputs)
        return fn(*inputs)

    def source_for(self, *args, **kwargs):
        inputs = self._inputs(args, kwargs)
        fn = self._specialised.get(api._signature(inputs)) or self._compile(inputs)
        return fn.diffc_source


def _resolve(func, names, own, wrt):
    single = not isinstance(wrt, (tuple, list))
    indices = []
    for w in [wrt] if single else list(wrt):
        if isinstance(w, str):
            w = w[len("self."):] if w.startswith("self.") else w
            if w not in names:
                raise ValueError(f"{func.__qualname__} neither reads an attribute nor has a "
                                 f"parameter {w!r}; it reads {names[:len(names) - len(own)]} "
                                 f"and takes {own}")
            indices.append(names.index(w))
        elif isinstance(w, int) and -len(own) <= w < len(own):
            indices.append(len(names) - len(own) + w % len(own))
        else:
            raise ValueError(f"wrt={w!r} is not a parameter of {func.__qualname__}")
    return tuple(indices), single
