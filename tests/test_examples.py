"""The examples in examples/ run, print, and get the right answers.

Each example exposes ``main(argv) -> dict``; the tests call it in-process with quick
flags and check the results: the seed notes' gradient values, hand-derived formulas,
gradient checks, decreasing losses and test accuracies. A few examples also run as
scripts in a subprocess, the way a reader runs them. And every committed generated
module must be exactly what ``diffc compile`` produces now (``--check``).
"""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from diffc import cli

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")

# The command line each committed *_grad.py module was generated with
# (`diffc compile examples/NAME.py FLAGS`). Keep in step with the examples' docstrings.
GENERATED = {
    "apple_shopping": ["--arg", "apple=scalar", "--arg", "apple_num=scalar", "--arg", "orange=scalar",
                       "--arg", "orange_num=scalar", "--arg", "tax=scalar"],
    "chain_rule": ["--arg", "s=scalar", "--arg", "t=scalar"],
    "sigmoid_neuron": ["--arg", "w=shape:3", "--arg", "x=shape:2"],
    "mlp_digits": ["--arg", "w1=30x64", "--arg", "b1=30x1", "--arg", "w2=10x30", "--arg", "b2=10x1",
                   "--arg", "x=64xN", "--arg", "y=10xN"],
    "two_layer_net": ["--arg", "W1=64x50", "--arg", "b1=shape:50", "--arg", "W2=50x10", "--arg", "b2=shape:10",
                      "--arg", "x=Nx64", "--arg", "t=Nx10"],
    # y: integer class labels, one per row of X
    "linear_classifiers": ["--arg", "W=64x10", "--arg", "b=shape:10", "--arg", "X=Nx64",
                           "--arg", "y=N:int", "--arg", "reg=scalar"],
    # -f/--wrt: rnn.py's loss is not decorated; xs is T x N x 1 (time first), y is N x 1
    "rnn": ["-f", "loss", "--wrt", "Wx,Wh,b,Wy,by", "--arg", "Wx=1x16", "--arg", "Wh=16x16",
            "--arg", "b=shape:16", "--arg", "Wy=16x1", "--arg", "by=shape:1", "--arg", "xs=TxNx1", "--arg", "y=Nx1"],
}


@pytest.fixture
def example(monkeypatch):
    """Import examples/NAME.py as a fresh module, with examples/ importable (for NAME_grad)."""
    monkeypatch.syspath_prepend(EXAMPLES)

    def load(name):
        spec = importlib.util.spec_from_file_location(f"examples_{name}", os.path.join(EXAMPLES, f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


def test_apple_shopping(example, capsys):
    r = example("apple_shopping").main([])
    assert r["price"] == pytest.approx(715.0)
    expected = {"apple": 2.2, "apple_num": 110.0, "orange": 3.3, "orange_num": 165.0, "tax": 650.0}
    assert r["grads"] == pytest.approx(expected)
    assert r["generated_grads"] == pytest.approx(expected)
    assert r["agree"]
    out = capsys.readouterr().out
    assert "price = 715" in out and "650" in out


def test_apple_shopping_other_inputs(example):
    r = example("apple_shopping").main(["--apple", "50", "--apples", "4", "--tax", "1.0"])
    assert r["price"] == pytest.approx(50 * 4 + 150 * 3)
    assert r["grads"]["apple"] == pytest.approx(4.0)
    assert r["grads"]["tax"] == pytest.approx(650.0)


def test_chain_rule(example):
    r = example("chain_rule").main(["--points", "4"])
    assert len(r["rows"]) == 5
    for row in r["rows"]:
        s, t = row["s"], row["t"]
        x, y = s - np.sin(t), np.exp(s) + np.cos(t)
        formula = (2 * x - 2 * y * np.exp(s), -2 * x * np.cos(t) + 2 * y * np.sin(t))
        assert row["diffc"] == pytest.approx(formula, rel=1e-12, abs=1e-12)
        assert row["generated"] == pytest.approx(row["diffc"], rel=1e-15)
    assert r["max_abs_difference"] < 1e-10


def test_sigmoid_neuron(example, capsys):
    r = example("sigmoid_neuron").main(["--points", "21"])
    s = 1 / (1 + np.exp(-1.0))                      # z = 2*(-1) + (-3)*(-2) - 3 = 1
    ds = s * (1 - s)
    assert r["value"] == pytest.approx(s)
    np.testing.assert_allclose(r["dw"], [-ds, -2 * ds, ds], rtol=1e-12)
    np.testing.assert_allclose(r["dx"], [2 * ds, -3 * ds], rtol=1e-12)
    # the seed notes' rounded values
    np.testing.assert_allclose(r["dw"], [-0.20, -0.39, 0.20], atol=0.005)
    np.testing.assert_allclose(r["dx"], [0.39, -0.59], atol=0.005)
    assert r["neuron_agrees"]
    assert r["sigmoid_max_abs_difference"] < 1e-12
    out = capsys.readouterr().out
    assert "def grad_sigmoid(z):" in out and "s * (1 - s)" in out


def test_mlp_digits(example, tmp_path):
    pytest.importorskip("sklearn")
    plot = tmp_path / "loss.png"
    r = example("mlp_digits").main(["--epochs", "3", "--quick", "--plot", str(plot)])
    history = r["history"]
    assert [h["epoch"] for h in history] == [0, 1, 2, 3]     # epoch 0: before training
    costs = [h["train_cost"] for h in history]
    assert costs[-1] < 0.5 * costs[0]
    assert costs[1] < costs[0]
    # 30 epochs reach about 98%; three epochs already pass 90%
    assert r["test_accuracy"] >= 0.90
    assert r["gradient_difference"] < 1e-12
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert r["plot"] is None
    else:
        assert plot.stat().st_size > 1000


def test_two_layer_net(example):
    pytest.importorskip("sklearn")
    r = example("two_layer_net").main(["--epochs", "5", "--quick"])
    # central differences with h = 1e-4 agree with the exact gradient to ~1e-9 here
    for name, difference in r["gradient_check"].items():
        assert difference < 1e-7, name
    assert r["losses"][-1] < r["losses"][0]
    assert r["test_accuracy"] >= 0.90


def test_linear_classifiers(example):
    pytest.importorskip("sklearn")
    r = example("linear_classifiers").main(["--epochs", "10", "--quick"])
    for name in ("softmax", "SVM"):
        losses = r[name]["losses"]                  # losses[0]: before training
        assert losses[-1] < 0.25 * losses[0], name
        assert r[name]["test_accuracy"] >= 0.90, name


def test_linear_classifiers_generated_module_matches_diffc_grad(example):
    """The committed module (compiled from example labels given as a list) agrees with
    diffc.grad compiled at run time for integer labels, at a batch size other than 7."""
    module = example("linear_classifiers")
    import linear_classifiers_grad as generated

    rng = np.random.default_rng(5)
    W, b = rng.standard_normal((64, 10)), rng.standard_normal(10)
    X, y = rng.random((23, 64)), rng.integers(0, 10, 23)
    for loss, shipped in ((module.softmax_loss, generated.grad_softmax_loss),
                          (module.svm_loss, generated.grad_svm_loss)):
        for a, c in zip(loss(W, b, X, y, 1e-3), shipped(W, b, X, y, 1e-3)):
            np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_mlp_digits_printed_progress_bar(example, capsys):
    """Without tqdm the example prints its own bar, one line per epoch, to stderr."""
    bar = example("mlp_digits").PrintedBar(range(4), total=4, width=8)
    for epoch in bar:
        bar.set_postfix_str(f"cost {epoch}")
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["[##......] epoch 1/4 cost 0", "[####....] epoch 2/4 cost 1",
                     "[######..] epoch 3/4 cost 2", "[########] epoch 4/4 cost 3"]


def test_rnn(example, capsys):
    r = example("rnn").main(["--steps", "150", "--quick"])
    losses = r["losses"]                       # losses[0]: before training, on a fixed validation set
    assert len(losses) == 11
    # 150 Adam steps take the validation MSE from ~0.73 to ~0.002
    assert losses[-1] < 0.01 * losses[0]
    assert losses[1] < losses[0]
    assert r["generated_difference"] < 1e-12
    # backpropagation through time saves exactly one hidden state per step (T = 20)
    assert r["tape_peak"] == 20
    out = capsys.readouterr().out
    assert "tape peak: 20 saved arrays" in out and "validation loss" in out


def test_rnn_generated_module_is_bptt_with_a_tape():
    source = open(os.path.join(EXAMPLES, "rnn_grad.py")).read()
    assert "h_tape.append(h)" in source and "h_tape.pop()" in source
    assert "for t in reversed(steps):" in source
    assert source.count("_tape = []") == 1           # only the hidden states are saved


def test_rnn_gradient_matches_central_differences(example):
    from diffc.testing import check_grads

    module = example("rnn")
    rng = np.random.default_rng(3)
    params = module.init_params(rng, hidden=4)
    xs, y = module.sine_batch(rng, 3, 5)
    check_grads(module.loss, (*params, xs, y), wrt=(0, 1, 2, 3, 4))


def test_gradient_penalty(example, capsys):
    r = example("gradient_penalty").main(["--steps", "50", "--quick"])
    # reverse over reverse and forward over reverse agree with central differences
    assert [c[:2] for c in r["check"]] == [("reverse", "numeric"), ("forward", "numeric")]
    for mode, against, abs_err, rel_err, ok in r["check"]:
        assert ok and rel_err < 1e-6, mode
    # ... and with the formula g + 2 lam H g
    assert r["formula_difference"] < 1e-12
    losses = r["losses"]
    assert losses[-1] < 0.1 * losses[0]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert r["history"][-1]["grad_norm"] < 0.02 * r["history"][0]["grad_norm"]
    assert r["accuracy"] >= 0.85
    assert "reverse vs numeric" in capsys.readouterr().out


def test_gradient_penalty_needs_the_python_api(capsys):
    """`diffc compile` does not import the model, so it cannot see through grad_loss."""
    model = os.path.join(EXAMPLES, "gradient_penalty.py")
    status = cli.main(["compile", model, "-f", "penalised", "--wrt", "w", "--arg", "w=shape:3",
                       "--arg", "X=Nx3", "--arg", "y=N", "--arg", "lam=scalar", "-o", "-"])
    assert status == 2
    assert "grad_loss" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["apple_shopping", "sigmoid_neuron", "mlp_digits", "rnn"])
def test_runs_as_a_script(name, tmp_path):
    """`python examples/NAME.py` works from any directory (it finds NAME_grad beside it)."""
    if name == "mlp_digits":
        pytest.importorskip("sklearn")
    argv = {"mlp_digits": ["--epochs", "1", "--quick"], "rnn": ["--steps", "20", "--quick"]}.get(name, [])
    done = subprocess.run([sys.executable, os.path.join(EXAMPLES, f"{name}.py"), *argv],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert not list(tmp_path.iterdir())            # a quick run writes no files


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_module_is_up_to_date(name, capsys):
    model = os.path.join(EXAMPLES, f"{name}.py")
    status = cli.main(["compile", model, *GENERATED[name], "--check"])
    command = " ".join(["diffc compile", f"examples/{name}.py", *GENERATED[name]])
    assert status == 0, (f"examples/{name}_grad.py differs from what diffc generates now; "
                         f"regenerate it with `{command}`\n{capsys.readouterr().err}")


if __name__ == "__main__":
    # `python tests/test_examples.py` regenerates every committed *_grad.py module.
    for name, flags in sorted(GENERATED.items()):
        cli.main(["compile", os.path.join(EXAMPLES, f"{name}.py"), *flags])


def _penalty_module_text(load):
    """The gradient of examples/gradient_penalty.py's penalised loss, as the Python API
    generates it (the command line cannot: it does not import the model)."""
    import diffc
    gp = load("gradient_penalty")
    rng = np.random.default_rng(0)
    X, y = gp.make_data(rng, 16)
    text = diffc.grad(gp.penalised).source_for(np.zeros(X.shape[1]), X, y, 0.1)
    return "\n".join(line for line in text.splitlines() if not line.startswith("# Generated by diffc")) + "\n"


def test_gradient_penalty_generated_module_is_up_to_date(example):
    path = os.path.join(EXAMPLES, "gradient_penalty_grad.py")
    text = _penalty_module_text(example)
    if os.environ.get("DIFFC_UPDATE_EXAMPLES"):
        with open(path, "w") as fh:
            fh.write(text)
    with open(path) as fh:
        assert fh.read() == text, \
            "examples/gradient_penalty_grad.py is stale: rerun with DIFFC_UPDATE_EXAMPLES=1"


_WITHOUT = """
import sys, runpy
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == {blocked!r}:
            raise ImportError(f"No module named {{name!r}} (hidden by the test)")
sys.meta_path.insert(0, Block())
sys.argv = [{script!r}]
runpy.run_path({script!r}, run_name="__main__")
"""


@pytest.mark.parametrize("name", ["linear_classifiers", "mlp_digits", "two_layer_net"])
def test_an_example_run_without_its_extra_says_which_to_install(name):
    """Without scikit-learn, the digits examples stop with one line naming the extra to
    install (they ended in a ModuleNotFoundError traceback)."""
    script = os.path.join(EXAMPLES, f"{name}.py")
    done = subprocess.run([sys.executable, "-c", _WITHOUT.format(blocked="sklearn", script=script)],
                          capture_output=True, text=True, cwd=EXAMPLES, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == ("this example trains on scikit-learn's digits data set, and "
                                   "scikit-learn is not installed: pip install -e \".[examples]\" "
                                   "(from the repository), or pip install scikit-learn")
