"""Lists and tuples the user's code builds: grown in a loop (``out = out + [v]``), joined,
sliced, nested and read back by index, then stacked or read (``tests/list_models.py``).

The gradient of a joined list is cut back into its parts (``dout[:-1]`` and ``dout[-1]``
for ``out + [v]``); a list grown in a loop has another length in every iteration, so
nothing about it is read off one iteration's example. Every model is checked against
central differences (the oracle: ``diffc.testing.numerical_grad`` of the model itself),
with the optimizer on and off, through ``grad``, ``vjp``, ``jvp`` and, differentiated
twice, ``hessian`` and ``vjp(grad(.))``. Before, ``out = out + [v]`` gave every part the
whole gradient (``[6, 12]`` for ``[10, 20]`` below) or crashed.
"""
import numpy as np
import pytest

import diffc
from diffc.compiler import pipeline
from diffc.frontend import source
from diffc.testing import numerical_grad
from tests import list_models as m
from tests.gradcheck import assert_close

POINTS = [np.array([0.7, 1.4]), np.array([-0.6, 2.3])]
CASES = [(f, x) for f in m.CASES for x in POINTS]
IDS = [f"{f.__name__}-{k}" for k, (f, _) in enumerate(CASES)]


def test_the_reported_example():
    assert list(diffc.grad(m.hstack_grown)(np.array([1.0, 2.0]))) == [10.0, 20.0]


@pytest.mark.parametrize("optimize", ["on", "off"])
@pytest.mark.parametrize("f,x", CASES, ids=IDS)
def test_reverse_mode_against_central_differences(f, x, optimize, monkeypatch):
    if optimize == "off":
        monkeypatch.setenv("DIFFC_NO_OPTIMIZE", "1")
    want = numerical_grad(f, (x,), 0)
    assert_close(diffc.api.gradients.GradientFunction(f)(x), want, "grad")
    value, pullback = diffc.vjp(f)(x)
    assert value == pytest.approx(f(x))
    assert_close(pullback(1.0), want, "vjp")


@pytest.mark.parametrize("f,x", CASES, ids=IDS)
def test_forward_mode_against_central_differences(f, x):
    t = np.array([0.3, -1.1])
    assert_close(diffc.jvp(f)(x, tangents=t)[1], numerical_grad(f, (x,), 0) @ t, "jvp")


@pytest.mark.parametrize("f,x", CASES[::3], ids=IDS[::3])
def test_second_order_against_differences_of_the_gradient(f, x):
    """``hessian`` (forward over reverse) and ``vjp(grad(f))`` (reverse over reverse) against
    central differences of the first-order gradient (checked above)."""
    grad = diffc.grad(f)
    want = np.stack([(grad(x + e) - grad(x - e)) / 2e-6 for e in np.eye(2) * 1e-6], axis=-1)
    assert_close(diffc.hessian(f)(x), want, "hessian", rtol=1e-4)
    w = np.array([0.8, -0.5])
    assert_close(diffc.vjp(grad)(x)[1](w), w @ want, "vjp(grad)", rtol=1e-4)


def test_every_model_is_checked():
    assert len(m.CASES) >= 25


def test_repeating_a_list_is_refused_not_wrong():
    with pytest.raises(diffc.DiffcError, match="repeated with"):
        diffc.grad(m.repeated)(np.ones(2))


def _compiled_without_examples(f):
    return pipeline.compile_gradient(source.from_function(f), (0,), None, single=True)


def test_without_examples_a_grown_list_is_refused_not_wrong():
    """``diffc compile`` without ``--arg``: nothing tells that ``out`` is a list."""
    with pytest.raises(diffc.DiffcError, match="joining lists") as caught:
        _compiled_without_examples(m.hstack_grown)
    assert "--arg" in str(caught.value)


def test_without_examples_joined_literals_are_cut_by_their_lengths():
    compiled = _compiled_without_examples(m.joined_literals)
    namespace = {"np": np}
    exec(pipeline.module_text(m.__file__, [compiled]), namespace)
    x = np.array([0.7, 1.4])
    assert_close(namespace[compiled.name](x), numerical_grad(m.joined_literals, (x,), 0), "grad")


def test_vstack_of_a_list_argument_gives_each_row_its_shape():
    """np.vstack makes rows of 1-D arrays; the gradient of each is a 1-D array again (the
    list's gradient was summed as one array: ValueError)."""
    ws = [np.array([1.0, 2.0]), np.array([3.0, -4.0]), np.array([5.0, 6.0])]
    grads = diffc.grad(m.vstack_of_rows)(ws)
    for k in range(3):
        def entry(w, k=k):
            return m.vstack_of_rows(ws[:k] + [w] + ws[k + 1:])
        assert_close(grads[k], numerical_grad(entry, (ws[k],), 0), f"dws[{k}]")


# -- a literal list read at a run-time position (a crash in the generated code before) ------
def _pairs_by_position(W1, b1, W2, b2, x):
    pairs = [(W1, b1), (W2, b2)]
    for i in range(2):
        W, b = pairs[i]
        x = np.tanh(x @ W + b)
    return np.sum(x ** 2)


def _shapes_by_position(V1, V2, x):
    Vs = [V1, V2]
    for i in range(len(Vs)):
        x = np.tanh(x @ Vs[i])
    return np.sum(x ** 2)


def _nested_by_while(W1, b1, W2, b2, x):
    layers = ((W1, b1), (W2, b2))
    i = 0
    while i < len(layers):
        x = np.tanh(x @ layers[i][0] + layers[i][1])
        i += 1
    return np.sum(x ** 2)


def _pairs_in_data_order(W1, b1, W2, b2, x, order):
    pairs = [(W1, b1), (W2, b2)]
    for k in order:
        W, b = pairs[k]
        x = np.tanh(x @ W + b)
    return np.sum(x ** 2)


def _enumerate_zip(Ws, bs, x):
    for i, (W, b) in enumerate(zip(Ws, bs)):
        x = x @ W + b
        if i < len(Ws) - 1:
            x = np.tanh(x)
    return np.sum(x ** 2)


@pytest.mark.parametrize("square", [True, False], ids=["same shapes", "different shapes"])
def test_a_literal_list_read_at_a_run_time_position(square):
    r = np.random.default_rng(41)
    W1, W2 = r.normal(size=(3, 3)), r.normal(size=(3, 3) if square else (3, 2))
    b1, b2 = r.normal(size=3), r.normal(size=3 if square else 2)
    x = r.normal(size=(5, 3))
    cases = [(_pairs_by_position, (W1, b1, W2, b2, x), (0, 1, 2, 3)),
             (_shapes_by_position, (W1, W2, x), (0, 1)),
             (_nested_by_while, (W1, b1, W2, b2, x), (0, 1, 2, 3)),
             (_enumerate_zip, ([W1, W2], [b1, b2], x), (0, 1))]
    if square:
        cases.append((_pairs_in_data_order, (W1, b1, W2, b2, x, np.array([1, 0, 1])), (0, 1, 2, 3)))
    for f, args, wrt in cases:
        got = diffc.grad(f, wrt=wrt)(*args)
        for i, g in zip(wrt, got):
            expected = numerical_grad(f, list(args), i)
            for e, a in zip(expected if isinstance(expected, list) else [expected],
                            g if isinstance(g, list) else [g]):
                np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-7, err_msg=f"{f.__name__} d{i}")
