"""``grad`` nested one to five times on scalar functions, against sympy's derivatives.

sympy differentiates each function's own expression symbolically: an oracle that shares
nothing with diffc (not its rules, not its symbolic pass, which only rewrites adjoint
chains). Each order is compiled once and evaluated at several points, through the
compiling call and through the dispatcher. The functions are those the symbolic pass
rewrites (sigmoids, softplus, tanh) and plain products and quotients.
"""
import numpy as np
import pytest
import sympy as sp

from diffc.api import GradientFunction

X = sp.Symbol("x")
POINTS = (-1.3, 0.4, 2.1)


def sin_times_cube(x):
    return np.sin(x) * x ** 3


def exp_over_quadratic(x):
    return np.exp(x) / (1 + x * x)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.log(1 + np.exp(x))


def tanh_times_cos(x):
    return np.tanh(x) * np.cos(x)


def swish(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return x * s


def hypot_times_x(x):
    return np.sqrt(1 + x * x) * x


def gaussian_poly(x):
    y = x * x
    return np.exp(-y / 2) * (y - 3 * x + 1)


CASES = [(sin_times_cube, sp.sin(X) * X ** 3), (exp_over_quadratic, sp.exp(X) / (1 + X ** 2)),
         (sigmoid, 1 / (1 + sp.exp(-X))), (softplus, sp.log(1 + sp.exp(X))),
         (tanh_times_cos, sp.tanh(X) * sp.cos(X)), (swish, X / (1 + sp.exp(-X))),
         (hypot_times_x, sp.sqrt(1 + X ** 2) * X),
         (gaussian_poly, sp.exp(-X ** 2 / 2) * (X ** 2 - 3 * X + 1))]


@pytest.mark.parametrize("f,expr", CASES, ids=[c[0].__name__ for c in CASES])
def test_orders_one_to_five_match_sympy(f, expr):
    g = f
    for order in range(1, 6):
        g = GradientFunction(g)
        exact = sp.lambdify(X, sp.diff(expr, X, order), "mpmath")
        for x in POINTS + POINTS:                  # compiled, then through the dispatcher
            want = float(exact(x))
            assert g(x) == pytest.approx(want, rel=1e-9, abs=1e-12), (f.__name__, order, x)
