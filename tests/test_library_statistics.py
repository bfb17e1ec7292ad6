"""NumPy's ufunc reductions, nan-functions, order statistics, cov/corrcoef, heaviside, interp,
casts, one-operand where, matrix products, eigvalsh and einsum(optimize=...) through the
compiler: reverse and forward mode against central differences. (Each rule is checked on
its own in test_rules.py; this checks that user code reaches it.)"""
import numpy as np
import pytest

import diffc
from diffc.errors import NoRuleError
from tests import statistics_models as sm
from tests.gradcheck import assert_close, numeric_jvp, numeric_vjp

rng = np.random.default_rng(7)
CASES = [
    (sm.ufunc_reductions, (rng.normal(size=(3, 4)),)),
    (sm.nan_aware, (rng.normal(size=(4, 5)),)),
    (sm.robust, (rng.normal(size=(3, 2)), rng.normal(size=(9, 3)), rng.normal(size=(9, 2)))),
    (sm.covariance_penalty, (rng.normal(size=(8, 3)),)),
    (sm.piecewise, (np.array([-2.7, -0.6, 0.2, 0.9, 1.6, 2.4]), rng.normal(size=5))),
    (sm.positive_part, (rng.normal(size=(3, 4)),)),
    (sm.products, (rng.normal(size=(3, 3)) / 2, rng.normal(size=(3, 3)))),
    (sm.least_squares, (rng.normal(size=(6, 3)), rng.normal(size=(6, 2)))),
]


@pytest.mark.parametrize("fn, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_reverse_and_forward_match_central_differences(fn, args):
    for i in range(len(args)):
        assert_close(diffc.grad(fn, i)(*args), numeric_vjp(fn, list(args), i, 1.0),
                     f"{fn.__name__}: d/d{i}")
        tangent = rng.normal(size=np.shape(args[i]))
        _, dout = diffc.jvp(fn, i)(*args, tangents=tangent)
        tangents = [tangent if k == i else np.zeros(np.shape(a)) for k, a in enumerate(args)]
        assert_close(dout, numeric_jvp(fn, list(args), tangents), f"{fn.__name__}: jvp along {i}")


def test_interp_with_respect_to_its_knots_is_refused_at_the_call():
    with pytest.raises(NoRuleError, match="argument 'xp'") as info:
        diffc.grad(lambda xp: np.interp(0.3, xp, np.arange(4.0)))(np.array([0.0, 0.5, 1.0, 2.0]))
    assert "test_library_statistics.py" in str(info.value)


def test_lstsq_of_a_wide_matrix_is_refused_at_the_call():
    with pytest.raises(NoRuleError, match="fewer rows than columns") as info:
        diffc.grad(sm.wide_least_squares)(rng.normal(size=(2, 3)), rng.normal(size=2))
    assert "statistics_models.py:" in str(info.value)
