"""Higher order: ``grad(grad(f))``, ``hessian``, ``hvp``, ``has_aux`` and a loss with a
gradient-norm penalty, each against a closed form or central differences."""
import numpy as np
import pytest

import diffc
from diffc.testing import check_grads, numerical_grad
from tests.gradcheck import assert_close, random_like

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


def loss_with_dict_aux(w, x):
    pred = np.tanh(w * x)
    loss = np.sum(pred ** 2)
    return loss, {"pred": pred, "stats": (np.max(pred), "tanh"), "n": 3, "layers": [{"w": w}]}


def test_has_aux_accepts_a_dict_of_anything():
    """The auxiliary output is never differentiated: a dict (nested, with strings and ints)
    was refused as 'a dict is not supported'."""
    w, x = rng.normal(size=3), rng.normal(size=3)
    g, aux = diffc.grad(loss_with_dict_aux, has_aux=True)(w, x)
    np.testing.assert_allclose(g, numerical_grad(lambda *a: loss_with_dict_aux(*a)[0], (w, x), 0),
                               rtol=1e-6)
    want = loss_with_dict_aux(w, x)[1]
    assert set(aux) == {"pred", "stats", "n", "layers"}
    np.testing.assert_allclose(aux["pred"], want["pred"])
    assert aux["stats"] == want["stats"] and aux["n"] == 3
    np.testing.assert_allclose(aux["layers"][0]["w"], w)
    (value, aux2), g2 = diffc.value_and_grad(loss_with_dict_aux, has_aux=True)(w, x)
    assert value == pytest.approx(np.sum(np.tanh(w * x) ** 2))
    np.testing.assert_allclose(g2, g)
    assert "return dw, {'pred': pred, 'stats': (" in diffc.grad(loss_with_dict_aux, has_aux=True).source


def loss_with_computed_key(w, x):
    key = "pred"
    return np.sum(w * x), {key: w}


def test_a_computed_key_in_the_aux_dict_is_a_located_error():
    with pytest.raises(diffc.DiffcError) as e:
        diffc.grad(loss_with_computed_key, has_aux=True)(np.ones(2), np.ones(2))
    assert "a computed key in the auxiliary output is not supported" in str(e.value)
    assert "return np.sum(w * x), {key: w}" in str(e.value)


def aux_built_before_the_return(w, x):
    aux = {"pred": w * x}
    return np.sum(w * x), aux


def test_a_dict_built_before_the_return_is_a_dict_of_the_aux_output_too():
    """A dict assigned before the return (a literal the compile knows) is the aux output as
    Python returns it; it was refused with a hint to build it in the return statement."""
    w, x = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    grad, aux = diffc.grad(aux_built_before_the_return, has_aux=True)(w, x)
    np.testing.assert_allclose(grad, x)
    np.testing.assert_allclose(aux["pred"], w * x)


def test_a_tuple_output_without_has_aux_is_refused_at_the_return():
    with pytest.raises(diffc.DiffcError, match="grad needs a scalar output"):
        diffc.grad(loss_with_dict_aux)(np.ones(2), np.ones(2))


class Regressor:
    def __init__(self, w):
        self.params = {"w": w}

    def loss(self, x, t):
        pred = x @ self.params["w"]
        return np.sum((pred - t) ** 2), {"pred": pred}


def test_has_aux_on_a_bound_method_with_wrt_an_attribute():
    """``diffc.grad(model.loss, wrt="params", has_aux=True)`` said 'loss has no parameter
    'params'': has_aux made the method an ordinary function."""
    x, t, w = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3)
    model = Regressor(w)
    grads, aux = diffc.grad(model.loss, wrt="params", has_aux=True)(x, t)
    want = numerical_grad(lambda w: np.sum((x @ w - t) ** 2), (w,), 0)
    np.testing.assert_allclose(grads["w"], want, rtol=1e-6)
    np.testing.assert_allclose(aux["pred"], x @ w)
    (value, aux2), grads2 = diffc.value_and_grad(model.loss, wrt="params", has_aux=True)(x, t)
    assert value == pytest.approx(np.sum((x @ w - t) ** 2))
    np.testing.assert_allclose(grads2["w"], grads["w"])
    np.testing.assert_allclose(aux2["pred"], x @ w)


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


def _control_cases(loops):
    """The cases of the control-flow and jump suites with each argument a float or float
    array: those without a loop (``loops=False``), or those with one."""
    import inspect

    from tests import test_control, test_jumps
    cases = []
    for f, args, wrt in test_control.CASES + test_jumps.CASES:
        text = inspect.getsource(f)
        if (" for " in text or "while " in text) != loops or not all(
                isinstance(a, float) or getattr(a, "dtype", None) == np.float64 for a in args):
            continue
        wrt = (wrt,) if isinstance(wrt, int) else tuple(wrt)
        cases.append((f, args, wrt[0]))
    return cases


BRANCH_CASES = _control_cases(loops=False)
LOOP_CASES = _control_cases(loops=True)


def _differences_of_the_gradient(f, args, i):
    """The Hessian's oracle: central differences of the first-order gradient (diffc's
    reverse mode, which the control-flow suites check against central differences of ``f``),
    one column per entry of ``args[i]``, in the shape ``args[i].shape * 2``."""
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
    return np.stack(columns, axis=-1).reshape(x.shape * 2)


@pytest.mark.parametrize("f,args,i", BRANCH_CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(BRANCH_CASES)])
def test_hessian_through_branches_against_differences_of_the_gradient(f, args, i):
    """Forward over reverse through ``if``: the backward branch reads the forward branch's
    values, and their tangents (a dropped tangent there once gave wrong Hessians)."""
    H = diffc.hessian(f, wrt=i)(*args)
    np.testing.assert_allclose(H, _differences_of_the_gradient(f, args, i), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f,args,i", LOOP_CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(LOOP_CASES)])
def test_second_order_through_loops_against_differences_of_the_gradient(f, args, i):
    """Every loop of the control-flow and jump suites (``for``, ``while``, ``break``,
    ``continue``, early returns), differentiated twice: the Hessian (forward over reverse:
    tapes of tangents), a Hessian-vector product, and for a scalar argument
    ``grad(grad(f))`` (reverse over reverse: tapes of gradients) all equal central
    differences of the gradient. Both once failed: the Hessian was refused, and
    ``grad(grad(f))`` missed the path through the values the loop saved (half of
    ``d²(x²)/dx²`` for ``while c < 5: c = c * x``) or crashed on ``reversed`` of a
    ``reversed``."""
    want = _differences_of_the_gradient(f, args, i)
    H = diffc.hessian(f, wrt=i)(*args)
    np.testing.assert_allclose(H, want, rtol=1e-5, atol=1e-6, err_msg="hessian")
    v = random_like(args[i], np.random.default_rng(3))
    hv = diffc.hvp(f, wrt=i)(*args, tangents=v)
    want_hv = want.reshape(np.size(v), np.size(v)) @ np.reshape(v, -1)
    np.testing.assert_allclose(np.reshape(hv, -1), want_hv, rtol=1e-5, atol=1e-5, err_msg="hvp")
    if isinstance(args[i], float):
        d2 = diffc.grad(diffc.grad(f, wrt=i), wrt=i)(*args)
        np.testing.assert_allclose(d2, want, rtol=1e-5, atol=1e-6, err_msg="grad(grad(f))")


def test_there_are_loop_cases():
    assert len(LOOP_CASES) >= 20


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


# -- loops differentiated twice ------------------------------------------------------------
# ``grad(grad(f))`` once missed the path through the values a loop saved on its tape (half
# of the true value below), and crashed on ``reversed`` of a ``reversed``; ``hessian``
# refused every loop. The oracles: closed forms, and central differences of the first-order
# gradient (diffc's reverse mode, itself checked against central differences of f).
def squares_until_five(x):
    c = x
    while c < 5.0:
        c = c * x
    return c


def squares_until_five_by_break(x):
    c = x
    for i in range(10):
        if c >= 5.0:
            break
        c = c * x
    return c


def cube_by_a_loop(x):
    c = x
    for i in range(2):
        c = c * x
    return c


@pytest.mark.parametrize("f,x,want", [(squares_until_five, 3.0, 2.0),
                                      (squares_until_five_by_break, 3.0, 2.0),
                                      (squares_until_five, 1.5, 12 * 1.5 ** 2),     # x**4
                                      (cube_by_a_loop, 3.0, 18.0)])
def test_grad_of_grad_through_a_loop_is_its_closed_form(f, x, want):
    assert diffc.grad(diffc.grad(f))(x) == pytest.approx(want, rel=1e-12)
    assert diffc.hessian(f)(x) == pytest.approx(want, rel=1e-12)
    assert diffc.grad(diffc.grad(f))(x) == pytest.approx(_differences_of_the_gradient(f, (x,), 0),
                                                         rel=1e-6)


def _sine_times(a, b):
    return np.sin(a) * b


def skips_a_step(x):
    s = 0.0
    for i in range(4):
        if i == 2:
            continue
        s = s + np.sin(x * (i + 1.0))
    return s


def nested_loops(x):
    s = x
    for i in range(3):
        for j in range(2):
            s = np.sin(s) * x + j
    return s


def helper_in_a_loop(x):
    s = x
    for i in range(3):
        s = _sine_times(s, x) + 0.5
    return s


def branch_in_a_loop(x):
    s = x
    for i in range(4):
        if s > 1.0:
            s = s * 0.7
        else:
            s = s * s + x
    return s


def loop_in_a_while_loop(x):
    s = 0.0
    k = 0
    while k < 3:
        t = x
        for j in range(k + 1):
            t = t * np.cos(t)
        s = s + t
        k = k + 1
    return s


def recurrence_over_steps(w):
    h = np.zeros(2)
    for t in range(3):
        h = np.tanh(h * w + w[::-1] * (t + 1.0))
    return np.sum(h ** 2)


def sum_until_large(w):
    s = 0.0
    for i in range(w.shape[0]):
        if s > 2.0:
            break
        s = s + np.exp(w[i]) * w[0]
    return s


def grow_until_large(w):
    v = w
    while np.sum(v ** 2) < 10.0:
        v = v * 1.5 + np.sin(v)
    return np.sum(v * w)


SECOND_ORDER = [(f, x) for f in (squares_until_five, squares_until_five_by_break, cube_by_a_loop,
                                 skips_a_step, nested_loops, helper_in_a_loop, branch_in_a_loop,
                                 loop_in_a_while_loop) for x in (1.3, 1.6)] + \
               [(f, x) for f in (recurrence_over_steps, sum_until_large, grow_until_large)
                for x in (np.array([0.3, -0.8]), np.array([1.2, 0.5]))]


@pytest.mark.parametrize("f,x", SECOND_ORDER, ids=[f"{f.__name__}-{k}" for k, (f, _) in enumerate(SECOND_ORDER)])
def test_every_composition_of_two_transforms_through_loops(f, x):
    """``hessian``, ``hvp``, and ``jvp``, ``vjp``, ``jacobian`` (both modes) of ``grad(f)``,
    and for a scalar ``grad(grad(f))`` and ``value_and_grad(grad(f))``, all equal central
    differences of the first-order gradient; ``grad`` of ``grad(grad(f))`` and ``hessian`` of
    ``grad(f)`` equal central differences of ``grad(grad(f))``."""
    H = _differences_of_the_gradient(f, (x,), 0)
    g = diffc.grad(f)
    v = np.full(np.shape(x), 0.7) if np.ndim(x) else 0.7
    Hv = H @ v if np.ndim(x) else H * v
    assert_close(diffc.hessian(f)(x), H, "hessian")
    assert_close(diffc.hvp(f)(x, tangents=v), Hv, "hvp")
    value, tangent = diffc.jvp(g)(x, tangents=v)
    assert_close(value, g(x), "jvp(grad) value")
    assert_close(tangent, Hv, "jvp(grad)")
    assert_close(diffc.jacobian(g, mode="forward")(x), H, "jacobian(grad, forward)")
    assert_close(diffc.jacobian(g, mode="reverse")(x), H, "jacobian(grad, reverse)")
    assert_close(diffc.vjp(g)(x)[1](v), v @ H if np.ndim(x) else H * v, "vjp(grad)")
    if np.ndim(x) == 0:
        gg = diffc.grad(g)
        assert_close(gg(x), H, "grad(grad)")
        assert_close(diffc.value_and_grad(g)(x)[1], H, "value_and_grad(grad)")
        third = (gg(x + 1e-5) - gg(x - 1e-5)) / 2e-5
        assert_close(diffc.grad(gg)(x), third, "grad(grad(grad))", rtol=1e-4)
        # forward over reverse over reverse: the second reverse's tapes, carried by its
        # loops, get tapes of tangents from where they are made (an InternalError before)
        assert_close(diffc.hessian(g)(x), third, "hessian(grad)", rtol=1e-4)


def twice_the_same_sum(x):
    return np.sum(x ** 2) + np.sum(x ** 2)


def test_hessian_after_an_optimized_gradient_keeps_names_apart():
    """The optimizer rewrites the gradient's ``2x + 2x`` as ``(2 + 2) * x`` under a name it
    makes; forward mode gave that name to its own temporary, and the Hessian came out 0."""
    x = np.array([0.7, 1.4])
    np.testing.assert_allclose(diffc.hessian(twice_the_same_sum)(x), 4 * np.eye(2), rtol=1e-12)
    assert_close(diffc.hessian(twice_the_same_sum)(x),
                 _differences_of_the_gradient(twice_the_same_sum, (x,), 0), "hessian")


def test_source_of_a_nested_gradient_before_any_call():
    """General code (no example arguments): it crashed staging ``None`` as arguments."""
    text = diffc.grad(diffc.grad(sigmoid)).source
    namespace = {}
    exec(text, namespace)
    second = next(v for k, v in namespace.items() if k.startswith("grad_"))
    s = 1 / (1 + np.exp(-0.3))
    assert second(0.3) == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12)
