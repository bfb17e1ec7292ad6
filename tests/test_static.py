"""Python the compile evaluates: values fixed by the call's signature decide branches, and
containers, strings and builtins on them are evaluated while lowering (binding times).

Every gradient here is checked against central differences; every refusal is located."""
import numpy as np
import pytest

import diffc
from diffc.errors import UnsupportedSyntax
from diffc.testing import check_grads, numerical_grad
from tests.gradcheck import assert_close, numeric_vjp
from tests.static_programs import basics as m

rng = np.random.default_rng(7)
W, X = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))


@pytest.mark.parametrize("config", [{"l2": 0.3, "shift_a": 0.5, "other": 1.0}, {}, {"l1": 0.2}],
                         ids=["l2 and shift", "empty", "l1"])
def test_dict_of_settings_in_and_get_and_items(config):
    check_grads(m.config_loss, (W, X, config), wrt=0)


def test_list_appended_in_a_loop_is_written_out():
    args = (rng.standard_normal((4, 3)), rng.standard_normal((4, 4)), rng.standard_normal((5, 3)))
    check_grads(m.rnn, args)
    source = diffc.grad(m.rnn, wrt=(0, 1))
    source(*args)
    assert "np.stack([h_1, h_2, h_3, h_4, h_5])" in source.source


def test_comprehensions_fstrings_assert_and_generator_sum():
    check_grads(m.comp, ([rng.standard_normal((2, 3)), rng.standard_normal((2, 3))],
                         rng.standard_normal(3)))


@pytest.mark.parametrize("mode", ["train", "test"])
def test_static_strings_isinstance_and_untaken_raise_and_print(mode):
    check_grads(m.mode, (W, X, mode), wrt=0)


def test_a_reached_raise_or_failed_assert_is_the_users_error():
    with pytest.raises(AssertionError, match="bad mode bad"):
        diffc.grad(m.mode)(W, X, "bad")


def test_method_with_none_default_and_settings_on_self():
    net = m.TwoLayer(np.random.default_rng(1))
    Xn, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    g = diffc.grad(net.loss, wrt="params")
    got = g(Xn, y, 0.1)
    for key in ("W1", "W2"):
        def f(Wk, key=key):
            saved = net.params[key]
            net.params[key] = Wk
            try:
                return net.loss(Xn, y, 0.1)
            finally:
                net.params[key] = saved
        want = _central(f, net.params[key])
        np.testing.assert_allclose(got[key], want, rtol=1e-5, atol=1e-7)
    net.mode = "test"                    # a static value on self changed: recompiled
    got = g(Xn, y, 0.1)
    want = _central(lambda W1: _with(net, "W1", W1, lambda: net.loss(Xn, y, 0.1)), net.params["W1"])
    np.testing.assert_allclose(got["W1"], want, rtol=1e-5, atol=1e-7)
    scores_grad = diffc.grad(net.loss, wrt="params")(Xn)          # y is None: early return
    np.testing.assert_allclose(scores_grad["W2"],
                               _central(lambda W2: _with(net, "W2", W2, lambda: net.loss(Xn)),
                                        net.params["W2"]), rtol=1e-5, atol=1e-7)


def _with(net, key, value, call):
    saved = net.params[key]
    net.params[key] = value
    try:
        return call()
    finally:
        net.params[key] = saved


def _central(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def test_helper_returning_a_tuple_of_results():
    check_grads(m.uses_helper, (rng.standard_normal((3, 2)), rng.standard_normal((4, 3))))


@pytest.mark.parametrize("fn,fragment,line", [
    (m.grows_in_branch, "changing a list or dict in a branch the data decides", 75),
    (m.key_from_data, "a dict key the data decides", 87),
])
def test_what_the_data_decides_is_refused_with_a_location(fn, fragment, line):
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(fn)(W, X)
    assert fragment in info.value.message and info.value.loc.line == line, str(info.value)


# --- functions as values ---------------------------------------------------------------
from tests.static_programs import functions as fm  # noqa: E402


def test_lambda_given_to_grad_reads_its_globals_live():
    w, x = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    check_grads(fm.loss, (w, x))
    g = diffc.grad(fm.loss)
    before = g(w, x)
    fm.SCALE = 6.0
    try:
        np.testing.assert_allclose(g(w, x), 2.0 * before)
    finally:
        fm.SCALE = 3.0


def test_loss_made_by_a_factory_closes_over_data():
    X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    check_grads(fm.make_loss(X, y), (rng.standard_normal(3),))


@pytest.mark.parametrize("fn", [fm.nested, fm.late_binding, fm.escapes], ids=lambda f: f.__name__)
def test_nested_defs_and_lambdas_read_their_frame_when_called(fn):
    args = (rng.standard_normal((3, 2)), rng.standard_normal((4, 3))) if fn is fm.nested else \
        (rng.standard_normal((3, 2)), rng.standard_normal(2))
    check_grads(fn, args)


def test_a_nested_function_returned_by_a_helper_is_called_where_it_is_returned():
    check_grads(fm.returns_passed, (rng.standard_normal((3, 2)), rng.standard_normal(2)))


def test_two_lambdas_on_one_line_are_told_apart():
    w = rng.standard_normal(3)
    np.testing.assert_allclose(diffc.grad(fm.two_on_a_line[0])(w), 2 * w)
    np.testing.assert_allclose(diffc.grad(fm.two_on_a_line[1])(w), 3 * w ** 2)


def test_a_name_first_assigned_in_a_written_out_loop():
    ws = [rng.standard_normal((3, 3)) for _ in range(3)]
    check_grads(fm.first_in_loop, (ws, rng.standard_normal(3)), wrt=0)


def test_a_read_before_any_step_assigns_is_refused_as_python_would_fail():
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(fm.really_unbound)(rng.standard_normal(3), rng.standard_normal(3))
    assert "`q` may not be assigned here" in info.value.message, str(info.value)


# --- constructs the fence used to refuse everywhere -------------------------------------
from tests.bad_programs import expressions as bad_expr, runtime as bad_runtime, statements as bad_stmt  # noqa: E402

V = np.array([0.5, 1.5, 2.5])


@pytest.mark.parametrize("fn", [bad_stmt.nested_def, bad_stmt.print_call, bad_stmt.with_block, bad_expr.lambda_value, bad_expr.list_comprehension,
                                bad_expr.dict_comprehension, bad_expr.generator_expression,
                                bad_expr.dict_literal, bad_expr.is_comparison, bad_runtime.square],
                         ids=lambda f: f.__name__)
def test_now_differentiated_where_the_signature_fixes_the_python(fn):
    check_grads(fn, (V,))


def test_keywords_spread_from_a_dict_whose_keys_are_fixed():
    check_grads(bad_expr.kwargs_splat, (V, {"a_min": 0.0, "a_max": 1.0}), wrt=0)


def test_raise_on_the_path_taken_is_the_users_exception():
    with pytest.raises(ValueError, match="negative input"):
        diffc.grad(bad_stmt.raise_statement)(V)


def test_in_on_an_array_is_refused_where_it_is():
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(bad_expr.in_comparison)(V)
    assert "`in` on a value the data decides" in info.value.message
    assert (info.value.loc.line, info.value.loc.col + 1) == (81, 15), str(info.value)


# --- objects ------------------------------------------------------------------------------
from tests.static_programs import objects as om  # noqa: E402


def _net_loss_numeric(net, x, t, key):
    def f(value):
        saved = net.params[key]
        net.params[key] = value
        layer = {"W1": "Affine1", "b1": "Affine1", "W2": "Affine2", "b2": "Affine2"}[key]
        attr = key[0]
        held = getattr(net.layers[layer], attr)
        if held is saved:                      # the layer shares the array: it sees it too
            setattr(net.layers[layer], attr, value)
        try:
            return net.loss(x, t)
        finally:
            net.params[key] = saved
            setattr(net.layers[layer], attr, held)
    return _central(f, net.params[key])


def test_layers_sharing_weights_with_params_get_the_gradient_through_the_layers():
    net = om.Net(np.random.default_rng(3))
    x, t = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    grads = diffc.grad(net.loss, wrt="params")(x, t)
    for key in net.params:
        np.testing.assert_allclose(grads[key], _net_loss_numeric(net, x, t, key),
                                   rtol=1e-5, atol=1e-7, err_msg=key)


def test_the_layers_stores_happen_as_in_python():
    net = om.Net(np.random.default_rng(3))
    x, t = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    diffc.grad(net.loss, wrt="params")(x, t)
    assert net.layers["Affine1"].x is x
    mask = (x @ net.params["W1"] + net.params["b1"]) <= 0
    np.testing.assert_array_equal(net.layers["Act"].mask, mask)


def test_a_weight_no_longer_shared_compiles_again_and_gets_no_gradient_through_the_layer():
    net = om.Net(np.random.default_rng(3))
    x, t = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    g = diffc.grad(net.loss, wrt="params")
    g(x, t)
    net.params["W1"] = net.params["W1"].copy()          # the layer keeps the old array
    grads = g(x, t)
    np.testing.assert_array_equal(grads["W1"], np.zeros_like(net.params["W1"]))
    np.testing.assert_allclose(grads["W2"], _net_loss_numeric(net, x, t, "W2"), rtol=1e-5, atol=1e-7)


def test_a_cost_strategy_class_swapped_on_the_object_recompiles():
    class Cubic:
        @staticmethod
        def fn(a, y):
            return np.sum(np.abs(a - y) ** 3)

    net = om.Net(np.random.default_rng(4))
    x, t = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    g = diffc.grad(net.loss, wrt="params")
    g(x, t)
    net.cost = Cubic
    grads = g(x, t)
    np.testing.assert_allclose(grads["b2"], _net_loss_numeric(net, x, t, "b2"), rtol=1e-5, atol=1e-6)


def test_functools_partial_fixing_data_and_settings():
    import functools
    X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    w = rng.standard_normal(3)
    g = diffc.grad(functools.partial(fm.ridge, X=X, y=y, reg=0.3))
    want = X.T @ (X @ w - y) + 0.3 * w
    np.testing.assert_allclose(g(w), want, rtol=1e-10)
    g2 = diffc.grad(functools.partial(fm.ridge, w), wrt="X")       # wrt named in what is left
    np.testing.assert_allclose(g2(X, y, 0.3), np.outer(X @ w - y, w), rtol=1e-10)


# --- randomness ---------------------------------------------------------------------------
import copy  # noqa: E402

from tests.static_programs import randomness as rm  # noqa: E402


def test_a_reparameterised_sample_seeded_in_the_loss():
    mu, log_sigma, target = rng.standard_normal((3, 2)), -rng.uniform(size=(3, 2)), rng.standard_normal((3, 2))
    check_grads(rm.reparameterised, (mu, log_sigma, target), wrt=(0, 1))


def test_a_generator_passed_in_draws_as_python_would_and_compiling_draws_nothing():
    w, x = rng.standard_normal((3, 4)), rng.standard_normal((5, 3))
    gen = np.random.default_rng(5)
    twin = copy.deepcopy(gen)
    got = diffc.grad(rm.dropout)(w, x, gen)
    mask = (twin.random((5, 4)) < 0.5) / 0.5        # the draw Python's call makes
    h = np.tanh(x @ w)
    want = x.T @ (2 * (h * mask) * mask * (1 - h ** 2))
    np.testing.assert_allclose(got, want, rtol=1e-10)
    np.testing.assert_equal(gen.random(3), twin.random(3))   # one call's draws, no more


def test_a_captured_random_state_is_read_at_each_call():
    w, x = rng.standard_normal(3), rng.standard_normal((4, 3))
    g = diffc.grad(rm.captured_noise)
    rm.CAPTURED.seed(3)
    first = g(w, x)
    rm.CAPTURED.seed(3)
    noise = 0.1 * rm.CAPTURED.randn(4)
    np.testing.assert_allclose(first, 2 * x.T @ (x @ w + noise), rtol=1e-10)
    second = g(w, x)                                 # the next draws, not the same ones
    assert not np.allclose(first, second)


def test_shuffle_writes_into_its_argument_and_is_refused():
    def shuffled(x):
        np.random.shuffle(x)
        return np.sum(x)
    with pytest.raises(UnsupportedSyntax, match="shuffle"):
        diffc.grad(shuffled)(rng.standard_normal(4))


# --- symbolic sizes (diffc compile --arg X=Nx3) are not values the compile knows -------------
def test_a_condition_on_a_symbolic_size_stays_in_the_generated_code(tmp_path):
    import subprocess
    import sys
    model = tmp_path / "sized.py"
    model.write_text("import numpy as np\n\n\ndef loss(w, X):\n    n = X.shape[0]\n"
                     "    if n > 3:\n        return np.sum(X @ w) / n\n    return np.sum(X @ w)\n")
    out = tmp_path / "sized_grad.py"
    done = subprocess.run([sys.executable, "-m", "diffc", "compile", str(model), "-f", "loss", "--arg", "w=shape:3",
                           "--arg", "X=Nx3", "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "X.shape[0]" in text and "if " in text, text
    namespace = {}
    exec(compile(text, str(out), "exec"), namespace)
    w = rng.standard_normal(3)
    for n in (2, 5):                        # both sides of the condition, one module
        X = rng.standard_normal((n, 3))
        want = X.sum(axis=0) / (n if n > 3 else 1)
        np.testing.assert_allclose(namespace["grad_loss"](w, X), want, rtol=1e-12)


@pytest.mark.parametrize("fn", [fm.mlp_tuples, fm.indexed_pairs], ids=lambda f: f.__name__)
def test_a_list_of_weight_tuples_of_different_shapes(fn):
    params = [(rng.standard_normal((3, 4)), rng.standard_normal(4)),
              (rng.standard_normal((4, 2)), rng.standard_normal(2))]
    check_grads(fn, (params, rng.standard_normal((5, 3))), wrt=0)
    grads = diffc.grad(fn)(params, rng.standard_normal((5, 3)))
    assert isinstance(grads, list) and [len(g) for g in grads] == [2, 2]


def test_range_as_an_index_and_keywords_to_a_star_star_parameter():
    def loss(W, X, y):
        S = X @ W
        return -np.sum(S[range(X.shape[0]), y])
    X, y = rng.standard_normal((4, 3)), np.array([0, 1, 1, 0])
    check_grads(loss, (rng.standard_normal((3, 2)), X, y), wrt=0)

    def with_options(x, **options):
        return np.sum(x * options.get("scale", 1.0) ** 2)
    x = rng.standard_normal(3)
    assert_close(diffc.grad(with_options)(x, scale=3.0),
                 numeric_vjp(lambda v: with_options(v, scale=3.0), [x], 0, 1.0), "**options")


def test_a_print_of_forward_values_prints_at_each_call_and_not_while_compiling(capsys):
    g = diffc.grad(m.prints)
    g(W, X)
    g(W, X)
    assert capsys.readouterr().out == f"{np.sum(W)}\n" * 2


# --- idioms ---------------------------------------------------------------------------------
from tests.static_programs import idioms as im  # noqa: E402


def test_builtins_on_arrays_range_alias_errstate_and_finfo():
    check_grads(im.builtins_on_arrays, (rng.standard_normal(3), rng.standard_normal((6, 3))), wrt=0)


@pytest.mark.parametrize("activation", [None, np.sin, lambda z: np.log1p(np.exp(z))],
                         ids=["default tanh", "np.sin", "a lambda"])
def test_star_unpacked_layers_and_an_activation_passed_in(activation):
    params = [(rng.standard_normal((2, 4)), rng.standard_normal(4)),
              (rng.standard_normal((4, 3)), rng.standard_normal(3)),
              (rng.standard_normal((3, 1)), rng.standard_normal(1))]
    args = (params, rng.standard_normal((5, 2))) + (() if activation is None else (activation,))
    check_grads(im.layers, args, wrt=0)


def test_an_activation_swapped_between_calls_recompiles():
    params = [(rng.standard_normal((2, 3)), rng.standard_normal(3)), (rng.standard_normal((3, 1)), rng.standard_normal(1))]
    x = rng.standard_normal((4, 2))
    g = diffc.grad(im.layers)
    a = g(params, x, np.tanh)
    b = g(params, x, np.sin)
    assert not np.allclose(a[0][0], b[0][0])
    check_grads(im.layers, (params, x, np.sin), wrt=0)


def test_writing_into_an_entry_of_a_local_dict_tape():
    check_grads(im.one_hot_tape, (rng.standard_normal((4, 3)), [0, 2, 1]), wrt=0)


def test_writing_into_an_entry_also_held_by_a_name_is_refused():
    with pytest.raises(UnsupportedSyntax, match="also held elsewhere .a."):
        diffc.grad(im.entry_held_twice)(rng.standard_normal((2, 3)), rng.standard_normal(3))


def test_a_module_level_settings_object_is_read_live_and_recompiled_when_it_changes():
    w = rng.uniform(0.5, 1.5, 3)
    g = diffc.grad(om.configured)
    np.testing.assert_allclose(g(w), 4.0 * w)
    om.SETTINGS.scale = 3.0                      # a float: read at each call
    np.testing.assert_allclose(g(w), 6.0 * w)
    om.SETTINGS.power = 3                        # an int that decided a branch: recompiled
    try:
        np.testing.assert_allclose(g(w), 9.0 * w ** 2)
    finally:
        om.SETTINGS.scale, om.SETTINGS.power = 2.0, 2


def _activated_layer(x, W, activation=np.tanh):
    return activation(x @ W)


def _loss_passing_numpy_functions(W, x):
    h = _activated_layer(x, W, np.tanh)
    return np.sum(_activated_layer(h, W.T @ W, activation=np.sin) ** 2)


def _loss_passing_a_function_to_numpy(x):
    return np.sum(np.apply_along_axis(np.tanh, 0, x))


def test_a_numpy_function_passed_to_a_helper_of_the_users_is_called_there():
    rng = np.random.default_rng(23)
    W, x = rng.normal(size=(3, 3)) / 2, rng.normal(size=(4, 3))
    got = diffc.grad(_loss_passing_numpy_functions)(W, x)
    assert_close(got, numeric_vjp(_loss_passing_numpy_functions, [W, x], 0, 1.0), "dW")


def test_a_numpy_function_passed_to_a_library_call_is_a_located_error():
    with pytest.raises(diffc.DiffcError) as info:
        diffc.grad(_loss_passing_a_function_to_numpy)(np.ones(3))
    text = str(info.value)
    assert "numpy.tanh is not a value diffc can use here" in text and "test_static.py:" in text


def _apply_solver(solver, A, b):
    return solver(A, b, lower=True)


def _loss_solver_passed_to_a_helper(A, b, solve=None):
    return np.sum(_apply_solver(solve, A, b) ** 2)


def _loss_scipy_default(x, act=None, solver=None):
    return np.sum(act(x)) + np.sum(solver(np.eye(3) + np.tril(x), x, lower=True))


def _loss_scipy_without_rule(x, g=None):
    return np.sum(g(x))


def test_a_scipy_function_held_in_a_value_is_called_by_its_rule():
    """Held in a default or passed to a helper, a SciPy function is its rule, as when its
    name is imported: neither refused as 'held in a value' nor read from SciPy's source."""
    scipy = pytest.importorskip("scipy.linalg", reason="the models call SciPy")
    special = pytest.importorskip("scipy.special", reason="the models call SciPy")
    rng = np.random.default_rng(29)
    A, b = np.tril(rng.uniform(size=(3, 3))) + 3 * np.eye(3), rng.normal(size=(3, 2))

    def solved(A, b, solve=scipy.solve_triangular):
        return _loss_solver_passed_to_a_helper(A, b, solve)
    got = diffc.grad(solved, wrt=(0, 1))(A, b)
    for i in (0, 1):
        assert_close(got[i], numeric_vjp(solved, [A, b], i, 1.0), f"d{i}")

    def loss(x, act=special.expit, solver=scipy.solve_triangular):
        return _loss_scipy_default(x, act, solver)
    x = rng.normal(size=(3, 3))
    assert_close(diffc.grad(loss)(x), numeric_vjp(loss, [x], 0, 1.0), "dx")


def test_a_scipy_function_without_a_rule_held_in_a_value_is_refused_by_its_name():
    scipy = pytest.importorskip("scipy.linalg", reason="the model calls SciPy")

    def loss(x, g=scipy.expm):
        return _loss_scipy_without_rule(x, g)
    with pytest.raises(diffc.DiffcError) as info:
        diffc.grad(loss)(np.eye(3))
    text = str(info.value)
    assert "no rule for scipy.linalg.expm" in text and "test_static.py:" in text
    assert "site-packages" not in text


class _KeepsOutput:
    def forward(self, x, W):
        self.output = np.tanh(x @ W)


def _loss_calling_forward_for_its_effect(W, x):
    layer = _LAYER
    layer.forward(x, W)
    layer.forward(layer.output, W.T)        # called again: later reads see the later store
    return np.sum(layer.output ** 2)


_LAYER = _KeepsOutput()


def _center(x):
    x -= x.mean(axis=0)


def _loss_calling_a_helper_that_writes_its_argument(W, x):
    h = x @ W
    _center(h)
    return np.sum(h ** 2)


def _no_return(x):
    y = x * 2.0


def test_a_method_called_for_its_stores_is_inlined_and_its_result_dropped():
    rng = np.random.default_rng(31)
    W, x = rng.normal(size=(3, 4)) / 2, rng.normal(size=(5, 3))
    expected = numeric_vjp(_loss_calling_forward_for_its_effect, [W, x], 0, 1.0)
    got = diffc.grad(_loss_calling_forward_for_its_effect)(W, x)
    assert_close(got, expected, "dW")
    np.testing.assert_allclose(_LAYER.output, np.tanh(np.tanh(x @ W) @ W.T))   # stored as Python does


def test_a_helper_called_as_a_statement_still_may_not_write_into_its_argument():
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(_loss_calling_a_helper_that_writes_its_argument)(np.ones((3, 2)), np.ones((4, 3)))
    assert "writes into the caller's array" in str(info.value) and "x -= x.mean" in str(info.value)


def test_the_differentiated_function_must_still_return_its_value():
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(_no_return)(np.ones(3))
    assert "does not end by returning a value" in str(info.value)


# -- Python's random module and random.Random objects: draws made at each call -------------
import random  # noqa: E402


def _pick_row_with_python_random(U):
    return np.sum(U[random.randint(0, U.shape[0] - 1)] ** 2) + random.random() * np.sum(U)


class _Sampler:
    def __init__(self, n, seed):
        self.n, self.rand = n, random.Random(seed)

    def sample(self):
        return self.rand.randint(0, self.n - 1)


def _negative_sampling(v, target, U, sampler, K=4):
    picks = [None] * K
    for k in range(K):
        idx = sampler.sample()
        while idx == target:                 # drawn again until it differs: the data decides
            idx = sampler.sample()
        picks[k] = idx
    loss = -np.log(1 / (1 + np.exp(-U[target] @ v)))
    for k in picks:
        loss -= np.log(1 / (1 + np.exp(U[k] @ v)))
    return loss


def _shuffles(x):
    items = [x, 2 * x]
    random.shuffle(items)
    return np.sum(items[0])


def test_python_random_module_draws_are_made_at_each_call_as_python_makes_them():
    U = np.random.default_rng(47).normal(size=(5, 2))
    g = diffc.grad(_pick_row_with_python_random)
    for seed in (1, 2, 3):
        random.seed(seed)
        expected = numeric_vjp(lambda u: (random.seed(seed), _pick_row_with_python_random(u))[1], [U], 0, 1.0)
        random.seed(seed)
        python_next = (_pick_row_with_python_random(U), random.random())[1]
        random.seed(seed)
        assert_close(g(U), expected, f"seed {seed}")
        assert random.random() == python_next          # the global generator moved on as in Python


def test_a_random_generator_held_by_an_object_draws_inside_a_loop_the_data_decides():
    r = np.random.default_rng(48)
    v, U = r.normal(size=3), r.normal(size=(6, 3))
    got = diffc.grad(_negative_sampling, wrt=(0, 2))(v, 2, U, _Sampler(6, 5))
    for i, name in ((0, "v"), (2, "U")):
        expected = numeric_vjp(lambda v_, U_: _negative_sampling(v_, 2, U_, _Sampler(6, 5)), [v, U], i // 2, 1.0)
        assert_close(got[i // 2], expected, name)


def _first_draw_is(target, n, make):
    """A seed whose generator's first ``randint(0, n - 1)`` is ``target``."""
    return next(s for s in range(1000) if make(s).randint(0, n - 1) == target)


def _seeded_inside(v, U, sampler):
    random.seed(_SEEDED_INSIDE)                  # the loss seeds the module's generator
    return _negative_sampling(v, 2, U, sampler)


class _GlobalSampler:
    def __init__(self, n):
        self.n = n

    def sample(self):
        return random.randint(0, self.n - 1)


_SEEDED_INSIDE = 3


def test_the_compile_draws_one_after_another_as_the_call_does():
    """Compiling runs the code on a copy of each generator, one copy per compile: a copy made
    afresh at each draw gave every draw the same value, and ``while idx == target`` never
    ended when that value was the target (the compile hung, depending on the state it found)."""
    import threading
    r = np.random.default_rng(50)
    v, U = r.normal(size=3), r.normal(size=(6, 3))
    held = _first_draw_is(2, 6, random.Random)
    cases = [("a generator an object holds", _negative_sampling, (v, 2, U, _Sampler(6, held)), (0, 2)),
             ("the module's, seeded by the loss", _seeded_inside, (v, U, _GlobalSampler(6)), (0, 1))]
    for name, fn, args, wrt in cases:
        random.seed(_first_draw_is(2, 6, random.Random))   # a fresh copy would draw the target
        got = {}
        worker = threading.Thread(target=lambda: got.update(g=diffc.grad(fn, wrt=wrt)(*args)),
                                  daemon=True)
        worker.start()
        worker.join(120)
        assert "g" in got, f"{name}: the compile did not end"
        for k, i in enumerate(wrt):
            def loss(a, i=i):
                call = list(args)
                call[i] = a
                if fn is _negative_sampling:
                    call[3] = _Sampler(6, held)
                return fn(*call)
            assert_close(got["g"][k], numeric_vjp(loss, [args[i]], 0, 1.0), f"{name}, argument {i}")


def test_random_shuffle_is_refused_with_a_hint():
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(_shuffles)(np.ones(3))
    assert "random.shuffle writes into its argument" in str(info.value) and "random.sample" in str(info.value)


# -- the result of a helper of the same module: fresh when every return is a new array ------
def _discounted(r, gamma=0.9):
    out = np.zeros_like(r)
    running = 0.0
    for t in reversed(range(r.size)):
        running = running * gamma + r[t]
        out[t] = running
    return out


def _returns_its_argument(r):
    return r


def _normalised_advantage(w, xs, rs):
    adv = _discounted(rs)
    adv -= np.mean(adv)                  # writes into the helper's new array, not into rs
    adv /= np.std(adv)
    return np.sum(adv * np.tanh(xs @ w))


def _writes_through_a_returned_argument(w, xs, rs):
    adv = _returns_its_argument(rs)
    adv -= np.mean(adv)
    return np.sum(adv * np.tanh(xs @ w))


def test_a_helper_returning_a_new_array_may_have_its_result_updated_in_place():
    r = np.random.default_rng(49)
    w, xs, rs = r.normal(size=3), r.normal(size=(6, 3)), np.array([0, 1.0, 0, 0, -1.0, 0.5])
    before = rs.copy()
    got = diffc.grad(_normalised_advantage)(w, xs, rs)
    assert_close(got, numeric_vjp(_normalised_advantage, [w, xs, rs], 0, 1.0), "dw")
    np.testing.assert_array_equal(rs, before)
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(_writes_through_a_returned_argument)(w, xs, rs)
    assert "writes into the caller's array `adv`" in str(info.value)


def _prints_progress(W, X, step=3):
    loss = np.sum(np.tanh(X @ W) ** 2)
    print(f"step {step}: loss={loss:.4f} ({loss!r}) {{raw}} {X.shape}")
    print("loss {:.2e}, mean {}".format(loss, np.mean(W)), "and %.3f" % loss)
    return loss


def test_an_f_string_of_forward_values_is_formatted_at_each_call(capsys):
    """Issue item: a print of forward values is kept and prints at each call, f-strings too."""
    expected_grad = numeric_vjp(_prints_progress, [W, X], 0, 1.0)
    capsys.readouterr()
    _prints_progress(W, X)
    python_says = capsys.readouterr().out
    got = diffc.grad(_prints_progress)(W, X)
    assert capsys.readouterr().out == python_says          # compiling prints nothing more
    assert_close(got, expected_grad, "dW")
    assert diffc.grad(m.formats_data)(W, X).shape == W.shape   # an unused f-string of data


def _walrus_in_condition(x, W):
    if (n := x.shape[0]) > 2:
        h = (z := np.tanh(x[: n // 2] @ W)) * z
        return np.sum(h) + np.sum(z)
    return np.sum(x @ W)


def _walrus_in_comprehension(x):
    return sum([(y := t * t) for t in x]) + y


def test_the_walrus_operator_binds_where_it_is_evaluated():
    r = np.random.default_rng(53)
    x, Wm = r.normal(size=(5, 3)), r.normal(size=(3, 2))
    got = diffc.grad(_walrus_in_condition, wrt=(0, 1))(x, Wm)
    for i in (0, 1):
        assert_close(got[i], numeric_vjp(_walrus_in_condition, [x, Wm], i, 1.0), f"d{i}")
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(_walrus_in_comprehension)(np.ones(3))
    assert "inside a comprehension" in str(info.value) and "(y := t * t)" in str(info.value)


def _make_layer(W, b, scale=1.0):
    gain = 2.0 * scale
    shift = b * gain

    def apply(z):
        return np.tanh(z @ W + shift)
    return apply


def _closures_made_by_helpers(params, x):
    def layer(W, b):
        def apply(z):
            return np.tanh(z @ W + b)
        return apply
    first = layer(params[0], params[1])
    second = _make_layer(params[2], params[3], scale=0.5)
    return np.sum(second(first(x)) ** 2) + np.sum(first(x))


def test_a_closure_returned_by_a_helper_keeps_the_helpers_names():
    r = np.random.default_rng(54)
    params = [r.normal(size=(3, 4)), r.normal(size=4), r.normal(size=(4, 2)), r.normal(size=2)]
    x = r.normal(size=(5, 3))
    got = diffc.grad(_closures_made_by_helpers)(params, x)
    expected = numerical_grad(_closures_made_by_helpers, [params, x], 0)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-7)


import functools  # noqa: E402


def _tanh_layer(a, W):
    return np.tanh(a @ W)


def _reduced(x, Ws):
    h = functools.reduce(_tanh_layer, Ws, x)
    g = functools.reduce(lambda a, fn: fn(a), [np.tanh, np.square], h)
    return np.sum(g) + functools.reduce(np.add, [np.sum(W) for W in Ws])


def test_functools_reduce_over_a_fixed_number_of_items_is_written_out():
    r = np.random.default_rng(55)
    x, Ws = r.normal(size=(4, 3)), [r.normal(size=(3, 3)), r.normal(size=(3, 2))]
    got = diffc.grad(_reduced, wrt=(0, 1))(x, Ws)
    assert_close(got[0], numerical_grad(_reduced, [x, Ws], 0), "dx")
    for g, e in zip(got[1], numerical_grad(_reduced, [x, Ws], 1)):
        assert_close(g, e, "dW")


import copy as copy_module  # noqa: E402
import statistics  # noqa: E402


def _deep_copied(params, x):
    p = copy_module.deepcopy(params)
    p["W"][0] = 0.0                          # a write into the copy, not into params
    layers = copy_module.copy([p["W"], params["b"]])
    layers.append(params["b"] * 2)
    return np.sum(np.tanh(x @ layers[0] + layers[1])) + np.sum(layers[2]) + np.sum(params["W"])


def _standard_library_call(W):
    return statistics.mean([np.sum(W), np.sum(W ** 2)])


def test_copy_and_deepcopy_are_copies_and_other_standard_library_calls_are_refused_by_name():
    r = np.random.default_rng(56)
    params, x = {"W": r.normal(size=(3, 2)), "b": r.normal(size=2)}, r.normal(size=(4, 3))
    before = copy_module.deepcopy(params)
    got = diffc.grad(_deep_copied)(params, x)
    expected = numerical_grad(_deep_copied, [params, x], 0)
    for k in params:
        assert_close(got[k], expected[k], k)
        np.testing.assert_array_equal(params[k], before[k])
    with pytest.raises(diffc.DiffcError) as info:
        diffc.grad(_standard_library_call)(np.ones(3))
    assert "no rule for statistics.mean" in str(info.value) and "test_static.py:" in str(info.value)


import itertools  # noqa: E402


def _pairwise_terms(Ws, xs):
    close = sum(np.sum(a * b) for a, b in itertools.combinations(Ws, 2))
    mixed = sum(np.sum(np.tanh(x @ W.T)) for W, x in itertools.product(Ws, xs))
    return close + mixed + sum(np.sum(v ** 2) for v in itertools.chain(Ws, xs))


def test_itertools_over_sequences_whose_length_is_fixed_is_written_out():
    r = np.random.default_rng(57)
    Ws, xs = [r.normal(size=(2, 3)) for _ in range(3)], [r.normal(size=(4, 3)) for _ in range(2)]
    got = diffc.grad(_pairwise_terms, wrt=(0, 1))(Ws, xs)
    for i in (0, 1):
        for g, e in zip(got[i], numerical_grad(_pairwise_terms, [Ws, xs], i)):
            assert_close(g, e, f"d{i}")
