"""Reverse mode through containers: the gradient of a dict, list or tuple of arrays.

A container's gradient has the container's structure. While every read of it uses a
constant key (``params["W1"]``, ``layers[0]``), the engine keeps the gradient entry by
entry (``Entries``) and builds it as one literal when it is needed::

    dparams = {"W1": dW1, "b1": db1, "W2": dW2, "b2": np.zeros_like(params["b2"])}

A read with a run-time index (``weights[i]`` in a loop) needs a real container: the
gradient is built (zeros where nothing arrived) and updated with ``add_at_index``. So
does a container whose structure is not one (a list grown in a loop, ``out = out +
[v]``, has another length in each iteration): its entries are never kept by key.
Which values are containers is known from the example arguments; without them the
array rules apply.

``a + b`` on lists or tuples joins them: the gradient of the joined list is cut back
into ``a``'s part and ``b``'s (``dout[:-1]`` and ``dout[-1]`` for ``out + [v]``), at
lengths known where they are fixed and measured with ``len`` where they are not.
"""
from __future__ import annotations

import numpy as np

from diffc.errors import NoRuleError
from diffc.rules.instantiate import bound_operands
from diffc.core.ir import Const, Eqn, If, Loop, Pack, Role, Var, VarKind, atoms_in, walk
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


def is_literal_read(eqn):
    """``(a, b, c)[1]``: a constant position of a literal tuple or list (what a helper
    returning several results becomes once its call is inlined)."""
    if eqn.prim != "getitem":
        return False
    operands = bound_operands(primitives.get("getitem"), eqn)
    key = _constant_key(operands["index"])
    return isinstance(operands["x"], Pack) and operands["x"].kind in ("tuple", "list") \
        and isinstance(key, int) and not isinstance(key, bool)


def backprop_literal_read(back, eqn):
    """The read's gradient goes to the one item it read."""
    operands = bound_operands(primitives.get("getitem"), eqn)
    item = operands["x"].items[operands["index"].value]
    send(back, item, back.adjoints[eqn.outs[0]], eqn)


def backprop_getitem(back, eqn):
    operands = bound_operands(primitives.get("getitem"), eqn)
    x, index, out = operands["x"], operands["index"], eqn.outs[0]
    if x not in back.active:
        return
    grad = back.adjoints[out]                    # may itself be Entries (a nested container)
    key = _constant_key(index)
    current = back.adjoints.get(x)
    if isinstance(key, int) and back.facts.container(x) != "dict" and _fixed_structure(back, x):
        key %= len(back.facts.value(x))          # out[-1] is the entry out[len(out) - 1]
    elif not isinstance(key, str) and not _fixed_structure(back, x):
        key = None                               # no one length: keys are positions at run time
    if key is not None and (current is None or isinstance(current, Entries)):
        entries = current if current is not None else Entries(back.facts.container(x))
        entries.items[key] = grad if key not in entries.items else \
            add(back, out, entries.items[key], grad, eqn)
        back.adjoints[x] = entries
        return
    grad = back.atom_of(out)
    base = back.atom_of(x) if current is not None else zeros(back, x, eqn)
    kind = "key" if back.facts.container(x) == "dict" else "index"
    if back.facts.container(out) is None:
        back.adjoints[x] = back.emit(f"add_at_{kind}", (base, index, grad), {},
                                     adjoint_hint(x.hint), eqn.loc, Role.ADJOINT, eqn)
        return
    # the entry read is itself a list, tuple or dict (``out[1:3]``, a row of a nested list):
    # its gradient is added entry by entry (``+`` would join two lists)
    entry = back.emit("operator.getitem", (base, index), {}, "entry", eqn.loc, Role.ADJOINT, eqn, kind=VarKind.TEMP)
    total = back.emit("add_gradients", (entry, grad), {}, adjoint_hint(out.hint), eqn.loc, Role.ACCUMULATE, eqn)
    back.adjoints[x] = back.emit(f"replace_at_{kind}", (base, index, total), {},
                                 adjoint_hint(x.hint), eqn.loc, Role.ADJOINT, eqn)


def _fixed_structure(back, atom):
    """Whether the container's length (keys) is the example's wherever this code runs."""
    return isinstance(atom, (Const, Pack)) or back.facts.is_static(atom)


def is_sequence_arithmetic(back, eqn):
    """``a + b`` joining two lists or two tuples (known from the example values, or without
    them, from an operand that is a list or tuple literal or was made from one), or ``a * n``
    repeating one."""
    if eqn.prim not in ("add", "multiply"):
        return False
    if back.facts.kind(eqn.outs[0]) is not None or back.facts.container(eqn.outs[0]) is not None:
        return back.facts.container(eqn.outs[0]) in ("list", "tuple")   # (array + list adds)
    operands = bound_operands(primitives.get(eqn.prim), eqn)
    pair = (operands["x"], operands["y"])
    if eqn.prim == "add":
        return _joins(pair, back.program.sequences)
    return any(a in back.program.sequences or _literal_sequence(a) and isinstance(n, Const) and
               isinstance(n.value, int) for a, n in (pair, pair[::-1]))


def backprop_sequence_arithmetic(back, eqn):
    if eqn.prim == "add":
        return backprop_concat(back, eqn)
    if any(v in back.active for v in eqn.inputs()):
        raise NoRuleError("diffc does not differentiate a list or tuple repeated with *", eqn.loc,
                          "build the list with a loop (out = out + [v]), or stack the array and "
                          "use np.tile")


def _joins(pair, sequences):
    """Whether ``a + b`` joins sequences, without example values: an operand is known to be
    one, both are literals, or one is the empty literal (``x + [1.0, 2.0]`` with ``x`` an
    array adds elementwise)."""
    literal = [_literal_sequence(a) for a in pair]
    return any(a in sequences for a in pair) or all(literal) or any(
        is_literal and len(_items(a)) == 0 for a, is_literal in zip(pair, literal))


def _literal_sequence(atom):
    return isinstance(atom, Pack) and atom.kind in ("list", "tuple") or \
        isinstance(atom, Const) and isinstance(atom.value, (list, tuple))


def _items(atom):
    return atom.items if isinstance(atom, Pack) else atom.value


def sequences_of(body) -> set:
    """The Vars of ``body`` that hold a list or tuple made from a literal (``out = []``, then
    ``out = out + [v]`` in a loop), for code compiled without example values."""
    found = set()

    def sequence(atom):
        return _literal_sequence(atom) or atom in found

    while True:
        before = len(found)
        for stmt in walk(body):
            if isinstance(stmt, Eqn) and stmt.prim == "add" and len(stmt.args) == 2 and \
                    _joins(stmt.args, found):
                found.update(stmt.outs)
            elif isinstance(stmt, If):
                found.update(out for k, out in enumerate(stmt.outs)
                             if any(sequence(b.results[k]) for b in (stmt.then, stmt.orelse)))
            elif isinstance(stmt, Loop):
                carried = stmt.body.params[1:] if stmt.kind == "for" else stmt.body.params
                for k, p in enumerate(carried):
                    if sequence(stmt.inits[k]) or sequence(stmt.body.results[k]):
                        found.update((p, stmt.outs[k]))
        if len(found) == before:
            return found


def backprop_concat(back, eqn):
    """The gradient of ``out = a + b`` (lists or tuples) cut into ``a``'s part and ``b``'s."""
    operands = bound_operands(primitives.get("add"), eqn)
    a, b, out = operands["x"], operands["y"], eqn.outs[0]
    unknown = [p for p in (a, b) if isinstance(p, Var) and back.facts.container(p) is None]
    if unknown:
        raise NoRuleError(
            f"joining lists or tuples with + needs example values: without them diffc "
            f"cannot tell whether {unknown[0].hint!r} is a list (to give it its part of the "
            f"gradient)", eqn.loc,
            "compile with example arguments on which this line runs" if back.facts.enabled else
            "compile through the Python API (diffc.grad), or pass --arg for every parameter")
    parts = [(p, lo, hi) for p, (lo, hi) in zip((a, b), _bounds(back, a, b, eqn))
             if any(v in back.active for v in atoms_in(p))]
    if not parts:
        return
    grad = back.adjoints[out]
    if isinstance(grad, Entries) and all(isinstance(lo, int) and isinstance(hi, int) for _, lo, hi in parts):
        for part, lo, hi in parts:
            entries = Entries(grad.kind)
            entries.items = {k - lo: g for k, g in grad.items.items() if lo <= k < hi}
            send(back, part, entries, eqn)
        return
    grad = back.atom_of(out)
    for part, lo, hi in parts:
        if isinstance(part, Pack):            # [v, w] read one by one: dout[lo], dout[lo + 1]
            for i, item in enumerate(part.items):
                if any(v in back.active for v in atoms_in(item)):
                    at = _position(lo, hi, i, len(part.items))
                    send(back, item, _read(back, grad, Const(at), item, eqn), eqn)
            continue
        index = Pack("slice", (Const(None) if lo in (0, None) else _atom(lo),
                               Const(None) if hi is None else _atom(hi), Const(None)))
        send(back, part, _read(back, grad, index, part, eqn), eqn)


def _bounds(back, a, b, eqn):
    """``((lo, hi) of a, (lo, hi) of b)`` in the joined list: ints, negative positions
    counted from the end, None for an open end, or a Var (``len(a)`` at run time)."""
    na, nb = (len(_items(p)) if _literal_sequence(p) else len(back.facts.value(p))
              if _fixed_structure(back, p) else None for p in (a, b))
    if na is not None:
        return (0, na), (na, None)
    if nb is not None:
        return ((0, -nb) if nb else (0, None)), ((-nb, None) if nb else (None, None))
    if not isinstance(a, Var):
        raise NoRuleError("diffc cannot tell the lengths of the lists joined here", eqn.loc,
                          "build the list by adding one literal at a time (out = out + [v])")
    length = back.emit("builtins.len", (a,), {}, "n", eqn.loc, Role.ADJOINT, eqn, kind=VarKind.TEMP)
    return (0, length), (length, None)


def _position(lo, hi, i, n):
    """The position in the joined list of entry ``i`` of a literal of ``n`` entries."""
    if isinstance(lo, int):
        return lo + i
    return i - n                                  # the literal ends the list


def _atom(bound):
    return bound if isinstance(bound, Var) else Const(bound)


def _read(back, grad, index, like, eqn):
    hint = adjoint_hint(like.hint) if isinstance(like, Var) else "grad"
    return back.emit("operator.getitem", (grad, index), {}, hint, eqn.loc, Role.ADJOINT, eqn)


def send(back, part, grad, eqn):
    """Give ``grad`` (an atom or ``Entries``) to ``part``: a Var, or a literal list or tuple
    (entry by entry: ``[x]`` starting a loop's list gets the first entry of its gradient)."""
    if isinstance(part, Var):
        if part in back.active:
            back.accumulate(part, grad, eqn)
        return
    if not isinstance(part, Pack):
        return
    for i, item in enumerate(part.items):
        if not any(v in back.active for v in atoms_in(item)):
            continue
        if isinstance(grad, Entries):
            if i in grad.items:
                send(back, item, grad.items[i], eqn)
        else:
            send(back, item, _read(back, grad, Const(i), item, eqn), eqn)


def fit_entries(back, prim, eqn, grad, operand):
    """The gradient of a list operand, each entry in its entry's shape: ``np.vstack`` makes
    rows of 1-D arrays, and its rule's pieces are rows (``reshape_entries`` makes them 1-D
    again where the example values do not show that they already are)."""
    if not prim.broadcasting:
        return grad
    facts = back.facts
    if facts.is_static(operand) and isinstance(grad, Var) and facts.is_static(grad):
        entries, pieces = facts.value(operand), facts.value(grad)
        if isinstance(pieces, (list, tuple)) and len(pieces) == len(entries) and all(
                np.shape(p) == np.shape(e) for p, e in zip(pieces, entries)):
            return grad
    return back.emit("reshape_entries", (grad, operand), {}, adjoint_hint(operand.hint), eqn.loc,
                     Role.UNBROADCAST, eqn)


def _constant_key(index):
    if isinstance(index, Const) and not isinstance(index.value, slice):
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
                     origin.loc if origin is not None else None, Role.ACCUMULATE, origin)


def zeros(back, x, origin):
    kind = back.facts.container(x)
    name = "zeros_like_dict" if kind == "dict" else "zeros_like_list"
    value = back.facts.values.get(x)
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    if any(isinstance(v, (dict, list, tuple)) for v in items):
        name = "zeros_like_gradient"            # nested: a list of (W, b) tuples
    return back.emit(name, (x,), {}, adjoint_hint(x.hint), origin.loc if origin is not None else None,
                     Role.ADJOINT, origin)


def materialize(back, x, grad, origin):
    """The atom of container ``x``'s gradient: ``Entries`` become one literal."""
    if not isinstance(grad, Entries):
        return grad
    loc = origin.loc if origin is not None else None
    return _build(back, x, back.facts.value(x), grad, loc, origin, adjoint_hint(x.hint))


def _build(back, x, value, grad, loc, origin, hint):
    keys = list(value) if isinstance(value, dict) else list(range(len(value)))
    items = []
    for k in keys:
        entry = grad.items.get(k)
        if isinstance(entry, Entries):
            sub = back.emit("operator.getitem", (x, Const(k)), {}, "entry", loc, Role.ADJOINT, origin, kind=VarKind.TEMP)
            entry = _build(back, sub, value[k], entry, loc, origin, "grad")
        elif entry is None:
            entry = _zero_entry(back, x, k, value[k], loc, origin)
        items += [Const(k), entry] if isinstance(value, dict) else [entry]
    kind = "dict" if isinstance(value, dict) else "tuple" if isinstance(value, tuple) else "list"
    pack = Pack(kind, tuple(items))
    if kind == "tuple" and hasattr(value, "_fields"):         # a named tuple: its own type
        return back.emit("namedtuple_like", (x, pack), {}, hint, loc, Role.ADJOINT, origin)
    return back.emit("container", (pack,), {}, hint, loc, Role.ADJOINT, origin)


def _zero_entry(back, x, key, value, loc, origin):
    if isinstance(value, float):
        return Const(0.0)
    entry = back.emit("operator.getitem", (x, Const(key)), {}, "entry", loc, Role.ADJOINT, origin, kind=VarKind.TEMP)
    if isinstance(value, dict):
        return back.emit("zeros_like_dict", (entry,), {}, "zeros", loc, Role.ADJOINT, origin, kind=VarKind.TEMP)
    if isinstance(value, (list, tuple)):
        return back.emit("zeros_like_list", (entry,), {}, "zeros", loc, Role.ADJOINT, origin, kind=VarKind.TEMP)
    return back.emit("numpy.zeros_like", (entry,), {}, "zeros", loc, Role.ADJOINT, origin, kind=VarKind.TEMP)
