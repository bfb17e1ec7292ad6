"""In-place elementwise updates in emitted gradients (diffc/in_place.py): made only for
large arrays, never visible in the values, never in code differentiated again."""
import numpy as np
import pytest

from diffc import in_place
from diffc.api import GradientFunction
from tests import in_place_models as m

RNG = np.random.default_rng(11)
BIG = int(np.ceil(np.sqrt(in_place.MIN_BYTES / 8))) + 1      # a BIG x BIG float64 array is large


def _plain(f, wrt, args, monkeypatch):
    monkeypatch.setenv("DIFFC_NO_OPTIMIZE", "1")
    try:
        return GradientFunction(f, wrt=wrt)(*args)
    finally:
        monkeypatch.delenv("DIFFC_NO_OPTIMIZE")


CASES = [
    (m.tanh_layers, (0, 1), lambda n: (RNG.normal(size=(n, n)) / n, RNG.normal(size=(n, n)) / n,
                                       RNG.normal(size=(n, n)))),
    (m.branchy_chain, (0, 1), lambda n: (np.abs(RNG.normal(size=(n, n))), RNG.normal(size=(n, n)))),
    (m.branchy_chain, (0, 1), lambda n: (-np.abs(RNG.normal(size=(n, n))), np.abs(RNG.normal(size=(n, n))))),
    (m.loop_chain, (0, 1), lambda n: (RNG.normal(size=(n, n)), RNG.normal(size=(3, n, n)) * 0.1)),
]


@pytest.mark.parametrize("f,wrt,make", CASES, ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_same_values_as_the_plain_transform(f, wrt, make, monkeypatch):
    args = make(BIG)
    got = GradientFunction(f, wrt=wrt)(*args)
    want = _plain(f, wrt, args, monkeypatch)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
        assert g.dtype == w.dtype and g.shape == w.shape


def test_large_arrays_are_updated_in_place_small_ones_read_as_formulas():
    big = CASES[0][2](BIG)
    source = GradientFunction(m.tanh_layers, wrt=(0, 1)).source_for(*big)
    assert "dh1 *= " in source and "out=" in source
    small = CASES[0][2](8)
    source = GradientFunction(m.tanh_layers, wrt=(0, 1)).source_for(*small)
    assert "*=" not in source and "out=" not in source and "dh1 * (1 - h1 ** 2)" in source


def test_the_inputs_and_the_forward_values_are_not_written():
    args = CASES[0][2](BIG)
    copies = [a.copy() for a in args]
    GradientFunction(m.tanh_layers, wrt=(0, 1))(*args)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)
