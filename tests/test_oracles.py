"""The oracles in ``oracles.py`` are right: central differences and sympy agree with them.

Nothing here uses diffc, so these tests say whether the references are trustworthy
independently of the compiler they are used to judge.
"""
import numpy as np
import pytest
import sympy as sp

from tests import models_seed, oracles
from tests.seed_cases import CASES, PUBLISHED

RTOL, ATOL = 1e-6, 1e-8     # central differences with h = 1e-6 are good to ~1e-9 here


def central_difference(fun, args, index, h=1e-6):
    """d fun / d args[index] by (fun(x + h) - fun(x - h)) / 2h, one entry at a time."""
    args = list(args)
    x0 = np.asarray(args[index], dtype=float)
    grad = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        values = []
        for step in (h, -h):
            x = x0.copy()
            x[idx] += step
            args[index] = x if x0.ndim else float(x)
            values.append(fun(*args))
        grad[idx] = (values[0] - values[1]) / (2 * h)
    return grad if x0.ndim else float(grad)


def param_index(fun, name):
    return fun.__code__.co_varnames[:fun.__code__.co_argcount].index(name)


def assert_matches_numeric(oracle, args, grads):
    value_of = lambda *a: oracle(*a)[0]
    for name, grad in grads.items():
        numeric = central_difference(value_of, args, param_index(oracle, name))
        assert np.shape(grad) == np.shape(numeric), name
        np.testing.assert_allclose(grad, numeric, rtol=RTOL, atol=ATOL, err_msg=name)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_oracle_matches_central_differences(case):
    args = case.args()
    _, grads = case.oracle(*args)
    assert set(case.wrt) <= set(grads)
    assert_matches_numeric(case.oracle, args, grads)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_checker_rejects_a_slightly_wrong_gradient(case):
    args = case.args()
    _, grads = case.oracle(*args)
    name = case.wrt[0]
    wrong = np.asarray(grads[name]) + 1e-4 * (1 + np.abs(grads[name]))
    with pytest.raises(AssertionError):
        assert_matches_numeric(case.oracle, args, {name: wrong})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_model_computes_the_oracle_value(case):
    args = case.args()
    np.testing.assert_allclose(case.model(*args), case.oracle(*args)[0], rtol=1e-12)


@pytest.mark.parametrize("pub", PUBLISHED, ids=lambda p: p.id)
def test_oracle_reproduces_the_published_values(pub):
    oracle = getattr(oracles, pub.model.__name__)
    value, grads = oracle(*pub.args)
    if pub.value is not None:
        np.testing.assert_allclose(value, pub.value, rtol=0, atol=pub.atol)
    for name, expected in pub.grads.items():
        np.testing.assert_allclose(grads[name], expected, rtol=0, atol=pub.atol, err_msg=name)


@pytest.mark.parametrize("reg", [0.0, 0.1, 2.5])
def test_svm_naive_and_vectorized_agree(reg):
    rng = np.random.default_rng(7)
    W, X, y = rng.normal(size=(4, 3)), rng.normal(size=(6, 4)), rng.integers(3, size=6)
    loss_loop, grads_loop = oracles.svm_loss_naive(W, X, y, reg)
    loss_vec, grads_vec = oracles.svm_loss_vectorized(W, X, y, reg)
    np.testing.assert_allclose(loss_vec, loss_loop, rtol=1e-12)
    for name in grads_loop:
        np.testing.assert_allclose(grads_vec[name], grads_loop[name], rtol=1e-12, atol=1e-15)
    assert_matches_numeric(oracles.svm_loss_naive, (W, X, y, reg), grads_loop)


def test_softmax_with_labels_equals_softmax_with_one_hot():
    rng = np.random.default_rng(8)
    S, labels = rng.normal(size=(5, 3)), rng.integers(3, size=5)
    with_labels, with_one_hot = oracles.SoftmaxWithLoss(), oracles.SoftmaxWithLoss()
    loss = with_labels.forward(S, labels)
    np.testing.assert_allclose(with_one_hot.forward(S, np.eye(3)[labels]), loss, rtol=1e-14)
    np.testing.assert_allclose(with_labels.backward(), with_one_hot.backward(), rtol=1e-14)


def test_softmax_is_unchanged_by_the_max_subtraction():
    S = np.array([[1000.0, 1001.0, 999.0], [-3.0, 0.0, 2.0]])
    P = oracles.softmax(S)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P[0], oracles.softmax(S[[0]] - 1000.0)[0], rtol=1e-14)
    np.testing.assert_allclose(P[1], np.exp(S[1]) / np.sum(np.exp(S[1])), rtol=1e-14)


@pytest.mark.parametrize("s", [-2.0, 0.0, 1.0, 3.5])
def test_sigmoid_is_the_second_entry_of_softmax_of_zero_and_s(s):
    # seed 004 calls the neuron the *first* entry of softmax(0, s); that entry is sigmoid(-s)
    P = oracles.softmax(np.array([[0.0, s]]))[0]
    np.testing.assert_allclose(P[1], oracles.sigmoid(s), rtol=1e-14)
    np.testing.assert_allclose(P[0], oracles.sigmoid(-s), rtol=1e-14)


MLP_SIZES = [(4, 6, 3), (3, 5, 4, 2), (2, 3)]


@pytest.mark.parametrize("sizes", MLP_SIZES, ids=str)
def test_bp1_to_bp4_per_sample_and_batched_agree_with_central_differences(sizes):
    rng = np.random.default_rng(9)
    weights = [rng.normal(size=(m, n)) for n, m in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=(m, 1)) for m in sizes[1:]]
    X, Y = rng.normal(size=(sizes[0], 5)), rng.uniform(size=(sizes[-1], 5))
    cost, nabla_b, nabla_w = oracles.quadratic_cost_grads(weights, biases, X, Y)
    cost_batched, nabla_b_batched, nabla_w_batched = oracles.quadratic_cost_grads_batched(
        weights, biases, X, Y)
    np.testing.assert_allclose(cost_batched, cost, rtol=1e-12)
    for got, want in zip(nabla_b_batched + nabla_w_batched, nabla_b + nabla_w):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)

    layers = len(weights)
    flat = lambda *p: oracles.quadratic_cost_grads(list(p[:layers]), list(p[layers:]), X, Y)[0]
    for k, grad in enumerate(nabla_w + nabla_b):
        numeric = central_difference(flat, weights + biases, k)
        np.testing.assert_allclose(grad, numeric, rtol=RTOL, atol=ATOL)


def _sympy_grads(expr, symbols, point):
    at = dict(zip(symbols, point))
    return [float(sp.diff(expr, s).subs(at)) for s in symbols]


@pytest.mark.parametrize("s, t", [(0.5, 1.0), (-1.2, 0.3), (2.0, -2.5), (0.0, 0.0), (1.7, 4.0)])
def test_chain_closed_form_matches_sympy(s, t):
    S, T = sp.symbols("s t")
    z = (S - sp.sin(T)) ** 2 - (sp.exp(S) + sp.cos(T)) ** 2
    _, grads = oracles.chain(s, t)
    np.testing.assert_allclose([grads["s"], grads["t"]], _sympy_grads(z, [S, T], [s, t]),
                               rtol=1e-12)


@pytest.mark.parametrize("w, x", [((2.0, -3.0, -3.0), (-1.0, -2.0)),
                                  ((0.3, 1.1, -0.4), (2.0, 0.5))])
def test_neuron_matches_sympy(w, x):
    w0, w1, w2, x0, x1 = symbols = sp.symbols("w0 w1 w2 x0 x1")
    out = 1 / (1 + sp.exp(-(w0 * x0 + w1 * x1 + w2)))
    expected = _sympy_grads(out, symbols, [*w, *x])
    value, grads = oracles.neuron(np.array(w), np.array(x))
    np.testing.assert_allclose(np.concatenate([grads["w"], grads["x"]]), expected, rtol=1e-12)
    np.testing.assert_allclose(value, models_seed.neuron(np.array(w), np.array(x)), rtol=1e-15)
