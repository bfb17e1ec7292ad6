"""Gradients of methods: ``diffc.grad(net.loss, wrt="params")(x, t)``.

A method reads its object's attributes (``self.params["W1"]``, ``self.weights[i]``,
``self.reg``) and may call other methods of the same object (``self.predict(x)``),
which are differentiated through. The compiled gradient takes the attributes it reads
as ordinary inputs, first, in the order first read: ``grad_loss(params, x, t)``.
``wrt`` names attributes (``"params"`` or ``"self.params"``) and parameters alike;
integer ``wrt`` counts the method's own parameters, as for a function.
Assigning to an attribute inside a differentiated method (``self.h = x``) is made on the
object at each call, as Python makes it: the compiled gradient then also takes the
object itself, as ``self`` (``lower_objects.SELF``).
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
from dataclasses import dataclass

from diffc.api import gradients
from diffc.backend import namespaces, portable
from diffc.compiler import backends, lowering, pipeline
from diffc.compiler import staging
from diffc.frontend import lower_objects, source
from diffc.core.facts import Facts
from diffc.errors import DiffcError, user_code


def is_method(fn):
    """A bound method, or a function defined in a class whose first parameter is ``self``."""
    if inspect.ismethod(fn):
        return True
    try:
        src = source.from_function(fn)
    except DiffcError:    # not a readable function: the ordinary path reports why
        return False
    return src.method


@dataclass
class _Layout:
    """How a method is compiled for objects of one class: its source (``self.f`` resolved
    through that class), the attributes it reads, its inputs' names and ``wrt`` indices."""
    src: object
    attributes: tuple
    names: list
    wrt: tuple
    single: bool


class MethodGradient(gradients.GradientFunction):
    """``diffc.grad`` of a method, bound (``net.loss``) or not (``Net.loss``, called with
    the object first). It compiles per class of the object: ``self.fn`` is the method
    Python would call, found through the object's class and its bases."""

    def __init__(self, method, wrt=0, with_value=False, has_aux=False):
        self.bound_to = getattr(method, "__self__", None)
        func = getattr(method, "__func__", method)
        self._func = func
        self._wrt_spec = wrt
        self._has_aux = has_aux
        self._layouts = {}
        self._last_layout = {}          # class -> the layout of the last call on such objects
        self._own = gradients.parameters(func)[1:]
        owner = type(self.bound_to) if self.bound_to is not None else None
        layout = self._layout(owner)
        self.primal = method
        self.with_value = with_value
        self.has_aux = has_aux
        self._nested = False
        self._params = layout.names
        self.attributes = layout.attributes
        self.wrt, self._single = layout.wrt, layout.single
        self._specialised = {}
        self._examples = []
        self._fast_params = None          # a method gathers attributes: no generated dispatcher
        self._last = None
        self._last_args = None
        self._src = layout.src
        self.__wrapped__ = method
        self.__name__ = getattr(func, "__name__", "method")
        self.__qualname__ = getattr(func, "__qualname__", self.__name__)
        self.__doc__ = getattr(func, "__doc__", None)

    def _layout(self, owner, attributes=None):
        """The ``_Layout`` for objects of class ``owner`` that read ``attributes`` (None:
        those the class statements show, read without an object; an unbound method before
        its first call, a repr). Without an object, a method whose attributes depend on
        its static values cannot say which it reads: its layout is the one with none."""
        key = (owner, attributes)
        layout = self._layouts.get(key)
        if layout is None:
            src = dataclasses.replace(source.from_function(self._func), method=True, owner=owner,
                                      aux=self._has_aux)
            if attributes is None:
                try:
                    attributes = tuple(pipeline.lower(src).attributes)
                except DiffcError:
                    attributes = ()
            names = list(attributes) + self._own
            try:
                indices, single = _resolve(self._func, names, self._own, self._wrt_spec)
            except ValueError:
                if key[1] is not None:
                    raise
                indices, single = (), not isinstance(self._wrt_spec, (tuple, list))
            layout = self._layouts[key] = _Layout(src, tuple(attributes), names, indices, single)
        return layout

    def _discover(self, obj, own):
        """The layout for ``obj`` called with ``own``: lowering with the object and the
        example arguments says which attributes the method reads for them."""
        src = self._layout(type(obj)).src
        facts = Facts(True)
        spec = self._wrt_spec if isinstance(self._wrt_spec, (tuple, list)) else [self._wrt_spec]
        named = [w[len("self."):] if w.startswith("self.") else w for w in spec if isinstance(w, str)]
        preread = [n for n in named if n not in self._own and hasattr(obj, n)]
        if namespaces.holds_foreign_arrays((obj, *own)):     # another library's arrays: NumPy's
            memo = {}
            obj, *own = namespaces.stand_in((obj, *own), memo)
            facts.stand_in = functools.partial(namespaces.stand_in, memo=memo)
        with user_code():
            func = pipeline.lower(src, calls=True, facts=facts, args=tuple(own), instance=obj,
                                  preread=preread)
        return self._layout(type(obj), tuple(func.attributes))

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

    def _split(self, args, kwargs):
        """``(obj, own)``: the object and the method's own arguments, defaults filled in."""
        obj = self.bound_to
        if obj is None:
            obj, args = args[0], args[1:]
        if kwargs or len(args) != len(self._own):
            args = gradients.bind_arguments(self._func, self._own, (obj,) + tuple(args), kwargs)
        return obj, tuple(args)

    @staticmethod
    def _gather(layout, obj, own):
        values = tuple(lower_objects.attribute_value(obj, a) for a in layout.attributes) + own
        return lowering.MethodExamples(values, layout.attributes)

    def _entry(self, obj, own):
        """``(entry, inputs)``: the compiled code for this call and its inputs."""
        layout = self._last_layout.get(type(obj))
        if layout is not None:
            try:
                inputs = self._gather(layout, obj, own)
            except AttributeError:
                inputs = None
            if inputs is not None:
                key = (type(obj), layout.attributes, gradients._signature(inputs))
                entry = self._specialised.get(key)
                if entry is not None:
                    return entry, inputs, layout, key
        layout = self._layout(type(obj)) if self.has_aux else self._discover(obj, own)
        self._last_layout[type(obj)] = layout
        inputs = self._gather(layout, obj, own)
        key = (type(obj), layout.attributes, gradients._signature(inputs))
        return self._specialised.get(key), inputs, layout, key

    def __call__(self, *args, **kwargs):
        obj, own = self._split(args, kwargs)
        entry, inputs, layout, key = self._entry(obj, own)
        if entry is None:
            entry = self._compile_for(layout, key, inputs, obj)
        out = gradients.call(entry, inputs, lambda: self._compile_for(layout, key, inputs, obj))
        if getattr(entry.fn, "diffc_stores_first", None):
            after = (type(obj), layout.attributes, gradients._signature(self._gather(layout, obj, own)))
            gradients.after_stores(self._specialised, key, after)
        return out

    def _compile_for(self, layout, key, inputs, obj):
        target = namespaces.target_for(inputs, layout.wrt)

        def build():
            if target is not None:      # another library's arrays (torch tensors)
                return self._build_portable(layout, inputs, obj, target)
            if self.has_aux:        # staged like a function's, attributes as read statically
                return self._compile_with_aux(layout, inputs)
            compiled = pipeline.compile_gradient(layout.src, layout.wrt, inputs, instance=obj,
                                                 with_value=self.with_value, single=layout.single)
            return self._load(compiled, layout.src), compiled.free
        entry = self._specialised[key] = gradients.compiled(build)
        self._last, self._last_args = entry.fn, inputs
        return entry

    def _build_portable(self, layout, inputs, obj, target):
        """The array-API form (``backends``), compiled on NumPy stand-ins of the object and
        of the inputs; it takes the live attributes at each call, like the NumPy form."""
        if self.has_aux:
            raise portable.BackendUnsupported(
                f"diffc's array-API form ({target.name}) does not make has_aux of a method yet",
                layout.src.loc(), "write the loss as a function of the arrays (has_aux works "
                "there), or call the method with NumPy arrays")
        compiled, fdefs, uses_math = backends.compile_portable(
            layout.src, layout.wrt, inputs, target, with_value=self.with_value,
            single=layout.single, instance=obj)
        fn = backends.load_portable(self, compiled, fdefs, uses_math, target, layout.src)
        return fn, compiled.free

    def _compile_with_aux(self, layout, inputs):
        """``has_aux=True``: the method returns ``(loss, aux)``; staged like a function's."""
        staged = staging.stage_source(layout.src, inputs)
        if inputs is not None:
            staging.check_float_args(staged, layout.wrt, inputs, "grad")
        staged = staging.gradient(staged, layout.wrt, with_value=self.with_value, has_aux=True,
                                  single=layout.single)
        return self._emit_staged(staged, layout.wrt, inputs)

    def _build(self, args):
        """General code (``args`` None) for the bound object's class, or the class
        statements' reading."""
        owner = type(self.bound_to) if self.bound_to is not None else None
        layout = self._layout(owner)
        if self.has_aux:
            return self._compile_with_aux(layout, args)
        compiled = pipeline.compile_gradient(layout.src, layout.wrt, args,
                                             with_value=self.with_value, single=layout.single)
        return self._load(compiled, layout.src), compiled.free

    def source_for(self, *args, **kwargs):
        obj, own = self._split(args, kwargs)
        entry, inputs, layout, key = self._entry(obj, own)
        if entry is None or entry.check() is None:
            entry = self._compile_for(layout, key, inputs, obj)
        return entry.fn.diffc_source


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
