"""What a user of the command line reads: how ``--arg`` is understood, and the exact
wording of every message for a mistake in the command or in the example shapes.

Run in-process (``cli.main``) on model files in a temporary directory; the exit codes are
0 ok, 1 stale / mismatch, 2 a mistake of the user's (never 3, diffc's own bug)."""
import shlex
import textwrap

import numpy as np
import pytest

from diffc import cli
from diffc.cli import targets
from diffc.cli.targets import UsageError, parse_example

MODEL = '''\
import numpy as np
import diffc


@diffc.grad(wrt=("W", "b"))
def loss(W, b, X, y):
    scores = X @ W + b
    return np.sum(scores ** 2) / X.shape[0]


@diffc.grad(wrt="x")
def f(x, y):
    return np.sum(x * y)


def rnn(Wh, xs):
    h = np.zeros(3)
    for t in range(xs.shape[0]):
        h = np.tanh(h @ Wh + xs[t])
    return np.sum(h ** 2)
'''


@pytest.fixture
def model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path / ".cache"))
    (tmp_path / "model.py").write_text(MODEL)
    return tmp_path


def diffc(capsys, *words):
    """``(exit code, stdout, stderr)`` of ``diffc words...``."""
    code = cli.main(list(words))
    out, err = capsys.readouterr()
    return code, out, err


# -- how --arg is read ------------------------------------------------------------------------
@pytest.mark.parametrize("text,want", [
    ("5", 5), ("-2", -2), ("1", 1), ("+3", 3), ("2.0", 2.0), ("-4.0", -4.0), ("True", True),
    ("'mean'", "mean"), ("[1.0, 2.0]", [1.0, 2.0]),
])
def test_a_bare_number_is_always_the_number(text, want):
    """``--arg y=5`` was a length-5 vector while ``--arg x=-2`` was the number -2."""
    value = parse_example(text, {})
    assert value == want and type(value) is type(want)


@pytest.mark.parametrize("text,shape,dtype", [
    ("shape:5", (5,), "float64"), ("shape:1", (1,), "float64"), ("shape:3x4", (3, 4), "float64"),
    ("shape:", (), "float64"), ("3x4", (3, 4), "float64"), ("Nx3", (7, 3), "float64"),
    ("N", (7,), "float64"), ("5:int", (5,), "int64"), ("N:int", (7,), "int64"),
    ("3x4:float32", (3, 4), "float32"), ("shape:2:bool", (2,), "bool"),
])
def test_shapes_are_written_with_x_a_letter_a_dtype_or_shape_prefix(text, shape, dtype):
    value = parse_example(text, {})
    assert isinstance(value, np.ndarray) and value.shape == shape and value.dtype == dtype


def test_strings_inside_a_dict_of_shapes_are_shapes():
    value = parse_example('{"W": "3x4", "b": "4"}', {})
    assert value["W"].shape == (3, 4) and value["b"].shape == (4,)


def test_integer_labels_are_drawn_in_range():
    """``N:int`` labels were all zeros, so ``diffc check`` never tried another class."""
    labels = parse_example("200:int:10", {}, np.random.default_rng(1))
    assert labels.min() >= 0 and labels.max() <= 9 and len(set(labels.tolist())) == 10
    default = parse_example("200:int", {}, np.random.default_rng(1))
    assert set(default.tolist()) == {0, 1}


@pytest.mark.parametrize("text,message,hint", [
    ("shape:3y", "cannot read '3y' as a shape",
     "write the sizes joined by x, as numbers or letters: shape:5, shape:3x4, shape:Nx784"),
    ("N:complex", "--arg ...=N:complex: unknown dtype 'complex'",
     "the dtypes are int, bool, float32, float64"),
    ("N:float32:4", "--arg ...=N:float32:4: only integer labels take a range",
     "write N:int:10 for integers in [0, 10)"),
    ("N:int:0", "--arg ...=N:int:0: the range of integer labels is a positive number, as in "
     "N:int:10 (integers from 0 to 9)", ""),
    ("3 4", "cannot read the example value '3 4'", targets.ARG_HELP),
])
def test_unreadable_args_say_what_to_write(text, message, hint):
    with pytest.raises(UsageError) as e:
        parse_example(text, {})
    assert (e.value.message, e.value.hint) == (message, hint)


def test_the_help_names_the_one_shape_syntax():
    assert "shape:5 (a length-5 vector)" in targets.ARG_HELP
    assert "5 (a number, never a shape)" in targets.ARG_HELP


# -- the messages -----------------------------------------------------------------------------
def test_a_number_where_an_array_was_meant_says_how_it_was_read(model, capsys):
    code, out, err = diffc(capsys, "show", "model.py:f", "--arg", "x=5", "--arg", "y=shape:5")
    assert code == 2 and out == ""
    assert err == ("model.py:12:7: error: cannot differentiate with respect to 'x': it is the integer 5\n"
                   "    def f(x, y):\n"
                   "          ^\n"
                   "  hint: pass x as floats (e.g. np.asarray(x, dtype=float)), or leave it out of wrt\n"
                   "note: --arg x=5 is the number 5; for a length-5 vector write x=shape:5\n")
    code, out, _ = diffc(capsys, "show", "model.py:f", "--arg", "x=shape:5", "--arg", "y=-2")
    assert code == 0 and "Specialised to arguments x: float64[5], y: int." in out


def test_an_arg_without_a_value(model, capsys):
    code, _, err = diffc(capsys, "show", "model.py:f", "--arg", "x")
    assert code == 2
    assert err == ("error: --arg x gives no value: write --arg x=SHAPE or --arg x=VALUE\n"
                   "  hint: for example --arg x=3x4 (a 3x4 array), --arg x=shape:5 (a length-5 "
                   "vector) or --arg x=2.0 (a number)\n")


def test_an_arg_for_an_unknown_parameter(model, capsys):
    code, _, err = diffc(capsys, "show", "model.py:f", "--arg", "xx=2.0", "--arg", "y=2.0")
    assert code == 2
    assert err == ("error: --arg xx=2.0: f has no parameter 'xx'\n"
                   "  hint: did you mean x? its parameters are x, y\n")


def test_missing_args_are_named_without_made_up_shapes(model, capsys):
    """The hint suggested --arg NAME=3x4 for every parameter, labels and biases alike."""
    code, _, err = diffc(capsys, "show", "model.py:loss", "--arg", "W=3x4")
    assert code == 2
    assert err == ("error: no example argument for b, X, y: diffc specialises the code to example "
                   "arguments, one for each parameter without a default\n"
                   "  hint: add --arg b=... --arg X=... --arg y=..., each a shape (3x4, Nx784, "
                   "shape:5), integer labels (N:int:10) or a number (2.0)\n")


def test_compile_without_args_on_matmul_asks_for_them_with_an_example_that_works(model, capsys):
    """``diffc compile model.py`` on code using ``@`` failed with 'an operand that is not
    fixed here'; now it names the --args and shows a command that compiles."""
    code, out, err = diffc(capsys, "compile", "model.py", "-f", "loss")
    assert code == 2 and out == ""
    example = ("diffc compile model.py -f loss --arg W=3x4 --arg b=scalar --arg X=Nx3 "
               "--arg y=scalar")
    assert err == ("model.py:7:14: error: without --arg, diffc compile makes code for any shapes, "
                   "and `X @ W` has none: its gradient depends on the shapes of its operands\n"
                   "        scores = X @ W + b\n"
                   "                 ^^^^^\n"
                   f"  hint: give example arguments, e.g. `{example}` (that compiles; put in your "
                   f"own shapes)\n")
    code, out, err = diffc(capsys, *shlex.split(example)[1:])
    assert code == 0 and out == "wrote model_grad.py (grad_loss)\n"


def test_example_shapes_that_do_not_fit_the_model_are_the_users_error(model, capsys):
    """A mistake in the example shapes was 'internal error in diffc' (exit 3)."""
    code, out, err = diffc(capsys, "show", "model.py:loss", "--arg", "W=3x4", "--arg", "b=shape:5",
                           "--arg", "X=Nx3", "--arg", "y=N:int")
    assert code == 2 and out == ""
    assert err == ("model.py:7:14: error: on the example arguments this line raises ValueError: "
                   "operands could not be broadcast together with shapes (7,4) (5,)\n"
                   "        scores = X @ W + b\n"
                   "                 ^^^^^^^^^\n"
                   "  hint: the --arg examples do not fit this line; they were read as: W=3x4: a "
                   "float64 array of shape [3, 4]; b=shape:5: a float64 array of shape [5]; X=Nx3: "
                   "a float64 array of shape [7, 3]; y=N:int: an int64 array of shape [7]; N "
                   "stands for 7\n")


def test_compile_check_reuses_the_args_the_header_records(model, capsys):
    args = ["--arg", "W=3x4", "--arg", "b=shape:4", "--arg", "X=Nx3", "--arg", "y=N:int:4"]
    assert diffc(capsys, "compile", "model.py", "-f", "loss", *args)[0] == 0
    code, out, err = diffc(capsys, "compile", "model.py", "--check")
    assert (code, out, err) == (0, "model_grad.py is up to date\n", "")
    text = (model / "model_grad.py").read_text()
    (model / "model_grad.py").write_text(text.replace("dW = ", "dW = 2 * "))
    code, _, err = diffc(capsys, "compile", "model.py", "--check")
    assert code == 1
    assert err == ("model_grad.py is stale: regenerate it with `diffc compile model.py -f loss "
                   "--arg W=3x4 --arg b=shape:4 --arg X=Nx3 --arg y=N:int:4`\n")


# -- diffc graph ---------------------------------------------------------------------------------
def test_graph_uses_the_decorators_wrt(model, capsys):
    """``@diffc.grad(wrt="x")``: the graph drew a gradient for y too."""
    code, dot, _ = diffc(capsys, "graph", "model.py:f", "--arg", "x=2.0", "--arg", "y=3.0")
    assert code == 0
    edges = {line.split("[")[0].strip(): line for line in dot.splitlines() if "->" in line}
    assert '<FONT COLOR="red">3</FONT>' in edges['"in0" -> "op0"']       # dx = y
    assert "FONT" not in edges['"in1" -> "op0"']                          # y: not asked for


def test_graph_draws_a_loop_with_its_body(model, capsys):
    """A loop was one node, ``for``; now a cluster holds one iteration of its body, with
    the values of the last iteration (checked against running the loop in NumPy)."""
    code, dot, err = diffc(capsys, "graph", "model.py:rnn", "--arg", "Wh=3x3", "--arg", "xs=4x3")
    assert code == 0
    assert err == "note: inside a loop, edges show the values of its last iteration\n"
    assert 'subgraph "cluster_op4" {' in dot
    assert 'label="for t in range(xs.shape[0])  (one iteration)"' in dot
    body = dot[dot.index('subgraph "cluster_op4"'):dot.index("  }\n")]
    labels = [part.split('"')[1] for part in body.split("label=")[2:]]
    assert labels == ["t", "h", "@", "[t]", "+", "tanh"]
    assert '"op4_4" -> "op4p1" [label="next iteration", style=dashed' in dot
    rng = np.random.default_rng(0)            # the values --arg draws: seed 0, in order
    Wh, xs = rng.standard_normal((3, 3)), rng.standard_normal((4, 3))
    h = np.zeros(3)
    for t in range(3):
        h = np.tanh(h @ Wh + xs[t])
    from diffc.tools.graph import format_value
    assert f'"op4p1" -> "op4_1" [label=<{format_value(h)}>' in dot      # h entering step 3
    final = np.tanh(h @ Wh + xs[3])
    assert f'"op4_4" -> "op5" [label=<{format_value(final)}<BR/>' in dot


def test_docstrings_name_the_sizes_given_as_letters(model, capsys):
    """``--arg X=Nx3`` makes code for any N: the docstring said ``X: float64[7, 3]`` (7 is
    only N's stand-in while compiling)."""
    code, out, _ = diffc(capsys, "show", "model.py:loss", "--arg", "W=3x4", "--arg", "b=shape:4",
                         "--arg", "X=Nx3", "--arg", "y=N:int:4")
    assert code == 0
    assert ("Specialised to arguments W: float64[3, 4], b: float64[4], X: float64[N, 3], "
            "y: int64[N].") in out


@pytest.mark.parametrize("example", ["two_layer_net", "mlp_digits", "linear_classifiers"])
def test_the_examples_compiled_without_args_suggest_a_command_that_works(example, tmp_path,
                                                                         monkeypatch, capsys):
    import os
    import re
    import shutil

    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
    shutil.copy(os.path.join(here, f"{example}.py"), tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path / ".cache"))
    code, _, err = diffc(capsys, "compile", f"{example}.py", "-o", "-")
    assert code == 2
    suggested = re.search(r"hint: give example arguments, e\.g\. `(diffc compile .*?)` \(that "
                          r"compiles; put in your own shapes\)", err)
    assert suggested, err
    code, out, err = diffc(capsys, *shlex.split(suggested.group(1))[1:], "-o", "-")
    assert (code, err) == (0, "") and "def grad_" in out
