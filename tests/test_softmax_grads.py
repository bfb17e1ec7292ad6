"""The softmax's backward pass in closed form (``diffc/optimize/softmax_grads.py``).

Each model's gradient is checked against central differences (``tests/gradcheck.py``),
the ones the rewrite applies to and the near misses it must leave alone (another axis, a
weight or a constant inside the log, the log of something else, no ``keepdims``); and the
emitted code is read: the textbook's form appears where it should, and only there.
"""
import inspect

import numpy as np
import pytest

import diffc
from diffc.optimize import passes
from tests.gradcheck import assert_close, numeric_vjp


def _softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=1, keepdims=True)


# -- the forms the rewrite collapses -------------------------------------------------------
def one_hot_ce(W, X, T):
    """A linear layer, the stable softmax, then the cross-entropy with one-hot targets."""
    a = X @ W
    e = np.exp(a - np.max(a, axis=1, keepdims=True))
    P = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(T * np.log(P)) / X.shape[0]


def label_ce(W, X, labels):
    """The log-softmax at integer labels (the linear softmax classifier's loss)."""
    N = X.shape[0]
    scores = X @ W
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(log_probs[np.arange(N), labels]) / N


def plain_ce(W, X, T):
    """``-sum(T * log(softmax(x))) / N``, the softmax written inline, unshifted."""
    x = X @ W
    e = np.exp(x)
    return -np.sum(T * np.log(e / np.sum(e, axis=1, keepdims=True))) / x.shape[0]


def soft_targets_ce(W, X, T):
    """Targets that are not one-hot (each row sums to 2): the sum of T stays in the gradient."""
    e = np.exp(X @ W)
    P = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(2 * T * np.log(P))


def guarded_ce(W, X, T):
    """The ``+ 1e-7`` guard changes the function: only the softmax's own backward collapses."""
    a = X @ W
    e = np.exp(a - np.max(a, axis=1, keepdims=True))
    P = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(T * np.log(P + 1e-7)) / X.shape[0]


def softmax_only(W, X, T):
    """A softmax not under a log (a squared error of probabilities)."""
    e = np.exp(X @ W)
    P = e / np.sum(e, axis=1, keepdims=True)
    return np.sum((P - T) ** 2)


def log_softmax_weighted(W, X, T):
    """A log-softmax whose gradient is not a scaled one-hot: a weight per entry."""
    s = X @ W
    lp = s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return -np.sum(T * X[:, :4] * lp)


def picked_probs(W, X, labels):
    """``-log(P[rows, labels])``: the softmax's backward collapses under the picking."""
    N = X.shape[0]
    e = np.exp(X @ W)
    P = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(np.log(P[np.arange(N), labels])) / N


def rnn_ce(W, xs, T):
    """A softmax and cross-entropy at every step of a loop: in the backward loop, P, e and
    their sum are values popped from tapes, one iteration's together."""
    h = np.zeros((xs.shape[1], 4))
    loss = 0.0
    for k in range(xs.shape[0]):
        h = np.tanh(xs[k] @ W[:3] + h @ W[3:])
        e = np.exp(h - np.max(h, axis=1, keepdims=True))
        P = e / np.sum(e, axis=1, keepdims=True)
        loss = loss - np.sum(T[k] * np.log(P))
    return loss


# -- near misses: the rewrite must not fire (and the gradient stays right) -----------------
def other_axis(W, X, T):
    """Normalised along axis 0, logged along... the same: but the max shift is along axis 1."""
    a = X @ W
    e = np.exp(a - np.max(a, axis=1, keepdims=True))
    P = e / np.sum(e, axis=0, keepdims=True)
    return -np.sum(T * np.log(P))


def weighted_log(W, X, T):
    """A weight inside the log: ``log(2 * P)`` is not ``log(P)``'s divide."""
    e = np.exp(X @ W)
    P = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(T * np.log(2.0 * P + 0.5))


def log_of_other(W, X, T):
    """The log of the exponentials, not of the softmax."""
    e = np.exp(X @ W)
    P = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(T * np.log(e)) + np.sum(P * T)


def no_keepdims(W, X, T):
    """The sum without ``keepdims``, its axis put back by indexing."""
    e = np.exp(X @ W)
    P = e / np.sum(e, axis=1)[:, None]
    return -np.sum(T * np.log(P))


def other_normaliser(W, X, T):
    """Divided by the sum of something else (``e ** 2``): not a softmax."""
    e = np.exp(X @ W)
    P = e / np.sum(e * e, axis=1, keepdims=True)
    return -np.sum(T * np.log(P))


def shift_along_other_axis(W, X, T):
    """The max subtracted along axis 0 while normalising along 1: the shift is not constant
    along the normalised axis, so its gradient is not zero."""
    a = X @ W
    e = np.exp(a - np.max(a, axis=0, keepdims=True))
    P = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(T * np.log(P))


def label_ce_fewer_rows(W, X, labels):
    """Labels for all rows but the last: that row's ``P`` gets no ``- 1`` and no gradient."""
    N = X.shape[0]
    scores = X @ W
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(log_probs[np.arange(N - 1), labels[:-1]]) / N


def picked_fewer_rows(W, X, labels):
    """``-log(P[rows, labels])`` for all rows but the last."""
    N = X.shape[0]
    e = np.exp(X @ W)
    P = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(np.log(P[np.arange(N - 1), labels[:-1]])) / N


def _one_hot(rng, n, c=4):
    return np.eye(c)[rng.integers(0, c, n)]


def _inputs(f, rng, n=5):
    W, X = rng.standard_normal((6, 4)), rng.standard_normal((n, 6))
    if f is rnn_ce:
        return (rng.standard_normal((7, 4)), rng.standard_normal((3, n, 3)),
                np.eye(4)[rng.integers(0, 4, (3, n))])
    if f in (label_ce, picked_probs, label_ce_fewer_rows, picked_fewer_rows):
        return (W, X, rng.integers(0, 4, n))
    if f is soft_targets_ce:
        return (W, X, 2 * rng.dirichlet(np.ones(4), n))
    return (W, X, _one_hot(rng, n))


COLLAPSED = [one_hot_ce, label_ce, plain_ce, soft_targets_ce, guarded_ce, softmax_only,
             log_softmax_weighted, picked_probs, rnn_ce]
NEAR_MISSES = [other_axis, weighted_log, log_of_other, no_keepdims, other_normaliser,
               shift_along_other_axis, label_ce_fewer_rows, picked_fewer_rows]


@pytest.mark.parametrize("f", COLLAPSED + NEAR_MISSES, ids=lambda f: f.__name__)
def test_gradient_matches_central_differences(f):
    rng = np.random.default_rng(7)
    for n in (2, 5):
        args = _inputs(f, rng, n)
        dW = diffc.grad(f)(*args)
        expected = numeric_vjp(f, list(args), 0, 1.0)
        assert_close(dW, expected, f"{f.__name__}, {n} rows")


@pytest.mark.parametrize("f", COLLAPSED + NEAR_MISSES, ids=lambda f: f.__name__)
def test_same_gradient_as_unoptimized(f):
    args = _inputs(f, np.random.default_rng(3))
    with passes.unoptimized():
        plain = diffc.grad(f)(*args)
    np.testing.assert_allclose(diffc.grad(f)(*args), plain, rtol=1e-10, atol=1e-12)


def _source(f, n=5):
    g = diffc.grad(f)
    g(*_inputs(f, np.random.default_rng(0), n))
    return g.source


def test_one_hot_cross_entropy_is_the_textbook_form():
    src = _source(one_hot_ce)
    assert "(P * T.sum(axis=1, keepdims=True) - T)" in src
    code = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith("#"))
    assert "np.log" not in code and code.count(".max(") == 1   # only the forward's max is left
    assert "hits" not in code                                  # no gradient for the shift


def test_in_a_loop_the_backward_reads_only_the_popped_probabilities():
    src = _source(rnn_ce)
    assert "dsub = dloss * (P * sel_1.sum(axis=1, keepdims=True) - sel_1)" in src
    assert "P = P_tape.pop()" in src and "e_tape" not in src and "sum_tape" not in src


def test_plain_cross_entropy_is_the_textbook_form():
    src = _source(plain_ce)
    assert "T.sum(axis=1, keepdims=True) - T)" in src
    assert "/ (e / " not in src


def test_integer_labels_subtract_one_at_each_label():
    src = _source(label_ce)
    assert "probs = exp / exp.sum(axis=1, keepdims=True)" in src
    assert "\n    log_probs = " not in src          # the forward value the backward no longer reads
    assert "[np.arange(N), labels] +=" in src
    assert "np.zeros_like" not in src


def test_general_log_softmax_and_softmax_forms():
    src = _source(log_softmax_weighted)      # the weights are part of the targets' array
    assert "probs = exp / exp.sum(axis=1, keepdims=True)" in src
    assert "(probs * mul.sum(axis=1, keepdims=True) - mul)" in src
    src = _source(guarded_ce)
    assert "P * (dadd - (dadd * P).sum(axis=1, keepdims=True))" in src
    assert "T.sum(" not in src          # not the cross-entropy's form: the guard changes it
    assert "(softmax (lines" in _source(softmax_only)


def test_picked_probabilities_subtract_one_at_each_label():
    src = _source(picked_probs)
    assert "dmm = dneg * P\n    dmm[np.arange(N), labels] += dsum\n" in src
    assert "np.zeros_like" not in src and "P[arange, labels]" not in src


def test_labels_with_a_size_that_varies(tmp_path, monkeypatch, capsys):
    """Compiled for any N (``--arg X=Nx6``): the rows of the labels' index and of ``P`` are
    both ``X.shape[0]``, which the rewrite proves from the code, not from the example."""
    from diffc import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").write_text(inspect.getsource(label_ce).replace("def label_ce", "import numpy as np\n\n\ndef label_ce"))
    assert cli.main(["show", "model.py:label_ce", "--arg", "W=6x4", "--arg", "X=Nx6",
                     "--arg", "labels=N:int:4"]) == 0
    out = capsys.readouterr().out
    assert "X: float64[N, 6]" in out and "dshifted[np.arange(N), labels] += dsum" in out


# What each near miss may still have in closed form (an exact part of it), and what not.
NEAR_MISS_TEXT = {
    other_axis: ("T.sum(axis=0, keepdims=True) - T", "hits"),   # a softmax along 0; the shift stays
    shift_along_other_axis: ("T.sum(axis=1, keepdims=True) - T", "hits"),
    weighted_log: ("(softmax (lines", "dlog / (2.0 * P + 0.5)"),  # the softmax's own backward only
    log_of_other: (None, None),
    no_keepdims: (None, None),
    other_normaliser: (None, None),
    label_ce_fewer_rows: ("log-softmax", "probs * dlog_probs.sum(axis=1, keepdims=True)"),
    picked_fewer_rows: ("(softmax (lines", "dmm = P * (dP - (dP * P).sum(axis=1, keepdims=True))"),
}


@pytest.mark.parametrize("f", NEAR_MISSES, ids=lambda f: f.__name__)
def test_near_misses_keep_what_is_not_exact(f):
    src = _source(f)
    collapsed, kept = NEAR_MISS_TEXT[f]
    if collapsed is None:
        assert "(softmax" not in src and "(log-softmax" not in src
    else:
        assert collapsed in src and kept in src
    if f is weighted_log:
        assert "T.sum(" not in src


@pytest.mark.parametrize("f", [one_hot_ce, label_ce, picked_probs, guarded_ce], ids=lambda f: f.__name__)
def test_hessian_differentiates_the_closed_forms(f):
    """``hessian`` is forward mode over the optimized gradient: the closed forms' equations
    have derivative rules. The oracle: central differences of the unoptimized gradient."""
    args = _inputs(f, np.random.default_rng(5), 4)
    with passes.unoptimized():
        plain = diffc.grad(f)
    H = np.asarray(diffc.hessian(f)(*args)).reshape(24, 24)

    def g(W):
        with passes.unoptimized():
            return plain(W, *args[1:])

    columns = [numeric_vjp(lambda W: g(W)[np.unravel_index(i, (6, 4))], [args[0]], 0, 1.0).ravel()
               for i in range(24)]
    assert_close(H, np.array(columns), f.__name__)
