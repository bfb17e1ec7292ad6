"""Containers and builtins whose structure the compile knows: dict displays (with ``**``),
comprehensions written out item by item, ``parts.append(h)`` and the other list and dict
methods (the name rebound to the longer container), builtins on containers and arrays
of fixed length (``zip``, ``max``, ``sum``, ``map``), and entries of the arguments that
the signature fixes (``fixed_item``). The Python itself runs in ``lower_static``; here
is the IR it leaves (``getitem``s, arithmetic of ``sum``).
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import itertools

import numpy as np

from diffc.frontend import lower_objects, lower_static, static
from diffc.frontend import lower_entry as entry
from diffc.errors import UnsupportedSyntax
from diffc.core.ir import Const, Pack, Var, VarKind
from diffc.frontend.lower_emit import emit, record


def item_getter(scope, node):
    """``get(base, key)``: ``base[key]`` located at ``node``, a constant when the signature fixes it."""
    def get(base, key):
        fixed = fixed_item(scope, base, key)
        if fixed is not None:
            return fixed
        return emit(scope, "operator.getitem", (base, key), {}, node,
                    key.value if isinstance(key.value, str) and key.value.isidentifier()
                    else "", kind=VarKind.TEMP)
    return get


_IN_SIGNATURE = (bool, int, str, type(None))


def fixed_item(scope, base, key):
    """``base[key]``, an int, bool, str or None entry of a dict, list or tuple argument at
    a key the compile knows: a constant (the call's signature holds its value)."""
    if not isinstance(base, Var) or scope.facts is None or base in scope.facts.value_static:
        return None             # a value the compile computes (a shape): its own operation
    seen, k = static.example(scope, base), static.known(scope, key)
    if k is static.UNKNOWN or not isinstance(seen, (dict, list, tuple)) or \
            isinstance(k, (list, np.ndarray, slice)):
        return None
    try:
        item = seen[k]
    except (KeyError, IndexError, TypeError):
        return None
    return Const(item) if type(item) in _IN_SIGNATURE else None


def container_call(scope, method, args, kwargs, node):
    """A method of a list or dict whose structure is fixed here (``lower_static``)."""
    if method.attr not in lower_static.MUTATORS + ("items", "keys", "values", "get", "copy"):
        return NotImplemented
    given = static.example(scope, method.receiver) if isinstance(method.receiver, Var) else None
    if isinstance(given, dict) and method.attr in ("update", "setdefault"):
        return _change_given(scope, method, given, args, kwargs, node)
    pack = lower_static.structure(scope, method.receiver, node, item_getter(scope, node))
    if pack is None:
        return NotImplemented
    if method.attr in lower_static.MUTATORS:
        receiver = node.func.value
        made = lower_objects.made_attribute(scope, receiver)   # self.layers.append(l)
        if isinstance(receiver, ast.Attribute) and not kwargs and not made \
                and not lower_objects.holders(scope.state, method.receiver):
            raise UnsupportedSyntax(f"changing a {pack.kind} that `{ast.unparse(receiver)}` held "
                                    "before the call is not supported (it would change at every "
                                    "call)", scope.loc(node), f"assign a fresh {pack.kind} to it in "
                                    "this call first, or keep the values in a local "
                                    f"{pack.kind} and return it")
        if isinstance(given, (dict, list)) and not made:
            return _change_given(scope, method, given, args, kwargs, node)
        if not (isinstance(receiver, (ast.Name, ast.Attribute)) or made) or kwargs:
            raise UnsupportedSyntax(f"changing a {pack.kind} that is not a local name is not "
                                    "supported", scope.loc(node), "assign the container to a "
                                    "local name and change that")
        new, result = lower_static.mutated(scope, pack, method.attr, args, node)
        if made:
            lower_objects.rebind_attribute(scope, made, method.receiver, new, node)
        else:
            rebind(scope, node.func.value, method.receiver, new)
        return result
    if pack.kind != "dict":
        return NotImplemented
    return lower_static.dict_method(scope, pack, method.attr, args, kwargs, node)


def _change_given(scope, method, given, args, kwargs, node):
    """``d.update(...)``/``d.setdefault(k, v)`` on a dict the call is given (an argument, an
    object's): entries assigned in it, as Python assigns them (``lower_objects.store_entry``).
    Other changes of a container the caller holds (``append``, ``pop``) are refused: Python
    would change the caller's list or dict, at every call."""
    kind = type(given).__name__
    if isinstance(given, dict) and method.attr == "setdefault" and 1 <= len(args) <= 2 and not kwargs:
        key = lower_static.known_key(scope, args[0], node)
        if key in given or key in scope.state.written(given):
            pack = lower_static.structure(scope, method.receiver, node, item_getter(scope, node))
            return lower_static.dict_method(scope, pack, "get", (args[0],), {}, node)
        value = args[1] if len(args) == 2 else Const(None)
        lower_objects.store_entry(scope, record, method.receiver, given, key, value, node)
        return value
    if isinstance(given, dict) and method.attr == "update" and len(args) <= 1:
        other = lower_static.structure(scope, args[0], node, item_getter(scope, node)) if args else None
        if args and (other is None or other.kind != "dict"):
            raise UnsupportedSyntax("dict.update() of a value that is not a dict whose keys are "
                                    "fixed here is not supported", scope.loc(node),
                                    "assign the entries one by one: d[k] = v")
        entries = list(zip(other.items[::2], other.items[1::2])) if other is not None else []
        entries += [(Const(k), v) for k, v in kwargs.items()]
        for k, v in entries:
            lower_objects.store_entry(scope, record, method.receiver, given,
                                      lower_static.known_key(scope, k, node), v, node)
        return Const(None)
    name = ast.unparse(node.func.value)
    raise UnsupportedSyntax(f"`{name}.{method.attr}()` changes a {kind} the call is given, which "
                            "is not supported", scope.loc(node),
                            f"change a copy ({name} = {kind}({name}), then {name}.{method.attr}(...))"
                            + ("; or assign the caller's entries: d[k] = v" if kind == "dict" else ""))


def rebind(scope, name_node, old, new):
    """``name`` (and every local name bound to the same container) now holds ``new``; an
    object's attribute assigned the container in this call is assigned ``new`` (made in
    the generated code: the object holds what Python's call leaves there)."""
    held = lower_objects.holders(scope.state, old)
    assigned_here = isinstance(name_node, ast.Attribute) and held    # self.xs = [...] earlier
    if not assigned_here and (not isinstance(name_node, ast.Name) or name_node.id not in scope.env):
        raise UnsupportedSyntax("changing a container that is not a local name is not "
                                "supported", scope.loc(name_node), "copy it into a local "
                                "name first (`d = dict(d)`, `xs = list(xs)`) and change that")
    if not scope.top:
        raise lower_static.NeedsUnroll(name_node)
    for name, atom in list(scope.env.items()):
        if atom is old:
            scope.env[name] = new
    for obj, obj_atom, attr in held:
        lower_objects.store(scope, record, obj_atom, obj, attr, new, name_node)


def static_call(scope, qualname, args, kwargs, node):
    """A builtin on values the compile knows runs now (``lower_static``); one on containers
    or arrays whose structure is fixed here is written out over their items (``max``,
    ``sum``, ``map``, ``zip``...). ``NotImplemented`` for a call this does not make."""
    done = _evaluated(scope, qualname, args, kwargs)
    kind, _, name = qualname.partition(".")
    if qualname == "functools.reduce" and 2 <= len(args) <= 3 and not kwargs:
        return _reduce(scope, args, node)
    if qualname in _ITERTOOLS:
        return _itertools(scope, qualname, args, kwargs, node)
    if qualname in ("copy.copy", "copy.deepcopy") and len(args) == 1 and not kwargs:
        return _copied(scope, args[0], node, deep=qualname == "copy.deepcopy")
    if done is not NotImplemented or kind != "builtins" or kwargs:
        return done
    if name in lower_static.STRUCTURAL:
        packs = [lower_static.structure(scope, a, node, item_getter(scope, node)) or
                 (_rows(scope, a, node) if name in ("zip", "enumerate", "reversed", "list", "tuple") else a)
                 for a in args]
        done = lower_static.by_structure(scope, name, packs, node)
        if done is not NotImplemented:
            return done
    if name in ("max", "min") and len(args) == 1:
        return _extremum(scope, name, args[0], node)
    if name == "map" and len(args) >= 2:
        seqs = [lower_static.structure(scope, a, node, item_getter(scope, node)) for a in args[1:]]
        if all(p is not None and p.kind != "dict" for p in seqs):   # map(f, xs): f on each
            return Pack("list", tuple(entry.call(scope, args[0], items, {}, node, "")
                                      for items in zip(*(p.items for p in seqs))))
    if name == "pow" and len(args) == 2:
        return emit(scope, "operator.pow", args, {}, node)      # pow(x, 2) is x ** 2
    if name == "round" and 1 <= len(args) <= 2:
        return emit(scope, "numpy.round", args, {}, node)     # the same values (half to even)
    if name == "sum" and args:
        return _sum(scope, args, node)
    return NotImplemented


_ITERTOOLS = {"itertools.product", "itertools.combinations", "itertools.permutations",
              "itertools.combinations_with_replacement", "itertools.chain"}


def _itertools(scope, qualname, args, kwargs, node):
    """``itertools.combinations(layers, 2)`` and its kin over sequences whose length is fixed
    here: the list of tuples they yield, made of the items themselves (an index tuple from
    the same function over ``range(len(...))`` picks them)."""
    name = qualname.split(".")[1]
    counts = [a for a in args if not isinstance(a, (Var, Pack))] if name != "chain" else []
    seqs = [lower_static.structure(scope, a, node, item_getter(scope, node)) for a in args
            if isinstance(a, (Var, Pack))]
    if any(p is None or p.kind == "dict" for p in seqs) or not seqs:
        return NotImplemented
    settings = {k: static.known(scope, v) for k, v in kwargs.items()}
    fixed = [static.known(scope, c) for c in counts]
    if static.UNKNOWN in fixed or static.UNKNOWN in settings.values():
        return NotImplemented
    if name == "chain":
        return Pack("list", tuple(item for p in seqs for item in p.items))
    ranges = [range(len(p.items)) for p in seqs]
    picks = getattr(itertools, name)(*ranges, *fixed, **settings)
    if name == "product":
        return Pack("list", tuple(Pack("tuple", tuple(p.items[i] for p, i in zip(seqs, pick)))
                                  for pick in picks))
    return Pack("list", tuple(Pack("tuple", tuple(seqs[0].items[i] for i in pick)) for pick in picks))


def _copied(scope, atom, node, deep):
    """``copy.deepcopy(params)``: the same structure with each array copied (``np.copy``);
    ``copy.copy``: a new container holding the same items, or a copy of an array."""
    pack = lower_static.structure(scope, atom, node, item_getter(scope, node))
    seen = static.example(scope, atom)
    if pack is None and isinstance(seen, tuple) and isinstance(atom, Var):     # a named tuple
        get = item_getter(scope, node)
        pack = Pack("tuple", tuple(get(atom, Const(i)) for i in range(len(seen))))
    if pack is not None:
        items = pack.items
        if deep:
            items = tuple(_copied(scope, item, node, deep) if pack.kind != "dict" or i % 2
                          else item for i, item in enumerate(items))
            if NotImplemented in items:
                return NotImplemented
        if hasattr(seen, "_fields"):            # a named tuple keeps its type
            return emit(scope, "primitive.namedtuple_like", (atom, Pack("tuple", items)), {}, node, "")
        return Pack(pack.kind, items)
    if isinstance(atom, Var) and hasattr(seen, "shape"):
        return emit(scope, "numpy.copy", (atom,), {}, node, "")
    if isinstance(atom, Const) or isinstance(seen, (int, float, complex, str, bool)):
        return atom                             # immutable: a copy is the value itself
    return NotImplemented


def _reduce(scope, args, node):
    """``functools.reduce(f, items[, initial])`` over items whose number is fixed here: the
    calls written out, ``f(f(initial, items[0]), items[1])``..."""
    seq = lower_static.structure(scope, args[1], node, item_getter(scope, node))
    if seq is None or seq.kind == "dict":
        return NotImplemented
    items = list(seq.items)
    if len(args) == 2 and not items:
        raise UnsupportedSyntax("reduce() of an empty sequence with no initial value",
                                scope.loc(node), "give reduce an initial value")
    acc = args[2] if len(args) == 3 else items.pop(0)
    for item in items:
        acc = entry.call(scope, args[0], (acc, item), {}, node, "")
    return acc


def _evaluated(scope, qualname, args, kwargs):
    """A pure builtin (or ``math``/``np.finfo`` function, or an exception) on arguments the
    compile knows, run now: its value as an atom; else ``NotImplemented``."""
    kind, _, name = qualname.partition(".")
    if kind == "builtins" and name in ("isinstance", "type", "callable") and args:
        seen = static.example(scope, args[0])
        rest = [static.known(scope, a) for a in args[1:]]
        if seen is not static.UNKNOWN and static.UNKNOWN not in rest:
            return lower_static.lift(lower_static.PURE[name](seen, *rest))
    if kind == "builtins" and name == "range":
        return NotImplemented                   # a primitive: loops keep their range
    fn = lower_static.PURE.get(name if kind == "builtins" else qualname)
    if fn is None and kind == "builtins" and isinstance(getattr(builtins, name, None), type) \
            and issubclass(getattr(builtins, name), BaseException):
        fn = getattr(builtins, name)            # ValueError(f"unknown mode {mode}")
    if fn is not None:
        value = lower_static.evaluate(scope, fn, args, kwargs)
        if value is not static.UNKNOWN:
            return lower_static.lift(value)
    return NotImplemented


def _extremum(scope, name, arg, node):
    """``max(xs)``/``min(xs)``: over a vector's elements, or a fixed container's items."""
    seen = static.example(scope, arg)
    pack = lower_static.structure(scope, arg, node, item_getter(scope, node))
    if pack is None and isinstance(arg, Var) and (seen is static.UNKNOWN or getattr(seen, "ndim", None) == 1):
        # Python iterates a vector: its largest element (an array of more dimensions
        # would make Python compare rows, an error; where the rank is not known here,
        # that is the only case that runs)
        return emit(scope, f"numpy.{name}", (arg,), {}, node)
    if pack is not None and pack.kind != "dict" and pack.items:
        best = pack.items[0]
        for item in pack.items[1:]:
            best = emit(scope, f"builtins.{name}", (best, item), {}, node)
        return best
    return NotImplemented


def _sum(scope, args, node):
    """``sum(xs[, start])``: an array's rows added (``np.sum`` along the first axis), or a
    fixed container's items."""
    if isinstance(args[0], Var) and lower_static.structure(scope, args[0], node, lambda b, k: None) is None:
        # Python adds an array's rows: np.sum along the first axis, the same for any rank
        total = emit(scope, "numpy.sum", (args[0],), {"axis": Const(0)}, node)
        return emit(scope, "operator.add", (args[1], total), {}, node) if len(args) > 1 else total
    pack = lower_static.structure(scope, args[0], node, item_getter(scope, node))
    if pack is not None and pack.kind != "dict":
        total = args[1] if len(args) > 1 else Const(0)
        for item in pack.items:
            total = emit(scope, "operator.add", (total, item), {}, node)
        return total
    return NotImplemented


def fixed_sequence(scope, atom, node):
    """A tuple or list whose length the compile knows, as a ``Pack`` (else ``atom``)."""
    known = static.known(scope, atom)
    if isinstance(known, (tuple, list)):
        return lower_static.lift(known)
    return lower_static.structure(scope, atom, node, item_getter(scope, node)) or atom


def _rows(scope, atom, node):
    """An array argument's rows, as Python iterates it, when its length is fixed here."""
    seen = static.example(scope, atom)
    if getattr(seen, "ndim", 0) < 1 or not isinstance(atom, Var):
        return atom
    get = item_getter(scope, node)
    return Pack("list", tuple(get(atom, Const(i)) for i in range(seen.shape[0])))


def lower_dict(scope, node):
    """A dict display, built as Python builds it (a later key replaces an earlier one); ``**other``
    spreads a dict whose keys are fixed here."""
    items = []
    for key, value in zip(node.keys, node.values):
        if key is None:                     # {**other, ...}
            other = lower_static.structure(scope, entry.expression(scope, value), node,
                                           item_getter(scope, node))
            if other is None or other.kind != "dict":
                raise UnsupportedSyntax("`**` of a dict whose keys are not fixed here is not "
                                        "supported", scope.loc(value), "write the entries out")
            pack = Pack("dict", tuple(items))
            for k, v in zip(other.items[::2], other.items[1::2]):
                pack = lower_static.with_entry(scope, pack, k, v, node)
            items = list(pack.items)
            continue
        k = entry.expression(scope, key)
        pack = lower_static.with_entry(scope, Pack("dict", tuple(items)), k,
                                       entry.expression(scope, value), key)
        items = list(pack.items)
    return Pack("dict", tuple(items))


def lower_comprehension(scope, node):
    """``[f(x) for x in xs if c]``, ``g(x) for x in xs`` and ``{k: v for ...}`` over
    iterables whose length is fixed here: the items, written out."""
    results = []
    _comprehension_items(scope, node, node.generators, scope.env, results)
    if isinstance(node, ast.DictComp):
        pack = Pack("dict", ())
        for k, v in results:
            pack = lower_static.with_entry(scope, pack, k, v, node)
        return pack
    return Pack("list", tuple(results))


def _comprehension_items(scope, node, generators, env, results):
    """Append to ``results`` the items the comprehension ``node`` makes from its
    ``generators`` (the first ones already bound in ``env``): ``(key, value)`` for a dict."""
    if not generators:
        with _names(scope, env):
            if isinstance(node, ast.DictComp):
                results.append((entry.expression(scope, node.key), entry.expression(scope, node.value)))
            else:
                results.append(entry.expression(scope, node.elt))
        return
    gen = generators[0]
    with _names(scope, env):
        pack = _iterated(scope, gen)
    for item in pack.items[::2] if pack.kind == "dict" else pack.items:
        inner = _step_names(scope, gen, item, dict(env))
        if inner is not None:
            _comprehension_items(scope, node, generators[1:], inner, results)


@contextlib.contextmanager
def _names(scope, env):
    """Lower with ``env`` as the scope's names; the scope's own are back after."""
    saved, scope.env = scope.env, env
    try:
        yield
    finally:
        scope.env = saved


def _iterated(scope, gen):
    """What a comprehension's ``for`` iterates, as a ``Pack`` (a range, a container, an
    array's rows), when its length is fixed here."""
    iterable = entry.expression(scope, gen.iter)
    pack = lower_static.structure(scope, iterable, gen.iter, item_getter(scope, gen.iter))
    if pack is None:
        steps, seen = static.known(scope, iterable), static.example(scope, iterable)
        if isinstance(steps, range):
            pack = lower_static.lift(list(steps))
        elif getattr(seen, "ndim", 0) >= 1:          # an array's rows
            get = item_getter(scope, gen.iter)
            pack = Pack("list", tuple(get(iterable, Const(i)) for i in range(seen.shape[0])))
    if pack is None or gen.is_async:
        raise UnsupportedSyntax("a comprehension over a sequence whose length is not fixed "
                                "here is not supported", scope.loc(gen.iter),
                                "use a NumPy operation on the whole array")
    return pack


def _step_names(scope, gen, item, env):
    """The names of one step (``env`` with the ``for`` target bound to ``item``), or None
    when the step's ``if``s (decided here) drop it."""
    with _names(scope, env):
        entry.assign(scope, gen.target, item, gen)
        keep = True
        for test in gen.ifs:
            decided = static.known(scope, entry.condition(scope, test))
            if decided is static.UNKNOWN:
                raise UnsupportedSyntax("a comprehension's `if` on a value the data "
                                        "decides is not supported", scope.loc(test),
                                        "select with np.where")
            keep = keep and bool(decided)
        return scope.env if keep else None
