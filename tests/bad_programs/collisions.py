"""Valid programs whose names collide with names diffc generates or imports.

Unlike the rest of ``bad_programs``, each of these must compile and give the right
gradient: a user's name never changes what diffc computes.
"""
import numpy as np


def adjoint_names(x, dx, dout, out, d):
    """Parameters named like gradients (dx, dout) and like the result (out)."""
    y = x * dx + dout
    out = y * out + d
    dout = out * d
    return dout @ x


def temporary_names(x, t, sel, mm, neg):
    """Names like diffc's temporaries (t, sel for an index, mm for a matmul, neg)."""
    sel = x[1:] * t[:2]
    mm = sel @ neg[:2]
    return mm * x[0] + t @ neg


def suffixed_names(x, x_1, dx_1, dout_1):
    """Names with the suffixes diffc adds to keep names apart."""
    x_2 = x * x_1
    dx_2 = x_2 * dx_1 + dout_1
    return dx_2 @ x


def grad_of_itself(x, grad_grad_of_itself):
    """A parameter named like the generated gradient function."""
    return (x * grad_grad_of_itself) @ x


def numpy_as_parameter(np, x):
    """A parameter named np: the generated module's own `np` must not be shadowed."""
    y = x[0] * np
    return y * x[1]


def numpy_rebound_locally(x):
    """`np = 3.0` inside the function: Python's scoping makes it a local number."""
    np = 3.0
    return x @ x * np


def helper_as_parameter(unbroadcast, b):
    """A parameter named like the `unbroadcast` helper of general (shape-free) code."""
    c = unbroadcast * b
    return c[0, 0] + c[1, 2]


def builtin_names(x, sum, max, abs):
    """Parameters that shadow builtins diffc's rules might use."""
    y = x * sum + max
    return y @ abs
