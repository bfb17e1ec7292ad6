"""Exact conventions of the reduction and norm rules where central differences cannot
decide: ties of three or more (central differences see 1/2, the rules split equally),
the zero vector (subgradient 0, never NaN), a constant input to std, and products with
zeros, which must be exact (no division by an entry)."""
import numpy as np
import pytest

from diffc.core import primitives


def reverse(name, *args, dout=None, **kwargs):
    prim = primitives.get(name)
    out = prim.impl(*args, **kwargs)
    dout = np.ones_like(out) if dout is None else dout
    return prim.reverse_rule(out, dout, *args, **kwargs)


def forward(name, *args, tangent, **kwargs):
    prim = primitives.get(name)
    out = prim.impl(*args, **kwargs)
    (keyword,) = [p for p in ("da", "dx") if p in prim.forward_rule.__code__.co_varnames]
    return prim.forward_rule(out, *args, **kwargs, **{keyword: tangent})


@pytest.mark.parametrize("name, args, kwargs, expected", [
    ("max", (np.array([1.0, 3.0, 3.0, 3.0]),), {}, [0, 1 / 3, 1 / 3, 1 / 3]),
    ("min", (np.array([[2.0, 2.0, 2.0], [1.0, 0.0, 5.0]]),), {"axis": 1},
     [[1 / 3, 1 / 3, 1 / 3], [0, 1, 0]]),
    ("max", (np.array([[2.0, 2.0], [2.0, 1.0]]),), {"axis": None, "keepdims": True},
     [[1 / 3, 1 / 3], [1 / 3, 0]]),
    ("norm", (np.array([2.0, -2.0, 2.0, 1.0]), np.inf), {}, [1 / 3, -1 / 3, 1 / 3, 0]),
    ("norm", (np.array([[1.0, -1.0], [2.0, 2.0]]), 1), {}, [[0.5, -0.5], [0.5, 0.5]]),
])
def test_ties_split_equally(name, args, kwargs, expected):
    np.testing.assert_allclose(reverse(name, *args, **kwargs), expected, rtol=1e-15)


def test_tie_forward_averages_the_tangents():
    tangent = np.array([0.0, 3.0, 6.0, 9.0])
    assert forward("max", np.array([1.0, 3.0, 3.0, 3.0]), tangent=tangent) == pytest.approx(6.0)


@pytest.mark.parametrize("ord, axis", [(None, None), (2, None), (1, None), (np.inf, None),
                                       (-np.inf, None), (3, None), (None, 0), ("fro", None)])
def test_norm_at_zero_is_zero(ord, axis):
    x = np.zeros((2, 3)) if ord == "fro" else np.zeros(3)
    grad = reverse("norm", x, ord, axis)
    assert np.all(grad == 0) and grad.shape == x.shape
    assert np.all(forward("norm", x, ord, axis, tangent=np.ones_like(x)) == 0)


def test_std_of_a_constant_has_zero_gradient():
    x = np.full((2, 3), 1.5)
    assert np.all(reverse("std", x, axis=1) == 0)
    assert np.all(reverse("std", x, ddof=1) == 0)
    assert np.all(forward("std", x, axis=1, tangent=np.ones_like(x)) == 0)


def products_of_others(row):
    return np.array([np.prod(np.delete(row, i)) for i in range(len(row))])


@pytest.mark.parametrize("row", [[0.0, 2.0, 3.0], [0.0, 2.0, 0.0], [1.5, -2.0, 0.0, 4.0],
                                 [0.0, 0.0, 0.0]])
def test_prod_is_exact_with_zeros(row):
    row = np.array(row)
    np.testing.assert_array_equal(reverse("prod", row), products_of_others(row))
    x = np.stack([row, row[::-1]])
    np.testing.assert_array_equal(reverse("prod", x, axis=1), np.stack(
        [products_of_others(row), products_of_others(row[::-1])]))


def test_cumprod_is_exact_with_zeros():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    dout = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0])
    expected = [sum(dout[k] * np.prod(np.delete(x[:k + 1], i)) for k in range(i, len(x)))
                for i in range(len(x))]
    np.testing.assert_array_equal(reverse("cumprod", x, dout=dout), expected)
