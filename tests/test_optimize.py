"""The optimizer changes how the gradient is computed, never its value: every case of
the core, control-flow, container and seed suites agrees with and without it."""
import numpy as np
import pytest

import diffc
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
    fresh = diffc.api.GradientFunction          # not the cached object: compile anew
    optimized = fresh(f, wrt=wrt)(*args)
    monkeypatch.setenv("DIFFC_NO_OPTIMIZE", "1")
    plain = fresh(f, wrt=wrt)(*args)
    for a, b in zip(_flatten(optimized), _flatten(plain)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
        assert a.dtype == b.dtype and a.shape == b.shape


def test_passes_are_pure_and_shrink_the_code():
    from diffc import optimize, pipeline
    args = test_control.rnn_args()
    src = diffc.grad(test_control.m.rnn_loss)._source_function()
    compiled = pipeline.compile_gradient(src, (0, 1, 2, 3), args)
    reverse_ir = compiled.stages["reverse"]
    before = str(reverse_ir)
    again = optimize.optimize(reverse_ir, None)                # without facts: shape-free passes
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
        g = diffc.api.GradientFunction(f, wrt=0)
        got = g(*args)
        assert "broadcast_to" not in g.source_for(*args), f.__name__
        np.testing.assert_allclose(got, diffc.testing.numerical_grad(f, args, 0), rtol=1e-6, atol=1e-8)
    # a spread value that is itself the gradient keeps its full shape, and is writeable
    g = diffc.api.GradientFunction(total, wrt=0)
    dx = g(x)
    assert dx.shape == x.shape and dx.flags.writeable
    np.testing.assert_array_equal(dx, np.ones_like(x))


def test_broadcasts_keep_float32():
    mean_square, scaled_sum, _, row_softmax_sum = _spread_models()
    x = np.random.default_rng(4).normal(size=(4, 3)).astype(np.float32)
    for f, args in ((mean_square, (x, x[::-1].copy())), (scaled_sum, (x,)), (row_softmax_sum, (x,))):
        dx = diffc.api.GradientFunction(f, wrt=0)(*args)
        assert dx.dtype == np.float32 and dx.shape == x.shape, f.__name__


def test_broadcasts_pass_is_pure():
    from diffc import optimize, pipeline
    mean_square = _spread_models()[0]
    rng = np.random.default_rng(5)
    args = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
    src = diffc.api.GradientFunction(mean_square, wrt=0)._source_function()
    compiled = pipeline.compile_gradient(src, (0,), args)
    reverse_ir = compiled.stages["reverse"]
    before = str(reverse_ir)
    assert "broadcast_to" in before and "broadcast_to" not in str(compiled.stages["optimized"])
    assert str(reverse_ir) == before


def test_loop_invariants_leave_row_products_and_views_in_the_loop():
    from tests import control_models as cm
    args = test_control.rnn_args()
    for f in (cm.rnn_loss, cm.rnn_from_step_one):
        g = diffc.api.GradientFunction(f, wrt=(0, 1, 2))
        got = g(*args)
        loop = g.source_for(*args).split("for t in steps:", 1)[1]
        assert "xs[t] @ Wx" in loop and "@ Wh.T" in loop
        for k, grad in enumerate(got):
            np.testing.assert_allclose(grad, diffc.testing.numerical_grad(f, args, k), rtol=1e-6, atol=1e-8)


def test_loop_invariants_move_reads_out_of_the_loop():
    from tests import control_models as cm
    rng = np.random.default_rng(6)
    params, xs = {"w": rng.normal(size=3)}, rng.normal(size=(5, 3))
    g = diffc.api.GradientFunction(cm.invariant_read, wrt=0)
    got = g(params, xs)
    source = g.source_for(params, xs)
    loop = source.split("for t in steps:", 1)[1].split("reversed")[0]
    assert "params['w']" not in loop and "params['w']" in source
    flat = lambda w, xs: cm.invariant_read({"w": w}, xs)      # noqa: E731
    np.testing.assert_allclose(got["w"], diffc.testing.numerical_grad(flat, (params["w"], xs), 0),
                               rtol=1e-6, atol=1e-8)
