"""The gradient on other array namespaces: array-api-strict (conformance), PyTorch, JAX.

Each gradient computed on another library's arrays is checked against an oracle that
never uses diffc (the seed notes' hand-written gradients in ``oracles.py``, or central
differences of the user's function on NumPy arrays), and against the NumPy form's
result. A library that is not installed skips its tests, saying which extra installs it.
"""
import ast
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import diffc
from diffc.backend import namespaces, portable
from tests import gradcheck
from tests.seed_cases import CASES

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import linear_classifiers  # noqa: E402
import mlp_digits  # noqa: E402
import two_layer_net  # noqa: E402


def _library(name, extra):
    return pytest.importorskip(name, reason=f"{name} is not installed (pip install 'diffc[{extra}]')")


def _converted(value, asarray):
    if isinstance(value, np.ndarray):
        return asarray(value)
    if isinstance(value, float):
        return asarray(np.float64(value))       # a 0-d array: the scalar seed examples too
    return value


def _host(value):
    """A gradient from any library as a NumPy array (on the host, off any tape)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    try:
        return np.from_dlpack(value)
    except (TypeError, BufferError, RuntimeError, AttributeError):
        return np.asarray(value)


def _grads(result, wrt):
    return dict(zip(wrt, result if isinstance(result, tuple) else (result,)))


# -- the examples: users' models with every argument's gradient by central differences ----
def _softmax_args(seed=0, n=7):
    rng = np.random.default_rng(seed)
    return (0.1 * rng.standard_normal((64, 10)), rng.standard_normal(10), rng.standard_normal((n, 64)),
            rng.integers(0, 10, n), 0.1)


def _svm_args():
    W, b, X, y, reg = _softmax_args(1)
    scores = X @ W + b
    margins = scores - scores[np.arange(len(y)), y][:, None] + 1.0
    assert np.min(np.abs(margins)) > 1e-4       # no kink a central difference could straddle
    return W, b, X, y, reg


def _mlp_args():
    rng = np.random.default_rng(2)
    return (rng.standard_normal((30, 64)), rng.standard_normal((30, 1)), rng.standard_normal((10, 30)),
            rng.standard_normal((10, 1)), rng.standard_normal((64, 5)), rng.uniform(size=(10, 5)))


def _two_layer_args():
    rng = np.random.default_rng(3)
    W1, b1 = 0.1 * rng.standard_normal((64, 50)), 0.1 * rng.standard_normal(50)
    W2, b2 = 0.1 * rng.standard_normal((50, 10)), 0.1 * rng.standard_normal(10)
    x, t = rng.standard_normal((6, 64)), np.eye(10)[rng.integers(0, 10, 6)]
    assert np.min(np.abs(x @ W1 + b1)) > 1e-4
    return W1, b1, W2, b2, x, t


EXAMPLE_CASES = [
    pytest.param(linear_classifiers.softmax_loss, _softmax_args, ("W", "b"), id="softmax_classifier"),
    pytest.param(linear_classifiers.svm_loss, _svm_args, ("W", "b"), id="svm_classifier"),
    pytest.param(mlp_digits.quadratic_cost, _mlp_args, ("w1", "b1", "w2", "b2"), id="mlp_digits"),
    pytest.param(two_layer_net.loss, _two_layer_args, ("W1", "b1", "W2", "b2"), id="two_layer_net"),
]


def _numeric(gradient, args, wrt):
    """Central differences of the user's own function (NumPy), one per ``wrt``."""
    f = gradient.primal
    params = list(gradient._params)
    return {name: gradcheck.numeric_vjp(f, args, params.index(name), 1.0) for name in wrt}


def _check_example(gradient, make_args, wrt, asarray):
    args = make_args()
    numeric = _numeric(gradient, args, wrt)
    on_numpy = _grads(gradient(*args), wrt)
    out = _grads(gradient(*(_converted(a, asarray) if not isinstance(a, float) else a for a in args)), wrt)
    for name in wrt:
        got = _host(out[name])
        assert got.shape == np.shape(args[gradient._params.index(name)])
        gradcheck.assert_close(got, numeric[name], f"d{name} against central differences")
        np.testing.assert_allclose(got, on_numpy[name], rtol=1e-10, atol=1e-12,
                                   err_msg=f"d{name} against the NumPy form")


# -- array-api-strict: conformance to the standard, nothing beyond it -------------------
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_seed_examples_on_array_api_strict(case):
    xp = _library("array_api_strict", "array-api")
    args = case.args()
    _, expected = case.oracle(*args)
    gradient = diffc.grad(case.model, wrt=case.wrt)
    out = _grads(gradient(*(_converted(a, xp.asarray) for a in args)), case.wrt)
    assert "import numpy" not in gradient._last.diffc_source
    for name in case.wrt:
        np.testing.assert_allclose(_host(out[name]), expected[name], rtol=1e-10, atol=1e-12,
                                   err_msg=f"{case.id}: d{name} against the hand-written gradient")


@pytest.mark.parametrize("gradient, make_args, wrt", EXAMPLE_CASES)
def test_examples_on_array_api_strict(gradient, make_args, wrt):
    xp = _library("array_api_strict", "array-api")
    _check_example(gradient, make_args, wrt, xp.asarray)


def test_the_cross_entropy_pick_is_written_without_a_write_into_an_array():
    """The standard has no write at an array of indices: the gradient of
    ``log_probs[np.arange(N), y]`` compares column numbers instead."""
    xp = _library("array_api_strict", "array-api")
    gradient = linear_classifiers.softmax_loss
    gradient(*(_converted(a, xp.asarray) if not isinstance(a, float) else a for a in _softmax_args()))
    text = gradient._last.diffc_source
    # (the closed-form gradient, P less 1 at each label: the 1 / N put at every row's label)
    assert "dshifted = dneg * probs + xp.where(xp.arange(probs.shape[1]) == y[:, None], " in text
    tree = ast.parse(text)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)]
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "np"]


def test_a_numpy_only_operation_is_refused_by_name():
    xp = _library("array_api_strict", "array-api")

    def kron_loss(a, b):
        return np.sum(np.kron(a, b) ** 2)

    with pytest.raises(portable.BackendUnsupported, match=r"np\.kron.*array_api_strict") as info:
        diffc.grad(kron_loss)(xp.asarray(np.ones(3)), xp.asarray(np.ones(2)))
    assert info.value.loc.line == kron_loss.__code__.co_firstlineno + 1 and info.value.hint
    assert str(info.value).startswith(f"{info.value.loc}: error:")       # printed with its place


def test_numpy_arrays_keep_the_numpy_form():
    """Nothing of the array-API form reaches a call on NumPy arrays (out=, in place, methods)."""
    gradient = linear_classifiers.softmax_loss
    text = gradient.source_for(*_softmax_args())
    assert "import numpy as np" in text and "array_namespace" not in text
    assert namespaces.target_for(_softmax_args(), (0, 1)) is None


# -- PyTorch: its tensors and kernels, no tape -------------------------------------------
@pytest.mark.parametrize("gradient, make_args, wrt", EXAMPLE_CASES)
def test_examples_on_torch_tensors(gradient, make_args, wrt):
    torch = _library("torch", "torch")
    _check_example(gradient, make_args, wrt, torch.asarray)


def test_torch_gradient_makes_no_tape():
    torch = _library("torch", "torch")
    args = [_converted(a, torch.asarray) if not isinstance(a, float) else a for a in _softmax_args()]
    args[0].requires_grad_(True)
    dW, db = linear_classifiers.softmax_loss(*args)
    assert dW.grad_fn is None and not dW.requires_grad
    assert isinstance(dW, torch.Tensor) and dW.dtype == torch.float64


def test_torch_float32_stays_float32():
    torch = _library("torch", "torch")
    args = _softmax_args()
    numeric = _numeric(linear_classifiers.softmax_loss, args, ("W",))
    t = [torch.asarray(a.astype(np.float32) if a.dtype.kind == "f" else a) if isinstance(a, np.ndarray)
         else a for a in args]
    dW, db = linear_classifiers.softmax_loss(*t)
    assert dW.dtype == torch.float32 and db.dtype == torch.float32
    gradcheck.assert_close(_host(dW), numeric["W"], "dW (float32)", rtol=1e-4, atol=1e-5)


# -- JAX: traceable, so jax.jit and jax.vmap of diffc's gradient work --------------------
@pytest.fixture
def jax64():
    jax = _library("jax", "jax")
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", False)


@pytest.mark.parametrize("gradient, make_args, wrt", EXAMPLE_CASES)
def test_jax_jit_of_the_gradient(jax64, gradient, make_args, wrt):
    import jax.numpy as jnp
    args = make_args()
    numeric = _numeric(gradient, args, wrt)
    jitted = jax64.jit(gradient)
    out = _grads(jitted(*(_converted(a, jnp.asarray) if not isinstance(a, float) else a for a in args)), wrt)
    for name in wrt:
        gradcheck.assert_close(_host(out[name]), numeric[name], f"d{name} of jax.jit(grad)")


def test_jax_vmap_of_the_gradient(jax64):
    import jax.numpy as jnp
    W, b, X, y, reg = _softmax_args()
    Ws = np.stack([W, 2 * W, -W])
    dWs, dbs = jax64.vmap(linear_classifiers.softmax_loss, in_axes=(0, None, None, None, None))(
        jnp.asarray(Ws), jnp.asarray(b), jnp.asarray(X), jnp.asarray(y), reg)
    for k in range(3):
        args = (Ws[k], b, X, y, reg)
        numeric = _numeric(linear_classifiers.softmax_loss, args, ("W", "b"))
        gradcheck.assert_close(_host(dWs[k]), numeric["W"], f"dW of batch entry {k}")
        gradcheck.assert_close(_host(dbs[k]), numeric["b"], f"db of batch entry {k}")


def test_jax_form_writes_into_no_array(jax64):
    """JAX arrays take no writes: a write at an index is ``.at[...].set`` (and the user's
    own in-place assignment too)."""
    import jax.numpy as jnp

    def clipped_head(x, w):
        h = x * w
        h[0] = 0.0
        return np.sum(h[1:3] ** 2) + np.sum(h)

    x, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, -1.5, 2.0, 0.25])
    numeric = gradcheck.numeric_vjp(clipped_head, [x, w], 1, 1.0)
    gradient = diffc.grad(clipped_head, wrt="w")
    dw = gradient(jnp.asarray(x), jnp.asarray(w))
    gradcheck.assert_close(_host(dw), numeric, "dw on JAX")
    dw_jit = jax64.jit(gradient)(jnp.asarray(x), jnp.asarray(w))
    gradcheck.assert_close(_host(dw_jit), numeric, "dw of jax.jit")
    assert ".at[" in gradient._last.diffc_source


# -- Dask: a lazy graph over chunks of rows, run on a cluster ----------------------------
@pytest.fixture(scope="module")
def dask_client():
    # distributed sets variables for its workers in this process's environment
    # (MALLOC_TRIM_THRESHOLD_, OMP_NUM_THREADS...), which later subprocesses would inherit
    environment = dict(os.environ)
    _library("dask.array", "dask")
    distributed = _library("distributed", "dask")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
    os.environ.clear()
    os.environ.update(environment)


def test_dask_softmax_classifier_gradient_is_lazy_and_matches_numpy(dask_client):
    import dask.array as da

    W, b, X, y, reg = _softmax_args(4, n=3000)
    numeric = _numeric(linear_classifiers.softmax_loss, (W, b, X[:40], y[:40], reg), ("W", "b"))
    on_numpy = linear_classifiers.softmax_loss(W, b, X, y, reg)
    lazy = linear_classifiers.softmax_loss(da.from_array(W), da.from_array(b),
                                           da.from_array(X, chunks=(700, 64)), da.from_array(y, chunks=700), reg)
    assert all(isinstance(g, da.Array) for g in lazy)                 # a graph, nothing computed yet
    dW, db = dask_client.compute(lazy, sync=True)
    for got, want, name in zip((dW, db), on_numpy, "Wb"):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14 * np.max(np.abs(want)),
                                   err_msg=f"d{name} on Dask against NumPy")
    # and the first 40 rows' gradient against central differences (an oracle without diffc)
    head = linear_classifiers.softmax_loss(da.from_array(W), da.from_array(b), da.from_array(X[:40], chunks=(15, 64)),
                                           da.from_array(y[:40], chunks=15), reg)
    dW_head, db_head = dask_client.compute(head, sync=True)
    gradcheck.assert_close(dW_head, numeric["W"], "dW of 40 rows on Dask")
    gradcheck.assert_close(db_head, numeric["b"], "db of 40 rows on Dask")


def test_a_stand_in_for_data_too_large_to_make_up_takes_no_memory():
    class Lazy:                       # shape and dtype, no values (as a Dask array before compute)
        shape, dtype = (10_000_000, 64), np.dtype("float64")

    s = namespaces.stand_in(Lazy())
    assert s.shape == (10_000_000, 64) and s.dtype == np.float64 and s.strides == (0, 0)


# -- diffc compile --backend: a module for one of them -----------------------------------
COMPILE = [sys.executable, "-m", "diffc", "compile", str(EXAMPLES / "linear_classifiers.py"),
           "--arg", "W=64x10", "--arg", "b=shape:10", "--arg", "X=7x64", "--arg", "y=7:int", "--arg", "reg=scalar"]


def _compiled_module(tmp_path, backend):
    import importlib.util
    import subprocess

    out = tmp_path / f"linear_classifiers_{backend.replace('-', '_')}.py"
    done = subprocess.run(COMPILE + ["--backend", backend, "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert f"--backend {backend} " in text.splitlines()[1] and "import numpy" not in text
    spec = importlib.util.spec_from_file_location(out.stem, out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("backend, library, extra", [("array-api", "array_api_strict", "array-api"),
                                                     ("torch", "torch", "torch")])
def test_compile_writes_a_module_for_a_backend(tmp_path, backend, library, extra):
    lib = _library(library, extra)
    module = _compiled_module(tmp_path, backend)
    for rows in (7, 30):           # the module is not tied to the example's number of rows
        W, b, X, y, reg = _softmax_args(5, n=rows)
        numeric = _numeric(linear_classifiers.softmax_loss, (W, b, X, y, reg), ("W", "b"))
        dW, db = module.grad_softmax_loss(*(lib.asarray(a) for a in (W, b, X, y)), reg)
        gradcheck.assert_close(_host(dW), numeric["W"], f"dW from --backend {backend}, {rows} rows")
        gradcheck.assert_close(_host(db), numeric["b"], f"db from --backend {backend}, {rows} rows")


def test_compile_for_a_missing_library_says_which_extra_installs_it(tmp_path, monkeypatch):
    import subprocess

    blocker = tmp_path / "jax"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('no jax here')\n")
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    done = subprocess.run(COMPILE + ["--backend", "jax", "-o", "-"], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "pip install 'diffc[jax]'" in done.stderr


def test_dask_example_trains_on_a_cluster(dask_client):
    import dask_softmax

    result = dask_softmax.main(["--rows", "6000", "--chunk", "1500", "--steps", "6",
                                "--scheduler", dask_client.scheduler.address])
    assert result["error"] < 1e-10                  # Dask's gradient against NumPy's, same rows
    assert result["accuracies"][-1] > result["accuracies"][0] > 0.1


# -- more operations, on every library installed, against central differences ------------
def masks_and_branches(a, b):
    m = a > 0.1
    clipped = np.clip(a, 0.8, 1.2)                  # its gradient: dout times (a >= lo) & (a <= hi)
    return np.sum(np.where(m, a, 0.0) * b) + np.sum(np.maximum(a, b)) + np.mean(np.exp(-a) / (1 + b ** 2)) \
        + np.sum(clipped * b)


def write_a_row(a, b):
    z = a / np.sum(a, axis=1, keepdims=True)
    z[0] = 0.0
    return np.sum(z ** 2 * b)


def contractions(a, b):
    t = np.tril(a @ b, -1)
    return np.sum(t ** 2) + np.sum(np.roll(a, 1, 0) * b) + np.sum(np.tensordot(a, b, 1) ** 2) \
        + np.sum(np.moveaxis(np.stack([a, b], 0), 0, 2) ** 3)


def _layers(x, Ws, b):
    for W in Ws:
        x = np.tanh(x @ W + b)
    return x


def _squared(h, scale):
    total = 0.0
    for row in range(h.shape[0]):
        total = total + np.sum(h[row:row + 1, :] ** 2)
    return scale * total


def calls_to_functions(a, b):
    """Calls diffc keeps as forward/backward pairs: a bias that broadcasts (a number, a
    row: ``unbroadcast``), the same function at two call sites, one returning a number."""
    h = _layers(a, [b, b.T], 0.5)
    h2 = _layers(h, [b.T], np.sum(a, axis=0))
    return _squared(h2, 0.5) + np.mean(_layers(a, [b], 0.1) * a)


def outer_and_copy(a, b):
    c = np.copy(a)
    c[:, 0] = 0.0
    return np.sum(np.outer(c[:, 1], b[0, :]) ** 2) + np.sum(np.outer(a, b) * c[0, 2])


def joins_and_splits(a, b):
    """NumPy functions the standard has none of, written with its own: joins, splits (the
    gradient of a join, too), dot, nan_to_num, linalg.norm."""
    h = np.concatenate([a, b], axis=1)
    left, right = np.split(h, 2, axis=-1)
    pieces = np.split(h, [1, 4], axis=1)
    rows = np.vstack([a[0, :], b[1, :], a])
    wide = np.hstack([a, b * 2.0])
    line = np.hstack([a[:, 0], b[:, 1]])
    odd = np.nan_to_num(np.log(a - 1.0))             # log of entries below 1: NaN, made 0
    swapped = np.swapaxes(a[:, :, None] * b[:, None, :], 0, -1)
    sign, logdet = np.linalg.slogdet(a @ a.T + np.eye(3))     # a named result (PyTorch's has no _make)
    causal = np.sum(np.tri(3, dtype=a.dtype) * a) + np.sum(np.tri(3, 3, -1) * b)
    return np.sum(left * right) + np.sum(pieces[2] ** 2) + np.sum(rows ** 3) + np.sum(np.sin(wide)) \
        + np.sum(line ** 2) + np.sum(odd) + np.linalg.norm(a) + np.sum(swapped[:, :, 1] * a) + sign * logdet \
        + causal


def padding(a, b):
    """np.pad with one constant (cs231n's convolutions pad their input so): written with the
    standard's functions (``numpy_pad``); its gradient reads the interior of dout."""
    padded = np.pad(a, ((0, 0), (1, 2)), "constant")
    framed = np.pad(b * padded[:, 1:4], 1, mode="constant", constant_values=0.5)
    return np.sum(np.tanh(framed) ** 2) + np.sum(padded[:, :3] * b)


def einsums(a, b):
    """np.einsum and np.diag (outside the standard; PyTorch and JAX have them): contractions,
    a diagonal (its gradient spreads onto a diagonal with an identity matrix), a full sum (with
    ones), a broadcast batch, an ellipsis, the gradient of the result a Python number; a
    vector made a diagonal matrix, on the diagonal and above it."""
    return np.sum(np.einsum("ij,jk->ik", a, b) ** 2) + np.sum(np.einsum("ii->i", a @ b) ** 2) \
        + np.einsum("ij->", a * b) + np.sum(np.einsum("bij,bjk->bik", b[None] * a, b[None]) ** 2) \
        + np.sum(np.einsum("...i,i->...", a, b[0]) ** 3) \
        + np.sum((a @ np.diag(b[0, :])) ** 2) + np.sum(np.diag(b[1, :] ** 2, 1))


def loop_over_a_list(a, b):
    """The gradient of ``[b, b.T][i]`` is NumPy's array of the list's zeros; the gradient's
    ranks are not known at one step, so its products may stay NumPy's ``dot``."""
    chain = a
    for W in [b, b.T]:
        chain = np.tanh(np.dot(W, chain))
    return np.sum(chain)


def _l2_norm(params):
    total = np.sum(params[0][0] ** 2)
    for W, c in params[1:]:              # autograd's list of (W, b) pairs
        total = total + np.sum(W ** 2) + np.sum(c ** 2)
    return total + np.sum(params[0][1] ** 2)


def layer_pairs(a, b):
    """A function kept whole (a forward/backward pair) given a list of tuples of arrays: its
    namespace is its first array's, ``params[0][0]``."""
    return np.sum(a) * _l2_norm([(a, b[0, :]), (b * a, a[:, 1])]) + np.sum(np.tanh(a @ b))


def _rows_summed(h, w):
    acc = 0.0
    for row in range(h.shape[0]):
        acc = acc + np.tanh(h[row, :] * w)
    return acc


def _penalty(params):
    total = 0.0
    for W, c in params:
        total = total + np.sum(W ** 2) + np.sum(c ** 2)
    return total


def sums_from_a_number(a, b):
    """Sums that start as the Python number 0.0 and become arrays in a loop: the loop's tape
    holds that number, then arrays (made an array of the arguments' dtype where it is kept),
    in the function and in functions kept whole."""
    acc = 0.0
    for row in range(a.shape[0]):
        acc = acc + np.sin(a[row, :] * b[row, :])
    return np.sum(acc ** 2) + np.sum(_rows_summed(b, a[0, :]) ** 3) + _penalty([(a, b[1, :]), (a * b, a[2, :])])


def a_number_on_one_path(a, b):
    """A name that is a number on one path of a branch on values and an array on the
    other, here the number's (jax.jit cannot trace a branch on values: the user's own
    function fails there as well)."""
    start = 0.0
    if np.sum(a) > 100.0:
        start = a * b
    return np.sum((start + b) ** 2)


LIBRARIES = [("array_api_strict", "array-api"), ("torch", "torch"), ("jax.numpy", "jax")]
OPERATIONS = [masks_and_branches, write_a_row, contractions, calls_to_functions, outer_and_copy, joins_and_splits,
              loop_over_a_list, layer_pairs, sums_from_a_number, a_number_on_one_path, padding,
              einsums]
# array-api-strict holds to the standard, which has no index of fewer axes than an array
# has: write_a_row's z[0] (and stack's gradient, ds[0]; the list's, darg[i]) are refused there
STRICT_REFUSES = {"write_a_row", "contractions", "loop_over_a_list"}


@pytest.mark.parametrize("library, extra", LIBRARIES, ids=[lib for lib, _ in LIBRARIES])
@pytest.mark.parametrize("f", OPERATIONS, ids=[f.__name__ for f in OPERATIONS])
def test_operations_against_central_differences(f, library, extra, request):
    lib = _library(library, extra)
    if library == "array_api_strict" and f.__name__ in STRICT_REFUSES:
        pytest.skip("array-api-strict refuses an index of fewer axes than the array has (the standard's rule)")
    if library == "array_api_strict" and f is einsums:       # the standard has no einsum: refused, located
        with pytest.raises(diffc.DiffcError, match=r"test_backends\.py:\d+:\d+: error: the gradient uses np\.(einsum|diag)"):
            diffc.grad(f, wrt=(0, 1))(lib.asarray(np.ones((3, 3))), lib.asarray(np.ones((3, 3))))
        return
    rng = np.random.default_rng(7)
    a, b = rng.uniform(0.5, 1.5, (3, 3)), rng.standard_normal((3, 3))
    numeric = [gradcheck.numeric_vjp(f, [a, b], i, 1.0) for i in (0, 1)]
    gradient = diffc.grad(f, wrt=(0, 1))
    calls = [gradient]
    if library == "jax.numpy" and f is a_number_on_one_path:
        jax = request.getfixturevalue("jax64")
        with pytest.raises(jax.errors.TracerBoolConversionError):
            jax.jit(gradient)(lib.asarray(a), lib.asarray(b))
    elif library == "jax.numpy":
        calls.append(request.getfixturevalue("jax64").jit(gradient))
    for call in calls:
        out = call(lib.asarray(a), lib.asarray(b))
        for got, want, name in zip(out, numeric, "ab"):
            gradcheck.assert_close(_host(got), want, f"d{name} of {f.__name__} on {library}")
    if f is calls_to_functions:      # the calls are pairs of the module, with unbroadcast
        assert all(f"def {name}" in gradient.source for name in ("_layers_forward", "_layers_backward",
                                                              "_squared_forward", "unbroadcast"))
    if f is joins_and_splits:        # each written with the standard's functions, in the module
        assert all(f"def {name}(" in gradient.source for name in (
            "split_along", "numpy_hstack", "numpy_vstack", "numpy_nan_to_num", "numpy_swapaxes"))
    if f is layer_pairs:
        assert "array_namespace(params[0][0])" in gradient.source
    if f is padding:
        assert "def numpy_pad(" in gradient.source and "pad_interior(" in gradient.source
    if f is loop_over_a_list:
        assert "xp.zeros_like(xp.stack([b, tr]))" in gradient.source
    assert not [n for n in ast.walk(ast.parse(gradient.source)) if isinstance(n, ast.Name) and n.id == "np"]


def test_dask_rows_too_many_to_make_up_compile_on_few_rows_for_any_number(dask_client):
    """Over 2**20 entries with no values here: compiled on a few rows, for any number of
    rows (as diffc compile with a letter for a size), then used for this signature."""
    import dask.array as da

    W, b, X, y, reg = _softmax_args(8, n=20_000)          # X: 1,280,000 entries
    on_numpy = linear_classifiers.softmax_loss(W, b, X, y, reg)
    lazy = linear_classifiers.softmax_loss(da.from_array(W), da.from_array(b),
                                           da.from_array(X, chunks=(6000, 64)), da.from_array(y, chunks=6000), reg)
    assert "Specialised to arguments W: float64[64, 10], b: float64[10], X: float64[997, 64], y: int64[997]" \
        in linear_classifiers.softmax_loss._last.diffc_source
    assert "xp.concat([picked, rest], axis=0)" in linear_classifiers.softmax_loss._last.diffc_source
    for got, want, name in zip(dask_client.compute(lazy, sync=True), on_numpy, "Wb"):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14 * np.max(np.abs(want)),
                                   err_msg=f"d{name} on 20,000 rows of Dask against NumPy")


# -- PyTorch takes NumPy's in-place forms: large temporaries updated in place -------------
def deep_tanh(W1, W2, W3, X, Y):
    h1 = np.tanh(X @ W1)
    h2 = np.tanh(h1 @ W2)
    h3 = np.tanh(h2 @ W3)
    return 0.5 * np.sum((h3 - Y) ** 2) / X.shape[0]


def stacked_tanh(Ws, bs, X):
    h = X
    for i in range(Ws.shape[0]):
        h = np.tanh(h @ Ws[i] + bs[i])
    return np.sum(h ** 2)


def _directional_check(f, args, grads, rng, what):
    """The gradient against a central difference along a random direction of every
    argument at once (a full Jacobian of 256 x 256 arrays would take minutes)."""
    tangents = [rng.standard_normal(np.shape(a)) for a in args]
    numeric = gradcheck.numeric_jvp(f, list(args), tangents)
    analytic = sum(float(np.sum(g * t)) for g, t in zip(grads, tangents))
    gradcheck.assert_close(np.float64(analytic), np.float64(numeric), what)


def test_torch_form_updates_large_temporaries_in_place_and_leaves_inputs_alone():
    torch = _library("torch", "torch")
    rng = np.random.default_rng(11)
    n = 256                                   # 512 KiB arrays: over in_place.MIN_BYTES
    args = [rng.standard_normal((n, n)) / 16 for _ in range(3)] + [rng.standard_normal((n, n)),
                                                                   rng.uniform(-1, 1, (n, n))]
    gradient = diffc.grad(deep_tanh, wrt=(0, 1, 2))
    tensors = [torch.asarray(a.copy()) for a in args]
    out = [_host(g) for g in gradient(*tensors)]
    for t, a in zip(tensors, args):           # in place, but never into the caller's arrays
        np.testing.assert_array_equal(_host(t), a)
    text = gradient.source_for(*tensors)
    assert "out=" in text and " *= " in text, text
    for got, want in zip(out, gradient(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    _directional_check(lambda W1, W2, W3: deep_tanh(W1, W2, W3, *args[3:]), args[:3], out, rng,
                       "deep_tanh on torch, along a random direction")


def test_torch_form_adds_a_loop_step_gradient_at_its_index():
    torch = _library("torch", "torch")
    rng = np.random.default_rng(12)
    args = [rng.standard_normal((4, 5, 5)) / 2, rng.standard_normal((4, 5)) / 2, rng.standard_normal((3, 5))]
    gradient = diffc.grad(stacked_tanh, wrt=(0, 1))
    tensors = [torch.asarray(a.copy()) for a in args]
    out = [_host(g) for g in gradient(*tensors)]
    text = gradient.source_for(*tensors)
    assert "dWs[i] += " in text and "zeros_like(Ws)" in text.split("for i in reversed")[0], text
    assert text.count("zeros_like(Ws)") == 1, text       # not an array of zeros per step
    for t, a in zip(tensors, args):
        np.testing.assert_array_equal(_host(t), a)
    for i, got in enumerate(out):
        gradcheck.assert_close(got, gradcheck.numeric_vjp(stacked_tanh, args, i, 1.0), f"d{'Wb'[i]}s on torch")


def test_jax_form_adds_a_loop_step_gradient_at_its_index(jax64):
    import jax.numpy as jnp

    rng = np.random.default_rng(13)
    args = [rng.standard_normal((4, 5, 5)) / 2, rng.standard_normal((4, 5)) / 2, rng.standard_normal((3, 5))]
    gradient = diffc.grad(stacked_tanh, wrt=(0, 1))
    arrays = [jnp.asarray(a) for a in args]
    text = gradient.source_for(*arrays)
    assert "dWs = dWs.at[i].add(" in text and text.count("zeros_like(Ws)") == 1, text
    for call in (gradient, jax64.jit(gradient)):
        for i, got in enumerate(call(*arrays)):
            gradcheck.assert_close(_host(got), gradcheck.numeric_vjp(stacked_tanh, args, i, 1.0),
                                   f"d{'Wb'[i]}s on JAX")


def test_dask_scaling_benchmark_measures_and_checks_against_numpy(dask_client):
    from benchmarks import dask_scaling

    result = dask_scaling.measure(dask_client, 6000, 1500, repeat=1)
    assert result["chunks"] == 4 and result["checked"] == 3000
    assert result["error"] < 1e-10 and result["seconds"] > 0 and result["peak_mb"] > 0


def wide_linear(W, X, reg):
    return np.sum(np.tanh(X @ W)) + reg * np.sum(W * W)


def test_torch_form_takes_the_transposed_wide_product_where_it_is_faster(monkeypatch):
    torch = _library("torch", "torch")
    from diffc.optimize import emit_forms
    rng = np.random.default_rng(14)
    args = (rng.normal(size=(600, 10)) * 0.05, rng.normal(size=(1000, 600)), 0.1)
    timings = iter([1.0, 0.1] * 10)        # the transposed form wins, whatever the BLAS does
    monkeypatch.setattr(emit_forms, "_best_of", lambda call, repeat=3: next(timings))
    gradient = diffc.api.gradients.GradientFunction(wide_linear, wrt=0)
    tensors = (torch.asarray(args[0]), torch.asarray(args[1]), args[2])
    got = _host(gradient(*tensors))
    assert ".T @ X).T" in gradient.source_for(*tensors)
    np.testing.assert_allclose(got, diffc.api.gradients.GradientFunction(wide_linear, wrt=0)(*args),
                               rtol=1e-10, atol=1e-12)
    _directional_check(lambda W: wide_linear(W, *args[1:]), args[:1], [got], rng, "wide_linear on torch")
