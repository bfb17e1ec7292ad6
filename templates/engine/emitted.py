"""Forms the optimizer writes into code about to be emitted, and only there: in-place
updates, computing into a given array (``out=``), reductions as array methods, and the
rows of a loop's steps. None has derivative rules: differentiating one is an error,
never a silently zero gradient."""
import numpy as np

from diffc.extend import primitive


# In-place accumulation, used by the optimizer only where the accumulator is provably
# owned (made by the gradient code itself) and read by nothing else, and only in code
# about to be emitted. They have no derivative rules: differentiating one is an error,
# never a silently zero gradient.
@primitive(fresh=True, writes_first=True, shape_of_first=True)
def add_into(acc, index, values):
    acc[index] += values
    return acc


@primitive(fresh=True, writes_first=True, shape_of_first=True)
def add_at_into(acc, index, values):
    np.add.at(acc, index, values)
    return acc


# In-place elementwise arithmetic, made by the optimizer (``in_place.elementwise``) in
# emitted gradient code only, where the array written into (the first parameter) was
# made by the gradient code, has the result's shape and dtype, and is read by nothing
# else. Like ``add_into``, they have no derivative rules.
@primitive(fresh=True, writes_first=True)
def add_to(acc, y):
    acc += y
    return acc


@primitive(fresh=True, writes_first=True)
def subtract_to(acc, y):
    acc -= y
    return acc


@primitive(fresh=True, writes_first=True)
def subtract_from(acc, x):
    np.subtract(x, acc, out=acc)
    return acc


@primitive(fresh=True, writes_first=True)
def multiply_to(acc, y):
    acc *= y
    return acc


@primitive(fresh=True, writes_first=True)
def divide_to(acc, y):
    acc /= y
    return acc


@primitive(fresh=True, writes_first=True)
def divide_from(acc, x):
    np.divide(x, acc, out=acc)
    return acc


@primitive(fresh=True, writes_first=True)
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
@primitive(fresh=True, writes_first=True)
def add_into_entry(items, index, value):
    items[index] = items[index] + value
    return items
