"""In-place elementwise updates in emitted gradients (diffc/optimize/in_place.py): made only for
large arrays, never visible in the values, never in code differentiated again."""
import numpy as np
import pytest

from diffc.optimize import in_place
from diffc.api.gradients import GradientFunction
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


# -- new arrays computed into dead ones (in_place.reuse_buffers) ------------------------
def _square(k, n, scale=1.0):
    return RNG.normal(size=(n, n)) * scale / np.sqrt(n) if k else RNG.normal(size=(n, n))


REUSE_CASES = [
    (m.tanh_stack, (0, 1, 2, 3), lambda n: tuple(_square(1, n, 1.5) for _ in range(4)) + (_square(0, n),)),
    (m.reshaped_gradient, (0, 1), lambda n: (_square(1, n), _square(1, n), _square(0, n))),
    (m.stack_in_loop, (0,), lambda n: (np.stack([_square(1, n, 1.5) for _ in range(3)]), _square(0, n))),
]


@pytest.mark.parametrize("f,wrt,make", REUSE_CASES, ids=[c[0].__name__ for c in REUSE_CASES])
def test_reused_buffers_give_the_same_gradients(f, wrt, make, monkeypatch):
    from tests.gradcheck import inner, numeric_jvp, random_like
    args = make(BIG)
    copies = [a.copy() for a in args]
    got = GradientFunction(f, wrt=wrt)(*args)
    got = got if isinstance(got, tuple) else (got,)
    for a, c in zip(args, copies):                        # inputs untouched
        np.testing.assert_array_equal(a, c)
    want = _plain(f, wrt, args, monkeypatch)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    # no two returned gradients share memory (a reused buffer is never handed out twice)
    for i in range(len(got)):
        for j in range(i + 1, len(got)):
            assert not np.shares_memory(got[i], got[j])
    # and central differences along a random direction agree
    rng = np.random.default_rng(12)
    tangents = [random_like(a, rng) if k in wrt else np.zeros_like(a) for k, a in enumerate(args)]
    numeric = numeric_jvp(lambda *a: f(*a), list(args), tangents)
    assert np.isclose(sum(inner(g, tangents[k]) for g, k in zip(got, wrt)), numeric, rtol=1e-5, atol=1e-6)


def test_a_backward_pass_reuses_its_dead_arrays():
    args = REUSE_CASES[0][2](BIG)
    source = GradientFunction(m.tanh_stack, wrt=(0, 1, 2, 3)).source_for(*args)
    code = [line.strip() for line in source.splitlines() if not line.strip().startswith("#")]
    assert sum("out=" in line and "np.subtract(1" not in line for line in code) >= 4, source
    small = REUSE_CASES[0][2](8)
    assert "out=" not in GradientFunction(m.tanh_stack, wrt=(0, 1, 2, 3)).source_for(*small)


def _random_program(rng, n_params=3, n_lines=14):
    """Straight-line NumPy over large square arrays: many values live at once, read at
    various distances, so that dead arrays' memory is reused in many patterns."""
    names = [f"p{i}" for i in range(n_params)]
    lines = []
    for k in range(n_lines):
        a, b = (names[i] for i in rng.integers(0, len(names), size=2))
        form = rng.integers(0, 7)
        expr = [f"{a} + {b}", f"{a} * {b}", f"{a} - {b}", f"np.tanh({a})",
                f"np.sin({a}) * {b}", f"({a} @ {b}) * 0.05", f"-{a} + 0.5 * {b}"][form]
        lines.append(f"    v{k} = {expr}")
        names.append(f"v{k}")
    picks = [names[i] for i in rng.choice(len(names) - n_params, size=3, replace=False) + n_params]
    body = "\n".join(lines)
    return (f"import numpy as np\n\n\ndef f({', '.join(names[:n_params])}):\n{body}\n"
            f"    return np.sum({picks[0]} * {picks[1]}) + np.sum(np.tanh({picks[2]}))\n")


def _random_case(seed, tmp_path, prefix):
    """Random program ``seed`` written to a file and imported (diffc reads its source),
    and its three large arguments."""
    import importlib.util
    rng = np.random.default_rng(100 + seed)
    path = tmp_path / f"{prefix}_{seed}.py"
    path.write_text(_random_program(rng))
    spec = importlib.util.spec_from_file_location(f"{prefix}_{seed}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, tuple(rng.normal(size=(BIG, BIG)) * 0.3 for _ in range(3))


@pytest.mark.parametrize("seed", range(12))
def test_random_large_programs_same_gradients_as_the_plain_transform(seed, tmp_path, monkeypatch):
    module, args = _random_case(seed, tmp_path, "large")
    copies = [a.copy() for a in args]
    g = GradientFunction(module.f, wrt=(0, 1, 2))
    got = g(*args)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)
    want = _plain(module.f, (0, 1, 2), args, monkeypatch)
    for x, y in zip(got, want):
        np.testing.assert_allclose(x, y, rtol=1e-11, atol=1e-11)
    for i in range(3):
        for j in range(i + 1, 3):
            assert not np.shares_memory(got[i], got[j])


def test_the_random_large_programs_reuse_memory(tmp_path):
    """The programs above exercise computing into dead arrays (``out=``), not only the
    plain transform."""
    counts = []
    for seed in range(12):
        module, args = _random_case(seed, tmp_path, "large_count")
        counts.append(GradientFunction(module.f, wrt=(0, 1, 2)).source_for(*args).count("out="))
    assert sum(counts) >= 12 and sum(c > 0 for c in counts) >= 6, counts
