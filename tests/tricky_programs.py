"""Valid programs that are easy to get wrong: shadowing, aliasing, reuse, broadcasting,
dtypes, scalars and 0-d arrays, and writes into arrays (``x[i] = v``, ``x[i] += v``).

Each returns a scalar; ``tests/test_tricky.py`` checks diffc's gradient of each against
central differences. They reduce with ``@`` against a weight vector so that every element
of the result matters, with a different weight each.
"""
import numpy as np
from numpy import sin as np_sin

SCALE = 1.5


def rebinds_a_parameter(x, w):
    x = x * 2.0
    x = np.sin(x) + x
    x = x * x
    return x @ w


def local_shadows_a_numpy_name(x, w):
    sin = 0.5
    cos = np.cos(x) * sin
    return (np_sin(x) + cos) @ w * SCALE


def alias_then_rebind_the_original(a, w):
    b = a
    a = a * 3.0
    return (a + b * b) @ w


def alias_then_rebind_the_alias(a, w):
    b = a
    b = b * 2.0 + 1.0
    return (a * b) @ w


def swap(a, b):
    a, b = b, a * 2.0
    a, b = b * a, a
    return a @ b


def name_is_scalar_then_array_then_scalar(x, w):
    t = x[0]
    t = t * x + w
    t = t @ x
    t = t * t
    return t


def same_value_five_times(x, w):
    y = x * x + x / (1.0 + x * x) - np.exp(-x) * x
    return y @ w


def deep_expression(x, w):
    y = ((((x * 1.1 + 0.3) * (x - 0.2) / (1.5 + x * x)) ** 2 + np.tanh(x * 0.7)
          - np.sin(x) * np.cos(x * 0.5)) * (2.0 - x / 3.0) + np.log(1.0 + x * x)) \
        / (1.0 + np.exp(-x)) - (x * 0.25) ** 3 + np.sqrt(x * x + 1.0) * np.arctan(x)
    return y @ w


def divide_broadcast_both_ways(M, v, w):
    """(2, 3) / (3,) and (3,) / (2, 3); then (2, 1) against (1, 3)."""
    a = M / v
    b = v / M
    c = M[:, 0:1] / v[np.newaxis, :]
    d = (a + b + c) @ w
    return d @ M[:, 0]


def power_broadcast_both_ways(M, v, w):
    """Both base and exponent differentiated, each broadcast (positive bases)."""
    a = M ** v
    b = v ** M
    c = M[:, 0:1] ** (v[np.newaxis, :] * 0.5)
    d = (a + b + c) @ w
    return d @ M[:, 1]


def integer_constants(x, w):
    y = 2 * x + 3 - x ** 2 / 4 + x // 1 * 0 + (x + 1) ** 3 % 7 * 0 + 1 / (x + 2)
    return y @ w


def python_scalar_and_array(s, x, w):
    y = s * x + s ** 2 - x / s
    return y @ w + s


def zero_d_array(s, x):
    y = s * x + np.sin(s)
    return y @ x * s


def float32_stays_float32(x, w):
    y = np.tanh(x) * 2.0 + x * x
    return y @ w


def slice_assignment(x, v, w):
    y = x * 1.0
    y[1:3] = v * v
    return y @ w


def slice_augmented_assignment(x, v, w):
    y = np.sin(x)
    y[1:3] += v * 2.0
    y[::2] *= v[0]
    return y @ w


def integer_array_assignment(x, v, w, idx):
    y = x * 2.0
    y[idx] = v
    return (y * x) @ w


def repeated_index_assignment(x, v, w, idx):
    """``idx`` repeats a position: NumPy keeps the last value written there."""
    y = x * 1.0
    y[idx] = v
    return y @ w


def repeated_index_augmented(x, v, w, idx):
    """``y[idx] += v`` with a repeated position adds once (it is y[idx] = y[idx] + v)."""
    y = x * 1.0
    y[idx] += v
    return y @ w


def repeated_index_read(x, w, idx):
    """Reading a position twice sends it both gradients."""
    y = x[idx]
    return (y * y) @ w


def two_d_assignments(X, v, w):
    Y = X * X
    Y[0, :] = v
    Y[:, 1] += v[0:2] * 3.0
    Y[1, 2] = X[0, 0] * v[2]
    return (Y @ w) @ X[:, 0]


def write_then_read_back(x, w):
    y = x * 1.0
    y[0] = x[1] * x[2]
    y[2] = y[0] + y[1]
    return y @ w


def negative_and_stepped_indices(x, w):
    r = x[::-1]
    y = r * x[-1] + x[-2] * w
    return y[1:] @ w[:-1] + x[::2] @ w[1::2]


def newaxis_indexing(x, w):
    outer = x[:, None] * w[None, :]
    return outer[1] @ x


def boolean_mask_read(x, w):
    y = x[x > 0.0]
    return y @ y * w[0]


def chained_assignment(x, w):
    a = b = x * 2.0
    a = a + 1.0
    return a @ b + b @ w


def tuple_unpack_of_array(x, w):
    a, b, c = x
    return a * b + c * w[0] + a * c


def max_min_where_away_from_ties(x, w):
    y = np.maximum(x, 0.1) + np.minimum(x, w) + np.where(x > w, x * w, x + w)
    return y @ w + max(x[0], w[0])


def pow_forms(x, n):
    """Exponents: a positive base to a float, a negative integer, an int argument."""
    y = x ** 0.5 + x ** -2 + 2.0 ** x + x ** n
    return y @ x


def quadratic_form(x, A):
    return x @ A @ x


def keyword_default(x, w, scale=2.0):
    return (x * scale) @ w


def keyword_only(x, *, w, shift=0.5):
    return (x + shift) @ w


def make_closure(k):
    def closure(x, w):
        return (x * k) @ w
    return closure


def dtype_promotion(x32, x64):
    y = x32 * 2.0 + x64
    return y @ x64


def copy_then_write(x, w):
    """Writing into a copy leaves the original as it was (a copy is not an alias)."""
    y = x.copy()
    y[0] = 5.0
    z = np.array(x)
    z[1:] += y[1:]
    return x @ w + y @ w + z @ x


def write_into_a_parameter(x, w):
    """Writing into a parameter: Python changes the caller's array (refused)."""
    x[1] = x[0] * x[2]
    x[2:] *= 2.0
    return x @ w


def write_into_a_copy_of_a_parameter(x, w):
    """What the refusal's hint says to write."""
    x = x.copy()
    x[1] = x[0] * x[2]
    x[2:] *= 2.0
    return x @ w


def assign_a_row_that_has_a_leading_one(X, row, w):
    """``row`` has shape (1, n) and ``Y[0]`` shape (n,): NumPy drops the leading 1."""
    Y = X * 1.0
    Y[0] = row
    return np.sum(Y * w)


def assign_a_broadcast_value_that_has_leading_ones(X, s, w):
    """``s`` has shape (1, 1): NumPy drops a leading 1 and broadcasts the other along
    the row ``Y[0]``. Found by the fuzzer."""
    Y = X * 1.0
    Y[0] = s
    return np.sum(Y * w)
