"""Regression tests for what the higher-order fuzzer found (``tests/fuzz_finding_models.py``).

Oracles: central differences of the program (first order), and central differences of
diffc's first-order gradient (second order; that gradient is checked against central
differences of the program in the same test).
"""
import numpy as np
import pytest

import diffc
from diffc.compiler import pipeline
from diffc.frontend import source
from diffc.testing import numerical_grad
from tests import fuzz_finding_models as m
from tests.gradcheck import assert_close


def _second_derivatives(f, args, i, j):
    """d(grad_i f)/d(arg j) by central differences of diffc's gradient, shape args[i] + args[j]."""
    grad = diffc.grad(f, wrt=i)
    assert_close(grad(*args), numerical_grad(f, args, i), "first-order oracle")
    x = np.asarray(args[j], dtype=float)
    columns = []
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = 1e-6
        plus, minus = list(args), list(args)
        plus[j] = (x.reshape(-1) + step).reshape(x.shape) if x.shape else float(x + 1e-6)
        minus[j] = (x.reshape(-1) - step).reshape(x.shape) if x.shape else float(x - 1e-6)
        columns.append((np.asarray(grad(*plus)) - np.asarray(grad(*minus))).reshape(-1) / 2e-6)
    return np.stack(columns, axis=-1).reshape(np.shape(args[i]) + x.shape)


B2 = np.array([-0.9, 0.5])
B3 = np.array([-1.04, -0.43, -0.76])


@pytest.mark.parametrize("f,args", [
    (m.loop_in_the_branch_taken, (1.1, B2)),
    (m.loop_in_the_branch_taken, (-1.1, B2)),
    (m.loops_in_both_branches, (1.1, B2)),
    (m.loops_in_both_branches, (-1.1, np.array([0.7, 0.6]))),
    (m.branch_without_a_gradient_out, (-0.62, -1.11)),
    (m.branch_without_a_gradient_out, (-1.2, -1.11)),
    (m.after_a_break, (0.54, np.array([0.34, 0.31, 1.03]), 0.96)),
    (m.after_a_break, (0.54, np.array([-0.8, -0.7, -0.9]), 0.96)),
    (m.product_in_one_branch, (1.0, 0.7)),
    (m.product_in_one_branch, (6.0, 0.7)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_grad_of_grad_with_respect_to_a_scalar(f, args):
    i = 1 if f is m.product_in_one_branch else 0
    want = _second_derivatives(f, args, i, i)
    assert_close(diffc.grad(diffc.grad(f, wrt=i), wrt=i)(*args), want, "grad(grad)")
    assert_close(diffc.hessian(f, wrt=i)(*args), want, "hessian")


@pytest.mark.parametrize("f,args", [
    (m.value_made_in_one_branch, (-0.66, np.array([-0.81, 0.75]))),
    (m.value_made_in_one_branch, (-0.66, np.array([-0.3, 0.2]))),
    (m.stacked_grown_list, (0.48, B3)),
    (m.product_in_one_branch, (1.0, np.array([0.7, -0.4]))),
    (m.product_in_one_branch, (6.0, np.array([0.7, -0.4]))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_vjp_of_grad_with_respect_to_an_array(f, args):
    want = _second_derivatives(f, args, 1, 1)
    u = np.linspace(-1.0, 1.0, np.size(args[1]))
    assert_close(diffc.vjp(diffc.grad(f, wrt=1), wrt=1)(*args)[1](u), u @ want, "vjp(grad)")
    assert_close(diffc.hessian(f, wrt=1)(*args), want, "hessian")


@pytest.mark.parametrize("a", [0.72, -0.9])
def test_a_branch_value_keeps_its_name_past_a_loop(a):
    args = (a, np.array([-1.06, -0.61]), -0.44)
    for i in range(3):
        assert_close(diffc.grad(m.branch_value_read_after_a_loop, wrt=i)(*args),
                     numerical_grad(m.branch_value_read_after_a_loop, args, i), f"d{i}")


@pytest.mark.parametrize("f,args", [
    (m.broadcast_explicitly, (np.array([1.0, 2.0]),)),
    (m.where_with_a_mask, (np.array([1.0, 2.0]), np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_general_code_sums_a_broadcast_gradient_back(f, args):
    """Compiled without example values (``diffc compile`` without ``--arg``)."""
    compiled = pipeline.compile_gradient(source.from_function(f), (0,), None, single=True)
    namespace = {}
    exec(pipeline.module_text(m.__file__, [compiled]), namespace)
    assert_close(namespace[compiled.name](*args), numerical_grad(f, args, 0), "general code")


@pytest.mark.parametrize("a", [-0.9, 0.4])
def test_carried_gradients_are_handed_on_at_once(a):
    args = (a, np.array([0.5, -0.7, 1.1]), 0.8)
    for i in range(3):
        assert_close(diffc.grad(m.carried_values_swapped, wrt=i)(*args),
                     numerical_grad(m.carried_values_swapped, args, i), f"d{i}")


@pytest.mark.parametrize("a", [0.6, -0.9])
def test_a_merged_value_keeps_its_name_past_a_backward_loop(a):
    args = (a, np.array([-0.45, -1.19]), 0.53)
    want = _second_derivatives(m.merged_value_read_after_a_backward_loop, args, 2, 1)
    got = diffc.grad(diffc.grad(m.merged_value_read_after_a_backward_loop, wrt=2), wrt=1)(*args)
    assert_close(got, want, "grad(grad wrt c) wrt b")
