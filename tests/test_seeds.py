"""diffc reproduces the seed notes through its public API.

Every model in ``models_seed.py`` is differentiated by ``diffc.grad`` and
``diffc.value_and_grad`` and compared with its hand-written oracle (``oracles.py``,
itself checked in ``test_oracles.py``) and with ``diffc.testing.check_grads``; the values
the notes print are checked to the precision they are printed to.
"""
import numpy as np
import pytest

import diffc
from tests import models_seed, oracles
from tests.seed_cases import CASES, PUBLISHED

RTOL, ATOL = 1e-9, 1e-12     # diffc against the oracle: same math, different rounding


def params(fun):
    return fun.__code__.co_varnames[:fun.__code__.co_argcount]


def assert_same_gradient(got, want, name):
    assert np.shape(got) == np.shape(want), (
        f"d/d{name}: shape {np.shape(got)}, expected {np.shape(want)}")
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"d/d{name}")


def assert_same_gradients(grads, want, wrt):
    assert isinstance(grads, tuple) and len(grads) == len(wrt), (
        f"expected a tuple of {len(wrt)} gradients, got {type(grads).__name__}")
    for name, got in zip(wrt, grads):
        assert_same_gradient(got, want[name], name)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_grad_by_name_matches_oracle(case):
    args = case.args()
    grads = diffc.grad(case.model, wrt=case.wrt)(*args)
    assert_same_gradients(grads, case.oracle(*args)[1], case.wrt)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_value_and_grad_by_index_matches_oracle(case):
    args = case.args()
    positions = tuple(params(case.model).index(name) for name in case.wrt)
    value, grads = diffc.value_and_grad(case.model, wrt=positions)(*args)
    want_value, want_grads = case.oracle(*args)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    assert_same_gradients(grads, want_grads, case.wrt)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_check_grads_accepts(case):
    from diffc.testing import check_grads
    report = check_grads(case.model, case.args(), wrt=case.wrt)
    assert report is not None


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_grad_leaves_arguments_unchanged(case):
    args = case.args()
    diffc.grad(case.model, wrt=case.wrt)(*args)
    for name, before, after in zip(params(case.model), case.args(), args):
        np.testing.assert_array_equal(after, before, err_msg=name)


@pytest.mark.parametrize("pub", PUBLISHED, ids=lambda p: p.id)
def test_published_values(pub):
    wrt = tuple(pub.grads)
    value, grads = diffc.value_and_grad(pub.model, wrt=wrt)(*pub.args)
    if pub.value is not None:
        np.testing.assert_allclose(value, pub.value, rtol=0, atol=pub.atol)
    for name, got in zip(wrt, grads):
        np.testing.assert_allclose(got, pub.grads[name], rtol=0, atol=pub.atol, err_msg=name)


# Every way of saying wrt, on f = (x + y) z at the notes' point; answers from the oracle.
F_ARGS = (-2.0, 5.0, -4.0)
F_GRADS = oracles.f(*F_ARGS)[1]

WRT_FORMS = [
    ("index", lambda: diffc.grad(models_seed.f, wrt=0), "x"),
    ("name", lambda: diffc.grad(models_seed.f, wrt="z"), "z"),
    ("default is the first parameter", lambda: diffc.grad(models_seed.f), "x"),
    ("mixed tuple", lambda: diffc.grad(models_seed.f, wrt=(2, "x")), ("z", "x")),
    ("decorator with names", lambda: diffc.grad(wrt=("x", "y"))(models_seed.f), ("x", "y")),
    ("one-element tuple", lambda: diffc.grad(models_seed.f, wrt=("y",)), ("y",)),
]


@pytest.mark.parametrize("make, names", [(m, n) for _, m, n in WRT_FORMS],
                         ids=[form for form, _, _ in WRT_FORMS])
def test_wrt_forms(make, names):
    got = make()(*F_ARGS)
    if isinstance(names, str):
        assert not isinstance(got, tuple)
        assert_same_gradient(got, F_GRADS[names], names)
    else:
        assert_same_gradients(got, F_GRADS, names)


def test_decorator_syntax():
    from tests import models_decorated   # runs @diffc.grad at import: import it only here
    assert_same_gradient(models_decorated.grad_f(*F_ARGS), F_GRADS["x"], "x")
    assert_same_gradients(models_decorated.grad_f_xy(*F_ARGS), F_GRADS, ("x", "y"))


def test_softmax_with_loss_gradient_is_P_minus_T_over_N():
    S, T = CASES_BY_ID["softmax_with_loss"].args()
    P = oracles.softmax(S)
    dS = diffc.grad(models_seed.softmax_with_loss, wrt="S")(S, T)
    assert_same_gradient(dS, (P - T) / S.shape[0], "S")


def test_mlp_gradient_is_bp1_to_bp4_batched():
    w1, b1, w2, b2, x, y = CASES_BY_ID["mlp2_quadratic"].args()
    _, nabla_b, nabla_w = oracles.quadratic_cost_grads_batched([w1, w2], [b1, b2], x, y)
    grads = diffc.grad(models_seed.mlp2_quadratic, wrt=("w1", "b1", "w2", "b2"))(
        w1, b1, w2, b2, x, y)
    want = {"w1": nabla_w[0], "b1": nabla_b[0], "w2": nabla_w[1], "b2": nabla_b[1]}
    assert_same_gradients(grads, want, ("w1", "b1", "w2", "b2"))


def test_svm_gradient_is_the_naive_loop():
    W, X, y, reg = CASES_BY_ID["svm_loss(reg=0.1)"].args()
    _, want = oracles.svm_loss_naive(W, X, y, reg)
    assert_same_gradients(diffc.grad(models_seed.svm_loss, wrt=("W", "X"))(W, X, y, reg),
                          want, ("W", "X"))


CASES_BY_ID = {c.id: c for c in CASES}
