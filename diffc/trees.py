"""Trees: the values every transform takes and returns.

A tree is an array, a scalar, or a dict, list or tuple of trees (a ``params`` dict, a
list of layers, nested). The compiled code reads containers as the user's function does;
what a transform does *around* the compiled code (making a unit tangent for each input
element, filling a Jacobian block by block, perturbing one entry for central
differences) goes through the three functions here:

* ``leaves(tree)``: ``[(path, leaf), ...]`` in a fixed order (a dict's own order, a
  list's or tuple's index order); a path is the tuple of keys from the root;
* ``rebuild(like, values)``: a tree of ``like``'s structure with ``values`` as its
  leaves, in ``leaves`` order;
* ``same_structure(a, b)``: the reason ``b`` does not have ``a``'s structure, or None.
"""
from __future__ import annotations


def is_container(value):
    return isinstance(value, (dict, list, tuple))


def leaves(tree, prefix=()):
    """``[(path, leaf), ...]`` of ``tree``: a leaf alone is ``[((), leaf)]``."""
    if isinstance(tree, dict):
        return [item for k, v in tree.items() for item in leaves(v, prefix + (k,))]
    if isinstance(tree, (list, tuple)):
        return [item for k, v in enumerate(tree) for item in leaves(v, prefix + (k,))]
    return [(prefix, tree)]


def rebuild(like, values):
    """``like``'s structure with ``values`` (an iterable, in ``leaves`` order) as leaves."""
    values = iter(values)
    out = _rebuild(like, values)
    if next(values, _END) is not _END:
        raise ValueError("more values than the tree has leaves")
    return out


_END = object()


def _rebuild(like, values):
    if isinstance(like, dict):
        return {k: _rebuild(v, values) for k, v in like.items()}
    if isinstance(like, (list, tuple)):
        items = [_rebuild(v, values) for v in like]
        if isinstance(like, list):
            return items
        return type(like)(*items) if hasattr(like, "_fields") else type(like)(items)
    return next(values)


def same_structure(like, tree, path=()):
    """None when ``tree`` has ``like``'s containers (kinds, keys, lengths), else the reason."""
    where = "".join(f"[{k!r}]" for k in path) or "the value"
    if isinstance(like, dict):
        if not isinstance(tree, dict):
            return f"{where} must be a dict with keys {list(like)}, not a {type(tree).__name__}"
        if list(tree) != list(like) and set(tree) != set(like):
            return f"{where} has keys {list(tree)}, expected {list(like)}"
        return next((r for k in like if (r := same_structure(like[k], tree[k], path + (k,)))), None)
    if isinstance(like, (list, tuple)):
        if not isinstance(tree, (list, tuple)) or len(tree) != len(like):
            return f"{where} must be a {type(like).__name__} of {len(like)} entries"
        return next((r for k, (a, b) in enumerate(zip(like, tree))
                     if (r := same_structure(a, b, path + (k,)))), None)
    if is_container(tree):
        return f"{where} must be an array or a number, not a {type(tree).__name__}"
    return None


def path_text(name, path):
    """``params['W1']`` for the leaf at path ``('W1',)`` of argument ``params``."""
    return name + "".join(f"[{k!r}]" for k in path)


def get(tree, path):
    """The leaf (or subtree) of ``tree`` at ``path``."""
    for k in path:
        tree = tree[k]
    return tree


def replace(tree, path, value):
    """A copy of ``tree`` with ``value`` at ``path`` (containers on the path are copied,
    the rest is shared)."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(tree, dict):
        return {**tree, key: replace(tree[key], rest, value)}
    items = [replace(v, rest, value) if k == key else v for k, v in enumerate(tree)]
    if isinstance(tree, list):
        return items
    return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
