"""Higher order: ``grad(grad(f))``, ``hessian``, ``hvp``, ``has_aux`` and a loss with a
gradient-norm penalty, each against a closed form or central differences."""
import numpy as np
import pytest

import diffc
from diffc.testing import check_grads, numerical_grad
from tests.gradcheck import assert_close

rng = np.random.default_rng(11)


def cube(x):
    return x ** 3


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def quadratic_form(x, A):
    return x @ A @ x


def smooth(x, y):
    return np.sum(np.sin(x) * y + x ** 2 * y ** 3) + np.sum(np.exp(x * 0.5))


def test_second_derivative_of_cube():
    assert diffc.grad(diffc.grad(cube))(2.0) == pytest.approx(12.0, rel=1e-15)
    assert diffc.grad(diffc.grad(cube))(-1.5) == pytest.approx(-9.0, rel=1e-15)


def test_grad_of_grad_does_not_differentiate_the_inner_primal():
    # a regression: the outer grad once unwrapped to cube itself and returned 3x**2
    assert diffc.grad(diffc.grad(cube))(1.0) == pytest.approx(6.0, rel=1e-15)


@pytest.mark.parametrize("x", [-2.0, -0.3, 0.0, 0.7, 3.0])
def test_sigmoid_second_derivative_is_its_closed_form(x):
    s = 1 / (1 + np.exp(-x))
    assert diffc.grad(diffc.grad(sigmoid))(x) == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12,
                                                               abs=1e-15)


def test_third_derivative_by_nesting_and_by_jvp_of_grad():
    x = 0.4
    d2 = diffc.grad(diffc.grad(sigmoid))
    third = numerical_grad(d2, (x,), 0)
    _, jvp_d2 = diffc.jvp(d2)(x, tangents=1.0)
    assert jvp_d2 == pytest.approx(third, rel=1e-6)


def test_hessian_of_quadratic_form_is_A_plus_A_transpose():
    x, A = rng.normal(size=4), rng.normal(size=(4, 4))
    H = diffc.hessian(quadratic_form)(x, A)
    np.testing.assert_allclose(H, A + A.T, rtol=1e-12, atol=1e-12)


def test_hvp_matches_hessian_times_vector():
    x, y, v = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)
    H = diffc.hessian(smooth)(x, y)
    np.testing.assert_allclose(diffc.hvp(smooth)(x, y, tangents=v), H @ v, rtol=1e-12, atol=1e-12)


def test_hessian_blocks_against_central_differences_of_the_gradient():
    x, y = rng.normal(size=3), rng.normal(size=3)
    (hxx, hxy), (hyx, hyy) = diffc.hessian(smooth, wrt=(0, 1))(x, y)
    gx = diffc.grad(smooth, wrt=0)
    for block, index in ((hxx, 0), (hxy, 1)):
        numeric = np.stack([numerical_grad(lambda *a: gx(*a)[i], (x, y), index) for i in range(3)])
        assert_close(block, numeric, f"H[0][{index}]")
    np.testing.assert_allclose(hxy, hyx.T, rtol=1e-12)
    np.testing.assert_allclose(hxx, hxx.T, rtol=1e-12)


def test_hvp_with_tuple_wrt():
    x, y = rng.normal(size=3), rng.normal(size=3)
    vx, vy = rng.normal(size=3), rng.normal(size=3)
    (hxx, hxy), (hyx, hyy) = diffc.hessian(smooth, wrt=(0, 1))(x, y)
    hx, hy = diffc.hvp(smooth, wrt=(0, 1))(x, y, tangents=(vx, vy))
    np.testing.assert_allclose(hx, hxx @ vx + hxy @ vy, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hy, hyx @ vx + hyy @ vy, rtol=1e-12, atol=1e-12)


def loss_with_aux(w, x):
    pred = np.tanh(w * x)
    loss = np.sum(pred ** 2)
    return loss, pred


def test_has_aux_returns_gradient_and_aux():
    w, x = rng.normal(size=3), rng.normal(size=3)
    g, aux = diffc.grad(loss_with_aux, has_aux=True)(w, x)
    np.testing.assert_allclose(aux, np.tanh(w * x))
    np.testing.assert_allclose(g, numerical_grad(lambda *a: loss_with_aux(*a)[0], (w, x), 0),
                               rtol=1e-6)
    (value, aux2), g2 = diffc.value_and_grad(loss_with_aux, has_aux=True)(w, x)
    assert value == pytest.approx(np.sum(np.tanh(w * x) ** 2))
    np.testing.assert_allclose(aux2, aux)
    np.testing.assert_allclose(g2, g)


def test_grad_of_non_scalar_inner_gradient_is_an_error():
    with pytest.raises(diffc.DiffcError, match="scalar"):
        diffc.grad(diffc.grad(quadratic_form))(np.ones(2), np.eye(2))


# -- a gradient-norm penalty: loss(w) + lam * |grad loss(w)|^2 -------------------------------
def data_loss(w, x):
    return np.sum(np.log(1 + np.exp(-w * x)))


grad_data_loss = diffc.grad(data_loss)
LAM = 0.3


def penalized(w, x):
    g = grad_data_loss(w, x)
    return data_loss(w, x) + LAM * np.sum(g ** 2)


def test_gradient_norm_penalty_by_hvp_against_central_differences():
    # d/dw [L + lam |g|^2] = g + 2 lam H g, with H g a Hessian-vector product
    w, x = rng.normal(size=4), rng.normal(size=4)
    g = grad_data_loss(w, x)
    total = g + 2 * LAM * diffc.hvp(data_loss)(w, x, tangents=g)
    assert_close(total, numerical_grad(penalized, (w, x), 0), "penalized")


def test_gradient_norm_penalty_compiled_as_one_function():
    w, x = rng.normal(size=4), rng.normal(size=4)
    check_grads(penalized, (w, x), wrt=0, modes=("reverse", "numeric"))


def _branch_cases():
    """Every loop-free case of the control-flow and jump suites (Hessians through loops
    are refused), with each argument a float or float array."""
    import inspect

    from tests import test_control, test_jumps
    cases = []
    for f, args, wrt in test_control.CASES + test_jumps.CASES:
        text = inspect.getsource(f)
        if " for " in text or "while " in text or not all(
                isinstance(a, float) or getattr(a, "dtype", None) == np.float64 for a in args):
            continue
        wrt = (wrt,) if isinstance(wrt, int) else tuple(wrt)
        cases.append((f, args, wrt[0]))
    return cases


BRANCH_CASES = _branch_cases()


@pytest.mark.parametrize("f,args,i", BRANCH_CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(BRANCH_CASES)])
def test_hessian_through_branches_against_differences_of_the_gradient(f, args, i):
    """Forward over reverse through ``if``: the backward branch reads the forward branch's
    values, and their tangents (a dropped tangent there once gave wrong Hessians)."""
    H = diffc.hessian(f, wrt=i)(*args)
    grad = diffc.api.gradients.GradientFunction(f, wrt=i)
    x = np.asarray(args[i], dtype=float)
    columns = []
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = 1e-6
        plus, minus = list(args), list(args)
        plus[i] = (x.reshape(-1) + step).reshape(x.shape) if x.shape else float(x + step[0])
        minus[i] = (x.reshape(-1) - step).reshape(x.shape) if x.shape else float(x - step[0])
        columns.append((np.asarray(grad(*plus)) - np.asarray(grad(*minus))).reshape(-1) / 2e-6)
    want = np.stack(columns, axis=-1).reshape(np.shape(H))
    np.testing.assert_allclose(H, want, rtol=1e-5, atol=1e-6)


def test_there_are_branch_cases():
    assert len(BRANCH_CASES) >= 8


def reads_overlapping_parts(x):
    return np.sum(x[0:2] ** 3) + np.sum(x[1:3] ** 2) + np.sum(x[np.array([0, 0, 2])] ** 3)


def test_hessian_through_gradients_accumulated_by_index():
    """The gradient adds into dx at slices and repeated indices; differentiating it again
    must see those additions (in-place updates are made only in emitted code)."""
    x = np.array([0.5, -1.0, 2.0])
    H = diffc.hessian(reads_overlapping_parts)(x)
    np.testing.assert_allclose(H, np.diag([6 * 0.5 + 2 * 6 * 0.5, 6 * -1.0 + 2.0, 2.0 + 6 * 2.0]), rtol=1e-12)
    source = diffc.grad(reads_overlapping_parts).source_for(x)
    assert "+=" in source or "np.add.at(dx" in source       # the emitted gradient still updates in place
