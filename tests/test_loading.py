"""What diffc loads is what diffc wrote.

* A generated module, a dispatcher or a SymPy recipe found in the cache directory under
  the expected name is never trusted: a planted module (or ``.pyc``) is never executed, a
  planted dispatcher file is rewritten, a planted recipe cannot change a gradient.
* The cache directory is the user's own: one owned by someone else, or writable by group
  or others, is not used (nor is a symbolic link in the shared temporary directory); a
  new one is made with mode 0700.
* Nothing the user controls (a file name, a class name) can end a comment or a docstring
  in generated code and become code.

Ownership is tested twice: with a directory really given to another uid (``os.chown``,
which needs root; the suite runs as root in CI), and, for any user, by making diffc
believe it runs as another uid (``cache_files._uid``), so its own directories are foreign.
"""
import ast
import glob
import importlib.util
import inspect
import marshal
import os
import shutil
import stat
import sys
import tempfile
import warnings

import numpy as np
import pytest

from diffc import cache as cache_files
from diffc.backend import load
from diffc.optimize import simplify
from diffc.api.gradients import GradientFunction
from diffc.testing import numerical_grad

OTHER_UID = 4242
rng = np.random.default_rng(3)


def cube_sum(x):
    return np.sum(x ** 3)


def sigmoid_scalar(z):
    return 1 / (1 + np.exp(-z))


def _sigmoid_derivative(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache directory and shared temporary directory, as in a new process:
    nothing loaded, no recipe in memory, no last-resort directory made yet."""
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path / "cache"))
    shared_tmp = tmp_path / "tmp"
    shared_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    monkeypatch.setattr(cache_files, "_own_private_dir", None)
    monkeypatch.setattr(load, "_loaded", {}, raising=False)
    monkeypatch.setattr(cache_files, "_warned", set())
    monkeypatch.setattr(simplify, "_CACHE", {})
    for name in [n for n in sys.modules if n.startswith("diffc_generated_")]:
        monkeypatch.delitem(sys.modules, name)
    return tmp_path


def _shared(tmp_path):
    return tmp_path / "tmp" / f"diffc-{os.getuid()}"


def _marker_module(marker):
    return f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(7)\n"


def _generated(directory, text):
    """The file in ``directory`` whose content is ``text``."""
    found = [p for p in glob.glob(os.path.join(directory, "diffc_generated_*.py"))
             if open(p, encoding="utf-8").read() == text]
    assert len(found) == 1, found
    return found[0]


# -- planted files ---------------------------------------------------------------------------
def test_a_planted_module_is_never_executed(cache, monkeypatch):
    x = rng.normal(size=3)
    text = GradientFunction(cube_sum).source_for(x)
    planted = _generated(cache / "cache", text)
    marker = cache / "ran"
    with open(planted, "w") as fh:
        fh.write(_marker_module(marker))
    for name in [n for n in sys.modules if n.startswith("diffc_generated_")]:
        monkeypatch.delitem(sys.modules, name)              # a new process
    monkeypatch.setattr(load, "_loaded", {}, raising=False)
    g = GradientFunction(cube_sum)
    np.testing.assert_allclose(g(x), 3 * x ** 2, rtol=1e-15)
    assert not marker.exists()
    assert open(planted, encoding="utf-8").read() == text      # rewritten
    assert "raise SystemExit" not in inspect.getsource(g._last)


def test_a_planted_bytecode_file_is_never_executed(cache, monkeypatch):
    """The file holds the right text, but a ``.pyc`` next to it claims its size and time:
    an import would run the bytecode; diffc compiles the text it generated."""
    x = rng.normal(size=4)
    text = GradientFunction(cube_sum).source_for(x)
    path = _generated(cache / "cache", text)
    marker = cache / "ran"
    code = compile(_marker_module(marker), path, "exec")
    st = os.stat(path)
    header = importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little") + \
        (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little") + (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    pyc = importlib.util.cache_from_source(path)
    os.makedirs(os.path.dirname(pyc), exist_ok=True)
    with open(pyc, "wb") as fh:
        fh.write(header + marshal.dumps(code))
    for name in [n for n in sys.modules if n.startswith("diffc_generated_")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(load, "_loaded", {}, raising=False)
    np.testing.assert_allclose(GradientFunction(cube_sum)(x), 3 * x ** 2, rtol=1e-15)
    assert not marker.exists()


def test_a_module_someone_put_in_sys_modules_under_the_name_is_not_used(cache, monkeypatch):
    x = rng.normal(size=2)
    text = GradientFunction(cube_sum).source_for(x)
    name = os.path.basename(_generated(cache / "cache", text))[:-3]
    impostor = type(sys)(name)
    impostor.grad_cube_sum = lambda x: "impostor"
    monkeypatch.setitem(sys.modules, name, impostor)
    monkeypatch.setattr(load, "_loaded", {}, raising=False)
    np.testing.assert_allclose(GradientFunction(cube_sum)(x), 3 * x ** 2, rtol=1e-15)


def test_a_planted_dispatcher_file_is_rewritten(cache):
    """The dispatcher runs from its text; its file is what debuggers and tracebacks show,
    so it must hold that text too."""
    x = rng.normal(size=3)
    g = GradientFunction(cube_sum)
    g(x)
    files = glob.glob(str(cache / "cache" / "diffc_dispatch_*.py"))
    assert files
    wanted = {p: open(p).read() for p in files}
    for p in files:
        with open(p, "w") as fh:
            fh.write("# planted\nraise SystemExit(7)\n")
    again = GradientFunction(cube_sum)
    for _ in range(2):
        np.testing.assert_allclose(again(x), 3 * x ** 2, rtol=1e-15)
    assert {p: open(p).read() for p in files} == wanted
    assert "planted" not in inspect.getsource(type(again).__call__)


def test_a_cached_file_that_is_a_fifo_does_not_block(cache):
    """Something else than a regular file under the expected name is replaced, never
    opened in a way that waits (a FIFO would block a plain ``open``)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    x = rng.normal(size=5)
    text = GradientFunction(cube_sum).source_for(x)
    path = _generated(cache / "cache", text)
    os.unlink(path)
    os.mkfifo(path)
    assert cache_files.read_cached(path) is None
    assert open(load.cached_file(os.path.basename(path), text)).read() == text


# -- the cache directory ---------------------------------------------------------------------
def test_a_new_cache_directory_is_private(cache):
    directory = cache_files.cache_dir()
    assert directory == str(cache / "cache")
    assert stat.S_IMODE(os.stat(directory).st_mode) & 0o077 == 0


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o757])
def test_a_cache_directory_others_can_write_to_is_not_used(cache, mode):
    configured = cache / "cache"
    configured.mkdir()
    os.chmod(configured, mode)
    with pytest.warns(RuntimeWarning, match="others can write to it"):
        directory = cache_files.cache_dir()
    assert directory == str(_shared(cache))
    x = rng.normal(size=3)
    np.testing.assert_allclose(GradientFunction(cube_sum)(x), 3 * x ** 2, rtol=1e-15)
    assert os.listdir(configured) == []


def _give_away(path):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("only root can give a directory to another user (see the cache_files._uid test)")
    os.chown(path, OTHER_UID, OTHER_UID)


def test_a_cache_directory_of_another_user_is_not_used(cache):
    configured = cache / "cache"
    configured.mkdir(mode=0o700)
    _give_away(configured)
    with pytest.warns(RuntimeWarning, match=f"another user \\(uid {OTHER_UID}\\)"):
        assert cache_files.cache_dir() == str(_shared(cache))
    x = rng.normal(size=3)
    np.testing.assert_allclose(GradientFunction(cube_sum)(x), 3 * x ** 2, rtol=1e-15)
    assert os.listdir(configured) == []


def test_directories_made_by_another_uid_are_not_used(cache, monkeypatch):
    """Any user can run this one: diffc is told it runs as another uid, so the
    directories this process made belong to someone else."""
    configured = cache / "cache"
    configured.mkdir(mode=0o700)
    _shared(cache).mkdir(mode=0o700)
    me = os.getuid()
    monkeypatch.setattr(cache_files, "_uid", lambda: me + 1)
    with pytest.warns(RuntimeWarning, match="belongs to another user"):
        directory = cache_files.cache_dir()
    assert directory not in (str(configured), str(cache / "tmp" / f"diffc-{me}"),
                             str(cache / "tmp" / f"diffc-{me + 1}"))
    monkeypatch.setattr(cache_files, "_uid", lambda: me)
    assert cache_files.cache_dir() == str(configured)


def _unusable_configured(cache, monkeypatch):
    """A configured cache directory that cannot be made (its parent is a file)."""
    blocker = cache / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(blocker / "cache"))


@pytest.mark.parametrize("how", ["another user", "world-writable", "symbolic link"])
def test_a_shared_fallback_directory_made_by_someone_else_is_not_used(cache, monkeypatch, how):
    """The user cache cannot be written: ``<tmp>/diffc-<uid>`` is next, but in a shared
    temporary directory anyone may have made it first, with a module planted in it."""
    _unusable_configured(cache, monkeypatch)
    shared = _shared(cache)
    if how == "symbolic link":
        target = cache / "elsewhere"
        target.mkdir(mode=0o700)
        os.symlink(target, shared)
    else:
        shared.mkdir(mode=0o700)
    x = rng.normal(size=3)
    # the module diffc will generate, planted there in advance
    elsewhere = cache / "probe"
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(elsewhere))
    text = GradientFunction(cube_sum).source_for(x)
    name = os.path.basename(_generated(elsewhere, text))
    monkeypatch.setattr(load, "_loaded", {}, raising=False)
    for module in [n for n in sys.modules if n.startswith("diffc_generated_")]:
        monkeypatch.delitem(sys.modules, module)
    _unusable_configured(cache, monkeypatch)
    marker = cache / "ran"
    (shared / name).write_text(_marker_module(marker))
    if how == "another user":
        _give_away(shared)
    elif how == "world-writable":
        os.chmod(shared, 0o777)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        directory = cache_files.cache_dir()
        np.testing.assert_allclose(GradientFunction(cube_sum)(x), 3 * x ** 2, rtol=1e-15)
    assert directory not in (str(shared), os.path.realpath(shared))
    assert stat.S_IMODE(os.stat(directory).st_mode) & 0o077 == 0
    assert any(str(shared) in str(w.message) for w in caught)
    assert not marker.exists()


# -- recipes ---------------------------------------------------------------------------------
def _recipe_file(cache):
    files = glob.glob(str(cache / "cache" / "recipes" / "*.txt"))
    assert len(files) == 1, files
    path = files[0]
    key, recipe = ast.literal_eval(open(path).read())
    return path, key, recipe


def test_a_planted_recipe_right_only_at_the_example_values_is_refused(cache, monkeypatch):
    """A recipe that agrees with the chain at the example values (it multiplies by
    ``s / s0``, 1 there) but nowhere else would make a gradient wrong at every other
    point; the check around the example values refuses it."""
    z0 = 0.3
    GradientFunction(sigmoid_scalar)(z0)
    path, key, (ops, named, info) = _recipe_file(cache)
    s_index = info[5][0]                         # the forward value it reuses: s
    s0 = float(1 / (1 + np.exp(-z0)))
    ops = list(ops) + [("div", (("v", s_index), ("c", "float", s0))),
                       ("mul", (("t", len(ops) - 1), ("t", len(ops))))]
    with open(path, "w") as fh:
        fh.write(repr((key, (ops, named, info))))
    monkeypatch.setattr(simplify, "_CACHE", {})
    g = GradientFunction(sigmoid_scalar)
    assert g(z0) == pytest.approx(_sigmoid_derivative(z0), rel=1e-12)
    for z in (-2.0, 1.7, 4.0):
        assert g(z) == pytest.approx(_sigmoid_derivative(z), rel=1e-12)
        assert g(z) == pytest.approx(numerical_grad(sigmoid_scalar, (z,), 0), rel=1e-6)


def test_a_planted_recipe_cannot_put_code_in_a_comment(cache, monkeypatch):
    """A recipe's comment text (here the sigmoid's argument) is a template of the values'
    names only: a line break in it would end the comment and run the next line."""
    z0 = 0.3
    GradientFunction(sigmoid_scalar)(z0)
    path, key, (ops, named, info) = _recipe_file(cache)
    kind, sign, arg, minus, arg_vars, reused = info
    assert kind == "sigmoid'" and minus
    marker = cache / "ran"
    minus += f"))\n    open({str(marker)!r}, 'w').write('ran')\n    #"
    with open(path, "w") as fh:
        fh.write(repr((key, (ops, named, (kind, sign, arg, minus, arg_vars, reused)))))
    monkeypatch.setattr(simplify, "_CACHE", {})
    g = GradientFunction(sigmoid_scalar)
    for z in (z0, -1.0):
        assert g(z) == pytest.approx(_sigmoid_derivative(z), rel=1e-12)
    assert not marker.exists()
    assert "open(" not in g.source_for(z0)


@pytest.mark.parametrize("damage", ["a value not readable there", "an unknown operation",
                                    "a later result", "a field that is not a value",
                                    "a boolean constant"])
def test_a_malformed_recipe_is_solved_again(cache, monkeypatch, damage):
    z0 = 0.3
    GradientFunction(sigmoid_scalar)(z0)
    path, key, (ops, named, info) = _recipe_file(cache)
    ops = list(ops)
    visible = key[3]
    if damage == "a value not readable there":
        hidden = next(i for i in range(64) if i not in visible)
        ops[0] = (ops[0][0], (ops[0][1][0], ("v", hidden)))
    elif damage == "an unknown operation":
        ops[0] = ("system", ops[0][1])
    elif damage == "a later result":
        ops[0] = (ops[0][0], (ops[0][1][0], ("t", 2)))
    elif damage == "a field that is not a value":
        info = info[:2] + ("{v10.__class__}",) + info[3:]
    else:
        ops[0] = (ops[0][0], (("c", "bool", True), ops[0][1][1]))
    with open(path, "w") as fh:
        fh.write(repr((key, (ops, named, info))))
    monkeypatch.setattr(simplify, "_CACHE", {})
    solved = []
    real = simplify._solve
    monkeypatch.setattr(simplify, "_solve", lambda p: solved.append(p) or real(p))
    g = GradientFunction(sigmoid_scalar)
    for z in (z0, 2.5):
        assert g(z) == pytest.approx(_sigmoid_derivative(z), rel=1e-12)
    assert solved, "the malformed recipe was used"
    assert "__class__" not in g.source_for(z0)


def test_recipes_are_not_read_from_a_directory_others_can_write_to(cache, monkeypatch):
    GradientFunction(sigmoid_scalar)(0.3)
    recipes = cache / "cache" / "recipes"
    os.chmod(recipes, 0o777)
    monkeypatch.setattr(simplify, "_CACHE", {})
    solved = []
    real = simplify._solve
    monkeypatch.setattr(simplify, "_solve", lambda p: solved.append(p) or real(p))
    with pytest.warns(RuntimeWarning, match="others can write to it"):
        assert GradientFunction(sigmoid_scalar)(0.3) == pytest.approx(_sigmoid_derivative(0.3), rel=1e-12)
    assert solved, "a recipe was read from a directory others can write to"


# -- text the user controls ------------------------------------------------------------------
def test_a_file_name_with_a_line_break_stays_in_its_comment(cache, tmp_path):
    """The header and the comments name the user's file: a line break in its name once
    ended the comment, and the rest of the name was code in the generated module."""
    path = tmp_path / "model\nraise SystemExit(7)\n#.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.sin(x) * x)\n")
    spec = importlib.util.spec_from_file_location("model_with_a_line_break", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x = rng.normal(size=3)
    g = GradientFunction(module.f)
    np.testing.assert_allclose(g(x), np.cos(x) * x + np.sin(x), rtol=1e-14)
    tree = ast.parse(g.source_for(x))
    assert not any(isinstance(node, ast.Raise) for node in ast.walk(tree))


def ignores_its_config(w, cfg):
    return np.sum(w * w)


def test_a_class_name_with_a_backslash_in_the_docstring(cache):
    """The docstring names each argument's type; ``\\N`` in a name was printed as is, a
    malformed escape: the generated module did not compile."""
    config = type("Cfg\\N", (), {})()
    w = rng.normal(size=2)
    g = GradientFunction(ignores_its_config)
    np.testing.assert_allclose(g(w, config), 2 * w, rtol=1e-15)
    assert "Cfg\\N" in ast.get_docstring(ast.parse(g.source_for(w, config)).body[-1])


def test_a_missing_cache_directory_parent_is_made(cache, monkeypatch):
    deep = cache / "a" / "b" / "cache"
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(deep))
    assert cache_files.cache_dir() == str(deep)
    shutil.rmtree(cache / "a")
