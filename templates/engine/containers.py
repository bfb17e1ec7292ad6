"""Gradients of dicts, lists and tuples of arrays (a ``params`` dict, lists of weights).

The engine builds a container's gradient as a literal when every entry is read with a
constant key (``{"W1": dW1, "b1": db1}``); these operations serve the other case, an
entry read with an index computed at run time (``weights[i]`` in a loop), or an entry
that is itself a list (a slice of a list, a row of a nested list).

A gradient differentiated again (``hessian``, ``grad(grad(f))``) is differentiated
through them: each is linear in its gradients, and its rules say so. (The dict updates
have none yet: a second derivative with respect to a dict is not taken; reaching one
is an error, never a zero.)
"""
import numpy as np

from diffc.extend import primitive


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


@primitive(nondiff=("like",))
def namedtuple_like(like, items):
    """A named tuple of ``like``'s type holding ``items``: the gradient of a named tuple of
    parameters has its type (``Params(W=dW, b=db)``), as ``params.W`` reads it."""
    return like._make(items)


@namedtuple_like.forward
def namedtuple_like_forward(out, like, items, *, ditems):
    dout = namedtuple_like(like, ditems)
    return dout


@namedtuple_like.reverse
def namedtuple_like_reverse(out, dout, like, items):
    "namedtuple: each entry gets its entry of dout"
    ditems = dout
    return ditems


@primitive(differentiable=False, fresh=True)
def zeros_like_list(items):
    return [np.zeros_like(v) for v in items]


@primitive(differentiable=False)
def zeros_like_dict(items):
    return {k: np.zeros_like(v) for k, v in items.items()}


@primitive(differentiable=False, helper=True, array_api_helper="leaves")
def zeros_like_gradient(value):
    """Zeros with the structure of ``value`` (nested dicts, lists and tuples of arrays)."""
    if isinstance(value, dict):
        return {k: zeros_like_gradient(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(zeros_like_gradient(v) for v in value)
    if isinstance(value, list):
        return [zeros_like_gradient(v) for v in value]
    return np.zeros_like(value)


@primitive(nondiff=("index",), fresh=True)
def add_at_index(items, index, value):
    updated = list(items)
    updated[index] = updated[index] + value
    return updated


@add_at_index.reverse
def add_at_index_reverse(out, dout, items, index, value):
    "add_at_index: dout passes to the list, its entry at index to the value"
    ditems = dout
    dvalue = dout[index]
    return ditems, dvalue


@add_at_index.forward
def add_at_index_forward(out, items, index, value, *, ditems, dvalue):
    dout = add_at_index(ditems, index, dvalue)
    return dout


@primitive(nondiff=("key",))
def add_at_key(items, key, value):
    updated = dict(items)
    updated[key] = updated[key] + value
    return updated


@primitive(nondiff=("index",), fresh=True)
def replace_at_index(items, index, value):
    updated = list(items)
    updated[index] = value
    return updated


@replace_at_index.reverse
def replace_at_index_reverse(out, dout, items, index, value):
    "replace_at_index: dout passes to the list but at index, where it goes to the value"
    ditems = replace_at_index(dout, index, zeros_like_gradient(value))
    dvalue = dout[index]
    return ditems, dvalue


@replace_at_index.forward
def replace_at_index_forward(out, items, index, value, *, ditems, dvalue):
    dout = replace_at_index(ditems, index, dvalue)
    return dout


@primitive(nondiff=("key",))
def replace_at_key(items, key, value):
    updated = dict(items)
    updated[key] = value
    return updated


@primitive(nondiff=("like",), helper=True, array_api_helper="leaves")
def reshape_entries(grads, like):
    """Each entry of ``grads`` reshaped to its entry of ``like`` (the rows ``np.vstack``
    made of 1-D arrays go back to 1-D)."""
    return [np.reshape(g, np.shape(x)) for g, x in zip(grads, like)]


@reshape_entries.reverse
def reshape_entries_reverse(out, dout, grads, like):
    "reshape_entries: each entry of dout is reshaped back"
    dgrads = reshape_entries(dout, grads)
    return dgrads


@reshape_entries.forward
def reshape_entries_forward(out, grads, like, *, dgrads):
    dout = reshape_entries(dgrads, like)
    return dout


@primitive(helper=True, array_api_helper="leaves")
def add_gradients(a, b):
    """``a + b`` entry by entry, for gradients of nested dicts, lists and tuples."""
    if isinstance(a, dict):
        return {k: add_gradients(a[k], b[k]) for k in a}
    if isinstance(a, (list, tuple)):
        return [add_gradients(u, v) for u, v in zip(a, b)]
    return a + b


@add_gradients.reverse
def add_gradients_reverse(out, dout, a, b):
    "add_gradients: dout passes through unchanged"
    da = dout
    db = dout
    return da, db


@add_gradients.forward
def add_gradients_forward(out, a, b, *, da, db):
    dout = add_gradients(da, db)
    return dout
