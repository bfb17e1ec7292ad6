"""Rules a user gives their own functions: the generated code calls the user's backward."""
import numpy as np
import pytest

import diffc
from diffc.testing import check_grads
from tests.userrules import model

rng = np.random.default_rng(5)


def test_user_backward_is_called_and_correct():
    w, x = rng.normal(size=3), rng.normal(size=(4, 3))
    g = diffc.grad(model.loss)
    g(w, x)                      # compiling evaluates the rule once on the example
    before = model.CALLS["backward"]
    dw = g(w, x)
    assert model.CALLS["backward"] == before + 1
    s = 1.0 / (1.0 + np.exp(-(x @ w)))
    np.testing.assert_allclose(dw, x.T @ (2.0 * s), rtol=1e-12)
    check_grads(model.loss, (w, x), wrt=0)


def test_generated_code_calls_the_users_functions():
    w, x = rng.normal(size=3), rng.normal(size=(4, 3))
    source = diffc.grad(model.loss).source_for(w, x)
    assert "import tests.userrules.model as user_tests_userrules_model" in source
    assert "user_tests_userrules_model.softplus.reverse_rule(" in source


def test_a_wrong_user_rule_is_caught_by_check_grads():
    x, y = rng.normal(size=3), rng.normal(size=3)
    with pytest.raises(AssertionError, match="y"):
        check_grads(model.wrong, (x, y))


@diffc.primitive
def clipped_identity(x):
    return np.clip(x, -1.0, 1.0)


@clipped_identity.reverse
def clipped_identity_reverse(out, dout, x):
    "clipped_identity: straight through, dx = dout"
    dx = dout
    return dx


def _uses_clipped_identity(x):
    return np.sum(clipped_identity(x) * x)


def test_primitive_without_parentheses_registers_the_rule():
    """``@diffc.primitive`` (no call) is the same as ``@diffc.primitive()``: it used to
    return the function unregistered, and ``@clipped_identity.reverse`` then failed."""
    assert isinstance(clipped_identity, diffc.core.primitives.Primitive)
    x = rng.normal(size=4) * 3.0
    g = diffc.grad(_uses_clipped_identity)
    # straight through: d clip(x)/dx taken as 1, so the gradient is clip(x) + x
    np.testing.assert_allclose(g(x), np.clip(x, -1.0, 1.0) + x, rtol=1e-12)
