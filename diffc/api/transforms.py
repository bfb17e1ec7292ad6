"""Forward mode and the transforms built from both modes: ``jvp``, ``vjp``, ``jacobian``,
``hessian``, ``hvp``.

Each compiles on its first call for the arguments' signature, like ``diffc.grad``, and
calls generated NumPy code from a real file. They compose: the function given may be a
``diffc.grad`` (or any of these) of another, and the composition is made on the IR
(``staging.py``): ``hvp`` is forward mode over the reverse-mode gradient, ``hessian``
is the forward-mode Jacobian of the gradient.

Signatures, in the spirit of JAX (``wrt`` as in ``diffc.grad``: an index or name, or a
tuple of them; a tuple gives tuples below):

* ``diffc.jvp(f, wrt)(*args, tangents=t)`` → ``(f(*args), J·t)``
* ``diffc.vjp(f, wrt)(*args)`` → ``(f(*args), pullback)``; ``pullback(u)`` → ``uᵀ·J``
* ``diffc.jacobian(f, wrt, mode="reverse"|"forward")(*args)`` → ``J``, of shape
  ``f(*args).shape + args[wrt].shape`` (a block per entry for containers)
* ``diffc.hessian(f, wrt)(*args)`` → ``H`` (a tuple of tuples of blocks for a tuple wrt)
* ``diffc.hvp(f, wrt)(*args, tangents=v)`` → ``H·v`` without forming ``H``

Arguments may be arrays, numbers, or dicts, lists and tuples of them (nested), and
results keep their structure as JAX lays out pytrees (``trees.py``): a tangent or a
pullback's result has the argument's structure; a Jacobian is the output's structure
with each output entry replaced by the input's structure of blocks, so the Hessian of a
dict argument is a dict of dicts of blocks.
"""
from __future__ import annotations

import inspect

import numpy as np

from diffc.api import gradients, methods, variadic
from diffc.api.decorators import grad
from diffc.api.gradients import _signature, resolve_wrt
from diffc.backend import load
from diffc.compiler import lowering, pipeline, staging
from diffc.core import trees
from diffc.errors import DiffcError, UnsupportedSyntax, reports_internal_errors
from diffc.frontend import source


class _Transform:
    """A function transformed by diffc, compiled per signature of its arguments."""

    kind = "transform"

    def __init__(self, fn, wrt=0):
        self._method = None
        if not hasattr(fn, "_diffc_stage") and methods.is_method(fn):
            if getattr(fn, "__self__", None) is None:
                name = getattr(fn, "__qualname__", repr(fn))
                raise UnsupportedSyntax(f"diffc.{self.kind} of a method not bound to an object "
                                        f"({name}) is not supported", source.from_function(fn).loc(),
                                        f"transform the bound method: diffc.{self.kind}(net.{fn.__name__})")
            # a bound method (``net.predict``): as ``diffc.grad`` takes it, a function of the
            # attributes it reads and then its own arguments (``wrt``: a parameter, or an
            # attribute by name)
            self._method = methods.MethodGradient(fn, wrt=wrt)
            self._params = self._method._params
            self.wrt, self._single = self._method.wrt, self._method._single
        else:
            self._params = gradients.parameters(fn)
            self.wrt, self._single = resolve_wrt(fn, self._params, wrt)
        self.fn = fn
        self._specialised = {}
        self.source = None
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            if hasattr(fn, attr):
                setattr(self, attr, getattr(fn, attr))

    def __repr__(self):
        names = ", ".join(self._params[i] for i in self.wrt)
        return f"<diffc.{self.kind} of {getattr(self.fn, '__qualname__', self.fn)} with respect to {names}>"

    def _bind(self, args, kwargs):
        if self._method is not None:
            return self._bind_method(args, kwargs)
        if kwargs or len(args) != len(self._params):
            return gradients.bind_arguments(self.fn, self._params, args, kwargs)
        return tuple(args)

    def _bind_method(self, args, kwargs):
        """The inputs of a bound method's call: the attributes it reads for these arguments
        (lowering it with the object says which), then its own arguments."""
        obj, own = self._method._split(args, kwargs)
        layout = self._method._discover(obj, own)
        self._params, self.wrt, self._single = layout.names, layout.wrt, layout.single
        if not (isinstance(self.fn, _MethodStage) and self.fn.src is layout.src
                and self.fn.attributes == layout.attributes):
            self.fn = _MethodStage(layout.src, layout.attributes, layout.names)
        return tuple(self._method._gather(layout, obj, own))

    @reports_internal_errors
    def _compiled(self, key_args, build):
        """``(generated function, free inputs to pass after the arguments)`` for this
        signature, compiling it with ``build()`` when new or when a value it read from
        the running program has changed."""
        key = _signature(key_args)
        entry = self._specialised.get(key)
        extras = entry.check() if entry is not None else None
        if extras is None:
            entry = self._specialised[key] = gradients.compiled(lambda: self._emit(build))
            extras = entry.check()
            if extras is None:
                raise DiffcError(f"a value {entry.fn.__name__} reads from the running program "
                                 "changes at every read", None,
                                 "pass it to the function as an argument")
        return entry.fn, extras

    def _emit(self, build):
        staged, name, doc = build()
        compiled = staging.emit_staged(staged, name, doc + pipeline.describe_free(staged.free))
        text = pipeline.module_text(staged.src.module.path, [compiled])
        module = load.load_source(text, name)
        fn = getattr(module, compiled.name)
        fn.diffc_source = text
        self.source = text
        return fn, staged.free

    def _as_tuple(self, values, what):
        if self._single:
            return (values,)
        if not isinstance(values, (tuple, list)) or len(values) != len(self.wrt):
            raise ValueError(f"{what} must be a tuple of {len(self.wrt)} values, one per wrt")
        return tuple(values)


class _MethodStage:
    """A bound method's source, staged as a function of its attributes and arguments."""

    def __init__(self, src, attributes, names):
        self.src, self.attributes = src, attributes
        self.__name__ = self.__qualname__ = src.name
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])

    def _diffc_stage(self, args):
        examples = None if args is None else lowering.MethodExamples(args, self.attributes)
        return staging.stage_source(self.src, examples)

    def __call__(self, *args):
        raise TypeError(f"{self.__name__} is called through the transform of its method")


class JVPFunction(_Transform):
    """``diffc.jvp(f, wrt)``: call ``(*args, tangents=t)`` for ``(f(*args), J·t)``."""

    kind = "jvp"

    def __call__(self, *args, tangents, **kwargs):
        args = self._bind(args, kwargs)
        tangents = tuple(_coerce(args[i], t, "tangent")
                         for i, t in zip(self.wrt, self._as_tuple(tangents, "tangents")))
        fn, extras = self._compiled(args + tangents, lambda: self._build(args, tangents))
        return fn(*args, *extras, *tangents)

    def _build(self, args, tangents):
        staged = staging.stage(self.fn, args)
        staging.check_float_args(staged, self.wrt, args, "jvp")
        out = staging.jvp(staged, self.wrt, tangents)
        names = ", ".join(staged.func.params[i].name for i in self.wrt)
        doc = (f"Value and Jacobian-vector product of {staged.what} ({staged.src.loc().short}) "
               f"along tangents of {names}.\n\nSpecialised to arguments "
               f"{staging.describe_args(staged.func, args)}.")
        return out, "jvp_" + staged.func.name, doc


class VJPFunction(_Transform):
    """``diffc.vjp(f, wrt)``: call ``(*args)`` for ``(f(*args), pullback)``."""

    kind = "vjp"

    def __call__(self, *args, **kwargs):
        args = self._bind(args, kwargs)
        primal, extras = self._compiled(("primal",) + args, lambda: self._build_primal(args))
        value = primal(*args, *extras)

        def pullback(cotangent):
            """``cotangent``ᵀ·J: the gradient of ``sum(f(*args) * cotangent)``."""
            ct = _coerce(value, cotangent, "cotangent")
            fn, extras = self._compiled(args + (ct,), lambda: self._build(args, ct))
            return fn(*args, *extras, ct)

        return value, pullback

    def _build_primal(self, args):
        staged = staging.stage(self.fn, args)
        doc = (f"{staged.what} ({staged.src.loc().short}) as diffc compiles it.\n\n"
               f"Specialised to arguments {staging.describe_args(staged.func, args)}.")
        return staged, "primal_" + staged.func.name, doc

    def _build(self, args, cotangent):
        staged = staging.stage(self.fn, args)
        staging.check_float_args(staged, self.wrt, args, "vjp")
        out = staging.vjp(staged, self.wrt, cotangent, single=self._single)
        names = ", ".join(staged.func.params[i].name for i in self.wrt)
        doc = (f"Vector-Jacobian product of {staged.what} ({staged.src.loc().short}) with "
               f"respect to {names}: the gradient of sum(out * dout).\n\nSpecialised to "
               f"arguments {staging.describe_args(staged.func, args)}.")
        return out, "vjp_" + staged.func.name, doc


def _coerce(primal, value, what):
    """``value`` as a tangent/cotangent of ``primal``: the same tree structure, each leaf
    of its primal leaf's shape and float dtype."""
    mismatch = trees.same_structure(primal, value)
    if mismatch:
        raise ValueError(f"the {what} must have the structure of the value it goes with: {mismatch}")
    return trees.rebuild(primal, [_coerce_leaf(leaf, trees.get(value, path), what, path)
                                  for path, leaf in trees.leaves(primal)])


def _coerce_leaf(primal, value, what, path):
    where = trees.path_text("", path)
    where = f" at {where}" if where else ""
    if isinstance(primal, np.ndarray):
        out = np.asarray(value, dtype=primal.dtype if primal.dtype.kind in "fc" else float)
        if out.shape != primal.shape:
            raise ValueError(f"the {what}{where} has shape {out.shape}, expected {primal.shape}")
        return out
    if np.shape(value) != ():
        raise ValueError(f"the {what}{where} has shape {np.shape(value)}, expected a scalar")
    if isinstance(primal, np.generic):
        return primal.dtype.type(value) if primal.dtype.kind in "fc" else np.float64(value)
    return float(value)


class JacobianFunction(_Transform):
    """``diffc.jacobian(f, wrt, mode)``: call ``(*args)`` for the Jacobian(s)."""

    kind = "jacobian"

    def __init__(self, fn, wrt=0, mode="reverse"):
        if mode not in ("reverse", "forward"):
            raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
        super().__init__(fn, wrt)
        self.mode = mode
        self._jvp = JVPFunction(fn, self.wrt)
        self._vjp = VJPFunction(fn, self.wrt)

    def __call__(self, *args, **kwargs):
        fn = self.fn
        args = self._bind(args, kwargs)
        if self.fn is not fn:       # a bound method's layout: its own inner transforms
            self._jvp, self._vjp = JVPFunction(self.fn, self.wrt), VJPFunction(self.fn, self.wrt)
        return self._forward(args) if self.mode == "forward" else self._reverse(args)

    def _reverse(self, args):
        """One pullback per element of the (single array) output."""
        value, pullback = self._vjp(*args)
        if trees.is_container(value):
            raise ValueError("jacobian(mode='reverse') needs a function with one array output; "
                             "use mode='forward' for a tuple of outputs")
        out_shape = np.shape(value)
        inputs = [trees.leaves(args[i]) for i in self.wrt]
        blocks = [[np.zeros(out_shape + np.shape(leaf)) for _, leaf in leaves] for leaves in inputs]
        for index in np.ndindex(out_shape):
            grads = pullback(_unit(value, (), index))
            for per_leaf, leaves, g in zip(blocks, inputs, grads):
                for block, (path, _) in zip(per_leaf, leaves):
                    block[index] = trees.get(g, path)
        per_wrt = [trees.rebuild(args[i], map(_finish, b)) for i, b in zip(self.wrt, blocks)]
        return per_wrt[0] if self._single else tuple(per_wrt)

    def _forward(self, args):
        """One JVP per element of each differentiated input."""
        zeros = [_unit(args[i], None, None) for i in self.wrt]
        value = self._jvp(*args, tangents=tuple(zeros))[0]
        columns = []              # per wrt, per input leaf: an output tree of blocks
        for k, i in enumerate(self.wrt):
            per_leaf = []
            for path, leaf in trees.leaves(args[i]):
                per_index = {}
                for index in np.ndindex(np.shape(leaf)):
                    tangents = list(zeros)
                    tangents[k] = _unit(args[i], path, index)
                    per_index[index] = self._jvp(*args, tangents=tuple(tangents))[1]
                per_leaf.append(_stack_columns(value, per_index, np.shape(leaf)))
            columns.append(per_leaf)
        return _by_output(value, [args[i] for i in self.wrt], columns, self._single)


def _unit(like, path, index):
    """A tree of zeros shaped like ``like``, with a one at element ``index`` of the leaf at
    ``path`` (``path`` None: all zeros)."""
    return trees.rebuild(like, [_unit_leaf(leaf, index if p == path else None)
                                for p, leaf in trees.leaves(like)])


def _unit_leaf(like, index):
    if isinstance(like, np.ndarray):
        out = np.zeros(like.shape, dtype=like.dtype if like.dtype.kind in "fc" else float)
        if index is not None:
            out[index] = 1.0
        return out
    one = 0.0 if index is None else 1.0
    return like.dtype.type(one) if isinstance(like, np.generic) else one


def _finish(block):
    return block.item() if block.ndim == 0 else block


def _stack_columns(value, per_index, in_shape):
    """``{input index: tangent of the output}`` → a tree like the output ``value`` whose
    leaves are blocks of shape ``output leaf shape + in_shape``."""
    blocks = []
    for path, leaf in trees.leaves(value):
        out_shape = np.shape(leaf)
        block = np.zeros(out_shape + in_shape)
        axes = (slice(None),) * len(out_shape)
        for index, tangent in per_index.items():
            block[axes + index] = trees.get(tangent, path)
        blocks.append(_finish(block))
    return trees.rebuild(value, blocks)


def _by_output(value, inputs, columns, single):
    """The Jacobian as JAX lays it out: ``value``'s tree, each output leaf replaced by the
    input's tree of blocks (a tuple of them, one per wrt, for a tuple wrt)."""
    per_output = []
    for path, _ in trees.leaves(value):
        per_wrt = tuple(trees.rebuild(arg, [trees.get(c, path) for c in per_leaf])
                        for arg, per_leaf in zip(inputs, columns))
        per_output.append(per_wrt[0] if single else per_wrt)
    return trees.rebuild(value, per_output)


class HVPFunction(_Transform):
    """``diffc.hvp(f, wrt)``: call ``(*args, tangents=v)`` for ``H·v``."""

    kind = "hvp"

    def __init__(self, fn, wrt=0):
        _no_second_order_of_a_method(fn, "hvp")
        super().__init__(fn, wrt)
        wrt = self.wrt[0] if self._single else self.wrt
        self._jvp = JVPFunction(grad(fn, wrt), wrt)

    def __call__(self, *args, tangents, **kwargs):
        args = self._bind(args, kwargs)
        return self._jvp(*args, tangents=tangents)[1]


def _transform(cls, fn, wrt, **options):
    def make(f):
        return variadic.transform(f, wrt, lambda view, w: cls(view, wrt=w, **options),
                                  reserved=("tangents",))
    return make if fn is None else make(fn)


def jvp(fn=None, wrt=0):
    """Forward mode: ``diffc.jvp(f, wrt)(*args, tangents=t)`` → ``(f(*args), J·t)``.

    ``tangents`` has the shape of ``args[wrt]`` (a tuple of them for a tuple ``wrt``).
    """
    return _transform(JVPFunction, fn, wrt=wrt)


def vjp(fn=None, wrt=0):
    """Reverse mode for any output: ``diffc.vjp(f, wrt)(*args)`` → ``(f(*args), pullback)``,
    where ``pullback(u)`` is the gradient of ``sum(f(*args) * u)`` (one per wrt)."""
    return _transform(VJPFunction, fn, wrt=wrt)


def jacobian(fn=None, wrt=0, mode="reverse"):
    """``diffc.jacobian(f, wrt, mode)(*args)``: the Jacobian, shape ``out.shape + arg.shape``.

    ``mode="reverse"`` makes one pullback per output element, ``"forward"`` one JVP per
    input element; both give the same matrix.
    """
    return _transform(JacobianFunction, fn, wrt=wrt, mode=mode)


def hessian(fn=None, wrt=0):
    """``diffc.hessian(f, wrt)(*args)``: second derivatives of scalar ``f``, forward over
    reverse. For a tuple ``wrt``, ``H[i][j]`` is the block d²f / d(wrt[i]) d(wrt[j])."""
    def make(f):
        _no_second_order_of_a_method(f, "hessian")
        return variadic.transform(f, wrt, lambda view, w: JacobianFunction(grad(view, w), w, mode="forward"))
    return make if fn is None else make(fn)


def _no_second_order_of_a_method(fn, kind):
    """Second order of a method is refused, located: forward mode over a method's gradient
    is not staged yet (``jvp``, ``vjp`` and ``jacobian`` of a bound method are)."""
    if not hasattr(fn, "_diffc_stage") and methods.is_method(fn):
        raise UnsupportedSyntax(f"diffc.{kind} of a method ({fn.__qualname__}) is not supported",
                                source.from_function(getattr(fn, "__func__", fn)).loc(),
                                "write a function taking the object's arrays, e.g. "
                                "def energy(A, x): ..., and take its hessian")


def hvp(fn=None, wrt=0):
    """``diffc.hvp(f, wrt)(*args, tangents=v)``: the Hessian-vector product ``H·v`` of
    scalar ``f``, by forward mode over the reverse-mode gradient (``H`` is never formed)."""
    return _transform(HVPFunction, fn, wrt=wrt)
