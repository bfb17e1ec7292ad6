"""Operations the engine itself inserts: constants, and summing a gradient back down
to the shape of an operand that was broadcast."""
import numpy as np

from diffc.core.primitives import primitive


@primitive(differentiable=False)
def constant(value):
    return value


@primitive(nondiff=("x",), helper=True)
def unbroadcast(grad, x):
    """Sum ``grad`` over the axes along which ``x`` was broadcast, to ``x``'s shape."""
    shape = np.shape(x)
    if np.shape(grad) == shape:
        return grad
    lead = np.ndim(grad) - len(shape)
    if lead < 0:                      # x had extra leading axes of size 1
        inner = shape[-lead:]
        ones = tuple(i for i, n in enumerate(inner) if n == 1 and np.shape(grad)[i] != 1)
        return np.reshape(np.sum(grad, axis=ones, keepdims=True), shape)
    ones = tuple(lead + i for i, n in enumerate(shape) if n == 1 and np.shape(grad)[lead + i] != 1)
    grad = np.sum(grad, axis=tuple(range(lead)) + ones, keepdims=True)
    return np.reshape(grad, shape)


@unbroadcast.reverse
def unbroadcast_reverse(out, dout, grad, x):
    "unbroadcast: dout is broadcast back to the gradient's shape"
    dgrad = broadcast_like(dout, grad)
    return dgrad


@unbroadcast.forward
def unbroadcast_forward(out, grad, x, *, dgrad):
    dout = unbroadcast(dgrad, x)
    return dout


@primitive(nondiff=("like",), helper=True)
def broadcast_like(x, like):
    """``x`` broadcast to ``like``'s shape, where ``unbroadcast`` summed it down (``x``'s
    extra leading axes, all of size 1, dropped first)."""
    lead = np.ndim(x) - np.ndim(like)
    if lead > 0:
        x = np.reshape(x, np.shape(x)[lead:])
    return np.broadcast_to(x, np.shape(like))


@broadcast_like.reverse
def broadcast_like_reverse(out, dout, x, like):
    "broadcast_like: dout is summed back to the operand's shape"
    dx = unbroadcast(dout, x)
    return dx


@broadcast_like.forward
def broadcast_like_forward(out, x, like, *, dx):
    dout = broadcast_like(dx, like)
    return dout


@primitive("diffc.stop_gradient", nondiff=("x",))
def stop_gradient(x):
    return x


# The tape: what a forward loop saves for its backward loop, in a plain Python list.
@primitive(differentiable=False)
def new_tape():
    return []


@primitive(differentiable=False)
def push(tape, value):
    tape.append(value)


@primitive(differentiable=False)
def pop(tape):
    return tape.pop()


@primitive("builtins.reversed", differentiable=False)
def reverse_order(seq):
    return reversed(seq)


# In-place accumulation, used by the optimizer only where the accumulator is provably
# owned (made by the gradient code itself) and read by nothing else, and only in code
# about to be emitted. They have no derivative rules: differentiating one is an error,
# never a silently zero gradient.
@primitive()
def add_into(acc, index, values):
    acc[index] += values
    return acc


@primitive()
def add_at_into(acc, index, values):
    np.add.at(acc, index, values)
    return acc


# In-place elementwise arithmetic, made by the optimizer (``in_place.elementwise``) in
# emitted gradient code only, where the array written into (the first parameter) was
# made by the gradient code, has the result's shape and dtype, and is read by nothing
# else. Like ``add_into``, they have no derivative rules.
@primitive()
def add_to(acc, y):
    acc += y
    return acc


@primitive()
def subtract_to(acc, y):
    acc -= y
    return acc


@primitive()
def subtract_from(acc, x):
    np.subtract(x, acc, out=acc)
    return acc


@primitive()
def multiply_to(acc, y):
    acc *= y
    return acc


@primitive()
def divide_to(acc, y):
    acc /= y
    return acc


@primitive()
def divide_from(acc, x):
    np.divide(x, acc, out=acc)
    return acc


@primitive()
def negate_in_place(acc):
    np.negative(acc, out=acc)
    return acc


# Reductions of a value known to be a NumPy array (or NumPy scalar) written as its
# method, ``a.sum(axis=0)`` rather than ``np.sum(a, axis=0)``: the same computation
# without ``np.sum``'s Python-level dispatch (about a microsecond a call). Made by the
# optimizer (``optimize.array_methods``) in emitted code only; no derivative rules.
@primitive()
def sum_method(a, axis=None, *, keepdims=False):
    return a.sum(axis=axis, keepdims=keepdims)


@primitive()
def max_method(a, axis=None, *, keepdims=False):
    return a.max(axis=axis, keepdims=keepdims)


@primitive()
def min_method(a, axis=None, *, keepdims=False):
    return a.min(axis=axis, keepdims=keepdims)


@primitive()
def mean_method(a, axis=None, *, keepdims=False):
    return a.mean(axis=axis, keepdims=keepdims)


# A new array computed into the memory of a dead one (``np.tanh(x, out=buf)``), made by
# the optimizer (``in_place.reuse_buffers``) in emitted code only: ``buf`` was made by
# the gradient code, has the result's shape, dtype and layout, and nothing reads it (or
# a view of it) any more. The result *is* ``buf``. No derivative rules.
@primitive()
def add_out(buf, x, y):
    return np.add(x, y, out=buf)


@primitive()
def subtract_out(buf, x, y):
    return np.subtract(x, y, out=buf)


@primitive()
def multiply_out(buf, x, y):
    return np.multiply(x, y, out=buf)


@primitive()
def divide_out(buf, x, y):
    return np.divide(x, y, out=buf)


@primitive()
def negative_out(buf, x):
    return np.negative(x, out=buf)


@primitive()
def square_out(buf, x):
    return np.square(x, out=buf)


@primitive()
def exp_out(buf, x):
    return np.exp(x, out=buf)


@primitive()
def tanh_out(buf, x):
    return np.tanh(x, out=buf)


@primitive()
def matmul_out(buf, x, y):
    return np.matmul(x, y, out=buf)


# Rows of a loop's steps kept in one array (``deferred.products``): the step's value
# copied into its row, and a tape emptied once its items are stacked. Emitted code only.
@primitive()
def store_row(rows, index, value):
    rows[index] = value


@primitive()
def clear_tape(tape):
    tape.clear()


# Another name for an array whose values are no longer needed, so that a new use of its
# memory reads as what it holds now (``dadd_steps = xs_Wx``). Emitted code only.
@primitive()
def reuse(x):
    return x


@primitive()
def concatenate_into(out, arrays):
    np.concatenate(arrays, out=out)


# A gradient list's entry updated in place, made by the optimizer (``list_updates``) in
# emitted gradient code only, where the list was made by the gradient code and is read
# by nothing else: no copy of the list at every step of a loop. No derivative rule.
@primitive()
def add_into_entry(items, index, value):
    items[index] = items[index] + value
    return items
