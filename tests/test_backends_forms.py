"""The forms diffc emits for array namespaces other than NumPy: what XLA and Dask are given.

Each gradient is checked against central differences of the user's NumPy function (an
oracle without diffc) and against diffc's NumPy form, and its text for the form asked for:
the gradient of ``x[:, None]`` taken back as ``d[:, 0]`` (no array of zeros written into,
which JAX spells ``.at[...].set`` and Dask cannot), and one value put at every row's label
(a closed-form cross-entropy) broadcast by ``where`` as it is, not spread to one per row
(which Dask makes a single chunk of all the rows, split again for every chunk of the others);
the JAX form's backprop through time with one weight-gradient product after the loop; and
the Dask benchmark's data, one task per chunk of rows.
"""
import ast
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.special
import scipy.stats

import diffc
from tests import gradcheck

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import linear_classifiers  # noqa: E402


def _library(name, extra):
    return pytest.importorskip(name, reason=f"{name} is not installed (pip install 'diffc[{extra}]')")


def _host(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    if type(value).__module__.startswith("cupy"):
        return value.get()                    # a copy from the device (NumPy cannot read it)
    try:
        return np.from_dlpack(value)
    except (TypeError, BufferError, RuntimeError, AttributeError):
        return np.asarray(value)


def hinge(W, X, y, reg):
    """The SVM loss of the benchmark (``scores[np.arange(N), y][:, np.newaxis]``)."""
    num_train = X.shape[0]
    scores = X @ W
    correct_class_scores = scores[np.arange(num_train), y][:, np.newaxis]
    margins = np.maximum(0, scores - correct_class_scores + 1.0)
    not_correct = np.arange(W.shape[1]) != y[:, np.newaxis]
    return np.sum(margins * not_correct) / num_train + reg * np.sum(W * W)


def outer_axes(x, w):
    """New axes in front, at the back and in the middle, each read once or twice."""
    a = x[:, None] * w[None, :]
    b = np.tanh(w)[None, :, None] * a[:, :, None]
    return np.sum(a ** 2) + np.sum(np.sin(b)) + np.sum(x[:, None] * x[None, :])


def _hinge_args(n=9):
    rng = np.random.default_rng(21)
    W, X, y = 0.1 * rng.standard_normal((6, 4)), rng.standard_normal((n, 6)), rng.integers(0, 4, n)
    scores = X @ W
    margins = scores - scores[np.arange(n), y][:, None] + 1.0
    assert np.min(np.abs(margins)) > 1e-4         # no kink a central difference could straddle
    return W, X, y, 0.1


def _outer_args():
    rng = np.random.default_rng(22)
    return rng.standard_normal(5), rng.standard_normal(3)


def _numeric(f, args, wrt):
    return [gradcheck.numeric_vjp(f, list(args), i, 1.0) for i in wrt]


def _check(gradient, f, args, wrt, converted, label):
    numeric = _numeric(f, args, wrt)
    on_numpy = gradient(*args)
    on_numpy = on_numpy if isinstance(on_numpy, tuple) else (on_numpy,)
    got = gradient(*converted)
    got = got if isinstance(got, tuple) else (got,)
    for g, n, want, i in zip(got, numeric, on_numpy, wrt):
        g = _host(g)
        gradcheck.assert_close(g, n, f"gradient {i} on {label} against central differences")
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14,
                                   err_msg=f"gradient {i} on {label} against the NumPy form")


@pytest.fixture
def jax64():
    jax = _library("jax", "jax")
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", False)


def _asarray(library, extra):
    lib = _library(library, extra)
    return _library("jax.numpy", "jax").asarray if library == "jax" else lib.asarray


def _jax_args(args):
    import jax.numpy as jnp
    return [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]


def test_jax_svm_takes_the_new_axis_back_without_a_write(jax64):
    args = _hinge_args()
    gradient = diffc.grad(hinge, wrt="W")
    text = gradient.source_for(*_jax_args(args))
    assert ".at[:, None]" not in text and "dsel = dcorrect_class_scores[:, 0]" in text, text
    # the pick's gradient at its indices, as jax.grad has it (faster under XLA than a
    # comparison with the column numbers: passes._WITHOUT_ROW_SCATTERS)
    assert re.search(r"\.at\[arange, y\]\.(set|add)\(dsel\)", text), text
    for label, call in (("JAX", gradient), ("jax.jit", jax64.jit(gradient))):
        _check(call, hinge, args, (0,), _jax_args(args), label)


@pytest.mark.parametrize("library, extra", [("jax", "jax"), ("torch", "torch"), ("array_api_strict", "array-api")])
def test_new_axes_read_once_or_twice_take_their_gradient_back(library, extra, request):
    if library == "jax":
        request.getfixturevalue("jax64")
    asarray = _asarray(library, extra)
    args = _outer_args()
    gradient = diffc.grad(outer_axes, wrt=(0, 1))
    converted = [asarray(a) for a in args]
    text = gradient.source_for(*converted)
    assert ".at[" not in text and "[:, 0]" in text, text
    tree = ast.parse(text)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)]
    _check(gradient, outer_axes, args, (0, 1), converted, library)


@pytest.mark.parametrize("library, extra", [("jax", "jax"), ("torch", "torch"), ("array_api_strict", "array-api")])
def test_one_value_at_every_label_is_broadcast_not_spread(library, extra, request):
    """The closed-form softmax gradient puts -1/N at each row's label: ``where`` takes it
    as a 0-d array of the arguments' dtype (two Python floats would make PyTorch's default
    float32), with no ``broadcast_to`` of it to one per row; JAX adds it at the indices."""
    if library == "jax":
        request.getfixturevalue("jax64")
    asarray = _asarray(library, extra)
    rng = np.random.default_rng(23)
    args = (0.1 * rng.standard_normal((64, 10)), rng.standard_normal(10), rng.standard_normal((7, 64)),
            rng.integers(0, 10, 7), 0.1)
    gradient = linear_classifiers.softmax_loss
    converted = [asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    text = gradient.source_for(*converted)
    assert "broadcast_to" not in text, text
    if library == "jax":        # an addition at the indices, one value for all (as jax.grad's)
        assert re.search(r"\.at\[xp\.arange\(\w+\), y\]\.add\(", text), text
    else:                       # (PyTorch's new arrays are made on the arguments' device)
        assert re.search(r"xp\.where\(xp\.arange\(probs\.shape\[1\](, device=device)?\) == y\[:, None\], "
                         r"xp\.asarray\(", text), text
    got = gradient(*converted)
    assert all(str(g.dtype).endswith("float64") for g in got)
    _check(gradient, gradient.primal, args, (0, 1), converted, library)


def test_torch_float32_one_value_stays_float32():
    torch = _library("torch", "torch")
    rng = np.random.default_rng(24)
    args = (0.1 * rng.standard_normal((64, 10)), rng.standard_normal(10), rng.standard_normal((7, 64)),
            rng.integers(0, 10, 7), 0.1)
    numeric = _numeric(linear_classifiers.softmax_loss.primal, args, (0, 1))
    t = [torch.asarray(a.astype(np.float32) if a.dtype.kind == "f" else a) if isinstance(a, np.ndarray)
         else a for a in args]
    dW, db = linear_classifiers.softmax_loss(*t)
    assert dW.dtype == torch.float32 and db.dtype == torch.float32
    gradcheck.assert_close(_host(dW), numeric[0], "dW (float32)", rtol=1e-4, atol=1e-5)
    gradcheck.assert_close(_host(db), numeric[1], "db (float32)", rtol=1e-4, atol=1e-5)


@pytest.fixture(scope="module")
def dask_client():
    environment = dict(os.environ)        # distributed sets variables for its workers here
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


def _task_names(arrays):
    import dask
    names = set()
    for a in dask.optimize(*arrays):
        for key in dict(a.__dask_graph__()):
            names.add((key[0] if isinstance(key, tuple) else key).rsplit("-", 1)[0])
    return names


def test_dask_softmax_graph_keeps_to_the_chunks_of_rows(dask_client):
    """No task of the gradient's graph reads all the rows at once: nothing is rechunked
    (the spread one value per row was a single chunk of every row), and the result
    matches NumPy and central differences."""
    import dask.array as da

    rng = np.random.default_rng(25)
    n = 3000
    W, b, X, y = 0.1 * rng.standard_normal((64, 10)), rng.standard_normal(10), rng.standard_normal((n, 64)), \
        rng.integers(0, 10, n)
    lazy = linear_classifiers.softmax_loss(da.from_array(W), da.from_array(b), da.from_array(X, chunks=(700, 64)),
                                           da.from_array(y, chunks=700), 0.1)
    names = _task_names(lazy)
    assert not [m for m in names if "rechunk" in m or "concatenate" in m], sorted(names)
    text = linear_classifiers.softmax_loss._last.diffc_source
    assert "broadcast_to" not in text, text
    dW, db = dask_client.compute(lazy, sync=True)
    on_numpy = linear_classifiers.softmax_loss(W, b, X, y, 0.1)
    for got, want, name in zip((dW, db), on_numpy, "Wb"):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14 * np.max(np.abs(want)),
                                   err_msg=f"d{name} on Dask against NumPy")
    numeric = _numeric(linear_classifiers.softmax_loss.primal, (W, b, X[:40], y[:40], 0.1), (0, 1))
    head = linear_classifiers.softmax_loss(da.from_array(W), da.from_array(b), da.from_array(X[:40], chunks=(15, 64)),
                                           da.from_array(y[:40], chunks=15), 0.1)
    for got, want, name in zip(dask_client.compute(head, sync=True), numeric, "Wb"):
        gradcheck.assert_close(got, want, f"d{name} of 40 rows on Dask")


def rnn(Wx, Wh, b, Wy, xs, ys):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return 0.5 * np.sum((h @ Wy - ys) ** 2) / xs.shape[1]


def test_jax_rnn_weight_gradients_are_one_product_after_the_loop(jax64):
    """Backprop through time as the NumPy form has it, without writes into arrays: the
    steps' states and gradients stacked from lists, and each weight gradient one product
    after the loop (not one product and one addition per step)."""
    rng = np.random.default_rng(26)
    T, N, D, H, K = 6, 4, 3, 5, 2
    args = (0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)), 0.1 * rng.standard_normal(H),
            rng.standard_normal((H, K)), rng.standard_normal((T, N, D)), rng.standard_normal((N, K)))
    gradient = diffc.grad(rnn, wrt=(0, 1, 2, 3))
    converted = _jax_args(args)
    text = gradient.source_for(*converted)
    assert "xp.stack(h_tape)" in text and "xp.concat(dadd_steps[::-1])" in text, text
    loops = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.For)]
    backward = [n for n in loops if "reversed" in ast.unparse(n.iter)]
    assert len(backward) == 1 and not [n for n in ast.walk(backward[0]) if isinstance(n, ast.BinOp)
                                       and isinstance(n.op, ast.MatMult) and isinstance(n.left, ast.Attribute)
                                       and n.left.attr == "T"], text
    assert ".at[" not in text
    for label, call in (("JAX", gradient), ("jax.jit", jax64.jit(gradient))):
        _check(call, rnn, args, (0, 1, 2, 3), converted, label)


def test_torch_rnn_is_backprop_through_time_as_numpy_has_it():
    """On tensors (writes into arrays and ``out=``): the input product before the loop,
    the states written into one array, each weight gradient one product after the loop;
    the caller's tensors untouched."""
    torch = _library("torch", "torch")
    rng = np.random.default_rng(27)
    T, N, D, H, K = 6, 4, 3, 5, 2
    args = (0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)), 0.1 * rng.standard_normal(H),
            rng.standard_normal((H, K)), rng.standard_normal((T, N, D)), rng.standard_normal((N, K)))
    gradient = diffc.grad(rnn, wrt=(0, 1, 2, 3))
    tensors = [torch.asarray(a.copy()) for a in args]
    text = gradient.source_for(*tensors)
    tree = ast.parse(text)
    backward = [n for n in ast.walk(tree) if isinstance(n, ast.For) and "reversed" in ast.unparse(n.iter)]
    assert len(backward) == 1 and not [n for n in ast.walk(backward[0]) if isinstance(n, ast.BinOp)
                                       and isinstance(n.op, ast.MatMult) and isinstance(n.left, ast.Attribute)
                                       and n.left.attr == "T"], text
    forward = [n for n in ast.walk(tree) if isinstance(n, ast.For) and n not in backward]
    assert "@ Wx" not in ast.unparse(forward[0]), text          # xs @ Wx before the loop
    _check(gradient, rnn, args, (0, 1, 2, 3), tensors, "torch")
    for t, a in zip(tensors, args):
        np.testing.assert_array_equal(_host(t), a)


def test_dask_example_makes_each_chunk_of_rows_in_one_task():
    """The benchmark's data: a chunk of X is one task reading its chunk of the labels (no
    chunk-sized intermediates of other tasks alive beside it), the same values every time."""
    da = _library("dask.array", "dask")
    import dask
    from dask.core import get_dependencies

    import dask_softmax
    X, y = dask_softmax.synthetic(4000, 1000)
    graph = dict(X.__dask_graph__())
    chunks = [k for k in graph if isinstance(k, tuple) and k[0] == X.name]
    assert len(chunks) == 4
    for key in chunks:
        assert get_dependencies(graph, key) == {(y.name, key[1])}, (key, get_dependencies(graph, key))
    X1, y1 = dask.compute(X, y, scheduler="synchronous")
    X2, y2 = dask.compute(*dask_softmax.synthetic(4000, 1000), scheduler="synchronous")
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    centres = np.random.default_rng(0).standard_normal((10, 64))
    assert isinstance(X, da.Array) and X1.shape == (4000, 64)
    # noise of standard deviation 3 around each row's class centre
    assert abs(np.std(X1 - centres[y1]) - 3.0) < 0.05


def test_dask_benchmark_peak_memory_starts_again_after_the_check():
    from benchmarks import dask_scaling

    if not os.path.exists("/proc/self/clear_refs"):
        pytest.skip("the peak resident memory is reset through /proc (Linux)")
    big = np.ones(40_000_000)                  # 305 MB
    before = dask_scaling._peak_rss_mb()
    del big
    dask_scaling._reset_peak()
    assert dask_scaling._peak_rss_mb() < before - 200


# -- PyTorch: its own kernels where the standard's spelling would run several ----------
def nielsen_sigmoid(w, b, x, y):
    """The seed notes' sigmoid layer and quadratic cost, sigmoid written out."""
    a = 1 / (1 + np.exp(-(w @ x + b)))
    return 0.5 * np.sum((a - y) ** 2) / x.shape[1]


def _sigmoid_args(scale=1.0):
    rng = np.random.default_rng(31)
    return (scale * rng.standard_normal((3, 4)), rng.standard_normal((3, 1)), rng.random((4, 5)),
            rng.random((3, 5)))


def test_torch_form_runs_the_sigmoid_and_squares_as_one_kernel_each():
    torch = _library("torch", "torch")
    gradient = diffc.grad(nielsen_sigmoid, wrt=(0, 1))
    args = _sigmoid_args()
    tensors = [torch.asarray(a) for a in args]
    _check(gradient, nielsen_sigmoid, args, (0, 1), tensors, "torch")
    text = gradient.source_for(*tensors)
    assert "xp.sigmoid(w @ x + b)" in text and "xp.exp" not in text and "** 2" not in text, text
    assert "xp.sigmoid" not in gradient.source_for(*args) and "np.exp" in gradient.source_for(*args)


def test_torch_sigmoid_of_very_negative_inputs_stays_finite():
    """``exp(-z)`` overflows for z < -709; the sigmoid kernel gives 0 and a zero gradient,
    which is the limit of the NumPy form's values (NumPy warns of the overflow)."""
    torch = _library("torch", "torch")
    gradient = diffc.grad(nielsen_sigmoid, wrt=(0, 1))
    args = list(_sigmoid_args())
    args[1] = args[1] - 2000.0                   # every pre-activation below -1000
    dw, db = gradient(*[torch.asarray(a) for a in args])
    assert torch.isfinite(dw).all() and torch.isfinite(db).all()
    with np.errstate(over="ignore"):
        want = gradient(*args)
    for got, w in zip((dw, db), want):
        np.testing.assert_allclose(_host(got), w, rtol=0, atol=1e-300)


def test_tensor_calls_of_a_compiled_signature_take_the_fast_dispatcher():
    """A second call with tensors of the same type, shape and dtype runs the compiled
    code without the general signature; another shape or dtype compiles again."""
    torch = _library("torch", "torch")
    gradient = diffc.grad(nielsen_sigmoid, wrt=(0, 1))
    args = _sigmoid_args()
    tensors = [torch.asarray(a) for a in args]
    gradient(*tensors)
    calls = []
    slow = type(gradient)._slow_call
    type(gradient)._slow_call = lambda self, *a: calls.append(a) or slow(self, *a)
    try:
        _check(gradient, nielsen_sigmoid, args, (0, 1), tensors, "torch, fast call")
        assert not any(isinstance(a, torch.Tensor) for c in calls for a in c), calls
        wider = _sigmoid_args()[:2] + (np.random.default_rng(1).random((4, 7)), np.zeros((3, 7)))
        _check(gradient, nielsen_sigmoid, wider, (0, 1), [torch.asarray(a) for a in wider], "torch, 7 columns")
        assert any(isinstance(a, torch.Tensor) for c in calls for a in c)   # a new shape: slow
        single = [torch.asarray(a.astype(np.float32)) for a in args]
        before = len(calls)
        assert gradient(*single)[0].dtype == torch.float32 and len(calls) == before + 1
    finally:
        del type(gradient)._slow_call


@pytest.mark.parametrize("loss, make_args, wrt", [
    (hinge, _hinge_args, (0,)),
    (linear_classifiers.softmax_loss.primal, lambda: _softmax_example(), (0, 1)),
    (rnn, lambda: _rnn_example(), (0, 1, 2, 3)),
    (nielsen_sigmoid, _sigmoid_args, (0, 1)),
])
def test_torch_form_makes_its_new_arrays_on_the_arguments_device(loss, make_args, wrt):
    """Tensors on PyTorch's ``meta`` device (shapes and dtypes, no memory: what a machine
    without a GPU can check of CUDA tensors): an array the gradient makes (``arange``,
    ``zeros``, a number made an array) on the CPU would fail to combine with them."""
    torch = _library("torch", "torch")
    args = make_args()
    on_meta = [torch.asarray(a.astype(np.int64) if a.dtype.kind in "iu" else a, device="meta")
               if isinstance(a, np.ndarray) else a for a in args]
    gradient = diffc.api.gradients.GradientFunction(loss, wrt=wrt)
    got = gradient(*on_meta)
    got = got if isinstance(got, tuple) else (got,)
    want = gradient(*args)
    want = want if isinstance(want, tuple) else (want,)
    assert [g.device.type for g in got] == ["meta"] * len(wrt)
    assert [tuple(g.shape) for g in got] == [np.shape(w) for w in want]


def _softmax_example():
    rng = np.random.default_rng(28)
    return (0.1 * rng.standard_normal((6, 3)), rng.standard_normal(3), rng.standard_normal((5, 6)),
            rng.integers(0, 3, 5), 0.1)


def _rnn_example():
    rng = np.random.default_rng(29)
    T, N, D, H, K = 4, 3, 2, 5, 2
    return (0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)), 0.1 * rng.standard_normal(H),
            rng.standard_normal((H, K)), rng.standard_normal((T, N, D)), rng.standard_normal((N, K)))


# -- CuPy: compiled here against its namespace; run where a GPU is ------------------------
def _cuda_device_or_skip(cupy):
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:                  # noqa: BLE001 (CUDA's errors have no common base here)
        pytest.skip(f"no CUDA device here ({type(e).__name__}): CuPy's arrays need one")
    if not count:
        pytest.skip("no CUDA device here: CuPy's arrays need one")


def test_compile_for_cupy_calls_only_the_namespace_of_the_arrays(tmp_path):
    """``diffc compile --backend cupy`` (CuPy imports without a GPU): every call is the
    namespace's and exists in CuPy's, and nothing of NumPy reaches the device arrays."""
    import subprocess

    pytest.importorskip("cupy", reason="cupy is not installed (pip install 'diffc[cupy]')")
    compat_cupy = pytest.importorskip("array_api_compat.cupy")
    out = tmp_path / "linear_classifiers_cupy.py"
    command = [sys.executable, "-m", "diffc", "compile", str(EXAMPLES / "linear_classifiers.py"),
               "--arg", "W=64x10", "--arg", "b=shape:10", "--arg", "X=7x64", "--arg", "y=7:int",
               "--arg", "reg=scalar", "--backend", "cupy", "-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    tree = ast.parse(text)                    # (comments quote the user's NumPy lines)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names} | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "np" not in names and not {m for m in imported if "numpy" in m} and "For arrays of cupy" in text
    called = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
              and isinstance(n.value, ast.Name) and n.value.id == "xp"}
    assert called and all(hasattr(compat_cupy, name) for name in called), called


@pytest.mark.parametrize("loss, make_args, wrt", [
    (hinge, _hinge_args, (0,)),
    (rnn, lambda: _rnn_example(), (0, 1, 2, 3)),
    (nielsen_sigmoid, _sigmoid_args, (0, 1)),
])
def test_gradients_on_cupy_arrays(loss, make_args, wrt):
    cupy = pytest.importorskip("cupy", reason="cupy is not installed (pip install 'diffc[cupy]')")
    _cuda_device_or_skip(cupy)
    args = make_args()
    gradient = diffc.api.gradients.GradientFunction(loss, wrt=wrt)
    on_device = [cupy.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    _check(gradient, loss, args, wrt, on_device, "CuPy")


# -- PyTorch: real code's shapes of arguments (found by running the corpus on tensors) ----
def dot_and_masks(W, X, y):
    """``np.dot`` (not in the array API standard) and masks combined with ``&``."""
    scores = np.dot(X, W)
    keep = (scores > -1.0) & (scores < 1.0)
    return np.sum(np.tanh(scores) * keep) + np.sum(scores[np.arange(X.shape[0]), y])


def test_torch_form_takes_dot_as_a_product_and_masks_combined_with_and():
    torch = _library("torch", "torch")
    rng = np.random.default_rng(32)
    args = (0.3 * rng.standard_normal((4, 3)), rng.standard_normal((5, 4)), rng.integers(0, 3, 5))
    scores = args[1] @ args[0]
    assert np.min(np.abs(np.abs(scores) - 1.0)) > 1e-3       # no kink a difference could straddle
    gradient = diffc.grad(dot_and_masks, wrt=0)
    _check(gradient, dot_and_masks, args, (0,), [torch.asarray(a) for a in args], "torch")
    text = gradient.source_for(*[torch.asarray(a) for a in args])
    assert "X @ W" in text and "&" in text and "xp.dot" not in text, text


def batchnorm_test_mode(x, gamma, bn_param):
    """A dict of settings and arrays (cs231n's ``bn_param``) read by key."""
    mean, var = bn_param["running_mean"], bn_param["running_var"]
    return np.sum(gamma * (x - mean) / np.sqrt(var + bn_param["eps"]))


def test_torch_form_of_a_dict_of_settings_and_arrays():
    torch = _library("torch", "torch")
    rng = np.random.default_rng(33)
    bn = {"mode": "test", "eps": 1e-3, "running_mean": rng.standard_normal(4), "running_var": rng.random(4) + 0.5}
    args = (rng.standard_normal((6, 4)), rng.standard_normal(4), bn)
    on_torch = (torch.asarray(args[0]), torch.asarray(args[1]),
                dict(bn, running_mean=torch.asarray(bn["running_mean"]), running_var=torch.asarray(bn["running_var"])))
    gradient = diffc.grad(batchnorm_test_mode, wrt=(0, 1))
    _check(gradient, batchnorm_test_mode, args, (0, 1), on_torch, "torch")


Pair = __import__("collections").namedtuple("Pair", "W b")


def namedtuple_layer(p, x):
    return np.sum(np.tanh(x @ p.W + p.b))


def test_torch_tensors_in_a_named_tuple():
    torch = _library("torch", "torch")
    rng = np.random.default_rng(34)
    p, x = Pair(rng.standard_normal((3, 2)), rng.standard_normal(2)), rng.standard_normal((4, 3))
    gradient = diffc.grad(namedtuple_layer, wrt=1)
    numeric = gradcheck.numeric_vjp(namedtuple_layer, [p, x], 1, 1.0)
    try:
        got = gradient(Pair(torch.asarray(p.W), torch.asarray(p.b)), torch.asarray(x))
    except diffc.DiffcError as e:                # a located refusal is an answer; a crash is not
        assert not isinstance(e, diffc.InternalError) and "test_backends_forms.py:" in str(e), e
    else:
        gradcheck.assert_close(_host(got), numeric, "dx with a named tuple of tensors")


class Scorer:
    def __init__(self, W):
        self.W = W

    def loss(self, X, y):
        return np.sum((X @ self.W - y) ** 2)


class _Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x                          # stored on the layer at each call
        return x @ self.W + self.b


class _Net:
    """Weights in ``self.params`` and the same arrays in the layers (the textbook's net)."""

    def __init__(self, params, reg):
        self.params, self.reg = params, reg
        self.layers = [_Affine(params["W1"], params["b1"]), _Affine(params["W2"], params["b2"])]

    def loss(self, X, y):
        h = X
        for i, layer in enumerate(self.layers):
            h = layer.forward(h)
            if i < len(self.layers) - 1:
                h = np.maximum(0, h)
        shifted = h - np.max(h, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        loss = -np.mean(log_probs[np.arange(X.shape[0]), y])
        for name in ("W1", "W2"):
            loss += 0.5 * self.reg * np.sum(self.params[name] ** 2)   # a float attribute
        return loss


@pytest.mark.parametrize("library", ["torch", "array_api_strict"])
def test_a_method_reading_its_objects_arrays_runs_on_other_arrays(library):
    """A method's gradient on an object holding another library's arrays (its weights in a
    dict and, the same arrays, in its layers, which store what they saw): compiled on NumPy
    stand-ins of the object, run on the object's own arrays at each call."""
    xp = _library(library, "torch" if library == "torch" else "array-api")
    rng = np.random.default_rng(35)
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 2)), "b2": rng.standard_normal(2)}
    X, y = rng.standard_normal((5, 3)), np.array([0, 1, 1, 0, 1])
    numeric = [gradcheck.numeric_vjp(lambda W, k=k: _Net({**params, k: W}, 0.1).loss(X, y), [params[k]], 0, 1.0)
               for k in sorted(params)]
    as_library = {k: xp.asarray(v) for k, v in params.items()}
    net = _Net(as_library, 0.1)
    got = diffc.grad(net.loss, wrt="params")(xp.asarray(X), xp.asarray(y))
    for k, want in zip(sorted(params), numeric):
        assert type(got[k]) is type(as_library[k])
        gradcheck.assert_close(_host(got[k]), want, f"d{k} on {library}")
    assert type(net.layers[1].x) is type(as_library["W1"])    # the store, made by the call
    model = Scorer(xp.asarray(params["W2"]))
    H, Y = rng.standard_normal((4, 4)), rng.standard_normal((4, 2))
    dW = diffc.grad(model.loss, wrt="W")(xp.asarray(H), xp.asarray(Y))
    gradcheck.assert_close(_host(dW), 2 * H.T @ (H @ params["W2"] - Y), f"dW of Scorer.loss on {library}")


def _loss_of(W, scale):
    """A loss made by a factory, reading its weights from the closure (autograd's idiom)."""
    def loss(X):
        return scale * np.sum(np.tanh(X @ W) ** 2)
    return loss


@pytest.mark.parametrize("library", ["torch", "array_api_strict"])
def test_arrays_read_from_a_closure_are_the_librarys_too(library):
    """The closure's array is read live at each call, as an input; compiling reads its
    NumPy stand-in (the one of the argument where it is the same array)."""
    xp = _library(library, "torch" if library == "torch" else "array-api")
    rng = np.random.default_rng(37)
    W, X = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    want = gradcheck.numeric_vjp(_loss_of(W, 0.5), [X], 0, 1.0)
    held = xp.asarray(W)
    got = diffc.grad(_loss_of(held, 0.5))(xp.asarray(X))
    gradcheck.assert_close(_host(got), want, f"dX with W in a closure on {library}")
    def given_and_closed_over(X, W):
        return _loss_of(W, 1.0)(X) + np.sum(W * X[:2, :].T)
    want = gradcheck.numeric_vjp(given_and_closed_over, [X, W], 1, 1.0)
    got = diffc.grad(given_and_closed_over, wrt=1)(xp.asarray(X), held)
    gradcheck.assert_close(_host(got), want, f"dW given and closed over on {library}")


def _loss_and_probabilities(W, X, y):
    scores = X @ W
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    p = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(X.shape[0]), y])), {"probs": p, "scores": scores}


@pytest.mark.parametrize("library", ["torch", "array_api_strict"])
def test_has_aux_on_other_arrays(library):
    """``grad``/``value_and_grad`` with ``has_aux=True``: staged as on NumPy arrays, the
    auxiliary values are the library's arrays."""
    xp = _library(library, "torch" if library == "torch" else "array-api")
    rng = np.random.default_rng(38)
    W, X, y = rng.standard_normal((3, 4)), rng.standard_normal((5, 3)), np.array([0, 1, 3, 2, 1])
    want = gradcheck.numeric_vjp(lambda W: _loss_and_probabilities(W, X, y)[0], [W], 0, 1.0)
    args = (xp.asarray(W), xp.asarray(X), xp.asarray(y))
    dW, aux = diffc.grad(_loss_and_probabilities, has_aux=True)(*args)
    (value, aux_too), dW_too = diffc.value_and_grad(_loss_and_probabilities, has_aux=True)(*args)
    for got in (dW, dW_too):
        gradcheck.assert_close(_host(got), want, f"dW with has_aux on {library}")
    assert type(aux["probs"]) is type(args[0]) and type(aux_too["scores"]) is type(args[0])
    np.testing.assert_allclose(float(value), _loss_and_probabilities(W, X, y)[0], rtol=1e-12)
    np.testing.assert_allclose(_host(aux["probs"]), _loss_and_probabilities(W, X, y)[1]["probs"], rtol=1e-12)


class _WithAux(Scorer):
    def loss_and_residual(self, X, y):
        residual = X @ self.W - y
        return np.sum(residual ** 2), residual


def test_has_aux_of_a_method_on_other_arrays_is_refused_where_it_is_defined():
    xp = _library("array_api_strict", "array-api")
    rng = np.random.default_rng(39)
    model = _WithAux(xp.asarray(rng.standard_normal((3, 2))))
    with pytest.raises(diffc.DiffcError) as caught:
        diffc.grad(model.loss_and_residual, wrt="W", has_aux=True)(
            xp.asarray(rng.standard_normal((4, 3))), xp.asarray(rng.standard_normal((4, 2))))
    assert not isinstance(caught.value, diffc.InternalError)
    assert "test_backends_forms.py:" in str(caught.value) and "def loss_and_residual(self, X, y):" in str(caught.value)
    assert "has_aux of a method" in str(caught.value)


def _embedded(E, tokens):
    h = E[tokens]                        # a list of token ids: NumPy indexes with it
    for _ in range(2):
        h = np.tanh(h)
    return h


def _next_token_loss(E, tokens):
    targets = tokens[1:]
    h = _embedded(E, tokens[:-1])
    logp = h - np.log(np.sum(np.exp(h), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(targets)), targets])


def test_a_list_of_token_ids_indexes_in_a_backward_pass_on_torch():
    """PyTorch's ``index_put_`` takes tensors only: the token list, held in the pair's saved
    values, is made one (GPT-2's ``wte[inputs]`` with ``inputs`` a list)."""
    torch = _library("torch", "torch")
    E, tokens = np.random.default_rng(40).standard_normal((5, 5)), [1, 3, 0, 4, 2]
    want = gradcheck.numeric_vjp(lambda E: _next_token_loss(E, tokens), [E], 0, 1.0)
    gradcheck.assert_close(_host(diffc.grad(_next_token_loss)(torch.asarray(E), tokens)), want, "dE on torch")


class _Parser:
    """autograd's weights parser: the slice of a flat vector each named block is."""

    def __init__(self, shapes):
        self.idxs_and_shapes, start = {}, 0
        for name, shape in shapes:
            size = int(np.prod(shape))
            self.idxs_and_shapes[name] = (slice(start, start + size), shape)
            start += size
        self.size = start

    def get(self, vect, name):
        idxs, shape = self.idxs_and_shapes[name]
        return np.reshape(vect[idxs], shape)


_PARSER = _Parser([("W", (3, 2)), ("b", (2,))])


def _parsed_loss(W_vect, X):
    W, b = _PARSER.get(W_vect, "W"), _PARSER.get(W_vect, "b")
    return np.sum(np.tanh(X @ W + b) ** 2)


@pytest.mark.parametrize("library, extra", [("torch", "torch"), ("jax.numpy", "jax")])
def test_a_slice_an_object_holds_indexes_a_flat_vector_on_other_arrays(library, extra, request):
    """The gradient of ``vect[idxs]`` adds at ``idxs``: on PyTorch with ``index_put_``, which
    takes tensors only, so a name holding a slice (autograd's parsers) reads its positions."""
    lib = _library(library, extra)
    if library == "jax.numpy":
        request.getfixturevalue("jax64")
    rng = np.random.default_rng(41)
    W_vect, X = rng.standard_normal(_PARSER.size), rng.standard_normal((4, 3))
    want = gradcheck.numeric_vjp(_parsed_loss, [W_vect, X], 0, 1.0)
    gradient = diffc.grad(_parsed_loss)
    gradcheck.assert_close(_host(gradient(lib.asarray(W_vect), lib.asarray(X))), want, f"dW_vect on {library}")
    assert "isinstance(idxs, slice)" in gradient.source or library != "torch"


def _gelu_loss(W, x):
    h = x @ W
    gelu = 0.5 * h * (1.0 + scipy.special.erf(h / np.sqrt(2.0)))
    positive = np.exp(W)
    return np.sum(gelu ** 2) + np.sum(scipy.special.gammaln(positive) ** 2) + np.sum(scipy.special.digamma(positive))


@pytest.mark.parametrize("library, extra", [("torch", "torch"), ("jax.numpy", "jax")])
def test_special_functions_are_the_librarys_own(library, extra, request):
    """The exact GELU's ``scipy.special.erf``, ``gammaln`` and ``digamma`` (helpers of the
    NumPy form; their gradients call digamma and polygamma(1, x)): PyTorch's ``erf``,
    ``lgamma``, ``digamma`` and ``polygamma`` on tensors, ``jax.scipy.special``'s on JAX
    arrays (the module imports it), under ``jax.jit`` too."""
    lib = _library(library, extra)
    rng = np.random.default_rng(42)
    W, x = rng.standard_normal((3, 4)), rng.standard_normal((5, 3))
    want = gradcheck.numeric_vjp(_gelu_loss, [W, x], 0, 1.0)
    gradient = diffc.grad(_gelu_loss)
    calls = [gradient]
    if library == "jax.numpy":
        calls.append(request.getfixturevalue("jax64").jit(gradient))
    for call in calls:
        gradcheck.assert_close(_host(call(lib.asarray(W), lib.asarray(x))), want, f"dW on {library}")
    names = ("xp.erf(", "xp.lgamma(", "xp.digamma(", "xp.polygamma(1, ") if library == "torch" else \
        ("import jax.scipy.special", "jax.scipy.special.erf(", "jax.scipy.special.gammaln(",
         "jax.scipy.special.digamma(", "jax.scipy.special.polygamma(1, ")
    assert all(name in gradient.source for name in names)
    assert not re.search(r"def (erf|gammaln|digamma|polygamma)\(|import scipy", gradient.source)


def test_special_functions_are_refused_where_the_library_has_none():
    xp = _library("array_api_strict", "array-api")
    rng = np.random.default_rng(42)
    with pytest.raises(diffc.DiffcError, match=r"test_backends_forms\.py:\d+:\d+: error: .*helpers? .*erf"):
        diffc.grad(_gelu_loss)(xp.asarray(rng.standard_normal((3, 4))), xp.asarray(rng.standard_normal((5, 3))))


def _log_joint(mu, L, X):
    cov = L @ L.T + np.eye(3)
    return np.sum(scipy.stats.multivariate_normal.logpdf(X, mu, cov)) + np.sum(scipy.stats.norm.logpdf(mu, 0.0, 2.0)) \
        + np.sum(scipy.stats.norm.pdf(X, mu, np.exp(L[0, :])))


@pytest.mark.parametrize("library, extra", [("array_api_strict", "array-api"), ("torch", "torch"), ("jax.numpy", "jax")])
def test_scipy_densities_are_written_with_the_standards_functions(library, extra, request):
    """``scipy.stats``' normal densities (SciPy in the NumPy form) are defined with the
    standard's functions in the array-API form (``Primitive.array_api``)."""
    lib = _library(library, extra)
    if library == "jax.numpy":
        request.getfixturevalue("jax64")
    rng = np.random.default_rng(43)
    mu, L, X = rng.standard_normal(3), 0.5 * rng.standard_normal((3, 3)), rng.standard_normal((6, 3))
    gradient = diffc.grad(_log_joint, wrt=(0, 1))
    got = gradient(lib.asarray(mu), lib.asarray(L), lib.asarray(X))
    for i, name in enumerate(("mu", "L")):
        gradcheck.assert_close(_host(got[i]), gradcheck.numeric_vjp(_log_joint, [mu, L, X], i, 1.0), f"d{name} on {library}")
    assert "def multivariate_normal_logpdf(" in gradient.source and "scipy.stats.multivariate_normal" not in \
        gradient.source.split("def grad__log_joint")[0]


def test_the_standard_forms_of_scipy_helpers_compute_what_scipy_does():
    from diffc.core import primitives
    rng = np.random.default_rng(44)
    x, loc, scale = rng.standard_normal((5, 3)), rng.standard_normal(3), np.exp(rng.standard_normal(3))
    for name in ("norm_logpdf", "norm_pdf"):
        prim = primitives.get(name)
        np.testing.assert_allclose(prim.array_api_impl(x, loc, scale), prim.impl(x, loc, scale), rtol=1e-13)
    A = rng.standard_normal((3, 3))
    cov = A @ A.T + np.eye(3) + 0.1 * rng.standard_normal((3, 3))       # (its symmetric part is read)
    prim = primitives.get("multivariate_normal_logpdf")
    for points in (x, x[0]):
        np.testing.assert_allclose(prim.array_api_impl(points, loc, cov), prim.impl(points, loc, cov), rtol=1e-12)


def integer_labels(W, y):
    return np.sum(W[y])


def test_an_integer_tensor_in_wrt_is_named():
    torch = _library("torch", "torch")
    gradient = diffc.grad(integer_labels, wrt=1)
    with pytest.raises(diffc.DiffcError) as caught:
        gradient(torch.asarray(np.ones((3, 2))), torch.asarray(np.array([0, 2])))
    assert not isinstance(caught.value, diffc.InternalError), caught.value
    assert "cannot differentiate with respect to 'y'" in str(caught.value)


# -- the helpers the array-API form writes for NumPy functions outside the standard --------
def test_the_helpers_for_numpy_functions_do_what_numpys_do():
    """``numpy_dot``, ``numpy_hstack``, ``numpy_vstack``, ``numpy_nan_to_num``,
    ``numpy_swapaxes``, ``numpy_pad`` and ``split_along`` are written with the standard's functions only; run on NumPy arrays
    (their templates are NumPy code), each gives what NumPy's own function gives."""
    from diffc.core import primitives
    numpy_dot, numpy_hstack, numpy_vstack, numpy_nan_to_num, numpy_swapaxes, split_along = (
        primitives.get(n).impl for n in ("numpy_dot", "numpy_hstack", "numpy_vstack", "numpy_nan_to_num",
                                         "numpy_swapaxes", "split_along"))
    rng = np.random.default_rng(36)
    shapes = [(), (3,), (2, 3), (4, 2, 3)]
    for sa in shapes:
        for sb in [(), (3,), (3, 2), (5, 3, 2)]:
            if sa and sb and sa[-1] != sb[-2 if len(sb) > 1 else 0]:
                continue
            a, b = rng.standard_normal(sa), rng.standard_normal(sb)
            np.testing.assert_allclose(numpy_dot(a, b), np.dot(a, b), err_msg=f"dot {sa} {sb}")
    for tup in ([rng.standard_normal(3), rng.standard_normal(2)],
                [rng.standard_normal((2, 3)), rng.standard_normal((2, 1))]):
        np.testing.assert_array_equal(numpy_hstack(tup), np.hstack(tup))
    for tup in ([rng.standard_normal(3), rng.standard_normal(3)],
                [rng.standard_normal((2, 3)), rng.standard_normal(3)]):
        np.testing.assert_array_equal(numpy_vstack(tup), np.vstack(tup))
    a = rng.standard_normal((2, 3, 4))
    for axes in ((0, 2), (1, -1), (-3, 1), (2, 2)):
        np.testing.assert_array_equal(numpy_swapaxes(a, *axes), np.swapaxes(a, *axes))
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0])
    np.testing.assert_array_equal(numpy_nan_to_num(x), np.nan_to_num(x))
    numpy_pad = primitives.get("numpy_pad").impl
    for shape, widths in (((3,), 2), ((2, 3), ((1, 0), (2, 1))), ((2, 3), (1, 2)), ((2, 3), [3]),
                          ((2, 3, 4), ((0, 0), (1, 1), (2, 0))), ((2, 3), ((1, 2),)), ((2, 3), 0)):
        a = rng.standard_normal(shape)
        for constant in (0, 1.5):
            np.testing.assert_array_equal(numpy_pad(a, widths, constant), np.pad(a, widths, constant_values=constant),
                                          err_msg=f"pad {shape} {widths}")
    h = rng.standard_normal((2, 6, 3))
    for points, axis in ((3, 1), ([1, 4], 1), ([1, 2], -1), (2, 0), ([], 2)):
        for got, want in zip(split_along(h, points, axis), np.split(h, points, axis=axis), strict=True):
            np.testing.assert_array_equal(got, want)
