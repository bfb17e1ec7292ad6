"""Every row of docs/semantics.md, tested."""
import numpy as np
import pytest

import diffc
from diffc.errors import NonDifferentiableInput
from diffc.testing import check_grads
from tests import semantics_models as m


@pytest.mark.parametrize("sx,sy", [((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((), (2, 3)), ((2, 3), ())])
def test_broadcasting_in_both_positions(sx, sy):
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.5, 2, size=sx), rng.uniform(0.5, 2, size=sy)
    dx, dy = diffc.grad(m.quotient_power, wrt=(0, 1))(x, y)
    assert np.shape(dx) == sx and np.shape(dy) == sy
    check_grads(m.quotient_power, (x, y))


def test_python_scalars_and_zero_d_arrays():
    assert isinstance(diffc.grad(m.product)(2.0, 3.0), float)
    d0 = diffc.grad(m.product)(np.array(2.0), np.array(3.0))
    assert np.shape(d0) == () and float(d0) == 3.0


def test_float32_stays_float32():
    x = np.ones(3, dtype=np.float32)
    assert diffc.grad(m.quotient_power, wrt=(0, 1))(x, x)[0].dtype == np.float32


def test_integers_carry_no_gradient():
    with pytest.raises(NonDifferentiableInput):
        diffc.grad(m.scaled, wrt=1)(np.ones(3), 2)
    assert np.all(diffc.grad(m.scaled)(np.ones(3), np.arange(3)) == np.arange(3))


def test_ties_split_equally():
    np.testing.assert_allclose(diffc.grad(m.largest)(np.array([1.0, 3.0, 3.0])), [0, 0.5, 0.5])
    dx, dy = diffc.grad(m.pairwise_max, wrt=(0, 1))(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    np.testing.assert_allclose(dx, [0.5, 1.0]) and np.testing.assert_allclose(dy, [0.5, 0.0])


def test_abs_at_zero_is_zero():
    np.testing.assert_array_equal(diffc.grad(m.absolute)(np.array([0.0, -2.0])), [0.0, -1.0])


def test_sqrt_at_zero_is_inf():
    with np.errstate(divide="ignore"):
        assert np.isinf(diffc.grad(m.root)(np.array([0.0, 4.0]))[0])


def test_norm_at_zero_is_zero():
    np.testing.assert_array_equal(diffc.grad(m.norm)(np.zeros(3)), np.zeros(3))


def test_clip_at_the_bounds_passes_the_gradient():
    np.testing.assert_array_equal(diffc.grad(m.clipped)(np.array([-1.0, 0.0, 1.0, 2.0])), [1, 1, 1, 0])


def test_where_with_a_nan_branch():
    x = np.array([-1.0, 4.0])
    with np.errstate(invalid="ignore", divide="ignore"):
        g = diffc.grad(m.nan_branch)(x)
        safe = diffc.grad(m.safe_branch)(x)
    assert np.isnan(g[0]) and g[1] == 0.25        # 0 * (1 / (2 sqrt(-1))) is NaN, as documented
    np.testing.assert_array_equal(safe, [0.0, 0.25])
