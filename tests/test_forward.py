"""Forward mode (``diffc.jvp``), ``diffc.vjp`` and ``diffc.jacobian``, against oracles.

* Every rule case of ``tests/rule_cases`` compiled through diffc: the JVP matches the
  central-difference directional derivative, the VJP matches the central-difference
  gradient of ``sum(out * u)``, and the two satisfy ``<u, J t> = <Jᵀ u, t>``.
* Every model of the gradient suite (``test_core.CASES``, ``seed_cases.CASES``):
  reverse mode, forward mode and central differences agree (``check_grads`` modes).
* Jacobians in both modes equal the finite-difference Jacobian; the engine's shared
  concerns (zero tangents, broadcast tangents, nondiff operands) and generated code.
"""
import importlib.util
import zlib

import numpy as np
import pytest

import diffc
from diffc.core import primitives
from diffc.testing import check_grads
from tests import control_models, forward_cases, seed_cases, test_control, test_core, test_tricky
from tests.gradcheck import assert_close, inner, is_float_leaf, numeric_jvp, numeric_vjp, random_like
from tests.test_rules import CASES as RULE_CASES

def _has_float_operand(case):
    """A case with a float operand the primitive has rules for (zero-gradient primitives
    like floor and integer-only cases have none: the rule tables check those)."""
    values, names = forward_cases.parameter_values(case), forward_cases.parameter_names(case)
    return any(is_float_leaf(a) and forward_cases.has_rule(case, names[i]) for i, a in enumerate(values))


def _writable(case):
    """A named tuple operand would reach the generated caller as a plain tuple literal (its
    class is not in that module): namedtuple_like is checked through the compiler by
    tests/test_containers.py, with named tuples of the user's."""
    return not any(hasattr(a, "_fields") for a in case.args)


CASES = [c for c in forward_cases.differentiable_cases(RULE_CASES) if _has_float_operand(c) and _writable(c)]
MODES = ("reverse", "forward", "numeric")


@pytest.fixture(scope="module")
def rule_module(tmp_path_factory):
    path = forward_cases.write_module(str(tmp_path_factory.mktemp("rules")), RULE_CASES)
    spec = importlib.util.spec_from_file_location("rule_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Compiled:
    """One rule case as a user function of its arguments, differentiated with respect to
    the float ones the primitive has rules for; ``oracle`` runs the primitive's primal
    directly on those float leaves."""

    def __init__(self, module, case):
        self.case = case
        self.fn = getattr(module, forward_cases.function_name(case))
        self.args = forward_cases.parameter_values(case)
        names = forward_cases.parameter_names(case)
        self.wrt = tuple(i for i, a in enumerate(self.args)
                         if is_float_leaf(a) and forward_cases.has_rule(case, names[i]))
        self.rng = np.random.default_rng(zlib.crc32(str(case).encode()))

    def oracle(self, *leaves):
        values = list(self.args)
        for i, leaf in zip(self.wrt, leaves):
            values[i] = leaf
        positional, keywords = forward_cases.rebuild(self.case, values)
        return primitives.get(self.case.prim).impl(*positional, **keywords)

    def leaves(self):
        return [self.args[i] for i in self.wrt]


def assert_tree_close(actual, expected, what):
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)) and len(actual) == len(expected), what
        for k, (a, e) in enumerate(zip(actual, expected)):
            assert_tree_close(a, e, f"{what}[{k}]")
    else:
        assert_close(actual, expected, what)


def shapes(value):
    return tuple(shapes(v) for v in value) if isinstance(value, (tuple, list)) else np.shape(value)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_case_jvp_vjp_through_the_compiler(rule_module, case):
    c = Compiled(rule_module, case)
    tangents = tuple(random_like(c.args[i], c.rng) for i in c.wrt)
    value, dout = diffc.jvp(c.fn, wrt=c.wrt)(*c.args, tangents=tangents)
    expected = c.oracle(*c.leaves())
    assert shapes(value) == shapes(expected) and shapes(dout) == shapes(expected), case
    assert_tree_close(dout, numeric_jvp(c.oracle, c.leaves(), list(tangents)), f"{case}: jvp")

    u = random_like(value, c.rng)
    _, pullback = diffc.vjp(c.fn, wrt=c.wrt)(*c.args)
    grads = pullback(u)
    for k, (i, g) in enumerate(zip(c.wrt, grads)):
        assert np.shape(g) == np.shape(c.args[i]), f"{case}: d{i} has shape {np.shape(g)}"
        assert_close(g, numeric_vjp(c.oracle, c.leaves(), k, u), f"{case}: vjp d{i}")
    left, right = inner(u, dout), sum(inner(g, t) for g, t in zip(grads, tangents))
    single = any(np.asarray(a).dtype == np.float32 for a in c.leaves())
    tolerance = 1e-5 if single else 1e-10
    assert abs(left - right) <= tolerance * max(1.0, abs(left)), f"{case}: <u, Jt> != <J'u, t>"


MODELS = [pytest.param(f, args, wrt, id=f.__name__) for f, args, wrt in test_core.CASES] + [
    pytest.param(c.model, c.args(), c.wrt, id=c.id) for c in seed_cases.CASES] + [
    pytest.param(f, args, wrt, id=f"{f.__name__}-{k}")
    for k, (f, args, wrt) in enumerate(test_control.CASES)]


@pytest.mark.parametrize("f, args, wrt", MODELS)
def test_models_agree_in_every_mode(f, args, wrt):
    reports = check_grads(f, args, wrt=wrt, modes=MODES)
    assert {r.mode for r in reports} == {"reverse", "forward"}


@pytest.mark.parametrize("f, args, wrt", [pytest.param(f, a, w, id=f.__name__)
                                          for f, a, w in test_tricky.CASES])
def test_tricky_programs_in_forward_mode(f, args, wrt):
    # reverse mode on these is test_tricky.py's subject; here forward mode alone
    check_grads(f, args, wrt=wrt, modes=("forward", "numeric"))


def vector_valued(x, y):
    return np.sin(x) * y[0] + x ** 2 * np.exp(y[1]) - y[2] / (1.0 + x * x)


def finite_difference_jacobian(f, args, index, h=1e-6):
    x = np.asarray(args[index], dtype=float)
    out = np.asarray(f(*args))
    jac = np.zeros(out.shape + x.shape)
    for j in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[j] += h
        lo[j] -= h
        plus = f(*[hi if k == index else a for k, a in enumerate(args)])
        minus = f(*[lo if k == index else a for k, a in enumerate(args)])
        jac[(...,) + j] = (np.asarray(plus) - np.asarray(minus)) / (2 * h)
    return jac


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_equals_finite_differences(mode):
    rng = np.random.default_rng(3)
    args = (rng.normal(size=4), rng.normal(size=3))
    jx, jy = diffc.jacobian(vector_valued, wrt=(0, 1), mode=mode)(*args)
    assert jx.shape == (4, 4) and jy.shape == (4, 3)
    for index, jac in enumerate((jx, jy)):
        assert_close(jac, finite_difference_jacobian(vector_valued, args, index), f"d/d{index}")


def test_jacobian_modes_agree_exactly():
    rng = np.random.default_rng(4)
    args = (rng.normal(size=(2, 3)), rng.normal(size=3))
    rev = diffc.jacobian(vector_valued, wrt=(0, 1))(*args)
    fwd = diffc.jacobian(vector_valued, wrt=(0, 1), mode="forward")(*args)
    for a, b in zip(rev, fwd):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def scaled(x, y):
    q = x * 3.0 + np.cos(y)
    return q * y


def test_jvp_signature_and_inactive_operands_cost_nothing():
    j = diffc.jvp(scaled, wrt="x")
    value, tangent = j(2.0, 0.5, tangents=1.0)
    assert value == scaled(2.0, 0.5) and tangent == pytest.approx(1.5)
    text = j.source
    assert "def jvp_scaled(x, y, dx):" in text
    assert "sin" not in text and "dy" not in text      # y has no tangent: no work for it
    assert "dout = dx * 3.0 * y" in text and "# test_forward.py:" in text


def test_jvp_tuple_wrt_is_linear_in_the_tangents():
    j = diffc.jvp(scaled, wrt=(0, 1))
    _, a = j(2.0, 0.5, tangents=(1.0, 0.0))
    _, b = j(2.0, 0.5, tangents=(0.0, 1.0))
    _, c = j(2.0, 0.5, tangents=(2.0, -3.0))
    assert c == pytest.approx(2 * a - 3 * b, rel=1e-14)


def scalar_plus_array(s, a):
    return (s + a) * 2.0


def test_tangent_of_a_broadcast_operand_has_the_value_shape():
    # only the scalar s is active: d(s + a) is ds, which must be broadcast to a's shape
    a = np.arange(6.0).reshape(2, 3)
    value, tangent = diffc.jvp(scalar_plus_array, wrt=0)(1.5, a, tangents=1.0)
    assert np.shape(tangent) == (2, 3)
    np.testing.assert_array_equal(tangent, np.full((2, 3), 2.0))
    jac = diffc.jacobian(scalar_plus_array, mode="forward")(1.5, a)
    np.testing.assert_array_equal(jac, np.full((2, 3), 2.0))


def relu_where(x, y):
    return np.where(x > 0.0, x * y, 0.0)


def test_nondiff_condition_and_constant_branch():
    x, y = np.array([-1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    _, tangent = diffc.jvp(relu_where, wrt=(0, 1))(x, y, tangents=(np.ones(3), np.zeros(3)))
    np.testing.assert_array_equal(tangent, [0.0, 5.0, 6.0])


def test_tangent_must_match_the_argument_shape():
    with pytest.raises(ValueError, match="shape"):
        diffc.jvp(scaled)(np.ones(3), 0.5, tangents=np.ones(4))


def test_integer_argument_is_a_located_error():
    with pytest.raises(diffc.DiffcError, match="integer|int"):
        diffc.jvp(scaled)(np.arange(3), 0.5, tangents=np.ones(3))


def test_hessian_through_a_reverse_mode_loop_is_forward_mode_over_its_tapes():
    # forward over reverse through a loop's tape: the tape gets a tape of tangents (it was
    # refused); the oracle is central differences of the first-order gradient
    a, h = 2.0, 1e-5
    grad = diffc.grad(control_models.newton_sqrt)
    want = (grad(a + h) - grad(a - h)) / (2 * h)
    assert diffc.hessian(control_models.newton_sqrt)(a) == pytest.approx(want, rel=1e-6)
    assert want == pytest.approx(-0.25 * a ** -1.5, rel=1e-6)


def half_stopped(x):
    return diffc.stop_gradient(x) * x


def test_stop_gradient_has_no_tangent():
    assert diffc.jvp(half_stopped)(3.0, tangents=1.0) == (9.0, 3.0)
