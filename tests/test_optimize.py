"""The optimizer changes how the gradient is computed, never its value: every case of
the core, control-flow, container and seed suites agrees with and without it."""
import numpy as np
import pytest

import diffc
from tests.gradcheck import numeric_vjp
from tests import test_containers, test_control, test_core, test_in_place, test_jumps, test_simplify

CASES = [(f, args, wrt) for f, args, wrt in test_core.CASES + test_control.CASES]
CASES += [(test_containers.m.nielsen_cost, test_containers.nielsen_args(), (0, 1))]
CASES += test_simplify.CASES        # chains the symbolic pass rewrites (sigmoids, softplus...)
CASES += test_jumps.CASES           # break, continue, early returns
CASES += [(f, make(test_in_place.BIG), wrt) for f, wrt, make in test_in_place.CASES]  # in place


def _flatten(value):
    if isinstance(value, dict):
        return [x for k in value for x in _flatten(value[k])]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flatten(v)]
    return [np.asarray(value)]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_optimized_equals_unoptimized(f, args, wrt, monkeypatch):
    fresh = diffc.api.gradients.GradientFunction          # not the cached object: compile anew
    optimized = fresh(f, wrt=wrt)(*args)
    monkeypatch.setenv("DIFFC_NO_OPTIMIZE", "1")
    plain = fresh(f, wrt=wrt)(*args)
    for a, b in zip(_flatten(optimized), _flatten(plain)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
        assert a.dtype == b.dtype and a.shape == b.shape


def test_passes_are_pure_and_shrink_the_code():
    from diffc.optimize import passes
    from diffc.compiler import pipeline
    args = test_control.rnn_args()
    src = diffc.grad(test_control.m.rnn_loss)._source_function()
    compiled = pipeline.compile_gradient(src, (0, 1, 2, 3), args)
    reverse_ir = compiled.stages["reverse"]
    before = str(reverse_ir)
    again = passes.optimize(reverse_ir, None)                # without facts: shape-free passes
    assert str(reverse_ir) == before                           # the input IR is not modified
    after = str(compiled.stages["optimized"])
    assert "add_into" in after and "add_into" not in before and len(after) < len(before)
    assert len(str(again)) <= len(before)


def _spread_models():
    def mean_square(x, y):
        return np.mean((x - y) ** 2)

    def scaled_sum(x):
        return np.sum(np.tanh(x)) * 3.0

    def total(x):
        return np.sum(x)

    def row_softmax_sum(x):
        e = np.exp(x - np.max(x, axis=1, keepdims=True))
        return np.sum(np.log(e / np.sum(e, axis=1, keepdims=True)) * x)

    return mean_square, scaled_sum, total, row_softmax_sum


def test_broadcasts_leave_spreading_to_numpy():
    mean_square, scaled_sum, total, row_softmax_sum = _spread_models()
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    for f, args in ((mean_square, (x, y)), (scaled_sum, (x,)), (row_softmax_sum, (x,))):
        g = diffc.api.gradients.GradientFunction(f, wrt=0)
        got = g(*args)
        assert "broadcast_to" not in g.source_for(*args), f.__name__
        np.testing.assert_allclose(got, diffc.testing.numerical_grad(f, args, 0), rtol=1e-6, atol=1e-8)
    # a spread value that is itself the gradient keeps its full shape, and is writeable
    g = diffc.api.gradients.GradientFunction(total, wrt=0)
    dx = g(x)
    assert dx.shape == x.shape and dx.flags.writeable
    np.testing.assert_array_equal(dx, np.ones_like(x))


def outer_sum(a, b):
    return np.sum(np.outer(a, b))


def outer_mean(a, b):
    return np.mean(np.outer(a, b))


def inner_sum(A, B):
    return np.sum(np.inner(A, B))


def dot_mean(A, B):
    return np.mean(np.dot(A, B))


@pytest.mark.parametrize("f,shapes", [(outer_sum, ((3,), (3,))), (outer_mean, ((3,), (3,))),
                                      (outer_sum, ((2, 2), (4,))), (inner_sum, ((3, 3), (3, 3))),
                                      (dot_mean, ((3, 3), (3, 3)))],
                         ids=["outer-sum", "outer-mean", "outer-flattened", "inner-sum", "dot-mean"])
def test_a_rule_that_is_not_elementwise_reads_dout_at_full_shape(f, shapes):
    """``outer``'s rule is ``np.dot(dout, b)``: reading the sum's unspread ``dout`` there
    gives a result of the right shape when the operands have equal sizes, and the wrong
    values (was: the gradient of ``np.sum(np.outer(a, b))`` was ``b``, not ``sum(b)``)."""
    rng = np.random.default_rng(12)
    args = tuple(rng.normal(size=s) for s in shapes)
    g = diffc.api.gradients.GradientFunction(f, wrt=(0, 1))
    for k, grad in enumerate(g(*args)):
        np.testing.assert_allclose(grad, numeric_vjp(f, args, k, 1.0), rtol=1e-6, atol=1e-8)


def per_entry_of_the_product(A, B):
    return np.sum(A * A) / np.size(A @ B)


def test_shape_of_a_product_with_sizes_named_on_the_command_line():
    """``diffc compile --arg A=7xN --arg B=Nx7`` draws N = 7, where ``A @ B`` has ``A``'s
    shape; ``np.size(A @ B)`` was then answered with ``np.size(A)``, a wrong gradient for
    every other N (35 entries instead of 49 at N = 5)."""
    from diffc.backend import load
    from diffc.compiler import pipeline
    from diffc.cli import targets
    src = targets.function_source(__file__, "per_entry_of_the_product")
    examples = targets.examples(src, ["A=7xN", "B=Nx7"])
    compiled = pipeline.compile_gradient(src, (0,), examples, single=True, sizes_vary=examples.sizes_vary)
    module = load.load_source(pipeline.module_text(__file__, [compiled], command="diffc compile"), "product")
    rng = np.random.default_rng(13)
    A, B = rng.normal(size=(7, 5)), rng.normal(size=(5, 7))
    np.testing.assert_allclose(getattr(module, compiled.name)(A, B),
                               numeric_vjp(per_entry_of_the_product, [A, B], 0, 1.0), rtol=1e-6, atol=1e-8)


def test_broadcasts_keep_float32():
    mean_square, scaled_sum, _, row_softmax_sum = _spread_models()
    x = np.random.default_rng(4).normal(size=(4, 3)).astype(np.float32)
    for f, args in ((mean_square, (x, x[::-1].copy())), (scaled_sum, (x,)), (row_softmax_sum, (x,))):
        dx = diffc.api.gradients.GradientFunction(f, wrt=0)(*args)
        assert dx.dtype == np.float32 and dx.shape == x.shape, f.__name__


def test_broadcasts_pass_is_pure():
    from diffc.optimize import passes
    from diffc.compiler import pipeline
    mean_square = _spread_models()[0]
    rng = np.random.default_rng(5)
    args = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
    src = diffc.api.gradients.GradientFunction(mean_square, wrt=0)._source_function()
    compiled = pipeline.compile_gradient(src, (0,), args)
    reverse_ir = compiled.stages["reverse"]
    before = str(reverse_ir)
    assert "broadcast_to" in before and "broadcast_to" not in str(compiled.stages["optimized"])
    assert str(reverse_ir) == before


def test_loop_invariants_leave_row_products_and_views_in_the_loop():
    from tests import control_models as cm
    args = test_control.rnn_args()
    for f in (cm.rnn_loss, cm.rnn_from_step_one):
        g = diffc.api.gradients.GradientFunction(f, wrt=(0, 1, 2))
        got = g(*args)
        loop = g.source_for(*args).split("for t in steps:", 1)[1]
        assert "xs[t] @ Wx" in loop and "@ Wh.T" in loop
        for k, grad in enumerate(got):
            np.testing.assert_allclose(grad, diffc.testing.numerical_grad(f, args, k), rtol=1e-6, atol=1e-8)


def test_loop_invariants_move_reads_out_of_the_loop():
    from tests import control_models as cm
    rng = np.random.default_rng(6)
    params, xs = {"w": rng.normal(size=3)}, rng.normal(size=(5, 3))
    g = diffc.api.gradients.GradientFunction(cm.invariant_read, wrt=0)
    got = g(params, xs)
    source = g.source_for(params, xs)
    loop = source.split("for t in steps:", 1)[1].split("reversed")[0]
    assert "params['w']" not in loop and "params['w']" in source
    flat = lambda w, xs: cm.invariant_read({"w": w}, xs)      # noqa: E731
    np.testing.assert_allclose(got["w"], diffc.testing.numerical_grad(flat, (params["w"], xs), 0),
                               rtol=1e-6, atol=1e-8)


# -- models for the scatter, doubling and method passes --------------------------------
def picked_log_loss(p, y):
    """The softmax loss's ``-log(probs[np.arange(n), y])``: one entry per row."""
    return -np.sum(np.log(p[np.arange(p.shape[0]), y]))


def picked_twice(p, y):
    """Rows repeated (``y`` names two columns per row, broadcast against the rows)."""
    return np.sum(p[np.arange(p.shape[0])[:, None], y] ** 2)


def repeated_rows(p, rows, y):
    """Integer indices without an arange: a position may be read twice."""
    return np.sum(p[rows, y] ** 3)


def ridge(W, X, reg):
    return np.sum((X @ W) ** 2) + reg * np.sum(W * W)


def reductions(x):
    return np.sum(np.max(x, axis=1) * np.mean(x, axis=0)[:3]) + np.min(x)


def max_of_float(x):
    return np.max(x) * x


def _scatter_args():
    rng = np.random.default_rng(8)
    p = rng.uniform(0.5, 2.0, size=(5, 4))
    return p, rng.integers(0, 4, size=5)


SCATTER_CASES = [
    (picked_log_loss, _scatter_args(), 0),
    (picked_twice, (_scatter_args()[0], np.array([[0, 0], [1, 1], [2, 3], [3, 3], [0, 1]])), 0),
    (repeated_rows, (_scatter_args()[0], np.array([0, 0, 2, 2, 4]), np.array([1, 1, 3, 3, 0])), 0),
    (ridge, (np.random.default_rng(9).normal(size=(4, 3)), np.random.default_rng(10).normal(size=(6, 4)),
             0.3), 0),
    (reductions, (np.random.default_rng(11).normal(size=(3, 5)),), 0),
]


@pytest.mark.parametrize("f,args,wrt", SCATTER_CASES, ids=[c[0].__name__ for c in SCATTER_CASES])
def test_scatter_doubling_and_method_passes_against_central_differences(f, args, wrt, monkeypatch):
    got = diffc.api.gradients.GradientFunction(f, wrt=wrt)(*args)
    np.testing.assert_allclose(got, diffc.testing.numerical_grad(f, args, wrt), rtol=1e-6, atol=1e-8)
    monkeypatch.setenv("DIFFC_NO_OPTIMIZE", "1")
    plain = diffc.api.gradients.GradientFunction(f, wrt=wrt)(*args)
    np.testing.assert_allclose(got, plain, rtol=1e-12, atol=1e-14)


def _code(f, args, wrt=0):
    source = diffc.api.gradients.GradientFunction(f, wrt=wrt).source_for(*args)
    return "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))


def test_unique_scatters_assign_when_rows_differ():
    assert "np.add.at" not in _code(*SCATTER_CASES[0][:2])
    assert "np.add.at" in _code(*SCATTER_CASES[1][:2])     # an arange broadcast against 2 columns
    assert "np.add.at" in _code(*SCATTER_CASES[2][:2])     # no arange: rows may repeat


def test_doubled_products_fold_the_square_gradients():
    code = _code(*SCATTER_CASES[3][:2])
    assert "dW = (dsum + dsum) * W" in code and "dW + dW\n" not in code, code


def test_array_methods_only_for_arrays_and_only_in_emitted_code():
    code = _code(*SCATTER_CASES[4][:2])
    assert "np.sum(" not in code and "np.max(" not in code and ".max(axis=1)" in code
    # Python floats have no .sum: a reduction of one keeps the function
    assert "np.max(x)" in _code(max_of_float, (2.0,)) and "x.max" not in _code(max_of_float, (2.0,))
    # a gradient another transform differentiates has no method primitives (no rules)
    h = diffc.hessian(reductions)(*SCATTER_CASES[4][1])
    assert h.shape == (3, 5, 3, 5)


# -- product_layouts: (B.T @ A).T where the BLAS is clearly faster ---------------------
def wide_linear(W, X, reg):
    return np.sum(np.tanh(X @ W)) + reg * np.sum(W * W)


def test_product_layouts_keep_the_gradient_and_never_return_a_view(monkeypatch):
    from diffc.optimize import emit_forms
    rng = np.random.default_rng(13)
    args = (rng.normal(size=(600, 10)) * 0.05, rng.normal(size=(1000, 600)), 0.1)
    want = diffc.api.gradients.GradientFunction(wide_linear, wrt=0)(*args)
    # make the transposed form win the timing, whatever this machine's BLAS does
    timings = iter([1.0, 0.1] * 10)
    monkeypatch.setattr(emit_forms, "_best_of", lambda call, repeat=3: next(timings))
    g = diffc.api.gradients.GradientFunction(wide_linear, wrt=0)
    got = g(*args)
    assert ".T @ X).T" in g.source_for(*args)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert got.flags.c_contiguous and got.flags.writeable
    # the product itself returned as a gradient: never swapped (it would be a view)
    def product_only(W, X):
        return np.sum(np.tanh(X @ W))
    timings = iter([1.0, 0.1] * 10)
    monkeypatch.setattr(emit_forms, "_best_of", lambda call, repeat=3: next(timings))
    assert ").T" not in diffc.api.gradients.GradientFunction(product_only, wrt=0).source_for(*args[:2])


def test_product_layouts_leave_small_products_and_losing_forms(monkeypatch):
    from diffc.optimize import emit_forms
    rng = np.random.default_rng(14)
    small = (rng.normal(size=(6, 3)), rng.normal(size=(8, 6)), 0.1)
    assert ").T" not in diffc.api.gradients.GradientFunction(wide_linear, wrt=0).source_for(*small)
    timings = iter([0.1, 1.0] * 10)                       # the plain form is faster
    monkeypatch.setattr(emit_forms, "_best_of", lambda call, repeat=3: next(timings))
    large = (rng.normal(size=(600, 10)) * 0.05, rng.normal(size=(1000, 600)), 0.1)
    assert ").T" not in diffc.api.gradients.GradientFunction(wide_linear, wrt=0).source_for(*large)


def _unread_pops(source):
    """Names popped from a tape (``v = tape.pop()``) that nothing reads afterwards."""
    import ast
    tree = ast.parse(source)
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    popped = [s.targets[0].id for s in ast.walk(tree) if isinstance(s, ast.Assign)
              and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Attribute)
              and s.value.func.attr == "pop" and isinstance(s.targets[0], ast.Name)]
    return [name for name in popped if name not in read]


@pytest.mark.parametrize("f,args,wrt", test_control.CASES + test_jumps.CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in
                              enumerate(test_control.CASES + test_jumps.CASES)])
def test_no_tape_keeps_a_value_the_backward_pass_no_longer_reads(f, args, wrt):
    """A tape whose popped values were all simplified away (``enumerate_rows`` saved
    ``row * w`` for a ``np.broadcast_to`` that became a plain product) is not kept."""
    source = diffc.grad(f, wrt=wrt).source_for(*args)
    assert _unread_pops(source) == []


def test_a_loop_index_in_arithmetic_leaves_the_shapes_known():
    """``(i + 1.0) * np.sum(row * w)``: a float made from the loop index has shape () at
    every step, so the backward pass knows its shapes (no ``unbroadcast`` helper, no
    ``np.broadcast_to``) and keeps only that float on a tape."""
    from tests import control_models as m
    rng = np.random.default_rng(0)
    X, w = rng.normal(size=(4, 3)), rng.normal(size=3)
    source = diffc.grad(m.enumerate_rows, wrt=(0, 1)).source_for(X, w)
    assert "unbroadcast" not in source and "broadcast_to" not in source
    assert source.count(".append(") == 1


def test_a_row_gradient_after_an_inner_backward_loop_is_added_in_place():
    """``h = xs[i]`` and then an inner loop: the row's gradient comes out of the inner
    backward loop, whose shapes the facts now know, so it is added into its row
    (``dxs[i] += dh``) instead of a new zero array per outer step."""
    import ast
    from tests import control_models as m
    rng = np.random.default_rng(0)
    source = diffc.grad(m.shrinking_chains, wrt=(0, 1)).source_for(rng.normal(size=(3, 3)),
                                                                    rng.normal(size=(4, 3)))
    assert "dxs[i] += dh" in source
    in_loops = [n for loop in ast.walk(ast.parse(source)) if isinstance(loop, ast.For)
                for s in loop.body for n in ast.walk(s)
                if isinstance(n, ast.Attribute) and n.attr == "zeros_like"]
    assert in_loops == []
