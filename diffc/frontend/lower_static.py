"""Lowering of the Python a compile can evaluate: containers, builtins and strings.

A value whose structure the signature fixes (a dict's keys, a list's length) is handled
by its structure: ``params.items()`` is the list of its ``(key, value)`` pairs, each value
read with one ``getitem``; ``parts.append(h)`` makes ``parts`` the longer list; ``d[k] = v``
the dict with that entry. A builtin called on values the compile knows
(``isinstance(reg, dict)``, ``len(layers)``, ``f"W{i}"``, ``sorted(config)``) runs in
Python while lowering and leaves a constant. Nothing here is IR but the ``getitem``s.

A list or dict changed inside a loop whose steps are not unrolled would need a value per
step: ``NeedsUnroll`` asks the loop to unroll itself (``lower_control``).
"""
from __future__ import annotations

import ast
import builtins
import math

import numpy as np

from diffc.core.ir import Const, Pack, Var
from diffc.errors import UnsupportedSyntax
from diffc.frontend import static


class NeedsUnroll(Exception):
    """Raised inside a loop body that changes a container made outside the loop (or makes
    an object: ``what`` and ``hint`` then say so, where it cannot be unrolled)."""

    def __init__(self, node, what="changing a list or dict",
                 hint="build the container outside it, or select values with np.where", store=False):
        super().__init__(node)
        self.node, self.what, self.hint = node, what, hint
        self.store = store      # a store on an object or into a given dict (``lower_objects``)


# builtins without effects, evaluated when every argument is known
PURE = {name: getattr(builtins, name) for name in (
    "isinstance", "issubclass", "len", "str", "repr", "format", "sorted", "type", "bool",
    "int", "float", "abs", "round", "min", "max", "sum", "any", "all", "divmod", "pow",
    "hasattr", "callable", "tuple", "list", "dict", "set", "frozenset", "zip", "enumerate",
    "reversed", "range", "chr", "ord", "hash", "id", "slice")}
PURE.update({f"math.{n}": getattr(math, n) for n in ("sqrt", "log", "exp", "pi", "e", "ceil",
                                                     "floor", "prod", "isclose", "inf")})
PURE.update({"numpy.finfo": np.finfo, "numpy.iinfo": np.iinfo})   # np.finfo(float).eps
# the same calls applied to containers of values the data decides: by structure
STRUCTURAL = ("len", "zip", "enumerate", "reversed", "list", "tuple", "sorted", "dict")


def lift(value):
    """A Python value the compile knows, as an atom: containers become ``Pack``s."""
    if isinstance(value, slice):
        return Pack("slice", (Const(value.start), Const(value.stop), Const(value.step)))
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            items += [Const(k), lift(v)]
        return Pack("dict", tuple(items))
    if isinstance(value, (list, tuple)) and not _is_namedtuple(value):
        return Pack("list" if isinstance(value, list) else "tuple",
                    tuple(lift(v) for v in value))
    if isinstance(value, (range, zip, enumerate, reversed)) or type(value).__name__.endswith("iterator") \
            or type(value).__name__ in ("dict_keys", "dict_values", "dict_items"):
        return lift(list(value))
    return Const(value)


def _is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(value, "_fields")


def structure(scope, atom, node, getitem):
    """``atom`` as a ``Pack`` when its structure is fixed here (a literal, or a dict, list
    or tuple argument whose keys or length the signature fixes), else None. ``getitem``
    lowers one ``atom[key]``."""
    if isinstance(atom, Pack) and atom.kind in ("list", "tuple", "dict"):
        return atom
    if not isinstance(atom, Var):
        return None
    seen = static.example(scope, atom)
    if isinstance(seen, dict):
        written = scope.state.written(seen)      # entries this call assigned: as assigned
        scope.state.was_read(seen)
        items = []
        for key in seen:
            items += [Const(key), written[key] if key in written else getitem(atom, Const(key))]
        for key, value in written.items():
            if key not in seen:
                items += [Const(key), value]
        return Pack("dict", tuple(items))
    if isinstance(seen, (list, tuple)) and not _is_namedtuple(seen):
        return Pack("list" if isinstance(seen, list) else "tuple",
                    tuple(getitem(atom, Const(i)) for i in range(len(seen))))
    return None


def keys(pack):
    return [k.value for k in pack.items[::2]]


def _entries(pack):
    return list(zip(pack.items[::2], pack.items[1::2]))


def dict_method(scope, pack, attr, args, kwargs, node):
    """``d.items()``, ``.keys()``, ``.values()``, ``.get(k[, default])``, ``.copy()`` of a
    dict whose keys are fixed; ``NotImplemented`` for other methods."""
    if attr in ("items", "keys", "values", "copy") and (args or kwargs):
        raise UnsupportedSyntax(f"dict.{attr}() takes no arguments", scope.loc(node), f"call d.{attr}()")
    if attr == "items":
        return Pack("list", tuple(Pack("tuple", (k, v)) for k, v in _entries(pack)))
    if attr == "keys":
        return Pack("list", pack.items[::2])
    if attr == "values":
        return Pack("list", pack.items[1::2])
    if attr == "copy":
        return Pack("dict", pack.items)
    if attr == "get" and 1 <= len(args) <= 2 and not kwargs:
        key = known_key(scope, args[0], node)
        for k, v in _entries(pack):
            if k.value == key:
                return v
        return args[1] if len(args) == 2 else Const(None)
    return NotImplemented


def known_key(scope, atom, node):
    key = static.known(scope, atom)
    if key is static.UNKNOWN:
        raise UnsupportedSyntax("a dict key the data decides is not supported", scope.loc(node),
                                "index dicts with keys fixed before the call (strings, "
                                "ints, loop counters over fixed ranges)")
    return key


def with_entry(scope, pack, key_atom, value, node):
    """The container ``pack`` after ``pack[key] = value`` (a new ``Pack``)."""
    key = known_key(scope, key_atom, node)
    if pack.kind == "dict":
        entries = [(k, v) for k, v in _entries(pack) if k.value != key]
        position = next((i for i, (k, _) in enumerate(_entries(pack)) if k.value == key), None)
        if position is None:
            entries.append((Const(key), value))
        else:
            entries.insert(position, (Const(key), value))
        return Pack("dict", tuple(x for kv in entries for x in kv))
    items = list(pack.items)
    items[key] = value                  # Python's IndexError for an index out of range
    return Pack(pack.kind, tuple(items))


MUTATORS = ("append", "extend", "insert", "update", "setdefault", "pop", "clear")


def mutated(scope, pack, attr, args, node):
    """The container after ``pack.attr(*args)`` and the call's value: ``(new, result)``."""
    if pack.kind == "tuple":
        raise UnsupportedSyntax(f"tuple has no method {attr}()", scope.loc(node), "use a list")
    change = {"list": _list_mutated, "dict": _dict_mutated}.get(pack.kind)
    done = change(scope, pack, attr, args, node) if change is not None else None
    if done is not None:
        return done
    raise UnsupportedSyntax(f"this call of {pack.kind}.{attr}() is not supported",
                            scope.loc(node), "build the container with literals, append, "
                            "extend, insert or item assignment")


def _list_mutated(scope, pack, attr, args, node):
    """``(new, result)`` of a list method, or None for a call not supported."""
    if attr == "append" and len(args) == 1:
        return Pack("list", pack.items + (args[0],)), Const(None)
    if attr == "extend" and len(args) == 1:
        more = _sequence(scope, args[0], node)
        return Pack("list", pack.items + more.items), Const(None)
    if attr == "insert" and len(args) == 2:
        items = list(pack.items)
        items.insert(known_key(scope, args[0], node), args[1])
        return Pack("list", tuple(items)), Const(None)
    if attr == "pop" and len(args) <= 1:
        items = list(pack.items)
        value = items.pop(known_key(scope, args[0], node) if args else -1)
        return Pack("list", tuple(items)), value
    if attr == "clear" and not args:
        return Pack("list", ()), Const(None)
    return None


def _dict_mutated(scope, pack, attr, args, node):
    """``(new, result)`` of a dict method, or None for a call not supported."""
    if attr == "update" and len(args) == 1 and isinstance(args[0], Pack) and args[0].kind == "dict":
        new = pack
        for k, v in _entries(args[0]):
            new = with_entry(scope, new, k, v, node)
        return new, Const(None)
    if attr == "setdefault" and 1 <= len(args) <= 2:
        key = known_key(scope, args[0], node)
        for k, v in _entries(pack):
            if k.value == key:
                return pack, v
        default = args[1] if len(args) == 2 else Const(None)
        return with_entry(scope, pack, args[0], default, node), default
    if attr == "pop" and 1 <= len(args) <= 2:
        key = known_key(scope, args[0], node)
        for k, v in _entries(pack):
            if k.value == key:
                rest = [x for kk, vv in _entries(pack) if kk.value != key for x in (kk, vv)]
                return Pack("dict", tuple(rest)), v
        if len(args) == 2:
            return pack, args[1]
    if attr == "clear" and not args:
        return Pack("dict", ()), Const(None)
    return None


def _sequence(scope, atom, node):
    if isinstance(atom, Pack) and atom.kind in ("list", "tuple"):
        return atom
    raise UnsupportedSyntax("extending a list by a sequence whose length is not fixed here "
                            "is not supported", scope.loc(node), "extend by a list or tuple")


def evaluate(scope, fn, args, kwargs):
    """``fn(*args, **kwargs)`` in Python when every argument is known, else ``UNKNOWN``."""
    values = [static.known(scope, a) for a in args]
    named = {k: static.known(scope, a) for k, a in kwargs.items()}
    if any(v is static.UNKNOWN for v in values + list(named.values())):
        return static.UNKNOWN
    if any(isinstance(v, np.ndarray) for v in values + list(named.values())):
        return static.UNKNOWN           # data, even if known: its operations are IR
    return fn(*values, **named)


def by_structure(scope, name, args, node):
    """``len``, ``zip``, ``enumerate``, ``reversed``, ``list``, ``tuple``, ``sorted``
    and ``dict`` of containers whose structure is fixed (their items may be data)."""
    if name == "len" and len(args) == 1 and isinstance(args[0], Pack):
        items = args[0].items
        return Const(len(items) // 2 if args[0].kind == "dict" else len(items))
    packs = [a if isinstance(a, Pack) and a.kind != "slice" else None for a in args]
    if not args or any(p is None for p in packs):
        return NotImplemented
    seqs = [p.items if p.kind != "dict" else p.items[::2] for p in packs]
    if name == "zip":
        return Pack("list", tuple(Pack("tuple", group) for group in zip(*seqs)))
    if name == "enumerate" and len(args) == 1:
        return Pack("list", tuple(Pack("tuple", (Const(i), x)) for i, x in enumerate(seqs[0])))
    if name == "reversed" and len(args) == 1:
        return Pack("list", tuple(reversed(seqs[0])))
    if name in ("list", "tuple") and len(args) == 1:
        return Pack(name, tuple(seqs[0]))
    if name == "dict" and len(args) == 1 and packs[0].kind == "dict":
        return Pack("dict", packs[0].items)
    if name == "dict" and len(args) == 1 and all(isinstance(p, Pack) and len(p.items) == 2
                                                 for p in seqs[0]):
        return Pack("dict", tuple(x for p in seqs[0] for x in p.items))
    return NotImplemented


def joined_string(scope, node, lower_expr):
    """An f-string of values the compile knows: its text."""
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
            continue
        atom = lower_expr(scope, value.value)
        known = static.known(scope, atom)
        if known is static.UNKNOWN:
            raise UnsupportedSyntax("an f-string of a value the data decides is not supported",
                                    scope.loc(value), "format only labels, sizes and settings; "
                                    "print data outside the differentiated function")
        spec = ""
        if value.format_spec is not None:
            spec = joined_string(scope, value.format_spec, lower_expr).value
        converted = {-1: known, 115: str(known), 114: repr(known), 97: ascii(known)}[value.conversion]
        parts.append(format(converted, spec))
    return Const("".join(parts))
