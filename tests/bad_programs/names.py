"""Names diffc cannot resolve, or that would mean something else than in Python."""
import numpy as np

SCALE = 2.0
WEIGHTS = np.ones(3)
TABLE = [1.0, 2.0, 3.0]


def unknown_name(x):
    y = x * scale_factor
    return y @ x


def read_before_assign(x):
    y = x * SCALE
    SCALE = 3.0
    return y @ x


def numpy_shadowed_then_used(x):
    y = np.exp(x)
    np = 3.0
    return y @ x * np


def numpy_rebound_to_a_float(x):
    np = 3.0
    y = np.exp(x)
    return y @ x


def global_array(x):
    y = x * WEIGHTS
    return y @ x


def augmented_before_assign(x):
    total += x @ x
    return total


def write_into_module_constant(x):
    TABLE[0] = x[0]
    return x @ x


def write_into_module_array(x):
    WEIGHTS[0] = x[0]
    return x @ x


def alias_then_write(x):
    y = x * 1.0
    z = y
    z[0] = 5.0
    return y @ x


def view_then_write(x):
    y = x * 1.0
    head = y[0:2]
    head[0] = 5.0
    return y @ x


def write_then_read_view(x):
    y = x * 1.0
    head = y[0:2]
    y[0] = 5.0
    return head @ x[0:2]


def augmented_alias(x):
    y = x * 1.0
    z = y
    z += 1.0
    return y @ x


def augmented_subscript_alias(X):
    X = X * 1.0
    row = X[0]
    row[1:] += 1.0
    return X[0] @ X[1]


def zero_first(a):
    a[0] = 0.0
    return a[1]


def calls_a_function_that_writes_into_its_argument(x):
    y = x * 1.0
    s = zero_first(y)
    return y @ x + s
