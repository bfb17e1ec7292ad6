"""Gradients of dicts, lists and tuples of arrays (a ``params`` dict, lists of weights).

The engine builds a container's gradient as a literal when every entry is read with a
constant key (``{"W1": dW1, "b1": db1}``); these operations serve the other case, an
entry read with an index computed at run time (``weights[i]`` in a loop).
"""
import numpy as np

from diffc.core.primitives import primitive


@primitive()
def container(items):
    """A dict, list or tuple built from its entries: a container's gradient, as a literal."""
    return items


@container.forward
def container_forward(out, items, *, ditems):
    dout = container(ditems)
    return dout


@container.reverse
def container_reverse(out, dout, items):
    "container: each entry gets its entry of dout"
    ditems = dout
    return ditems


@primitive(differentiable=False)
def zeros_like_list(items):
    return [np.zeros_like(v) for v in items]


@primitive(differentiable=False)
def zeros_like_dict(items):
    return {k: np.zeros_like(v) for k, v in items.items()}


@primitive(differentiable=False)
def add_at_index(items, index, value):
    items = list(items)
    items[index] = items[index] + value
    return items


@primitive(differentiable=False)
def add_at_key(items, key, value):
    items = dict(items)
    items[key] = items[key] + value
    return items


@primitive(differentiable=False, helper=True)
def add_gradients(a, b):
    """``a + b`` entry by entry, for gradients of nested dicts, lists and tuples."""
    if isinstance(a, dict):
        return {k: add_gradients(a[k], b[k]) for k in a}
    if isinstance(a, (list, tuple)):
        return [add_gradients(u, v) for u, v in zip(a, b)]
    return a + b
