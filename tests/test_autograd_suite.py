"""The autograd-suite runner's own logic (benchmarks/autograd_suite), offline.

The runner itself needs autograd's source distribution; here it runs on a small test file
in autograd's style written to a temporary directory, with one test of each verdict: a
function diffc differentiates right, a library function checked through a port, a `try`
diffc refuses, a user rule with a deliberately wrong derivative, autograd-only API, a
test that differentiates nothing, and ``grad`` used directly.
"""
import io
import os
import tarfile

import numpy as np
import pytest

import diffc
from diffc.errors import Loc
from benchmarks.autograd_suite import checks, numeric, obtain, ports, report, runner, trees

FAKE_TESTS = '''
import autograd.numpy as np
import autograd.numpy.random as npr
from autograd import grad
from autograd.test_util import check_grads, combo_check

import diffc


@diffc.primitive()
def cube(x):
    return x ** 3


@cube.reverse
def cube_reverse(out, dout, x):
    "cube: deliberately wrong, the true dx is 3 * x ** 2 * dout"
    dx = 2.0 * x ** 2 * dout
    return dx


def test_right():
    def fun(x, y):
        return np.sum(np.tanh(x) * y, axis=0)
    check_grads(fun, argnum=(0, 1))(npr.randn(3, 2), npr.randn(3, 2))


def test_library_function():
    combo_check(np.sum, [0])([npr.randn(2, 3)], axis=[None, 1], keepdims=[True, False])


def test_refused_try():
    def fun(x):
        try:
            return np.sum(x ** 2)
        except ValueError:
            return x
    check_grads(fun)(npr.randn(3))


def test_wrong_rule():
    def fun(x):
        return cube(x)
    check_grads(fun, modes=["rev"], order=1)(npr.randn(3) + 2.0)


def test_autograd_only():
    check_grads(np.make_diagonal)(npr.randn(3))


def test_nothing_differentiated():
    assert np.ones(2).shape == (2,)


def test_grad_directly():
    def f(x):
        return x ** 2
    assert grad(f)(3.0) == 6.0
'''


def _source(tmp_path, text=FAKE_TESTS):
    """A directory shaped like autograd's source: tests/ and an autograd/ tree whose module
    names the shims map to NumPy (numpy, numpy.random)."""
    root = tmp_path / "autograd-0.0"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_fake.py").write_text(text)
    package = root / "autograd" / "numpy"
    package.mkdir(parents=True)
    for name in ("__init__.py", "random.py", "numpy_vjps.py"):
        (package / name).write_text("")
    return root


def _run(tmp_path, text=FAKE_TESTS):
    root = _source(tmp_path, text)
    port_dir = ports.PortDir(str(tmp_path / "ports"))
    os.makedirs(port_dir.path)
    checker = checks.Checker(str(root / "tests"), port_dir)
    try:
        return runner.run_files(str(root), ["test_fake.py"], checker)
    finally:
        port_dir.unload()


def test_each_test_gets_its_verdict(tmp_path):
    results = {r.name: r for r in _run(tmp_path)}
    verdicts = {name: r.verdict for name, r in results.items()}
    assert verdicts == {
        "test_right": "right",
        "test_library_function": "right",
        "test_refused_try": "refused",
        "test_wrong_rule": "wrong",
        "test_autograd_only": "n/a",
        "test_nothing_differentiated": "n/a",
        "test_grad_directly": "right",
    }
    # every stage ran on the right ones: first and second order, both modes
    assert results["test_right"].checks[0].stages == ["fwd order 1", "rev order 1",
                                                      "fwd order 2", "rev order 2"]
    assert len(results["test_library_function"].checks) == 4      # 2 axes x 2 keepdims
    line = FAKE_TESTS.splitlines().index("        try:") + 1
    assert results["test_refused_try"].location.endswith(f"test_fake.py:{line}:9")
    assert "`try` is not supported" in results["test_refused_try"].cause
    assert results["test_wrong_rule"].cause.startswith("<dout, J v> is ")
    assert "make_diagonal" in results["test_autograd_only"].cause
    assert "differentiates nothing" in results["test_nothing_differentiated"].cause


def test_the_shims_are_removed_and_numpy_random_state_kept(tmp_path):
    import sys
    state = np.random.get_state()[1].copy()
    _run(tmp_path)
    assert not [name for name in sys.modules if name.startswith(("autograd", "autograd_suite"))]
    assert (np.random.get_state()[1] == state).all()


def test_a_failing_assertion_after_diffc_is_wrong(tmp_path):
    text = FAKE_TESTS.replace("assert grad(f)(3.0) == 6.0", "assert grad(f)(3.0) == 7.0")
    results = {r.name: r for r in _run(tmp_path, text)}
    assert results["test_grad_directly"].verdict == "wrong"
    assert "assertion" in results["test_grad_directly"].cause


def test_report_counts_the_verdicts(tmp_path):
    results = _run(tmp_path)
    table = report.table(results)
    row = next(line for line in table.splitlines() if "test_fake.py" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    # tests, n/a, applicable, right, refused, unlocated, crash, wrong, right %
    assert cells[1:10] == ["7", "2", "5", "3", "1", "0", "0", "1", "60.0%"]
    text = report.causes(results)
    assert "**wrong** (1)" in text and "`test_wrong_rule`" in text
    assert "`test_fake.py::test_autograd_only`" in text


def test_classify_tells_located_from_unlocated(tmp_path):
    test_dir, port_dir = str(tmp_path / "tests"), str(tmp_path / "ports")
    inside = Loc(os.path.join(test_dir, "test_x.py"), 3, 4, "y = f(x)")
    outside = Loc("/usr/lib/python3/site-packages/scipy/stats/x.py", 3, 4, "")
    assert checks.classify(diffc.DiffcError("no rule", inside), (test_dir, port_dir))[0] == "refused"
    assert checks.classify(diffc.DiffcError("no rule", outside), (test_dir, port_dir))[0] == "unlocated"
    assert checks.classify(diffc.DiffcError("no rule"), (test_dir, port_dir))[0] == "unlocated"
    assert checks.classify(diffc.InternalError("bug"), (test_dir, port_dir))[0] == "crash"
    assert checks.classify(KeyError("x"), (test_dir, port_dir))[0] == "crash"


def test_comparisons_reject_a_wrong_derivative():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(4)

    def f(x):
        return np.sin(x)
    v = (rng.standard_normal(4),)
    u = rng.standard_normal(4)
    right = (u * np.cos(x),)
    numeric.compare_gradient(f, (0,), (x,), {}, f(x), u, right, None, v)
    with pytest.raises(numeric.Mismatch):
        numeric.compare_gradient(f, (0,), (x,), {}, f(x), u, (1.001 * right[0],), None, v)
    numeric.compare_tangent(f, (0,), (x,), {}, f(x), v, np.cos(x) * v[0])
    with pytest.raises(numeric.Mismatch):
        numeric.compare_tangent(f, (0,), (x,), {}, f(x), v, np.cos(x) * v[0] + 1e-4)


def test_a_list_of_numbers_gets_its_array_derivative_compared_by_value():
    rng = np.random.default_rng(1)
    x = [[0.3, -1.2], [0.5, 2.0]]

    def f(x):
        return np.sin(np.asarray(x))
    u = rng.standard_normal((2, 2))
    v = (trees.random_like(x, rng),)
    right = u * np.cos(np.asarray(x))
    numeric.compare_gradient(f, (0,), (x,), {}, f(x), u, (right,), None, v)
    with pytest.raises(numeric.Mismatch):
        numeric.compare_gradient(f, (0,), (x,), {}, f(x), u, (1.001 * right,), None, v)
    with pytest.raises(numeric.Mismatch, match="structure"):      # not the list's shape
        numeric.compare_gradient(f, (0,), (x,), {}, f(x), u, (right.ravel(),), None, v)


def test_trees_keep_the_kind_of_each_leaf():
    tree = ([1.0, np.float64(2.0)], np.ones(2))
    moved = trees.shifted(tree, ([1.0, 1.0], np.ones(2)), 0.5)
    assert type(moved[0][0]) is float and type(moved[0][1]) is np.float64
    assert moved[1].tolist() == [1.5, 1.5]
    assert trees.paths(tree) == [(0, 0), (0, 1), (1,)]
    assert trees.add(tree, tree)[1].tolist() == [2.0, 2.0]


def test_library_functions_are_named_by_their_public_path():
    import scipy.stats
    assert ports.library_path(np.sum) == ("numpy", "numpy.sum")
    assert ports.library_path(np.sin) == ("numpy", "numpy.sin")
    assert ports.library_path(scipy.stats.norm.pdf) == ("scipy.stats", "scipy.stats.norm.pdf")


def _sdist(tmp_path, members):
    path = tmp_path / "autograd-0.0.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return str(path)


def test_an_sdist_is_extracted_tests_and_package_only(tmp_path):
    archive = _sdist(tmp_path, {"autograd-0.0/tests/test_fake.py": "x = 1\n",
                                "autograd-0.0/autograd/numpy/__init__.py": "",
                                "autograd-0.0/setup.py": "raise SystemExit\n"})
    root = obtain.source_root(archive, None, str(tmp_path / "work"))
    assert sorted(os.listdir(root)) == ["autograd", "tests"]


def test_an_sdist_member_leaving_the_directory_is_refused(tmp_path):
    archive = _sdist(tmp_path, {"autograd-0.0/tests/../../../evil.py": "x = 1\n"})
    with pytest.raises(obtain.ObtainError, match="outside"):
        obtain.source_root(archive, None, str(tmp_path / "work"))
    assert not (tmp_path / "evil.py").exists()
