"""Functions taking ``*args``/``**kwargs`` differentiated with ``wrt`` counted in each
call's positional arguments (autograd's ``argnum``), and library functions held as values
(``fun = mvn.logpdf`` passed to a helper): gradients against central differences, and
the located refusal of a SciPy function diffc has no rule for."""
import numpy as np
import pytest

import diffc
from diffc.errors import NoRuleError
from tests.gradcheck import assert_close, numeric_jvp, numeric_vjp

stats = pytest.importorskip("scipy.stats")
linalg = pytest.importorskip("scipy.linalg")

rng = np.random.default_rng(19)
X = rng.normal(size=4)
MEAN = rng.normal(size=4)
_A = rng.normal(size=(4, 4))
COV = _A @ _A.T + 4 * np.eye(4)


def symmetrize_arg(fun, argnum):
    """A wrapper taking ``*args``: replaces argument ``argnum`` by its symmetric part."""
    def symmetrized(*args, **kwargs):
        args = list(args)
        args[argnum] = 0.5 * (args[argnum] + np.swapaxes(args[argnum], -1, -2))
        return fun(*args, **kwargs)
    return symmetrized


def scaled_sum(x, *weights, power=1.0):
    total = np.sum(x ** 2)
    for w in weights:
        total = total + np.sum(w * x) ** power
    return total


SYMMETRIZED_LOGPDF = symmetrize_arg(stats.multivariate_normal.logpdf, 2)


def logpdf_of_sum(x, m, cov):
    """A library method held as a value in a closure and called by a helper."""
    return np.sum(SYMMETRIZED_LOGPDF(x, m, cov) * 2.0)


def _plain(fun, argnum):
    def f(*args, **kwargs):
        args = list(args)
        args[argnum] = 0.5 * (args[argnum] + np.swapaxes(args[argnum], -1, -2))
        return fun(*args, **kwargs)
    return f


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_grad_of_a_star_args_wrapper_counts_wrt_in_the_call(wrt):
    f = symmetrize_arg(stats.multivariate_normal.logpdf, 2)
    args = [X, MEAN, COV]
    oracle = numeric_vjp(lambda *a: _plain(stats.multivariate_normal.logpdf, 2)(*a, allow_singular=False),
                         args, wrt, 1.0)
    got = diffc.grad(f, wrt)(*args, allow_singular=False)
    if wrt == 2:    # the function reads the symmetric part only
        got, oracle = 0.5 * (got + got.T), 0.5 * (oracle + oracle.T)
    assert_close(got, oracle, f"d logpdf / d args[{wrt}]")


def test_jvp_and_vjp_of_a_star_args_wrapper():
    f = symmetrize_arg(stats.multivariate_normal.logpdf, 2)
    plain = _plain(stats.multivariate_normal.logpdf, 2)
    t = rng.normal(size=4)
    value, tangent = diffc.jvp(f, 1)(X, MEAN, COV, tangents=t)
    assert_close(value, plain(X, MEAN, COV), "value")
    assert_close(tangent, numeric_jvp(plain, [X, MEAN, COV], [np.zeros(4), t, np.zeros((4, 4))]), "jvp")
    value, pullback = diffc.vjp(f, (0, 1))(X, MEAN, COV)
    dx, dm = pullback(1.5)
    assert_close(dx, numeric_vjp(plain, [X, MEAN, COV], 0, 1.5), "vjp x")
    assert_close(dm, numeric_vjp(plain, [X, MEAN, COV], 1, 1.5), "vjp mean")


def test_star_args_after_named_parameters_and_a_keyword_only_one():
    w1, w2 = rng.normal(size=3), rng.normal(size=3)
    x = rng.normal(size=3)
    for wrt in (0, 1, 2):
        got = diffc.grad(scaled_sum, wrt)(x, w1, w2, power=3.0)
        oracle = numeric_vjp(lambda *a: scaled_sum(*a, power=3.0), [x, w1, w2], wrt, 1.0)
        assert_close(got, oracle, f"d scaled_sum / d args[{wrt}]")
    # another number of positional arguments: another view, compiled on its own
    assert_close(diffc.grad(scaled_sum, 1)(x, w1), numeric_vjp(scaled_sum, [x, w1], 1, 1.0), "two args")


def test_a_library_method_passed_as_a_value_uses_its_rule():
    for wrt in (0, 1):
        assert_close(diffc.grad(logpdf_of_sum, wrt)(X, MEAN, COV),
                     numeric_vjp(logpdf_of_sum, [X, MEAN, COV], wrt, 1.0), f"d/d{wrt}")


def test_a_scipy_function_without_a_rule_is_refused_by_its_name_at_the_call():
    f = symmetrize_arg(linalg.expm, 0)
    with pytest.raises(NoRuleError, match=r"no rule for scipy\.linalg\.expm") as info:
        diffc.jvp(f, 0)(COV, tangents=np.eye(4))
    assert info.value.loc.file == __file__
    assert "return fun(*args, **kwargs)" in info.value.loc.text


BASE = np.abs(rng.normal(size=5)) + 0.5


def reduced_with_sum(a, _r=np.sum):
    return _r(np.exp(a) * BASE)


def reduced_with_prod(a, _r=np.prod):
    return _r(np.exp(a) * BASE)


def reduced_with_max(a, _r=np.max):
    return _r(np.exp(a) * BASE)


@pytest.mark.parametrize("fn", [reduced_with_sum, reduced_with_prod, reduced_with_max])
def test_a_numpy_function_as_a_parameters_default_is_called_as_that_function(fn):
    for a in (0.7, rng.normal(size=5)):
        assert_close(diffc.grad(fn)(a), numeric_vjp(fn, [a], 0, 1.0), fn.__name__)


def test_the_generated_code_of_a_star_args_function_names_its_arguments():
    x, w1 = rng.normal(size=3), rng.normal(size=3)
    g = diffc.grad(scaled_sum, 1)
    source = g.source_for(x, w1, power=2.0)
    assert "def grad_scaled_sum(x, weights_0, power=1.0):" in source
    g(x, w1, power=2.0)
    assert g.source == source


def weighted(x, *ws, **options):
    return np.sum(x ** 3 * ws[0]) * options["scale"] + np.sum(ws[1] * x)


GRAD_WEIGHTED = diffc.grad(weighted, 0)


def uses_a_gradient(x, w):
    return np.sum(GRAD_WEIGHTED(x, w, w * w, scale=2.0) * w)


def test_the_gradient_of_a_star_args_function_called_inside_a_compiled_one():
    x, w = rng.normal(size=3), rng.normal(size=3)
    for wrt in (0, 1):
        assert_close(diffc.grad(uses_a_gradient, wrt)(x, w),
                     numeric_vjp(uses_a_gradient, [x, w], wrt, 1.0), f"d/d{wrt}")
