"""Numbers: derivatives by differences, and their comparison with diffc's.

Independent of diffc: ``(f(x + h v) - f(x - h v)) / 2h`` in float64 along a random
direction ``v``, with ``h = 1e-6`` as autograd's own check uses; where diffc's derivative
disagrees with it, a Richardson estimate from steps 1e-3 and 5e-4 is tried before the
derivative is called wrong (a difference quotient loses digits where the function is
large and its derivative small). Complex values follow autograd's and JAX's convention:
the pullback of a cotangent ``c`` is ``c f'(z)``, so cotangents are conjugated going in
and gradients coming out.
"""
from __future__ import annotations

import copy

import numpy as np

from benchmarks.autograd_suite import trees

RTOL = 1e-5            # relative to the magnitude of the derivative compared
ATOL = 1e-9            # absolute, times (1 + the magnitude of the function's value)
STEP = 1e-6            # central differences, as autograd's own check uses
RICHARDSON = (1e-3, 5e-4)


class Mismatch(Exception):
    """A derivative that disagrees with its difference quotient."""


NESTED = [0]      # > 0 while a checked function runs: a grad it calls is part of it


def evaluate(fun, args, kwargs):
    """``fun(*args, **kwargs)`` under plain NumPy (a ``grad`` it calls is diffc's)."""
    NESTED[0] += 1
    try:
        return fun(*args, **kwargs)
    finally:
        NESTED[0] -= 1


def directional(fun, indices, args, kwargs, v, h):
    """``(f(x + h v) - f(x - h v)) / 2h`` with ``x`` the arguments at ``indices``."""
    def at(sign):
        point = list(copy.deepcopy(args))
        for i, d in zip(indices, v):
            point[i] = trees.shifted(point[i], d, sign * h)
        return evaluate(fun, point, kwargs)
    return trees.difference_quotient(at(1.0), at(-1.0), h)


def _estimates(fun, indices, args, kwargs, v):
    """The difference quotient at ``STEP``, then (lazily) a Richardson estimate."""
    yield "central differences (h=1e-6)", directional(fun, indices, args, kwargs, v, STEP)
    big, small = RICHARDSON
    coarse = directional(fun, indices, args, kwargs, v, big)
    fine = directional(fun, indices, args, kwargs, v, small)
    q = (big / small) ** 2
    yield ("Richardson extrapolation (h=1e-3, 5e-4)",
           trees.rebuild(fine, [(q * f - c) / (q - 1) for f, c in zip(trees.leaves(fine), trees.leaves(coarse))]))


def compare_gradient(fun, indices, args, kwargs, value, u, grads, rng, v=None):
    """``<grads, v>`` against ``<u, J v>`` by differences (``u`` a cotangent of ``value``)."""
    grads = tuple(trees.as_array_like(args[i], g) for g, i in zip(grads, indices))
    for g, i in zip(grads, indices):
        problem = trees.same_shapes(args[i], g)
        if problem:
            raise Mismatch(f"the derivative for argument {i} has {problem}")
    if v is None:
        v = tuple(trees.random_like(args[i], rng) for i in indices)
    exact = sum(trees.inner(g, d) for g, d in zip(grads, v))
    scale = sum(np.linalg.norm(trees.flat(g)) * np.linalg.norm(trees.flat(d)) for g, d in zip(grads, v))
    size = _magnitude(value) * max(1.0, np.linalg.norm(trees.flat(u)))
    seen = []
    for how, jv in _estimates(fun, indices, args, kwargs, v):
        numeric = trees.inner(u, jv)
        bound = RTOL * (scale + np.linalg.norm(trees.flat(u)) * np.linalg.norm(trees.flat(jv))) \
            + ATOL * (1 + size)
        if abs(exact - numeric) <= bound:
            return
        seen.append(f"{numeric!r} by {how} (difference {abs(exact - numeric):.3g}, "
                    f"tolerance {bound:.3g})")
    raise Mismatch(f"<dout, J v> is {exact!r} by diffc but " + "; ".join(seen) +
                   f"\n  diffc's derivatives: {_short(grads)}")


def compare_tangent(fun, indices, args, kwargs, value, v, tangent):
    """``J v`` by diffc against ``J v`` by differences, entry by entry."""
    seen = []
    for how, jv in _estimates(fun, indices, args, kwargs, v):
        problem = trees.same_shapes(jv, tangent)
        if problem:
            raise Mismatch(f"the tangent has {problem}")
        a, n = trees.flat(tangent), trees.flat(jv)
        error = float(np.max(np.abs(a - n), initial=0.0))
        bound = RTOL * float(np.max(np.abs(n), initial=0.0)) + ATOL * (1 + _magnitude(value))
        if error <= bound:
            return
        seen.append(f"by up to {error:.3g} from {how} (tolerance {bound:.3g})")
    raise Mismatch("J v differs " + "; ".join(seen) +
                   f"\n  diffc:   {_short(tangent)}\n  numeric: {_short(jv)}")


def same_value(expected, got):
    problem = trees.same_shapes(expected, got)
    if problem:
        raise Mismatch(f"the value diffc computes has {problem}")
    a, b = trees.flat(got), trees.flat(expected)
    if not np.allclose(a, b, rtol=1e-9, atol=1e-12 * (1 + _magnitude(expected)), equal_nan=True):
        raise Mismatch(f"the value diffc computes differs from NumPy's by up to "
                       f"{float(np.max(np.abs(a - b))):.3g}\n  diffc: {_short(got)}\n  NumPy: {_short(expected)}")


def conj(tree):
    return trees.rebuild(tree, [np.conj(x) if np.iscomplexobj(x) else x for x in trees.leaves(tree)])


def _magnitude(tree):
    values = trees.flat(tree)
    return float(np.max(np.abs(values), initial=0.0))


def _short(tree):
    return np.array2string(trees.flat(tree), precision=6, threshold=12, max_line_width=120)
