"""Models with `break`, `continue` and early returns, written as a user writes them."""
import numpy as np


# -- break ------------------------------------------------------------------------------

def newton_sqrt_break(a):
    x = a
    while True:
        x_new = 0.5 * (x + a / x)
        if np.abs(x_new - x) < 1e-13:
            break
        x = x_new
    return 3.0 * x


def newton_cube_root(a):
    x = a
    it = 0
    while it < 100:
        step = (x * x * x - a) / (3.0 * x * x)
        x = x - step
        it = it + 1
        if np.abs(step) < 1e-14:
            break
    return x * x


def steps_of_newton(a):
    """Three Newton steps at most, stopping early when one is small: the result depends
    on where the loop stopped, so a loop that ran on would give another gradient."""
    x = a
    for it in range(3):
        step = 0.5 * (x - a / x)
        if np.abs(step) < 0.3:
            break
        x = x - step
    return x


def sum_until_large(x, limit):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > limit:
            break
        s = s * 0.5 + np.sin(x[i]) * x[i]
    return s


def sum_with_index_until_large(x, limit):
    total = x[0] * 0.0
    for i in range(1, x.shape[0], 2):
        if x[i] > limit:
            break
        total = total + x[i] * x[i - 1]
    return total


def elif_break(x):
    s = 0.0
    for t in x:
        if t > 2.0:
            s = s + t
            break
        elif t > 0.0:
            s = s + t * t
        else:
            if t < -2.0:
                break
            s = s - np.sin(t)
        s = s * 1.1
    return s


def rows_until_saturated(X, w):
    total = 0.0
    for row in X:
        z = np.tanh(row @ w)
        if z > 0.9:
            break
        total = total + z * z
    return total


def layers_until_large(ws, bs, x):
    h = x
    for w, b in zip(ws, bs):
        h = np.tanh(w @ h + b)
        if np.max(np.abs(h)) > 0.8:
            break
    return np.sum(h * h)


def weighted_until_negative(x):
    s = 0.0
    for i, t in enumerate(x):
        if t < -1.0:
            break
        s = s + (i + 1.0) * t * t
    return s


def rows_until_negative(A):
    """The inner loop breaks; the outer one runs on."""
    total = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            if A[i, j] < 0.0:
                break
            total = total + np.tanh(A[i, j]) * (i + 1.0)
    return total


def both_loops_break(A, x):
    """The inner loop breaks on a value, the outer one on the running total."""
    v = x
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            if A[i, j] < -1.0:
                break
            v = v + A[i, j] * np.sin(v)
        if np.sum(v) > 6.0:
            break
    return np.sum(v * v)


def breaks_at_once(x):
    s = 0.0
    for i in range(10 ** 6):
        if i >= 3:
            break
        s = s + x[i] * x[i]
    return s


def rows_until_threshold(X, w):
    total = 0.0
    for row in X:
        total = total + row @ w
        if total > 1.0:
            break
    return total


# -- continue ---------------------------------------------------------------------------

def skip_negatives(x):
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] < 0.0:
            continue
        total = total + x[i] * x[i] * 0.5 + np.sin(total)
    return total


def skip_in_while(x):
    i = 0
    total = 0.0
    while i < x.shape[0]:
        v = x[i]
        i = i + 1
        if v < 0.0:
            continue
        total = total * 0.9 + np.exp(0.1 * v) * v
    return total


def continue_and_break(x):
    s = 0.0
    for t in x:
        if t < 0.0:
            continue
        if t > 3.0:
            break
        s = s + np.sqrt(t) * t
    return s


# -- early returns ----------------------------------------------------------------------

def piecewise(x):
    s = np.sum(x)
    if s > 1.0:
        return np.sum(np.exp(x))
    if s < -1.0:
        return np.sum(x * x)
    y = np.sin(x)
    return np.sum(y * x)


def nested_returns(x, y):
    a = x @ y
    if a > 0.0:
        if np.sum(x) > 0.0:
            return a * a
        b = a + np.sum(y)
    else:
        b = -a
        if b > 2.0:
            return np.sin(b)
    return b * np.sum(x * x)


def both_branches_return(x):
    if np.sum(x) > 0.0:
        return np.sum(np.tanh(x))
    else:
        return np.sum(x ** 3)


def soft_clip(z):
    """A helper with early returns, inlined (or given its own pair) where it is called."""
    if z > 1.0:
        return 1.0 + np.log(z)
    if z < -1.0:
        return -1.0 - np.log(-z)
    return z


def calls_helper(x):
    total = 0.0
    for t in x:
        total = total + soft_clip(t * 2.0) * t
    return total + soft_clip(np.sum(x))


def loss_and_branch(x):
    s = np.sum(x * x)
    if s > 4.0:
        return s * 0.5, 1
    return s * s, 2


def alias_on_returning_path(x):
    """``z`` shares ``y``'s array only on the path that returns; the write is on the other."""
    y = x * 1.0
    z = x * 2.0
    if np.sum(x) > 0.0:
        z = y
        return np.sum(z * x)
    z[0] = 1.0
    return np.sum(y * z)


def index_walk(x):
    """``x[i]`` for ``i == len(x)`` would raise: the condition must not run after ``break``."""
    i = 0
    s = 0.0
    while x[i] > 0.0:
        s = s + x[i] * x[i]
        i = i + 1
        if i == x.shape[0]:
            break
    return s


def uses_the_generated_names(x):
    """The user's own ``stop``, ``k`` and ``result``: the rewrite's names must differ."""
    result = 0.0
    stop = 1.5
    k = 2.0
    for i in range(x.shape[0]):
        if x[i] > 2.0:
            break
        result = result + x[i] * stop * k
    if result > 4.0:
        return result
    return result * k
