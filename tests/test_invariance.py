"""Shift invariance (diffc/ad/softmax_shift.py): the stable softmax's max shift gets no gradient.

Each model is checked by central differences and forward mode; the models where the
shift is *not* cancelled (the exponentials or the sum are read elsewhere, the sum runs
over another axis) must keep their gradient through the shift; and every gradient agrees
with the one computed without the analysis (the exact zero is dropped, not changed).
"""
import ast

import numpy as np
import pytest

import diffc
from diffc.ad import softmax_shift
from diffc.compiler import pipeline
from diffc.testing import check_grads


# -- models where the shift cancels ---------------------------------------------------
def softmax_xent(a, t):
    e = np.exp(a - np.max(a, axis=1, keepdims=True))
    y = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(t * np.log(y + 1e-7)) / a.shape[0]


def softmax_shift_rebound(scores, t):
    scores = scores - np.max(scores, axis=-1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=-1, keepdims=True)
    return np.sum(t * probs ** 2)


def softmax_columns(a, t):
    """Column convention (Nielsen): normalise along axis 0."""
    e = np.exp(a - np.max(a, axis=0, keepdims=True))
    return np.sum(t * (e / np.sum(e, axis=0, keepdims=True)))


def softmax_mean_shift(a, t):
    e = np.exp(a - np.mean(a, axis=1, keepdims=True))
    return np.sum(t * np.log(e / np.sum(e, axis=1, keepdims=True)))


def softmax_learned_shift(a, c, t):
    """A shift that is a parameter: its gradient is exactly zero (c is constant along axis 1)."""
    e = np.exp(a + c)
    return np.sum(t * (e / np.sum(e, axis=1, keepdims=True)))


def softmax_full(a, t):
    """A full sum normalises every entry: a scalar shift cancels."""
    e = np.exp(a - np.max(a))
    return np.sum(t * (e / np.sum(e)))


def log_softmax_nll(a, t):
    s = a - np.max(a, axis=1, keepdims=True)
    logp = s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return -np.sum(t * logp)


def softmax_in_loop(a, t):
    total = 0.0
    for i in range(a.shape[0]):
        e = np.exp(a[i] - np.max(a[i], axis=-1, keepdims=True))
        total = total + np.sum(t[i] * (e / np.sum(e, axis=-1, keepdims=True)))
    return total


# -- models where it does not ---------------------------------------------------------
def exps_read_elsewhere(a, t):
    e = np.exp(a - np.max(a, axis=1, keepdims=True))
    y = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(t * y) + np.sum(e)          # e sees the shift


def sum_read_elsewhere(a, t):
    e = np.exp(a - np.max(a, axis=1, keepdims=True))
    total = np.sum(e, axis=1, keepdims=True)
    return np.sum(t * (e / total)) + np.sum(total)


def other_axis(a, t):
    """The shift is constant along axis 1 but the sum runs over axis 0."""
    e = np.exp(a - np.max(a, axis=1, keepdims=True))
    return np.sum(t * (e / np.sum(e, axis=0, keepdims=True)))


def shifted_values_read(a, t):
    s = a - np.max(a, axis=1, keepdims=True)
    e = np.exp(s)
    return np.sum(t * (e / np.sum(e, axis=1, keepdims=True))) + np.sum(s * t)


def _args(shape=(4, 5), seed=0, extra=()):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 2.0, *extra, rng.random(shape))


CANCELLED = [
    (softmax_xent, _args()),
    (softmax_shift_rebound, _args()),
    (softmax_columns, _args()),
    (softmax_mean_shift, _args()),
    (softmax_learned_shift, _args(extra=(np.random.default_rng(1).standard_normal((4, 1)),))),
    (softmax_full, _args()),
    (log_softmax_nll, _args()),
    (softmax_in_loop, _args((3, 4))),
]
KEPT = [(f, _args()) for f in (exps_read_elsewhere, sum_read_elsewhere, other_axis, shifted_values_read)]


def _zeros_found(f, args):
    src = diffc.grad(f)._source_function()
    found = []

    def record(func, facts):
        zero = original(func, facts)
        found.append(zero)
        return zero
    original = softmax_shift.zero_operands
    softmax_shift.zero_operands = record
    try:
        pipeline.compile_gradient(src, (0,), args)
    finally:
        softmax_shift.zero_operands = original
    return found[0]


@pytest.mark.parametrize("f,args", CANCELLED + KEPT, ids=[c[0].__name__ for c in CANCELLED + KEPT])
def test_gradient_matches_central_differences_and_forward_mode(f, args):
    wrt = tuple(i for i, a in enumerate(args[:-1]))
    check_grads(f, args, wrt, modes=("numeric", "reverse", "forward"))


@pytest.mark.parametrize("f,args", CANCELLED, ids=[c[0].__name__ for c in CANCELLED])
def test_the_shift_is_found(f, args):
    assert _zeros_found(f, args), "the shift's zero gradient was not recognised"


@pytest.mark.parametrize("f,args", KEPT, ids=[c[0].__name__ for c in KEPT])
def test_a_shift_that_is_seen_keeps_its_gradient(f, args):
    assert not _zeros_found(f, args)


@pytest.mark.parametrize("f,args", CANCELLED + KEPT, ids=[c[0].__name__ for c in CANCELLED + KEPT])
def test_same_gradient_without_the_analysis(f, args, monkeypatch):
    wrt = tuple(i for i, a in enumerate(args[:-1]))
    with_it = diffc.api.gradients.GradientFunction(f, wrt=wrt)(*args)
    monkeypatch.setattr(softmax_shift, "zero_operands", lambda func, facts: set())
    without = diffc.api.gradients.GradientFunction(f, wrt=wrt)(*args)
    for a, b in zip(with_it, without):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_learned_shift_gradient_is_exactly_zero():
    args = CANCELLED[4][1]
    _, dc = diffc.grad(softmax_learned_shift, wrt=(0, 1))(*args)
    assert dc.shape == (4, 1) and not np.any(dc)


def test_softmax_gradient_has_no_max_routing():
    """The generated code of the two-layer net's loss has no tie routing for the max."""
    g = diffc.grad(softmax_xent)
    g(*_args())
    code = [line for line in g.source.splitlines() if not line.strip().startswith("#")]
    assert sum(".max(" in line for line in code) == 1 and not any("hits" in line for line in code)


def test_without_example_values():
    """``diffc compile`` has no example arguments: the pattern is found from the code."""
    src = diffc.grad(softmax_xent)._source_function()
    compiled = pipeline.compile_gradient(src, (0,), None)
    code = ast.unparse(compiled.function_def)
    assert code.count("np.max") == 1 and "hits" not in code


def test_the_generated_code_says_why_the_shift_gets_no_gradient():
    g = diffc.grad(softmax_xent)
    g(*_args())
    assert "the shift inside exp, constant along the normalised axis, gets no gradient" in g.source
