"""``diffc.symbolic``: sympy derivatives built from the IR, and the three-way check.

The chain-rule example of the seed notes (z = x² − y², x = s − sin t, y = eˢ + cos t)
is checked against the hand-derived partials by ``sympy.simplify`` of the difference;
``check_grads`` compares reverse, forward, central differences and sympy on the scalar
models; array code is a located error.
"""
import numpy as np
import pytest
import sympy as sp

import diffc
from diffc.tools.symbolic import SymbolicUnsupported
from diffc.testing import check_grads
from tests import models_core, models_seed

s, t = sp.symbols("s t", real=True)


def chain(s, t):
    x = s - np.sin(t)
    y = np.exp(s) + np.cos(t)
    return x ** 2 - y ** 2


def test_chain_rule_example_equals_the_hand_derived_partials():
    x = s - sp.sin(t)
    y = sp.exp(s) + sp.cos(t)
    by_hand = {"s": 2 * x * 1 - 2 * y * sp.exp(s),
               "t": 2 * x * (-sp.cos(t)) - 2 * y * (-sp.sin(t))}
    got = diffc.symbolic(chain)
    assert sp.simplify(got.value - (x ** 2 - y ** 2)) == 0
    for name, expected in by_hand.items():
        assert sp.simplify(got.partials[name] - expected) == 0, name


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_sigmoid_derivative_is_s_times_one_minus_s():
    x = sp.Symbol("x", real=True)
    sig = 1 / (1 + sp.exp(-x))
    assert sp.simplify(diffc.symbolic(sigmoid).partials["x"] - sig * (1 - sig)) == 0


def gates(x, y):
    return np.maximum(x, y) * 2.0 + diffc.stop_gradient(x) * y


def test_max_tie_and_stop_gradient_follow_diffc_conventions():
    g = diffc.symbolic(gates, wrt=("x", "y"))
    assert g.gradient(1.0, 1.0) == pytest.approx((1.0, 2.0))    # tie splits: 2 * 1/2 each
    assert g.gradient(1.0, 1.0) == pytest.approx(diffc.grad(gates, wrt=(0, 1))(1.0, 1.0))
    assert g.gradient(3.0, 1.0) == pytest.approx((2.0, 3.0))    # stop_gradient(x) * y: dx = 0


SCALAR_MODELS = [
    (chain, (0.3, 0.7)),
    (sigmoid, (-0.4,)),
    (models_core.graph, (-2.0, 5.0, -4.0)),
    (models_core.max_gate, (1.5, -0.5)),
    (models_seed.shopping, (100.0, 2.0, 150.0, 3.0, 1.1)),
    (models_seed.chain, (1.2, -0.4)),
]


@pytest.mark.parametrize("f, args", SCALAR_MODELS, ids=lambda v: getattr(v, "__name__", None))
def test_three_way_check_on_scalar_models(f, args):
    reports = check_grads(f, args, modes=("reverse", "forward", "numeric", "symbolic"))
    assert {r.mode for r in reports} == {"reverse", "forward", "symbolic"}


def test_check_grads_catches_a_wrong_mode():
    from diffc import testing

    original = testing._gradients

    def wrong(mode, *a):
        grads = original(mode, *a)
        return [g + 1e-3 for g in grads] if mode == "forward" else grads

    testing._gradients = wrong
    try:
        with pytest.raises(AssertionError, match="forward"):
            check_grads(chain, (0.3, 0.7), modes=("reverse", "forward", "numeric"))
    finally:
        testing._gradients = original


def test_array_code_is_a_located_error():
    with pytest.raises(SymbolicUnsupported, match="scalar") as info:
        diffc.symbolic(models_core.sigmoid_neuron)
    assert "models_core.py:13" in str(info.value)


def test_symbolic_mode_is_left_out_for_array_arguments():
    reports = check_grads(models_core.sigmoid_neuron, (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])),
                          modes=("reverse", "forward", "numeric", "symbolic"))
    assert {r.mode for r in reports} == {"reverse", "forward"}
