"""Reverse mode through containers: the gradient of a dict, list or tuple of arrays.

A container's gradient has the container's structure. While every read of it uses a
constant key (``params["W1"]``, ``layers[0]``), the engine keeps the gradient entry by
entry (``Entries``) and builds it as one literal when it is needed::

    dparams = {"W1": dW1, "b1": db1, "W2": dW2, "b2": np.zeros_like(params["b2"])}

A read with a run-time index (``weights[i]`` in a loop) needs a real container: the
gradient is built (zeros where nothing arrived) and updated with ``add_at_index``.
Which values are containers is known from the example arguments; without them the
array rules apply.
"""
from __future__ import annotations

from diffc.rules.instantiate import bound_operands
from diffc.core.ir import Const, Eqn, Pack, Var
from diffc.core.naming import adjoint_hint
from diffc.core import primitives


class Entries:
    """A container's gradient, known entry by entry; ``items`` maps keys to atoms."""

    def __init__(self, kind):
        self.kind = kind
        self.items = {}


def is_container_read(back, eqn):
    if eqn.prim != "getitem" or not back.facts.enabled:
        return False
    x = bound_operands(primitives.get("getitem"), eqn)["x"]
    return isinstance(x, Var) and back.facts.container(x) is not None


def backprop_getitem(back, eqn):
    operands = bound_operands(primitives.get("getitem"), eqn)
    x, index, out = operands["x"], operands["index"], eqn.outs[0]
    if x not in back.active:
        return
    grad = back.adjoints[out]                    # may itself be Entries (a nested container)
    key = _constant_key(index)
    current = back.adjoints.get(x)
    if key is not None and (current is None or isinstance(current, Entries)):
        entries = current if current is not None else Entries(back.facts.container(x))
        entries.items[key] = grad if key not in entries.items else \
            add(back, out, entries.items[key], grad, eqn)
        back.adjoints[x] = entries
        return
    grad = back.atom_of(out)
    base = back.atom_of(x) if current is not None else zeros(back, x, eqn)
    name = "add_at_key" if back.facts.container(x) == "dict" else "add_at_index"
    back.adjoints[x] = back.emit(name, (base, index, grad), {},
                                 adjoint_hint(x.hint), eqn.loc, "adjoint", eqn)


def _constant_key(index):
    if isinstance(index, Const):
        try:
            hash(index.value)
        except TypeError:
            return None
        return index.value
    return None


def add(back, like, a, b, origin):
    """``a + b`` for gradients of ``like`` (a Var or a container value)."""
    if isinstance(a, Entries) and isinstance(b, Entries):
        merged = Entries(a.kind)
        merged.items = dict(a.items)
        for k, v in b.items.items():
            merged.items[k] = v if k not in merged.items else add(back, None, merged.items[k], v, origin)
        return merged
    if isinstance(a, Entries) or isinstance(b, Entries):
        if not isinstance(like, Var):
            raise AssertionError("a nested container gradient met a built one")
        a, b = materialize(back, like, a, origin), materialize(back, like, b, origin)
    container = isinstance(like, Var) and back.facts.container(like) is not None
    hint = adjoint_hint(like.hint) if isinstance(like, Var) else "grad"
    return back.emit("add_gradients" if container else "operator.add", (a, b), {}, hint,
                     getattr(origin, "loc", None), "accumulate", origin)


def zeros(back, x, origin):
    kind = back.facts.container(x)
    name = "zeros_like_dict" if kind == "dict" else "zeros_like_list"
    return back.emit(name, (x,), {}, adjoint_hint(x.hint), getattr(origin, "loc", None), "adjoint", origin)


def materialize(back, x, grad, origin):
    """The atom of container ``x``'s gradient: ``Entries`` become one literal."""
    if not isinstance(grad, Entries):
        return grad
    loc = getattr(origin, "loc", None)
    return _build(back, x, back.facts.value(x), grad, loc, origin, adjoint_hint(x.hint))


def _build(back, x, value, grad, loc, origin, hint):
    keys = list(value) if isinstance(value, dict) else list(range(len(value)))
    items = []
    for k in keys:
        entry = grad.items.get(k)
        if isinstance(entry, Entries):
            sub = back.emit("operator.getitem", (x, Const(k)), {}, "entry", loc, "adjoint", origin, kind="temp")
            entry = _build(back, sub, value[k], entry, loc, origin, "grad")
        elif entry is None:
            entry = _zero_entry(back, x, k, value[k], loc, origin)
        items += [Const(k), entry] if isinstance(value, dict) else [entry]
    kind = "dict" if isinstance(value, dict) else "tuple" if isinstance(value, tuple) else "list"
    pack = Pack(kind, tuple(items))
    return back.emit("container", (pack,), {}, hint, loc, "adjoint", origin)


def _zero_entry(back, x, key, value, loc, origin):
    if isinstance(value, float):
        return Const(0.0)
    entry = back.emit("operator.getitem", (x, Const(key)), {}, "entry", loc, "adjoint", origin, kind="temp")
    if isinstance(value, dict):
        return back.emit("zeros_like_dict", (entry,), {}, "zeros", loc, "adjoint", origin, kind="temp")
    if isinstance(value, (list, tuple)):
        return back.emit("zeros_like_list", (entry,), {}, "zeros", loc, "adjoint", origin, kind="temp")
    return back.emit("numpy.zeros_like", (entry,), {}, "zeros", loc, "adjoint", origin, kind="temp")
