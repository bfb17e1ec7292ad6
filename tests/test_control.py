"""Control flow in reverse mode, each construct against central differences (and the RNN
against a hand-written backpropagation through time)."""
import numpy as np
import pytest

import diffc
from diffc.errors import DiffcError
from diffc.testing import check_grads
from tests import control_models as m

rng = np.random.default_rng(3)


def rnn_bptt(Wx, Wh, b, xs):
    """Hand-written backpropagation through time for ``control_models.rnn_loss``."""
    hs = [np.zeros((xs.shape[1], Wh.shape[0]))]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(xs[t] @ Wx + hs[-1] @ Wh + b))
    dh = 2 * hs[-1]
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    for t in reversed(range(xs.shape[0])):
        da = dh * (1 - hs[t + 1] ** 2)
        dWx += xs[t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dh = da @ Wh.T
    return dWx, dWh, db


def rnn_args(T=6, N=3, D=4, H=5):
    return (rng.normal(size=(D, H)) * 0.5, rng.normal(size=(H, H)) * 0.5,
            rng.normal(size=H), rng.normal(size=(T, N, D)))


def test_rnn_equals_hand_written_bptt():
    args = rnn_args()
    got = diffc.grad(m.rnn_loss, wrt=(0, 1, 2))(*args)
    for g, want in zip(got, rnn_bptt(*args)):
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)


def test_rnn_backward_loop_mirrors_forward_loop():
    source = diffc.grad(m.rnn_loss, wrt=(0, 1, 2)).source_for(*rnn_args())
    assert "for t in steps:" in source or "for t in range(" in source
    assert "reversed(" in source
    # the states are kept in one array's rows (the weight gradients' products read them)
    # or taped and popped step by step
    assert "out=h_next[t]" in source and "h_1 = h_steps[t]" in source or \
        ".append(" in source and ".pop()" in source


CASES = [
    (m.rnn_loss, rnn_args(T=3), (0, 1, 2, 3)),
    (m.branch_on_data, (np.abs(rng.normal(size=3)), rng.normal(size=3)), (0, 1)),
    (m.branch_on_data, (-np.abs(rng.normal(size=3)), rng.normal(size=3)), (0, 1)),
    (m.elif_chain, (np.array([1.0, 0.8]),), (0,)),
    (m.elif_chain, (np.array([0.1, 0.2]),), (0,)),
    (m.elif_chain, (np.array([-1.0, -0.8]),), (0,)),
    (m.branch_on_argument, (rng.normal(size=3), "square"), (0,)),
    (m.branch_on_argument, (rng.normal(size=3), "sine"), (0,)),
    (m.conditional_expression, (2.0,), (0,)),
    (m.conditional_expression, (0.5,), (0,)),
    (m.newton_sqrt, (2.0,), (0,)),
    (m.newton_sqrt, (9.0,), (0,)),
    (m.geometric_until, (rng.normal(size=3),), (0,)),
    (m.running_sum_with_range_step, (rng.normal(size=7),), (0,)),
    (m.loop_over_rows, (rng.normal(size=(4, 3)), rng.normal(size=3)), (0, 1)),
    (m.enumerate_rows, (rng.normal(size=(4, 3)), rng.normal(size=3)), (0, 1)),
    (m.nested_loops, (rng.normal(size=(3, 2)) * 0.3, rng.normal(size=2)), (0, 1)),
    (m.branch_inside_loop, (rng.normal(size=6),), (0,)),
    (m.loop_carried_and_invariant, (rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3)), (0, 1)),
    (m.pairwise_products, (rng.normal(size=5), 5), (0,)),
    (m.shrinking_chains, (rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(4, 3))), (0, 1)),
    (m.shrinking_while, (rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3), 4), (0, 1)),
    (m.guarded_nest, (rng.normal(size=4), np.array([1.0, 1.0, -1.0, 1.0])), (0,)),
    (m.guarded_nest, (rng.normal(size=4), np.array([1.0, -1.0, -1.0, -1.0])), (0,)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_against_central_differences(f, args, wrt):
    check_grads(f, args, wrt=wrt)


def test_newton_sqrt_derivative_is_exact():
    # d sqrt(a) / da = 1 / (2 sqrt(a)), through a data-dependent number of iterations
    assert abs(diffc.grad(m.newton_sqrt)(2.0) - 0.5 / np.sqrt(2.0)) < 1e-9


def test_tape_saves_only_what_the_backward_needs(monkeypatch):
    """For the RNN, one tape entry per step for each saved value; no tape for xs rows
    that are only read (xs[t] is recomputed from t). (Optimized, the states go into one
    array's rows instead: no tape at all.)"""
    monkeypatch.setenv("DIFFC_NO_OPTIMIZE", "1")
    source = diffc.api.gradients.GradientFunction(m.rnn_loss, wrt=(0, 1, 2)).source_for(*rnn_args())
    tapes = [line.split("=")[0].strip() for line in source.splitlines() if line.strip().endswith("= []")]
    assert 1 <= len(tapes) <= 3, tapes


def test_a_nest_whose_inner_loop_runs_empty_last_keeps_its_shapes():
    """The inner loop's last run (i = n - 1) does not iterate; what its earlier runs saw of
    the body's shapes is kept, so the matmul rule knows them (it failed as 'not fixed')."""
    W, xs = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(4, 3))
    grad = diffc.grad(m.shrinking_chains, wrt=(0, 1))
    check_grads(m.shrinking_chains, (W, xs), wrt=(0, 1))
    # the same compiled code on other rows (and other row counts: recompiled per shape)
    for rows in (1, 2, 6):
        other = rng.normal(size=(rows, 3))
        got = grad(W, other)
        check_grads(m.shrinking_chains, (W, other), wrt=(0, 1))
        assert got[1].shape == other.shape


def test_an_inner_loop_that_never_runs_on_the_examples_is_named_in_the_error():
    """With n = 2 the inner while loop's test is false at once in every run: nothing is
    known of its body (and the signature does not fix its test), so the error says so,
    pointing at the rule's line and naming the loop."""
    with pytest.raises(DiffcError) as info:
        diffc.grad(m.shrinking_while, wrt=0)(np.eye(3), np.ones(3), 2)
    text = str(info.value)
    assert "never ran on the example arguments" in text
    assert "control_models.py:" in text and "W @ h" in text
    assert "runs at least once" in text


def test_an_inner_range_the_signature_fixes_empty_passes_gradients_through():
    """With one row, ``range(n - 1 - i)`` is empty for the only i: the signature fixes that
    (n is a shape, i a step of a fixed range), so the inner loop contributes nothing and
    the row's gradient is the sum's."""
    W, xs = rng.normal(size=(3, 3)), rng.normal(size=(1, 3))
    dW, dxs = diffc.grad(m.shrinking_chains, wrt=(0, 1))(W, xs)
    np.testing.assert_array_equal(dW, np.zeros((3, 3)))
    np.testing.assert_allclose(dxs, 2 * xs, rtol=1e-15)


@pytest.mark.parametrize("seen", [[1.0, -1.0, -1.0], [-1.0, -1.0, -1.0], [1.0, 1.0, -1.0]])
def test_an_inner_loop_the_data_guards_keeps_its_gradient_on_other_data(seen):
    """Compiled on data for which the guarded inner loop never iterates (or runs once), the
    gradient is still right on data for which it runs: which outer steps reach the inner
    loop is the data's choice, so its emptiness on the examples proves nothing (taking it
    for a loop that never runs gave a silently wrong gradient)."""
    from diffc.testing import numerical_grad
    x = np.array([1.0, 2.0, 3.0])
    grad = diffc.grad(m.guarded_nest, wrt=0)
    grad(x, np.array(seen))
    for flags in ([1.0, 1.0, 1.0], [-1.0, 1.0, 1.0], [1.0, -1.0, 1.0], seen):
        flags = np.array(flags)
        np.testing.assert_allclose(grad(x, flags), numerical_grad(m.guarded_nest, (x, flags), 0),
                                   rtol=1e-7, atol=1e-7)
