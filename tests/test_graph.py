"""``diffc.graph``: the computational graph with values forward and gradients back.

The functions drawn are defined in this file (diffc reads their source). Gradients on
edges are checked against central differences, an oracle independent of the graph.
"""
import re
import shutil
import sys

import numpy as np
import pytest

import diffc
from diffc.tools.graph import Graph, GraphvizNotFound, format_value, op_label
from diffc.testing import numerical_grad

HAVE_DOT = shutil.which("dot") is not None
rng = np.random.default_rng(3)


def classic(x, y, z):
    q = x + y
    return q * z


def square_plus_exp(x):
    return x * x + np.exp(x) * 2.0


def neuron(w, x, b):
    a = np.tanh(w * x + b)
    return a * a - w


def picks(W, v):
    h = W[0, :] * v
    return h[1] * h[2] + h[1]


def vector_out(x):
    return x * 2.0


def ignores_y(x, y):
    return x * 3.0


def branch(x):
    if x > 0:
        y = x * 2.0
    else:
        y = -x
    return y * x


@diffc.grad(wrt="x")
def decorated(x, y):
    return x * y


def edges_into(g, label):
    """The edges into the (first) node labelled ``label``."""
    node = next(n for n in g.nodes if n.label == label)
    return [e for e in g.edges if e.head == node.id]


def edges_from_input(g, name):
    node = next(n for n in g.nodes if n.kind == "input" and n.label == name)
    return [e for e in g.edges if e.tail == node.id]


def test_classic_figure_values_and_gradients():
    g = diffc.graph(classic, -2.0, 5.0, -4.0)
    labels = sorted(n.label for n in g.nodes)
    assert labels == ["*", "+", "classic", "x", "y", "z"]
    plus = {e.name: (e.value, e.grad) for e in edges_into(g, "+")}
    assert plus == {"x": ("-2", "-4"), "y": ("5", "-4")}
    times = {e.name: (e.value, e.grad) for e in edges_into(g, "*")}
    assert times == {"q": ("3", "-4"), "z": ("-4", "3")}
    (result,) = edges_into(g, "classic")
    assert (result.value, result.grad) == ("-12", "1")


def test_dot_text_carries_values_above_and_red_gradients_below():
    dot = diffc.graph(classic, -2.0, 5.0, -4.0).dot
    assert dot.startswith('digraph "classic" {') and "rankdir=LR" in dot
    for label in ("x", "y", "z", "+", "*", "classic"):
        assert f'label="{label}"' in dot
    pairs = re.findall(r'label=<([^<>]*)<BR/><FONT COLOR="red">([^<>]*)</FONT>>', dot)
    assert sorted(pairs) == sorted([("-2", "-4"), ("5", "-4"), ("3", "-4"), ("-4", "3"), ("-12", "1")])


@pytest.mark.parametrize("f,args", [
    (classic, (-2.0, 5.0, -4.0)),
    (square_plus_exp, (0.7,)),
    (neuron, (0.3, 1.5, -0.2)),
    (picks, (rng.normal(size=(2, 3)), rng.normal(size=3))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_gradients_on_input_edges_sum_to_central_differences(f, args):
    g = diffc.graph(f, *args)
    tr = diffc.compiler.pipeline.trace(diffc.frontend.source.from_function(f), args, tuple(range(len(args))))
    for i, name in enumerate(f.__code__.co_varnames[:len(args)]):
        want = numerical_grad(f, args, i)
        uses = edges_from_input(g, name)
        assert uses and all(e.grad is not None for e in uses)
        var = tr.func.params[i]
        got = sum(tr.facts.value(gr) for key, grads in tr.contributions.items()
                  if key[0] == var for gr in grads)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
        if np.ndim(want) == 0:
            shown = sum(float(e.grad) for e in uses)
            np.testing.assert_allclose(shown, want, rtol=1e-3, atol=1e-3)


def test_fan_out_edges_each_carry_their_own_gradient():
    g = diffc.graph(square_plus_exp, 3.0)
    into_square = edges_into(g, "*")[:2]
    assert [(e.value, e.grad) for e in into_square] == [("3", "3"), ("3", "3")]
    (into_exp,) = edges_into(g, "exp")
    assert into_exp.grad == format_value(2.0 * np.exp(3.0))


def test_constants_are_input_nodes_and_indices_are_labels():
    g = diffc.graph(square_plus_exp, 1.0)
    assert any(n.kind == "const" and n.label == "2" for n in g.nodes)
    g = diffc.graph(picks, np.ones((2, 3)), np.ones(3))
    labels = {n.label for n in g.nodes if n.kind == "op"}
    assert {"[0, :]", "[1]", "[2]", "*", "+"} <= labels
    assert not any(n.kind == "const" for n in g.nodes)


def test_structure_only_without_arguments():
    g = diffc.graph(classic)
    assert all(e.value is None and e.grad is None for e in g.edges)
    assert {e.name for e in g.edges} == {"x", "y", "z", "q", "out"}
    assert "<BR/>" not in g.dot and "gradients below" not in g.dot


def test_integer_arguments_give_values_but_no_gradients():
    g = diffc.graph(classic, -2, 5, -4)
    assert [e.value for e in edges_into(g, "classic")] == ["-12"]
    assert all(e.grad is None for e in g.edges)
    assert any("no float parameter" in n for n in g.notes)
    assert "// no float parameter" in g.dot


def test_non_scalar_result_draws_values_only():
    g = diffc.graph(vector_out, np.array([1.0, 2.0]))
    assert all(e.grad is None for e in g.edges)
    assert any("not a scalar" in n for n in g.notes)
    assert edges_into(g, "vector_out")[0].value == "[2, 4]"


def test_wrt_limits_the_gradients_drawn():
    g = diffc.graph(neuron, 0.3, 1.5, -0.2, wrt="b")
    assert all(e.grad is None for e in edges_from_input(g, "w"))
    assert all(e.grad is not None for e in edges_from_input(g, "b"))


def test_a_parameter_the_result_ignores_gets_no_gradient_edge():
    g = diffc.graph(ignores_y, 1.0, 2.0)
    assert edges_from_input(g, "y") == []
    assert edges_from_input(g, "x")[0].grad == "3"


def test_decorated_function_and_keyword_arguments():
    """``@diffc.grad(wrt="x")``: the gradient drawn is the one the decorator asks for (y
    had one too); ``wrt=`` still chooses."""
    g = diffc.graph(decorated, 2.0, y=5.0)
    assert {e.name: e.grad for e in edges_into(g, "*")} == {"x": "5", "y": None}
    g = diffc.graph(decorated, 2.0, y=5.0, wrt=("x", "y"))
    assert {e.name: e.grad for e in edges_into(g, "*")} == {"x": "5", "y": "2"}


@pytest.mark.parametrize("value,text", [
    (3.0, "3"), (-12.0, "-12"), (0.1234567, "0.1235"), (1e-9, "1e-09"), (np.float32(2.5), "2.5"),
    (7, "7"), (True, "True"), (np.array(4.0), "4"), (np.array([1.0, -2.5]), "[1, -2.5]"),
    (np.arange(12.0).reshape(3, 4), "3x4 in [0, 11]"), (np.zeros((2, 0)), "2x0 float64"),
    (np.array([[True, False]]), "1x2 bool"), ((3, 4), "(3, 4)"),
])
def test_format_value(value, text):
    assert format_value(value) == text


def test_op_labels_come_from_the_rule_registry():
    func = diffc.compiler.pipeline.lower(diffc.frontend.source.from_function(neuron))
    assert [op_label(e) for e in func.body] == ["*", "+", "tanh", "*", "-"]


def test_save_dot_and_unknown_extension(tmp_path):
    g = diffc.graph(classic, -2.0, 5.0, -4.0)
    path = g.save(str(tmp_path / "g.dot"))
    assert open(path).read() == g.dot
    with pytest.raises(diffc.DiffcError, match="unknown extension"):
        g.save(str(tmp_path / "g.jpeg"))


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")
def test_svg_png_and_jupyter_display(tmp_path):
    g = diffc.graph(classic, -2.0, 5.0, -4.0)
    g.save(str(tmp_path / "g.svg"))
    svg = (tmp_path / "g.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and ">&#45;12<" in svg
    g.save(str(tmp_path / "g.png"))
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = g._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "<svg" in g._repr_svg_()


def test_without_graphviz_dot_text_still_works(tmp_path, monkeypatch):
    graph_module = sys.modules["diffc.tools.graph"]   # diffc.graph is the function
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    g = diffc.graph(classic, -2.0, 5.0, -4.0)
    with pytest.raises(GraphvizNotFound, match="Graphviz") as info:
        g.save(str(tmp_path / "g.svg"))
    assert "apt-get install graphviz" in info.value.hint
    assert not (tmp_path / "g.svg").exists()
    assert g._repr_svg_() is None
    assert g._repr_mimebundle_() == {"text/plain": g.dot}


def test_control_flow_is_one_node_per_statement():
    g = diffc.graph(branch, 2.0)
    assert [n.label for n in g.nodes if n.kind == "op"] == [">", "if", "*"]
    (result,) = edges_into(g, "branch")
    assert (result.value, result.grad) == ("8", "1")
    assert {e.name: e.grad for e in edges_into(g, "*")} == {"y": "2", "x": "4"}


def test_repr_counts_operations():
    assert repr(diffc.graph(classic)) == "<diffc.graph of classic: 2 operations>"
    assert isinstance(diffc.graph(classic), Graph)
