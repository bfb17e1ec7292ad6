"""Calls to the user's own functions (same module and another module), stop_gradient."""
import numpy as np
import pytest

import diffc
from diffc.errors import UnsupportedSyntax
from diffc.testing import check_grads
from tests.calls import model


@pytest.mark.parametrize("args", [(0.3, 0.7), (np.array([0.1, -0.4]), np.array([1.5, 0.2]))])
def test_helper_called_twice_and_from_another_module(args):
    check_grads(model.twice, args)


def test_generated_comments_point_into_the_callee():
    source = diffc.grad(model.twice).source_for(0.3, 0.7)
    assert "helpers.py:5" in source and "model.py:" in source


def test_stop_gradient_treats_value_as_constant():
    w, x = np.array([2.0, 1.0]), np.array([3.0, -1.0])
    np.testing.assert_allclose(diffc.grad(model.stopped)(w, x), w * x)


def test_recursion_is_a_located_error():
    with pytest.raises(UnsupportedSyntax, match="recursive call"):
        diffc.grad(model.recursive)(1.0)
