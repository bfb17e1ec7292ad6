"""Objects made inside the differentiated function (``lower_construct``), checked against
central differences on the user's own function; what would outlive the call is refused
with its location."""
import numpy as np
import pytest

import diffc
from diffc.errors import DiffcError, UnsupportedSyntax
from diffc.testing import numerical_grad
from tests import construct_models as m

rng = np.random.default_rng(19)
W, b, x = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3))
W2, b2 = rng.standard_normal((2, 1)), rng.standard_normal(1)
Wsq, bsq = rng.standard_normal((3, 3)), rng.standard_normal(3)
params = {"W1": rng.standard_normal((3, 3)), "b1": rng.standard_normal(3),
          "W2": rng.standard_normal((3, 2)), "b2": rng.standard_normal(2)}

CASES = [
    ("inherited __init__, overridden forward, super().forward", m.loss_inherited_init, (W, b, x), (0, 1, 2)),
    ("own __init__ calling super().__init__", m.loss_super_init, (W, b, x), (0, 1, 2)),
    ("*layers, list(layers), sum over a generator", m.loss_varargs_model,
     (W, b, W2, b2, x, 0.1), (0, 1, 2, 3, 4)),
    ("a returned attribute that a method assigns", m.loss_returned_attribute, (W, x), (0, 1)),
    ("layers made in a comprehension from a dict", m.loss_layers_in_a_loop, (params, x), (0, 1)),
    ("a cache stored by a method read back", m.loss_layer_cache_read_back, (Wsq, bsq, x), (0, 1, 2)),
    ("a helper returning an object it made", m.loss_helper_builds, (W, b, x), (0, 1, 2)),
    ("a dataclass with __post_init__ and a default_factory", m.loss_dataclass, (W, b, x), (0, 1, 2)),
    ("a dataclass's defaults", m.loss_dataclass_default, (W, b, x), (0, 1, 2)),
    ("dataclasses: InitVar, init=False, frozen", m.loss_dataclass_initvar, (W, x), (0, 1)),
    ("a namedtuple: fields, index, unpacking, isinstance", m.loss_namedtuple, (W, b, x), (0, 1, 2)),
    ("namedtuples with a default, in a list", m.loss_namedtuple_default, (W, b, x), (0, 1, 2)),
    ("objects holding objects, each __call__ once per object", m.loss_nested_nodes,
     (W, rng.standard_normal((2, 2)), x), (0, 1, 2)),
    ("a list attribute a method appends to, also held by a name", m.loss_list_attribute_shared,
     (W, b, x), (0, 1, 2)),
]


def _close(got, want):
    if isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-7)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("label, fn, args, wrt", CASES, ids=[c[0] for c in CASES])
def test_gradient_through_an_object_made_in_the_loss(label, fn, args, wrt):
    value, grads = diffc.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    for k, i in enumerate(wrt):
        _close(grads[k], numerical_grad(fn, args, i))


def test_second_call_with_new_values_is_right():
    g = diffc.grad(m.loss_varargs_model, wrt=(0, 2))
    g(W, b, W2, b2, x, 0.1)
    args = (W * 1.5, b - 1, W2 + 0.5, b2, x * 2, 0.3)
    got = g(*args)
    _close(got[0], numerical_grad(m.loss_varargs_model, args, 0))
    _close(got[1], numerical_grad(m.loss_varargs_model, args, 2))


def test_generated_code_holds_no_object():
    """The object exists only while compiling: the code uses the arrays its attributes are,
    in the user's order, with no attribute store, read or class in sight."""
    g = diffc.grad(m.loss_varargs_model, wrt=(0, 1, 2, 3))
    g(W, b, W2, b2, x, 0.1)
    src = g.source
    body = src.split('"""', 2)[2]          # after the docstring
    for absent in ("Chain", "Affine", "Sigmoid", "getattr", "setattr", "store", "layers", "object"):
        assert absent not in body, absent
    assert "x @ W1 + b1" in body and "@ W2" in body and "+ b2" in body
    assert body.index("x @ W1") < body.index("np.exp") < body.index("@ W2") < body.index("+ b2")
    compile(src, "<generated>", "exec")


def test_a_recursion_through_the_same_object_is_still_refused():
    with pytest.raises(UnsupportedSyntax, match="recursive call to __call__"):
        diffc.grad(m.recurses_on_itself)(Wsq, x)


def _refusal(fn, args, api=diffc.grad, **kw):
    with pytest.raises(DiffcError) as err:
        api(fn, **kw)(*args)
    text = str(err.value)
    assert text.startswith(m.__file__) and "error:" in text, text
    return text


def test_returning_the_object_is_refused_with_a_hint():
    text = _refusal(m.returns_the_model, (W, b, x), diffc.jacobian)
    assert "an Affine object made in the function cannot be returned" in text
    assert "return layer" in text and "its attribute W" in text


def test_returning_the_object_as_aux_is_refused():
    text = _refusal(m.returns_with_the_model, (W, b, x), has_aux=True)
    assert "cannot be returned" in text and "return np.sum(layer(x)), layer" in text


def test_storing_the_object_on_an_argument_is_refused():
    text = _refusal(m.stores_on_argument, (m.Holder(), W, b, x), wrt=1)
    assert "stored on an object that outlives the call" in text and "holder.kept = layer" in text


def test_passing_the_object_to_numpy_is_refused():
    text = _refusal(m.passes_to_numpy, (W, b, x))
    assert "cannot be passed to asarray()" in text


def test_returning_a_namedtuple_made_in_the_function_is_refused():
    text = _refusal(m.returns_namedtuple, (W, b, x), diffc.jacobian)
    assert "a Pair object made in the function cannot be returned" in text


def test_a_class_with_slots_is_refused_with_a_hint_that_works():
    text = _refusal(m.makes_slotted, (Wsq, x))
    assert "__slots__" in text and "Slotted(W)" in text


def test_an_abstract_class_raises_as_python_does():
    with pytest.raises(TypeError, match="abstract"):
        diffc.grad(m.makes_abstract)(Wsq, x)


def test_objects_passed_in_calling_one_another_by_the_same_method():
    """A model's __call__ calling its layers' (the same function on other objects) is not a
    recursion: it was refused as one."""
    node = m.Node(Wsq, m.Node(rng.standard_normal((3, 2))))
    got = diffc.grad(m.loss_node_given, wrt=1)(node, x)
    _close(got, numerical_grad(m.loss_node_given, (node, x), 1))


def test_a_class_rebound_between_calls_compiles_again(monkeypatch):
    """The class a name holds is a guard: bound to another class, the loss is another
    function, and the gradient follows it."""
    g = diffc.grad(m.loss_helper_builds, wrt=0)
    first = g(W, b, x)
    _close(first, numerical_grad(m.loss_helper_builds, (W, b, x), 0))
    monkeypatch.setattr(m, "Affine", m.ScaledAffine)
    second = g(W, b, x)
    _close(second, numerical_grad(m.loss_helper_builds, (W, b, x), 0))
    assert not np.allclose(first, second)


def test_a_class_attribute_changed_between_calls_compiles_again(monkeypatch):
    """``scale = 0.5`` on the class is compiled in: a change is a guard that fails (the
    old code gave the old gradient)."""
    g = diffc.grad(m.loss_class_attribute)
    first = g(Wsq, x)
    _close(first, numerical_grad(m.loss_class_attribute, (Wsq, x), 0))
    monkeypatch.setattr(m.Scaled, "scale", 2.0)
    second = g(Wsq, x)
    _close(second, numerical_grad(m.loss_class_attribute, (Wsq, x), 0))
    assert not np.allclose(first, second)


@pytest.mark.parametrize("fn, where", [(m.makes_in_a_data_branch, "in a branch the data decides"),
                                       (m.makes_in_a_while, "in a `while` loop")])
def test_making_an_object_where_steps_are_not_known_is_refused_with_a_hint(fn, where):
    text = _refusal(fn, (Wsq, x))
    assert f"making a Scaled object {where} is not supported" in text
    assert "layer = Scaled(" in text and "make the Scaled before it" in text


def test_the_command_line_says_it_cannot_make_the_object(tmp_path, monkeypatch, capsys):
    from diffc import cli
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path / ".cache"))
    (tmp_path / "model.py").write_text(
        "import numpy as np\n\n\nclass Scaled:\n    def __init__(self, W):\n        self.W = W\n\n\n"
        "def loss(W, x):\n    return np.sum(x @ Scaled(W).W)\n")
    code = cli.main(["compile", "model.py", "-f", "loss", "--arg", "W=3x2", "--arg", "x=4x3"])
    err = capsys.readouterr().err
    assert code == 2
    assert "model.py:10:" in err and "Scaled is a class of the module" in err and "diffc.grad" in err


def test_a_default_factory_making_an_array_is_refused_with_a_hint_that_works():
    text = _refusal(m.makes_array_in_factory, (W, x))
    assert "default_factory of ArrayFactory.bias makes a ndarray" in text
    assert "p = ArrayFactory(W)" in text and "pass bias=... to ArrayFactory(...)" in text


def test_a_table_on_the_class_is_compiled_in_and_guarded(monkeypatch):
    g = diffc.grad(m.loss_class_table)
    first = g(W, x)
    _close(first, numerical_grad(m.loss_class_table, (W, x), 0))
    monkeypatch.setitem(m.Tabled.slopes, "leaky", 0.3)
    second = g(W, x)
    _close(second, numerical_grad(m.loss_class_table, (W, x), 0))
    assert not np.allclose(first, second)


def test_an_array_held_by_the_class_is_refused_at_its_read():
    text = _refusal(m.reads_class_array, (W, x))
    assert "reading Tabled.mask (a ndarray held by the class) is not supported" in text
    assert "layer.mask" in text and "pass Tabled.mask to the function as an argument" in text
