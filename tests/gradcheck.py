"""Central-difference oracles for gradients, independent of diffc.

Everything here works on a plain function ``f(*leaves)`` of float leaves (Python
floats, NumPy scalars or float arrays) whose result is an array, a number, or a tuple
of them. ``tests/test_rules.py`` wraps a single primitive call in such a function; a
test of compiled code can pass the user's function itself.
"""
import numpy as np

STEP = 1e-6   # relative step of the central differences
RTOL = 1e-5   # their error is about STEP**2 times the third derivative plus rounding
ATOL = 1e-6   # ... scaled by the largest expected magnitude (at least 1)


def is_float_leaf(value):
    """Whether ``value`` is a real floating-point number or array: a thing to perturb."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind == "f"
    return isinstance(value, float)


def random_like(value, rng):
    """Standard-normal noise with the same shape and kind (Python number, NumPy scalar,
    array, or tuple of them) as ``value``."""
    if isinstance(value, (tuple, list)):
        return tuple(random_like(v, rng) for v in value)
    if isinstance(value, (bool, int, float)):
        return float(rng.standard_normal())
    if isinstance(value, np.generic):
        return np.float64(rng.standard_normal())
    return rng.standard_normal(np.shape(value))


def inner(a, b):
    """Sum of ``a * b`` elementwise, over every output if they are tuples."""
    if isinstance(a, (tuple, list)):
        return sum(inner(x, y) for x, y in zip(a, b))
    return float(np.sum(np.asarray(a, dtype=float) * b))


def numeric_vjp(f, leaves, i, dout, step=STEP):
    """Gradient of ``sum(f(*leaves) * dout)`` with respect to ``leaves[i]``, in its shape."""
    x = np.array(leaves[i], dtype=float)
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        h = step * (max(1.0, abs(x[index])) if np.isfinite(x[index]) else 1.0)
        hi, lo = x.copy(), x.copy()
        hi[index] += h
        lo[index] -= h
        f_hi = inner(f(*_replaced(leaves, i, hi)), dout)
        f_lo = inner(f(*_replaced(leaves, i, lo)), dout)
        grad[index] = (f_hi - f_lo) / (2 * h)  # a NaN or inf element: whether f moves
    return grad


def numeric_jvp(f, leaves, tangents, step=STEP):
    """Directional derivative of ``f`` at ``leaves`` along ``tangents`` (one per leaf)."""
    hi = [_as_kind(x, np.asarray(x) + step * np.asarray(t)) for x, t in zip(leaves, tangents)]
    lo = [_as_kind(x, np.asarray(x) - step * np.asarray(t)) for x, t in zip(leaves, tangents)]
    return _map2(lambda a, b: (np.asarray(a, dtype=float) - b) / (2 * step), f(*hi), f(*lo))


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: leading axes first, then axes of size 1 in shape."""
    grad = np.asarray(grad)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    if grad.ndim < len(shape):      # the operand had extra leading axes of size 1
        inner = shape[len(shape) - grad.ndim:]
        for axis, size in enumerate(inner):
            if size == 1 and grad.shape[axis] != 1:
                grad = grad.sum(axis=axis, keepdims=True)
        return grad.reshape(shape)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return np.broadcast_to(grad, shape)


def assert_close(actual, expected, what, rtol=RTOL, atol=ATOL):
    """Assert ``actual`` matches the numeric ``expected``, naming ``what`` on failure."""
    expected = np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0, where=np.isfinite(expected))))
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=rtol,
                               atol=atol * scale, err_msg=what)


def _replaced(leaves, i, value):
    leaves = list(leaves)
    leaves[i] = _as_kind(leaves[i], value)
    return leaves


def _as_kind(original, value):
    """``value`` converted back to the kind of ``original`` (Python float, scalar, array)."""
    if isinstance(original, float):
        return float(value)
    if isinstance(original, np.generic):
        return np.float64(value)
    return np.asarray(value, dtype=float)


def _map2(fn, a, b):
    if isinstance(a, (tuple, list)):
        return tuple(_map2(fn, x, y) for x, y in zip(a, b))
    return fn(a, b)
