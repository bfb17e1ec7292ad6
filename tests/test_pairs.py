"""Calls to the user's functions become generated forward/backward pairs.

Every gradient is checked against central differences and forward mode; the generated
source is read to check the pairs are there, shared where they can be, and standalone.
"""
import ast
import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import diffc
from diffc.api.gradients import GradientFunction
from diffc.testing import check_grads, numerical_grad
from tests.calls import pair_models as m

RNG = np.random.default_rng(7)


def normal(*shape):
    return RNG.normal(size=shape)


def defs(source):
    return [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]


def assigned(source, function):
    """The names a generated ``def`` assigns."""
    fdef = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == function)
    return {t.id for n in ast.walk(fdef) if isinstance(n, ast.Assign) for t in ast.walk(n.targets[0])
            if isinstance(t, ast.Name)}


def compiled(f, wrt, args):
    g = GradientFunction(f, wrt)
    g(*args)
    return g, g.source_for(*args)


def test_two_specialisations_of_one_helper():
    args = (normal(4, 3), normal(3, 5), normal(5), normal(5, 2), normal(2))
    check_grads(m.two_layers, args, wrt=(1, 2, 3, 4), modes=("reverse", "forward", "numeric"))
    _, source = compiled(m.two_layers, (1, 2, 3, 4), args)
    assert defs(source) == ["layer_forward", "layer_backward", "layer_forward_2", "layer_backward_2",
                            "grad_two_layers"]
    # the first call's backward has no dx to compute: x is data
    assert assigned(source, "layer_backward") >= {"dW", "db"}
    assert "dx" not in assigned(source, "layer_backward") and "dx" in assigned(source, "layer_backward_2")
    assert "layer_forward(x, W1, b1)" in source and "= layer_backward_2(" in source


def test_identical_call_sites_share_one_pair():
    args = (normal(4, 3), normal(4, 3), normal(3, 3), normal(3))
    check_grads(m.shared, args, wrt=(2, 3), modes=("reverse", "forward", "numeric"))
    _, source = compiled(m.shared, (2, 3), args)
    assert defs(source) == ["layer_forward", "layer_backward", "grad_shared"]
    assert source.count("layer_forward(") == 3 and source.count("layer_backward(") == 3


def test_keywords_and_defaults():
    args = (normal(4, 3), normal(3, 3), normal(3))
    check_grads(m.keywords, args, wrt=(0, 1, 2), modes=("reverse", "forward", "numeric"))
    _, source = compiled(m.keywords, (0, 1, 2), args)
    assert "relu_layer_forward" in source
    assert "0.1" in source and "0.2" in source       # the constants are specialised in


def test_a_pair_inside_a_loop_matches_hand_written_bptt():
    args = (normal(6, 4, 3), normal(4, 5), normal(3, 5), normal(5, 5), normal(5))
    got = diffc.grad(m.rnn, wrt=(0, 1, 2, 3, 4))(*args)
    for g, h in zip(got, m.hand_bptt(*args)):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-12)
    check_grads(m.rnn, args, wrt=(0, 1, 2, 3, 4), modes=("reverse", "numeric"))
    _, source = compiled(m.rnn, (2, 3), args)
    loop = source.split("def grad_rnn(")[1]
    assert "rnn_step_forward(h, xs[t], Wx, Wh, b)" in loop and "saved_tape.append(saved)" in loop
    assert "rnn_step_backward(saved, dh)" in loop


def test_a_pair_calling_a_pair():
    args = (normal(3, 3), normal(3, 3), normal(3))
    check_grads(m.nested, args, wrt=(0, 1, 2), modes=("reverse", "forward", "numeric"))
    _, source = compiled(m.nested, (0, 1, 2), args)
    names = defs(source)
    assert names.index("layer_forward") < names.index("block_forward") and "block_backward" in names
    block_backward = source.split("def block_backward(")[1].split("\ndef ")[0]
    assert "layer_backward(" in block_backward


def test_a_helper_returning_a_tuple_is_inlined():
    args = (normal(3), normal(3))
    check_grads(m.uses_a_pair_of_results, args, modes=("reverse", "forward", "numeric"))
    _, source = compiled(m.uses_a_pair_of_results, (0, 1), args)
    assert "_forward" not in source


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_branching_helper_called_twice(sign):
    args = (sign * np.abs(normal(4)) + 0.1, np.abs(normal(4)) + 0.1)
    check_grads(m.both_branches, args, wrt=(0, 1), modes=("reverse", "forward", "numeric"))
    _, source = compiled(m.both_branches, (0, 1), args)
    assert "branchy_forward" in source and "if cond:" in source.split("def branchy_backward")[1]


def test_a_call_no_gradient_flows_through_is_inlined():
    args = (normal(3, 3), normal(3, 3))
    check_grads(m.constant_path, args, wrt=(1,), modes=("reverse", "numeric"))
    _, source = compiled(m.constant_path, (1,), args)
    assert "layer_forward" not in source


def test_every_generated_module_imports_only_numpy():
    args = (normal(3, 3), normal(3, 3), normal(3))
    _, source = compiled(m.nested, (0, 1, 2), args)
    imports = [n for n in ast.parse(source).body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [ast.unparse(n) for n in imports] == ["import numpy as np"]


def test_command_line_module_has_the_pairs_and_runs_alone(tmp_path):
    model = tmp_path / "layers.py"
    model.write_text(textwrap.dedent('''
        import numpy as np

        def dense(x, W, b):
            z = x @ W + b
            return np.maximum(z, 0.0)

        def loss(x, W1, b1, W2, b2):
            h = dense(x, W1, b1)
            return np.sum(dense(h, W2, b2) ** 2)
    '''))
    done = subprocess.run([sys.executable, "-m", "diffc", "compile", "layers.py", "-f", "loss",
                           "--arg", "x=4x3", "--arg", "W1=3x5", "--arg", "b1=shape:5", "--arg", "W2=5x2",
                           "--arg", "b2=shape:2", "--wrt", "x,W1,b1,W2,b2"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "layers_grad.py").read_text()
    assert "def dense_forward(" in text and "def dense_backward(" in text
    spec = importlib.util.spec_from_file_location("layers_grad", tmp_path / "layers_grad.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    args = (normal(4, 3), normal(3, 5), normal(5), normal(5, 2), normal(2))
    spec = importlib.util.spec_from_file_location("layers", model)
    live = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(live)
    want = diffc.grad(live.loss, wrt=(0, 1, 2, 3, 4))(*args)
    for g, w in zip(mod.grad_loss(*args), want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_a_dict_of_parameters_passed_to_a_helper():
    params = {"W1": normal(3, 4), "b1": normal(4), "W2": normal(4, 2)}
    args = (params, normal(5, 3), normal(5, 2))
    got = diffc.grad(m.dict_loss)(*args)

    def flat(W1, b1, W2):
        return m.dict_loss({"W1": W1, "b1": b1, "W2": W2}, *args[1:])
    values = (params["W1"], params["b1"], params["W2"])
    for k, key in enumerate(("W1", "b1", "W2")):
        np.testing.assert_allclose(got[key], numerical_grad(flat, values, k), rtol=1e-6, atol=1e-8)
    _, source = compiled(m.dict_loss, (0,), args)
    assert "dparams = net_backward(saved, " in source


def test_a_list_argument_and_a_loop_inside_the_helper():
    args = (normal(4), 0.7, -0.3)
    check_grads(m.list_loss, args, wrt=(0, 1, 2), modes=("reverse", "forward", "numeric"))
    _, source = compiled(m.list_loss, (0, 1, 2), args)
    assert "horner_forward(x, [a, b, a * b])" in source


def test_a_loop_with_tapes_inside_the_helper():
    args = (normal(4, 4), normal(4))
    check_grads(m.rayleigh, args, wrt=(0, 1), modes=("reverse", "forward", "numeric"))
    _, source = compiled(m.rayleigh, (0, 1), args)
    forward = source.split("def power_iteration_forward(")[1].split("\ndef ")[0]
    assert "_tape.append(" in forward and "_tape" in forward.split("return")[-1]


def test_a_loop_over_time_inside_the_helper_keeps_its_forward_whole():
    """Backprop through time's rewrites (the input product before the loop, the states in
    rows of one array) put statements into the forward loop for the backward one; in a
    pair, where they are two functions, they are not made (the forward lost a state and
    the compile failed with an internal KeyError)."""
    args = (normal(3, 4) / 2, normal(4, 4) / 2, normal(4) / 10, normal(2, 3, 3), normal(2, 4), normal(2, 3, 4))
    check_grads(m.rnn_sequence_loss, args, wrt=(0, 1, 2), modes=("reverse", "numeric"))
    _, source = compiled(m.rnn_sequence_loss, (0, 1, 2), args)
    assert "def rnn_over_time_forward(" in source and "def rnn_over_time_backward(" in source
