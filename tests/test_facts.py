"""Facts: what compiling learns from the example arguments, and what it does not compute."""
import ast

import numpy as np
import pytest

import diffc
from diffc.backend.expressions import copy_ast
from diffc.core.facts import Facts
from diffc.core.ir import Eqn, Role, Var, VarKind
from tests.gradcheck import assert_close, numeric_jvp


def _product(facts, x, y, role):
    a, b, out = Var("a", "a", VarKind.USER), Var("b", "b", VarKind.USER), Var("out", "out", VarKind.TEMP)
    facts.bind_param(a, x)
    facts.bind_param(b, y)
    facts.run(Eqn((out,), "matmul", (a, b), {}, None, role, None))
    return facts.values[out]


@pytest.mark.parametrize("xs,ys,dtype", [
    ((64, 128), (128, 128), np.float64),
    ((3, 1, 64, 128), (5, 128, 32), np.float64),      # batch dimensions broadcast
    ((96, 128), (128, 128), np.float32),
])
def test_a_large_backward_product_is_a_stand_in_of_its_shape_and_dtype(xs, ys, dtype):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=xs).astype(dtype), rng.normal(size=ys).astype(dtype)
    want = x @ y
    got = _product(Facts(True), x, y, Role.ADJOINT)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.all(got == 1)             # ones: a zero cotangent would pass any check
    # the user's own products, and every product when the values are shown, are computed
    np.testing.assert_array_equal(_product(Facts(True), x, y, Role.PRIMAL), want)
    np.testing.assert_array_equal(_product(Facts(True, exact=True), x, y, Role.ADJOINT), want)


@pytest.mark.parametrize("x,y", [
    (np.ones((8, 16)), np.ones((16, 8))),                       # small: computed
    (np.ones((256, 256), dtype=np.int64), np.ones((256, 256), dtype=np.int64)),  # integers
    (np.ones(256 * 256), np.ones((256 * 256, 64))),             # a vector operand
])
def test_other_backward_products_are_computed(x, y):
    np.testing.assert_array_equal(_product(Facts(True), x, y, Role.ADJOINT), x @ y)


def test_mismatched_backward_operands_are_computed_and_fail_as_before():
    facts = Facts(True)
    a, b, out = Var("a", "a", VarKind.USER), Var("b", "b", VarKind.USER), Var("out", "out", VarKind.TEMP)
    facts.bind_param(a, np.ones((128, 128)))
    facts.bind_param(b, np.ones((64, 128)))
    facts.run(Eqn((out,), "matmul", (a, b), {}, None, Role.ADJOINT, None))
    assert out not in facts.values and out in facts.dynamic      # unknown, not made up


def _run(facts, prim, out, args, role=Role.ADJOINT):
    facts.run(Eqn((out,), prim, tuple(args), {}, None, role, None))
    return facts.values[out]


@pytest.mark.parametrize("dtype,other,want_dtype", [
    (np.float64, np.ones((192, 128)), np.float64),
    (np.float32, 0.5, np.float32),                       # a Python number does not upcast
    (np.float32, np.ones((1, 128)), np.float64),         # a float64 array does (and broadcasts)
])
def test_backward_arithmetic_on_a_stand_in_is_a_stand_in(dtype, other, want_dtype):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(192, 128)).astype(dtype), rng.normal(size=(128, 128)).astype(dtype)
    facts = Facts(True)
    a, b, c = Var("a", "a", VarKind.USER), Var("b", "b", VarKind.USER), Var("c", "c", VarKind.USER)
    product, scaled, exact = (Var(n, n, VarKind.TEMP) for n in ("product", "scaled", "exact"))
    for var, value in ((a, x), (b, y), (c, other)):
        facts.bind_param(var, value)
    _run(facts, "matmul", product, (a, b))
    got = _run(facts, "multiply", scaled, (product, c))
    want = (x @ y) * other
    assert got.shape == want.shape and got.dtype == want.dtype == want_dtype
    assert np.all(got == 1) and scaled in facts.stand_ins
    # without a stand-in operand, arithmetic is computed
    np.testing.assert_array_equal(_run(facts, "subtract", exact, (a, c)), x - other)
    assert exact not in facts.stand_ins


def test_stand_ins_do_not_spread_to_the_users_code():
    facts = Facts(True)
    a, b, out = Var("a", "a", VarKind.USER), Var("b", "b", VarKind.USER), Var("out", "out", VarKind.TEMP)
    facts.bind_param(a, np.full((256, 256), 3.0))
    facts.bind_param(b, np.full((256, 256), 2.0))
    facts.stand_ins.add(a)
    np.testing.assert_array_equal(_run(facts, "multiply", out, (a, b), role=Role.PRIMAL), 6.0)
    assert out not in facts.stand_ins


def deep_tanh(W1, W2, W3, X):
    h1 = np.tanh(X @ W1)
    h2 = np.tanh(h1 @ W2)
    return np.sum(np.tanh(h2 @ W3) ** 2) / X.shape[0]


def deep_tanh_grad(W1, W2, W3, X):
    """The backward pass by hand."""
    h1 = np.tanh(X @ W1)
    h2 = np.tanh(h1 @ W2)
    h3 = np.tanh(h2 @ W3)
    da3 = 2 * h3 / X.shape[0] * (1 - h3 ** 2)
    da2 = da3 @ W3.T * (1 - h2 ** 2)
    da1 = da2 @ W2.T * (1 - h1 ** 2)
    return X.T @ da1, h1.T @ da2, h2.T @ da3


def test_a_net_with_stand_in_products_gets_the_right_gradient():
    """Every backward product here is replaced by ones while compiling (96x128 @ 128x128
    is over the threshold), and so is the arithmetic on it (``* (1 - h2 ** 2)``): the
    emitted code must still compute the real gradient."""
    rng = np.random.default_rng(1)
    args = [rng.normal(size=(128, 128)) / 12 for _ in range(3)] + [rng.normal(size=(96, 128))]
    grads = diffc.grad(deep_tanh, wrt=(0, 1, 2))(*args)
    for got, want in zip(grads, deep_tanh_grad(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    for _ in range(3):                  # and central differences along random directions
        tangents = [rng.normal(size=a.shape) for a in args[:3]] + [np.zeros_like(args[3])]
        want = numeric_jvp(deep_tanh, args, tangents)
        assert_close(sum(np.sum(g * t) for g, t in zip(grads, tangents)), want, "directional")


def test_copy_ast_copies_every_node_and_shares_only_leaves():
    tree = ast.parse("def f(x, y=2):\n    z = x @ y.T + np.exp(-x)[0, 1:]\n    pass\n    return z\n")
    copy = copy_ast(tree)
    assert ast.dump(copy, include_attributes=True) == ast.dump(tree, include_attributes=True)
    originals = {id(n) for n in ast.walk(tree) if n._fields or n._attributes}
    assert not any(id(n) in originals for n in ast.walk(copy) if n._fields or n._attributes)
    copy.body[0].body[0].value.left.left.id = "w"          # changing the copy ...
    assert "x @ y.T" in ast.unparse(tree)                   # ... leaves the original
