"""scipy.special and scipy.stats through the compiler: gradients (reverse and forward,
first and second order) against central differences, and the located refusals where a
derivative has no rule. The rules themselves are checked one by one in test_rules.py."""
import numpy as np
import pytest

import diffc
from diffc.errors import NoRuleError
from tests.gradcheck import assert_close, numeric_jvp, numeric_vjp

lm = pytest.importorskip("tests.library_models")   # needs SciPy (the test extra)

rng = np.random.default_rng(41)
m = rng.normal(size=(3, 3))
CASES = [
    (lm.negative_binomial_loglik, (2.5, np.array([0.3, 0.6, 0.45]), np.array([1.0, 4.0, 2.0])), (0, 1)),
    (lm.beta_bessel, (rng.uniform(0.5, 3.0, 4), rng.uniform(0.5, 3.0, 4)), (0, 1)),
    (lm.student_t_loglik, (rng.normal(size=(4, 2)), np.array([3.5, 5.0]), rng.normal(size=2), 1.3),
     (0, 1, 2, 3)),
    (lm.gaussian_fit, (rng.normal(size=(5, 3)), rng.normal(size=3), m @ m.T + np.eye(3)), (0, 1, 2)),
    (lm.shape_params, (rng.uniform(0.5, 3.0, 4), 2.5, rng.uniform(0.5, 3.0, 4)), (0, 1, 2)),
]
IDS = [f.__name__ for f, _, _ in CASES]


def _symmetric(fn, args, i):
    """``gaussian_fit`` reads its covariance's symmetric part: perturb only that."""
    if fn is lm.gaussian_fit and i == 2:
        def f(*a):
            a = list(a)
            a[2] = (a[2] + a[2].T) / 2
            return fn(*a)
        return f
    return fn


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_reverse_and_forward_match_central_differences(fn, args, wrt):
    for i in wrt:
        f = _symmetric(fn, args, i)
        assert_close(diffc.grad(fn, i)(*args), numeric_vjp(f, list(args), i, 1.0),
                     f"{fn.__name__}: d/d{i}")
        tangent = rng.normal(size=np.shape(args[i])) if np.ndim(args[i]) else 0.7
        if fn is lm.gaussian_fit and i == 2:
            tangent = tangent + tangent.T
        value, dout = diffc.jvp(fn, i)(*args, tangents=tangent)
        tangents = [np.zeros(np.shape(a)) if k != i else tangent for k, a in enumerate(args)]
        assert_close(dout, numeric_jvp(fn, list(args), tangents), f"{fn.__name__}: jvp along {i}")


@pytest.mark.parametrize("fn, args, wrt", CASES[:3], ids=IDS[:3])
def test_second_derivatives_match_differences_of_the_gradient(fn, args, wrt):
    i = wrt[0]
    n = np.size(args[i])
    H = np.reshape(diffc.hessian(fn, i)(*args), (n, n))
    g = diffc.grad(fn, i)
    for j in range(n):
        def gj(*a):
            return np.ravel(g(*a))[j]
        row = numeric_vjp(gj, list(args), i, 1.0)
        assert_close(H[j], np.ravel(row), f"{fn.__name__}: row {j} of the Hessian")


def test_a_shape_parameter_of_a_cdf_is_refused_at_the_call():
    with pytest.raises(NoRuleError) as err:
        diffc.grad(lm.t_cdf_df, 1)(np.array([0.3, -1.0]), 4.0)
    assert err.value.loc.file.endswith("library_models.py")
    assert "scipy.stats.t.cdf(x, df)" in str(err.value)


def test_the_generated_module_defines_the_scipy_helpers_it_calls():
    args = (2.5, np.array([0.3, 0.6, 0.45]), np.array([1.0, 4.0, 2.0]))
    source = diffc.grad(lm.negative_binomial_loglik, 0).source_for(*args)
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    assert "def digamma(" in source
    # gammaln is defined where the code calls it (no longer to take a shape: np.shape(k))
    assert ("gammaln(" not in code.replace("def gammaln(", "")) or "def gammaln(" in source
    namespace = {}
    exec(compile(source, "generated.py", "exec"), namespace)   # importable without diffc


def test_multivariate_normal_mean_shared_by_every_row():
    from diffc.testing import check_grads
    from tests.static_programs import library_cases as lc
    rs = np.random.RandomState(0)
    A = rs.randn(2, 2)
    cov = A @ A.T + np.eye(2)
    for fn in (lc.mvn_logpdf_rows, lc.mvn_pdf_rows):
        check_grads(fn, (rs.randn(2), rs.randn(5, 2), cov), wrt=(0, 1))


def test_dstack_of_vectors_matrices_and_blocks():
    from diffc.testing import check_grads
    from tests.static_programs import library_cases as lc
    rs = np.random.RandomState(1)
    for args in ((rs.randn(3, 4), rs.randn(3, 4), rs.randn(3, 4, 2)), (rs.randn(4), rs.randn(4), rs.randn(1, 4, 3))):
        check_grads(lc.dstacked, args, modes=("reverse", "forward", "numeric"))


special = pytest.importorskip("scipy.special")


def _erf_of(z):
    return special.erf(z) * 2.0


def test_erf_of_complex_entries_has_scipys_value_and_the_holomorphic_derivative():
    z = np.array([0.3 + 0.1j, -1.2 + 0.05j, 2.0 - 0.4j])
    value, tangent = diffc.jvp(_erf_of, 0)(z, tangents=np.ones(3, complex))
    np.testing.assert_allclose(value, 2.0 * special.erf(z), rtol=1e-12)
    h = 1e-6      # erf is holomorphic: a real step gives its derivative
    np.testing.assert_allclose(tangent, (_erf_of(z + h) - _erf_of(z - h)) / (2 * h), rtol=1e-6)


def _logsumexp_kept(a):
    return special.logsumexp(a, axis=1, keepdims=True)


def test_grad_of_an_output_of_one_entry_is_the_gradient_of_that_entry():
    a = rng.normal(size=(1, 5))      # the output has shape (1, 1), as autograd's grad takes it
    assert_close(diffc.grad(_logsumexp_kept)(a),
                 numeric_vjp(_logsumexp_kept, [a], 0, np.ones((1, 1))), "d logsumexp / da")


def _real_part_of_complex(x):
    z = x * (1 + 2j)
    return np.sum(np.real(z) ** 2)


def _angle_of_complex(x):
    return np.sum(np.angle(x + 1j) * x)


@pytest.mark.parametrize("fn", [_real_part_of_complex, _angle_of_complex])
def test_parts_of_a_complex_operand_are_refused_at_the_call(fn):
    """real/imag/conj/angle have rules for real operands only: on a complex one the rule
    for reals would be silently wrong, so the call is refused, in both modes."""
    x = np.array([0.3, -1.2, 2.0])
    for differentiate in (lambda: diffc.grad(fn)(x), lambda: diffc.jvp(fn)(x, tangents=np.ones(3))):
        with pytest.raises(NoRuleError) as err:
            differentiate()
        assert err.value.loc.file.endswith("test_library.py")
        assert "complex operand" in str(err.value)


def _grid_surface(a, b):
    X, Y = np.meshgrid(a, b)
    P, Q, R = np.meshgrid(b, a, b[:1] * a[:1], indexing="ij")
    return np.sum(np.sin(X) * Y ** 2) + np.sum(P * Q * R)


def _slopes(y, F):
    slope = np.gradient(y, 0.5)
    rows, cols = np.gradient(F * F)
    return np.sum(slope ** 2 * y) + np.sum(rows * np.tanh(cols)) + np.sum(np.gradient(F, axis=-1, edge_order=2) ** 2)


@pytest.mark.parametrize("fn, args", [
    (_grid_surface, (rng.normal(size=3), rng.normal(size=2))),
    (_slopes, (rng.normal(size=6), rng.normal(size=(3, 4)))),
], ids=["meshgrid", "gradient"])
def test_meshgrid_and_gradient_in_both_modes_and_second_order(fn, args):
    for i in range(len(args)):
        assert_close(diffc.grad(fn, i)(*args), numeric_vjp(fn, list(args), i, 1.0), f"d/d{i}")
        tangent = rng.normal(size=np.shape(args[i]))
        _, dout = diffc.jvp(fn, i)(*args, tangents=tangent)
        tangents = [np.zeros(np.shape(a)) if k != i else tangent for k, a in enumerate(args)]
        assert_close(dout, numeric_jvp(fn, list(args), tangents), f"jvp along {i}")
    n = np.size(args[0])
    H = np.reshape(diffc.hessian(fn, 0)(*args), (n, n))
    g = diffc.grad(fn, 0)
    for j in range(n):
        row = numeric_vjp(lambda *a: np.ravel(g(*a))[j], list(args), 0, 1.0)
        assert_close(H[j], np.ravel(row), f"row {j} of the Hessian")


def _gradient_on_coordinates(y):
    return np.sum(np.gradient(y, np.array([0.0, 0.5, 1.5, 1.75])) ** 2)


def test_gradient_with_coordinate_arrays_is_refused_at_the_call():
    with pytest.raises(NoRuleError) as err:
        diffc.grad(_gradient_on_coordinates)(rng.normal(size=4))
    assert err.value.loc.file.endswith("test_library.py")
    assert "coordinate arrays as spacing" in str(err.value)


scipy_linalg = pytest.importorskip("scipy.linalg")


def _factorizations(A, B, C):
    X = scipy_linalg.sqrtm(A @ A.T + np.eye(3))
    Y = scipy_linalg.solve_sylvester(A, B, C)
    U, s, Vt = np.linalg.svd(C, full_matrices=False)
    return (np.sum(X * A) + np.sum(Y ** 2) + np.sum(s ** 3) + np.sum((U @ Vt) * C)
            + np.sum(np.linalg.svd(A, compute_uv=False)))


def test_svd_sqrtm_and_solve_sylvester_in_both_modes_and_second_order():
    args = [rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(2, 2)) + 3 * np.eye(2),
            rng.normal(size=(3, 2))]
    for i in range(3):
        assert_close(diffc.grad(_factorizations, i)(*args), numeric_vjp(_factorizations, args, i, 1.0), f"d/d{i}")
        tangent = rng.normal(size=np.shape(args[i]))
        _, dout = diffc.jvp(_factorizations, i)(*args, tangents=tangent)
        tangents = [np.zeros(np.shape(a)) if k != i else tangent for k, a in enumerate(args)]
        assert_close(dout, numeric_jvp(_factorizations, args, tangents), f"jvp along {i}")
    H = np.reshape(diffc.hessian(_factorizations, 2)(*args), (6, 6))
    g = diffc.grad(_factorizations, 2)
    for j in range(6):
        row = numeric_vjp(lambda *a: np.ravel(g(*a))[j], args, 2, 1.0)
        assert_close(H[j], np.ravel(row), f"row {j} of the Hessian")


def _full_svd_of_tall(A):
    U, s, Vt = np.linalg.svd(A)
    return np.sum(U[:, :2] * s)


def _root_of_negative(A):
    return np.sum(np.abs(scipy_linalg.sqrtm(A)))


@pytest.mark.parametrize("fn, arg, words", [
    (_full_svd_of_tall, rng.normal(size=(4, 2)), "full_matrices=False"),
    (_root_of_negative, np.diag([-1.0, 2.0]), "complex"),   # by abs in reverse mode, sqrtm in forward
])
def test_svd_with_full_matrices_and_a_complex_sqrtm_are_refused_at_the_call(fn, arg, words):
    for differentiate in (lambda: diffc.grad(fn)(arg), lambda: diffc.jvp(fn)(arg, tangents=np.ones_like(arg))):
        with pytest.raises(NoRuleError) as err:
            differentiate()
        assert err.value.loc.file.endswith("test_library.py")
        assert words in str(err.value)


_W = np.array([[1.0, 2.0], [0.5, -1.0]]) * (1 + 0.5j)


def _abs_of_complex(x):
    return np.sum(np.abs(_W @ x) ** 2)


def _norm_of_complex(x):
    return np.linalg.norm(x * (1 + 2j))


def _cast_of_complex(x):
    return np.sum((x * (1 + 2j)).astype(float) ** 2)


def _eigh_of_complex(x):
    return np.sum(np.linalg.eigh(np.outer(x, x) + 1j * np.array([[0.0, 1.0], [-1.0, 0.0]]) * x[0])[0] ** 2)


def _svd_of_complex(x):
    return np.sum(np.linalg.svd(_W * x, compute_uv=False))


def _slogdet_of_complex(x):
    return np.linalg.slogdet(_W * x + np.eye(2))[1]


def _var_of_complex(x):
    return np.var(x * (1 + 2j)) + np.std(_W @ x)


@pytest.mark.filterwarnings("ignore:Casting complex values to real")     # _cast_of_complex's own cast
@pytest.mark.parametrize("fn", [_abs_of_complex, _norm_of_complex, _cast_of_complex, _eigh_of_complex,
                                _svd_of_complex, _slogdet_of_complex, _var_of_complex])
def test_a_real_value_of_a_complex_operand_is_refused_at_the_call(fn):
    """A complex value turned into a real one (abs, norm, a cast, eigh, svd, slogdet, var):
    the rules for real operands gave complex gradients, wrong even in their real parts, so
    the call is refused, in both modes."""
    x = np.array([0.3, -1.2])
    for differentiate in (lambda: diffc.grad(fn)(x), lambda: diffc.jvp(fn)(x, tangents=np.ones(2))):
        with pytest.raises(NoRuleError) as err:
            differentiate()
        assert err.value.loc.file.endswith("test_library.py")
        assert "complex operand" in str(err.value)


def _banded(ab, b):
    x = scipy_linalg.solve_banded((1, 1), ab * ab, b)
    return np.sum(x ** 2 * b)


def test_solve_banded_in_both_modes_and_second_order():
    ab = rng.uniform(-1.0, 1.0, (3, 5))
    ab[1] += 3.0
    args = [ab, rng.normal(size=5)]
    for i in range(2):
        assert_close(diffc.grad(_banded, i)(*args), numeric_vjp(_banded, args, i, 1.0), f"d/d{i}")
        tangent = rng.normal(size=np.shape(args[i]))
        _, dout = diffc.jvp(_banded, i)(*args, tangents=tangent)
        tangents = [np.zeros(np.shape(a)) if k != i else tangent for k, a in enumerate(args)]
        assert_close(dout, numeric_jvp(_banded, args, tangents), f"jvp along {i}")
    H = np.reshape(diffc.hessian(_banded, 0)(*args), (15, 15))
    g = diffc.grad(_banded, 0)
    for j in range(15):
        row = numeric_vjp(lambda *a: np.ravel(g(*a))[j], args, 0, 1.0)
        assert_close(H[j], np.ravel(row), f"row {j} of the Hessian")


def _masked_with_index_arrays(q, k):
    s = q @ k.T
    s[np.triu_indices(q.shape[0], 1)] = -np.inf            # causal mask
    s = np.exp(s - s.max(axis=1, keepdims=True))
    iu, d = np.triu_indices_from(k @ k.T, k=1), np.diag_indices_from(s)
    rows, cols = np.nonzero(s > 0.5)
    I, J = np.indices(s.shape)
    r, c = np.unravel_index(np.argmax(s), s.shape)
    return np.sum(np.log(s.sum(1))) + np.sum((k @ k.T)[iu] ** 2) + np.sum(s[d]) \
        + np.sum(s[rows, cols]) + np.sum(s * (I - J)) + s[r, c] ** 2


def test_index_array_functions_are_indices_without_gradient():
    """np.triu_indices, *_from, diag_indices_from, nonzero, indices, unravel_index: refused
    as functions with no rule before; as indices they carry no gradient themselves."""
    r = np.random.default_rng(43)
    q, k = r.normal(size=(4, 3)), r.normal(size=(4, 3))
    got = diffc.grad(_masked_with_index_arrays, wrt=(0, 1))(q, k)
    for i in (0, 1):
        assert_close(got[i], numeric_vjp(_masked_with_index_arrays, [q, k], i, 1.0), f"d{i}")
