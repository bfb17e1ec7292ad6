"""`break`, `continue` and early returns: each against central differences and forward
mode, the rewrite itself (``diffc.lower_jumps``), loops that really stop, and what the
fence still rejects."""
import ast
import inspect
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import diffc
from diffc.frontend import fence
from diffc.frontend import jumps
from diffc.frontend import source
from diffc.errors import UnsupportedSyntax
from diffc.testing import check_grads, numerical_grad
from tests import control_models, jump_models as m

rng = np.random.default_rng(11)
MODES = ("reverse", "forward", "numeric")

CASES = [
    # break in while loops (data-dependent trip count)
    (m.newton_sqrt_break, (2.0,), 0),
    (m.newton_sqrt_break, (0.3,), 0),
    (m.newton_cube_root, (5.0,), 0),
    (m.steps_of_newton, (9.0,), 0),            # stops after the second step
    (m.steps_of_newton, (1.2,), 0),            # stops at once
    # break in for loops, on a data value: breaks early, and never breaks
    (m.sum_until_large, (np.array([0.5, 1.0, 3.0, 0.2]), 2.0), 0),
    (m.sum_until_large, (np.array([0.5, 1.0, 1.5, 0.2]), 2.0), 0),
    (m.sum_with_index_until_large, (np.array([0.5, 1.0, 3.0, 3.0, 0.2, 0.4]), 2.0), 0),
    (m.sum_with_index_until_large, (np.array([0.5, 1.0, 3.0, 1.0, 0.2, 0.4]), 2.0), 0),
    (m.breaks_at_once, (rng.normal(size=5),), 0),
    # break inside an if/elif/else nest: each way out
    (m.elif_break, (np.array([0.5, -1.0, 3.0, 0.2]),), 0),
    (m.elif_break, (np.array([0.5, -3.0, 3.0, 0.2]),), 0),
    (m.elif_break, (np.array([0.5, -1.0, 1.0, 0.2]),), 0),
    # rows, enumerate
    (m.rows_until_saturated, (rng.normal(size=(6, 3)), np.array([0.3, -0.2, 0.5])), (0, 1)),
    (m.rows_until_saturated, (rng.normal(size=(6, 3)), np.array([2.0, 2.0, 2.0])), (0, 1)),
    (m.rows_until_threshold, (np.abs(rng.normal(size=(6, 3))), np.array([0.3, 0.2, 0.1])), (0, 1)),
    (m.weighted_until_negative, (np.array([0.5, -0.5, -2.0, 0.3]),), 0),
    (m.weighted_until_negative, (np.array([0.5, -0.5, 2.0, 0.3]),), 0),
    # nested loops
    (m.rows_until_negative, (np.array([[0.5, 1.0, -0.1], [-0.3, 1.0, 2.0], [0.2, 0.4, 0.9]]),), 0),
    (m.both_loops_break, (rng.normal(size=(4, 3)), rng.normal(size=2)), (0, 1)),
    (m.both_loops_break, (np.abs(rng.normal(size=(5, 3))) + 0.5, np.array([1.0, 1.5])), (0, 1)),
    # continue
    (m.skip_negatives, (np.array([0.5, -1.0, 0.3, -0.2, 1.5]),), 0),
    (m.skip_in_while, (np.array([0.5, -1.0, 0.3, -0.2, 1.5]),), 0),
    (m.continue_and_break, (np.array([0.5, -1.0, 2.0, 4.0, 1.0]),), 0),
    (m.continue_and_break, (np.array([0.5, -1.0, 2.0, 1.0]),), 0),
    # early returns: every path taken
    (m.piecewise, (np.array([1.0, 0.5]),), 0),
    (m.piecewise, (np.array([-1.0, -0.5]),), 0),
    (m.piecewise, (np.array([0.3, 0.2]),), 0),
    (m.nested_returns, (np.array([1.0, 0.5]), np.array([0.3, 0.2])), (0, 1)),
    (m.nested_returns, (np.array([1.0, -1.5]), np.array([0.3, -0.2])), (0, 1)),
    (m.nested_returns, (np.array([1.0, 0.5]), np.array([-2.3, -2.2])), (0, 1)),
    (m.nested_returns, (np.array([1.0, 0.5]), np.array([-0.3, -0.2])), (0, 1)),
    (m.both_branches_return, (np.array([1.0, 0.5]),), 0),
    (m.both_branches_return, (np.array([-1.0, 0.5]),), 0),
    (m.soft_clip, (2.0,), 0),
    (m.soft_clip, (-3.0,), 0),
    (m.soft_clip, (0.5,), 0),
    (m.calls_helper, (np.array([1.0, -0.9, 0.2, 0.1]),), 0),     # helper paths: all three
    (m.calls_helper, (np.array([-1.0, -0.9, -0.7, 0.1]),), 0),
    (m.alias_on_returning_path, (np.array([1.0, 0.5]),), 0),
    (m.alias_on_returning_path, (np.array([-1.0, 0.5]),), 0),
    (m.uses_the_generated_names, (np.array([0.5, 1.0, 3.0]),), 0),
    (m.uses_the_generated_names, (np.array([5.0, 1.0, 3.0]),), 0),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_against_central_differences_and_forward_mode(f, args, wrt):
    check_grads(f, args, wrt=wrt, modes=MODES)


def test_each_model_is_checked():
    models = {name for name, f in inspect.getmembers(m, inspect.isfunction)
              if f.__module__ == m.__name__}
    checked = {c[0].__name__ for c in CASES} | {"layers_until_large", "loss_and_branch", "index_walk"}
    assert models == checked


# -- derivatives known in closed form --------------------------------------------------------

@pytest.mark.parametrize("a", [0.3, 2.0, 7.5])
def test_newton_with_break_derivative_is_exact(a):
    assert diffc.grad(m.newton_sqrt_break)(a) == pytest.approx(1.5 / np.sqrt(a), rel=1e-9)
    assert diffc.grad(m.newton_cube_root)(a) == pytest.approx(2.0 / 3.0 * a ** (-1.0 / 3.0), rel=1e-9)


# -- random inputs -----------------------------------------------------------------------------

FLOATS = st.floats(-3.0, 3.0, allow_nan=False)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FLOATS, min_size=1, max_size=6), FLOATS)
def test_break_on_random_data(values, limit):
    x = np.array(values)
    assume(np.all(np.abs(x - limit) > 1e-3))            # no value on the breaking edge
    check_grads(m.sum_until_large, (x, limit), wrt=0, modes=MODES)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FLOATS, min_size=1, max_size=6))
def test_continue_and_break_on_random_data(values):
    x = np.array(values)
    assume(np.all(np.abs(x) > 1e-3) and np.all(np.abs(x - 3.0) > 1e-3))
    check_grads(m.continue_and_break, (x,), wrt=0, modes=MODES)
    check_grads(m.skip_in_while, (x,), wrt=0, modes=MODES)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FLOATS, min_size=2, max_size=2), st.lists(FLOATS, min_size=2, max_size=2))
def test_early_returns_on_random_data(xs, ys):
    x, y = np.array(xs), np.array(ys)
    a = x @ y
    assume(abs(a) > 1e-3 and abs(np.sum(x)) > 1e-3 and abs(a + 2.0) > 1e-3)
    assume(abs(np.sum(x) - 1.0) > 1e-3 and abs(np.sum(x) + 1.0) > 1e-3)
    check_grads(m.nested_returns, (x, y), modes=MODES)
    check_grads(m.piecewise, (x,), modes=MODES)


# -- containers, aux outputs, the other transforms -----------------------------------------------

def _layers(scale):
    draw = np.random.default_rng(5)
    ws = [draw.normal(size=(3, 3)) * scale for _ in range(3)]
    bs = [draw.normal(size=3) * scale for _ in range(3)]
    return ws, bs, draw.normal(size=3) * 0.5


def _entry_grad(f, args, which, k):
    """Central differences with respect to ``args[which][k]`` (an entry of a list)."""
    def entry_f(v):
        items = list(args[which])
        items[k] = v
        return f(*args[:which], items, *args[which + 1:])
    return numerical_grad(entry_f, (args[which][k],), 0)


@pytest.mark.parametrize("scale,broke", [(0.2, False), (3.0, True)])
def test_zip_over_lists_with_break(scale, broke):
    args = _layers(scale)
    dws, dbs, dx = diffc.grad(m.layers_until_large, wrt=(0, 1, 2))(*args)
    for which, grads in ((0, dws), (1, dbs)):
        for k, g in enumerate(grads):
            np.testing.assert_allclose(g, _entry_grad(m.layers_until_large, args, which, k),
                                       rtol=1e-5, atol=1e-7)
    assert np.all(dws[2] == 0.0) == broke       # a loop that broke never reached the last layer
    check_grads(m.layers_until_large, args, wrt=2, modes=MODES)


@pytest.mark.parametrize("x,aux", [(np.ones(3) * 2.0, 1), (np.ones(3) * 0.1, 2)])
def test_early_returns_of_a_pair_with_has_aux(x, aux):
    (value, got_aux), g = diffc.value_and_grad(m.loss_and_branch, has_aux=True)(x)
    s = np.sum(x * x)
    assert got_aux == aux
    assert value == pytest.approx(s * 0.5 if aux == 1 else s * s)
    np.testing.assert_allclose(g, x if aux == 1 else 4.0 * s * x)


def test_jvp_and_vjp_through_break():
    X, w = np.abs(rng.normal(size=(6, 3))), np.array([0.3, 0.2, 0.1])
    v = rng.normal(size=3)
    value, tangent = diffc.jvp(m.rows_until_threshold, wrt=1)(X, w, tangents=v)
    assert value == pytest.approx(m.rows_until_threshold(X, w))
    want = (m.rows_until_threshold(X, w + 1e-6 * v) - m.rows_until_threshold(X, w - 1e-6 * v)) / 2e-6
    assert tangent == pytest.approx(want, rel=1e-6)
    value, pullback = diffc.vjp(m.rows_until_threshold, wrt=1)(X, w)
    np.testing.assert_allclose(pullback(2.0), 2.0 * diffc.grad(m.rows_until_threshold, wrt=1)(X, w))


def test_graph_of_a_function_with_early_returns():
    x = np.array([1.0, 0.5])
    dot = diffc.graph(m.piecewise, x).dot
    assert 'label="if"' in dot                                  # the branches, one node
    assert f'"out" [label=<{m.piecewise(x):.4g}<BR/>' in dot       # the value returned


# -- loops that stop ------------------------------------------------------------------------------

class CountingRows(np.ndarray):
    """An array that counts how many times it is indexed."""
    reads = 0

    def __getitem__(self, index):
        type(self).reads += 1
        return np.asarray(super().__getitem__(index))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_loop_that_breaks_stops_reading_rows(mode):
    X = np.full((1000, 3), 0.1).view(CountingRows)
    w = np.ones(3)
    CountingRows.reads = 0
    if mode == "reverse":
        g = diffc.grad(m.rows_until_threshold, wrt=1)(X, w)
    else:
        g = diffc.jvp(m.rows_until_threshold, wrt=1)(X, w, tangents=w)[1]
    np.testing.assert_allclose(g, np.full(3, 0.4) if mode == "reverse" else 1.2)
    assert 4 <= CountingRows.reads <= 20        # four rows until the total passes 1.0, not 1000


def test_generated_loop_is_a_while_loop_at_the_users_line():
    x = rng.normal(size=5)
    text = diffc.grad(m.breaks_at_once).source_for(x)
    line = inspect.getsourcelines(m.breaks_at_once)[1] + 2          # `for i in range(10 ** 6):`
    loops = [s for s in text.splitlines() if s.strip().startswith(("while", "for"))]
    assert any(s.strip().startswith("while") and s.endswith(f"jump_models.py:{line}") for s in loops)
    assert "n_iter" in text                     # the backward loop runs the forward's trip count
    assert "break" in text                      # ...which stops once the flag is set
    assert diffc.grad(m.breaks_at_once)(x) == pytest.approx(np.r_[2 * x[:3], 0.0, 0.0])


def test_condition_is_not_evaluated_after_break():
    """``while x[i] > 0`` with ``break`` at the last index: Python never evaluates
    ``x[len(x)]``, and neither may the generated code."""
    x = np.array([0.5, 1.5, 2.0])
    check_grads(m.index_walk, (x,), modes=MODES)
    assert diffc.grad(m.index_walk)(x) == pytest.approx(2 * x)


# -- the rewrite --------------------------------------------------------------------------

def _desugared(fn):
    node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    body = node.body[1:] if ast.get_docstring(node) else node.body
    return ast.unparse(ast.Module(jumps.desugar(body), []))


def test_rewrite_of_a_loop_over_rows_reads_like_code():
    assert _desugared(m.rows_until_saturated) == textwrap.dedent("""\
        total = 0.0
        stop = False
        k = 0
        while not stop and k < len(X):
            row = X[k]
            k = k + 1
            z = np.tanh(row @ w)
            if z > 0.9:
                stop = True
            else:
                total = total + z * z
        return total""")


def test_rewrite_of_early_returns_and_continue():
    assert _desugared(m.piecewise) == textwrap.dedent("""\
        s = np.sum(x)
        if s > 1.0:
            result = np.sum(np.exp(x))
        elif s < -1.0:
            result = np.sum(x * x)
        else:
            y = np.sin(x)
            result = np.sum(y * x)
        return result""")
    assert _desugared(m.skip_in_while) == textwrap.dedent("""\
        i = 0
        total = 0.0
        while i < x.shape[0]:
            v = x[i]
            i = i + 1
            if v < 0.0:
                pass
            else:
                total = total * 0.9 + np.exp(0.1 * v) * v
        return total""")


def test_rewrite_of_a_while_loop_with_a_condition():
    assert _desugared(m.index_walk) == textwrap.dedent("""\
        i = 0
        s = 0.0
        stop = False
        while False if stop else x[i] > 0.0:
            s = s + x[i] * x[i]
            i = i + 1
            if i == x.shape[0]:
                stop = True
        return s""")


def test_fresh_names_do_not_clash_with_the_users():
    text = _desugared(m.uses_the_generated_names)
    assert "stop_1 = False" in text and "k_1 = 0" in text and "result_1 = " in text


def test_code_without_jumps_is_left_alone():
    for _, fn in inspect.getmembers(control_models, inspect.isfunction):
        body = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0].body
        assert jumps.desugar(body) is body


def test_new_statements_are_at_the_users_lines():
    node = ast.parse(textwrap.dedent(inspect.getsource(m.continue_and_break))).body[0]
    lines = {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    for stmt in jumps.desugar(node.body):
        for n in ast.walk(stmt):
            if isinstance(n, (ast.stmt, ast.expr)):
                assert n.lineno in lines, ast.unparse(n)


@pytest.mark.parametrize("name", ["both_loops_break", "elif_break", "nested_returns", "calls_helper"])
def test_the_users_syntax_tree_is_not_changed(name):
    fn, args, _ = next(c for c in CASES if c[0].__name__ == name)
    src = source.from_function(fn)
    before = ast.dump(src.node, include_attributes=True)
    diffc.ir(fn, *args, stage="reverse")
    jumps.desugar(src.node.body)
    assert ast.dump(src.node, include_attributes=True) == before


# -- what stays rejected ---------------------------------------------------------------------

def _check_file(tmp_path, body):
    path = tmp_path / "jumps.py"
    path.write_text("import numpy as np\n\n\ndef loss(x, n):\n" + textwrap.indent(body, "    "))
    fence.check(source.from_file(str(path), "loss"))


@pytest.mark.parametrize("body,what,line,col", [
    ("if x > 0:\n    continue\nreturn x\n", "`continue` outside a loop", 6, 9),
    ("for i in range(n):\n    if x > i:\n        return x\nreturn x\n", "a `return` inside a loop",
     7, 13),
    ("while x > 0:\n    x = x - 1.0\nelse:\n    x = 0.0\nreturn x\n", "`else` after a loop", 8, 9),
    ("if x > 0:\n    return x\nelse:\n    y = x\n", "some paths through this `if` reach the end", 5, 5),
])
def test_rejected_jumps_are_located(tmp_path, body, what, line, col):
    with pytest.raises(UnsupportedSyntax) as info:
        _check_file(tmp_path, body)
    err = info.value
    assert what in err.message and (err.loc.line, err.loc.col + 1) == (line, col), str(err)
    assert err.hint


def test_supported_jumps_pass_the_fence(tmp_path):
    _check_file(tmp_path, "for i in range(n):\n    if x > i:\n        break\n    if x < 0:\n"
                          "        continue\n    x = x * 2.0\nif x > 3:\n    return x\nreturn -x\n")


def test_a_malformed_zip_with_break_keeps_lowerings_error(tmp_path):
    import importlib.util

    path = tmp_path / "zip_keywords.py"
    path.write_text("import numpy as np\n\n\ndef loss(x, y):\n    s = 0.0\n"
                    "    for a, b in zip(x, y, strict=True):\n        if a > b:\n            break\n"
                    "        s = s + a * b\n    return s\n")
    spec = importlib.util.spec_from_file_location("zip_keywords", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(UnsupportedSyntax, match="this form of zip") as info:
        diffc.grad(module.loss)(np.ones(2), np.ones(2))
    assert (info.value.loc.line, info.value.loc.col + 1) == (6, 17)
