"""Weight gradients of a loop as one product after it (diffc/optimize/bptt.py).

The rewrite sums the same products in another order, so every gradient is compared with
the step-by-step one (the unoptimized transform) and with central differences along a
random direction; the generated code must show the products outside the loop.
"""
import numpy as np
import pytest

from diffc.api.gradients import GradientFunction
from tests import control_models as m
from tests.gradcheck import inner, numeric_jvp, random_like

rng = np.random.default_rng(21)


def _rnn_args(T=5, N=3, D=4, H=6):
    return (rng.normal(size=(D, H)) * 0.5, rng.normal(size=(H, H)) * 0.4, rng.normal(size=H),
            rng.normal(size=(T, N, D)))


CASES = [
    (m.rnn_loss, _rnn_args(), (0, 1, 2)),
    (m.rnn_with_readout, _rnn_args()[:3] + (rng.normal(size=(6, 2)), rng.normal(size=(5, 3, 4))),
     (0, 1, 2, 3)),
    (m.rnn_from_step_one, _rnn_args(), (0, 1, 2)),
    (m.shared_weight_outside_loop, (rng.normal(size=(4, 4)) * 0.4, rng.normal(size=(3, 4)),
                                    rng.normal(size=(5, 3, 4))), (0, 1)),
    (m.computed_rows, (rng.normal(size=(4, 4)) * 0.4, rng.normal(size=(4, 4)) * 0.3,
                       rng.normal(size=(6, 3, 4))), (0, 1)),
    (m.weight_after_loop, (rng.normal(size=(4, 4)) * 0.4, rng.normal(size=(5, 3, 4))), (0, 1)),
    (m.nested_rnn, (rng.normal(size=(4, 6)) * 0.3, rng.normal(size=(6, 6)) * 0.3,
                    rng.normal(size=(5, 3, 4))), (0, 1)),
    (m.rnn_sin_state, _rnn_args(), (0, 1, 2)),
    (m.rnn_state_in_branch, _rnn_args() + (True,), (0, 1, 2)),
    (m.rnn_state_read_after, _rnn_args() + (rng.normal(size=(3, 6)),), (0, 1, 2, 4)),
    (m.rnn_loss, _rnn_args(T=1), (0, 1, 2)),
    # no steps (T = 0): the loop never runs, the initial state's gradient passes through it
    (m.rnn_state_read_after, _rnn_args(T=0) + (rng.normal(size=(3, 6)),), (0, 1, 2, 4)),
]
IDS = [f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)]


def _grads(f, wrt, args):
    got = GradientFunction(f, wrt=wrt)(*args)
    return got if isinstance(got, tuple) else (got,)


@pytest.mark.parametrize("f,args,wrt", CASES, ids=IDS)
def test_same_gradients_as_step_by_step(f, args, wrt, monkeypatch):
    got = _grads(f, wrt, args)
    monkeypatch.setenv("DIFFC_NO_OPTIMIZE", "1")
    want = _grads(f, wrt, args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
        assert g.shape == w.shape and g.dtype == w.dtype


@pytest.mark.parametrize("f,args,wrt", CASES, ids=IDS)
def test_against_central_differences(f, args, wrt):
    got = _grads(f, wrt, args)
    tangents = [random_like(a, rng) if k in wrt else np.zeros_like(a) for k, a in enumerate(args)]
    numeric = numeric_jvp(f, list(args), tangents)
    assert np.isclose(sum(inner(g, tangents[k]) for g, k in zip(got, wrt)), numeric, rtol=1e-6, atol=1e-8)


def _loop_and_after(f, wrt, args):
    source = GradientFunction(f, wrt=wrt).source_for(*args)
    code = "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))
    backward = code.split("in reversed(", 1)[1]
    inside = "\n".join(line for line in backward.splitlines()[1:] if line.startswith(" " * 8))
    return code, inside, backward


def test_rnn_weight_gradients_are_products_after_the_loop():
    code, inside, backward = _loop_and_after(*CASES[1][:1], CASES[1][2], CASES[1][1])
    assert inside.count("@") == 1                  # only dh = dadd @ Wh.T stays in the loop
    # no tape: the forward loop computes each state into its row of one array
    forward = code.split("for t in steps:", 1)[1].split("\n    d", 1)[0]
    assert "h_steps = np.empty((6, 3, 6), dtype='float64')\n    h_steps[0] = h\n" in code
    assert "h = np.tanh(xs_Wx[t] + h @ Wh + b, out=h_next[t])" in forward
    assert "tape" not in code and "concatenate" not in code
    assert "h_1 = h_steps[t]" in inside and "np.reshape(h_steps[:5], (-1, 6)).T @ dadd_all" in backward
    # the inputs' product array is free after the forward loop: the steps' gradients go there
    assert "dadd_steps = xs_Wx" in code
    assert "out=dadd_steps[t]" in inside           # each step's gradient made in its row
    assert "np.reshape(xs, " in backward           # the inputs are read, not copied per step
    assert "np.zeros_like(Wx)" not in code         # the first contribution is assigned


def test_a_state_made_without_an_out_form_is_taped():
    f, args, wrt = CASES[7]
    code, inside, backward = _loop_and_after(f, wrt, args)
    # the tape, stacked once (into the inputs' product array, free after the forward loop)
    assert "h_tape.append(h)" in code and "h_steps = xs_Wx" in code
    assert "np.concatenate(h_tape, out=np.reshape(h_steps, (-1, 6)))" in code and "h_tape.clear()" in code
    assert "np.reshape(h_steps, (-1, 6)).T @ dadd_all" in backward
    assert "out=h_next" not in code and "h_steps = np.empty" not in code


def test_states_in_rows_keep_the_values_read_after_the_loop():
    """Every state is a row of one array now: the forward value (returned with the
    gradient), the initial state and the last state read after the loop are unchanged."""
    f, args, wrt = CASES[9]
    g = GradientFunction(f, wrt=wrt, with_value=True)
    assert "out=h_next[t]" in g.source_for(*args)
    value, grads = g(*args)
    assert value == f(*args)                        # the same operations: the same bits
    h0 = args[4].copy()
    g(*args)
    np.testing.assert_array_equal(args[4], h0)      # the initial state is copied, not written


def test_a_non_zero_initial_gradient_is_added():
    code, inside, backward = _loop_and_after(CASES[5][0], CASES[5][2], CASES[5][1])
    assert inside.count("@") == 1                      # dh = dadd @ W.T only
    # range(1, T): not every row of xs, so the steps' values are collected in lists
    assert "dW = dW + np.concatenate(h_steps[::-1]).T @ np.concatenate(dadd_steps[::-1])" in backward


def test_computed_rows_are_collected():
    code, inside, _ = _loop_and_after(CASES[4][0], CASES[4][2], CASES[4][1])
    assert "_steps.append(" in inside and "[::-1]" in code


def test_a_loop_with_no_steps_passes_its_initial_state_gradient_through():
    """Compiled for T = 0 the body never ran on the example values (its shapes are
    unknown): the gradient is the hand-derived one, not an error about unknown shapes."""
    Wx, Wh, b, xs = _rnn_args(T=0)
    h0 = rng.normal(size=(3, 6))
    dWx, dWh, db, dh0 = _grads(m.rnn_state_read_after, (0, 1, 2, 4), (Wx, Wh, b, xs, h0))
    np.testing.assert_allclose(dh0, 3 * h0 ** 2 + 2 * h0, rtol=1e-14)    # sum(h0**3) + sum(h0*h0)
    for g, w in ((dWx, Wx), (dWh, Wh), (db, b)):
        assert g.shape == w.shape and not g.any()


def test_loops_with_shapes_that_change_are_left_alone(monkeypatch):
    """``xs[:i]`` has i rows at step i: no stack of fixed rows, the loop stays as it is."""
    args = (rng.normal(size=(4, 3)) * 0.5, rng.normal(size=(5, 2, 4)))
    code, inside, _ = _loop_and_after(m.varying_rows, (0,), args)
    assert "@" in inside and "concatenate" not in code
    test_against_central_differences(m.varying_rows, args, (0,))


def test_input_products_are_one_product_before_the_loop():
    code, _, _ = _loop_and_after(CASES[1][0], CASES[1][2], CASES[1][1])
    forward = code.split("for t in steps:", 1)[1].split("\n    d", 1)[0]
    assert "xs_Wx = np.reshape(np.reshape(xs, (-1, 4)) @ Wx, (5, 3, 6))" in code
    assert "xs_Wx[t] + h @ Wh" in forward and "xs[t]" not in forward


def test_peak_memory_is_that_of_hand_written_bptt():
    """The stacks reuse the inputs' product array and replace the tape: no more memory
    than BPTT written by hand with one product per weight (the benchmark's baseline,
    benchmarks/handwritten.py) keeps, give or take 20%."""
    import tracemalloc
    from benchmarks import handwritten, models
    T, N, D, H, K = 40, 8, 16, 32, 4
    args = (rng.normal(size=(D, H)) * 0.3, rng.normal(size=(H, H)) * 0.3, rng.normal(size=H),
            rng.normal(size=(H, K)), rng.normal(size=K), rng.normal(size=(T, N, D)),
            rng.normal(size=(N, K)))
    g = GradientFunction(models.rnn_loss, wrt=(0, 1, 2, 3, 4))
    for a, b in zip(g(*args), handwritten.rnn_grad(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)

    def peak(call):
        tracemalloc.start()
        try:
            call()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    mine, hand = peak(lambda: g(*args)), peak(lambda: handwritten.rnn_grad(*args))
    assert mine <= 1.2 * hand, (mine, hand)
