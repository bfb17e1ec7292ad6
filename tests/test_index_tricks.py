"""``np.r_[...]`` and ``np.c_[...]`` (written as the concatenations they stand for):
values equal NumPy's, gradients against central differences, and the located refusal of
a string directive."""
import numpy as np
import pytest

import diffc
from diffc.errors import UnsupportedSyntax
from tests.gradcheck import assert_close, numeric_vjp

rng = np.random.default_rng(5)
C32 = rng.normal(size=(3, 2))
C10 = rng.normal(size=10)


def rows(x):
    return np.r_[x, C32, x]


def entries_and_ranges(x):
    return np.r_[x, C10, 1:10, 2.5, 0:1:5j]


def one_item(x):
    return np.r_[x] * 3.0


def columns(x):
    return np.c_[x, C32, x]


def vectors_as_columns(x, v):
    return np.c_[v, x, 0:3]


def with_directive(x):
    return np.r_["0,2", x, x]


CASES = [(rows, (rng.normal(size=(3, 2)),)), (entries_and_ranges, (rng.normal(size=10),)),
         (one_item, (rng.normal(size=(3, 2)),)), (columns, (rng.normal(size=(3, 2)),)),
         (vectors_as_columns, (rng.normal(size=(3, 2)), rng.normal(size=3)))]


@pytest.mark.parametrize("fn, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_value_and_gradient_match_numpy_and_differences(fn, args):
    value = fn(*args)
    u = rng.normal(size=value.shape)
    for i in range(len(args)):
        got_value, pullback = diffc.vjp(fn, i)(*args)
        np.testing.assert_allclose(got_value, value)
        assert_close(pullback(u), numeric_vjp(fn, list(args), i, u), f"{fn.__name__} d/d{i}")


def test_a_string_directive_is_refused_at_its_place():
    with pytest.raises(UnsupportedSyntax, match="string directive") as info:
        diffc.vjp(with_directive)(np.ones(3))
    assert info.value.loc.file == __file__ and '"0,2"' in info.value.loc.text
