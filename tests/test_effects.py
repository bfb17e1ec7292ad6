"""Stores the differentiated code makes (``self.h = x``, ``self.settings['mode'] = mode``,
``bn_param['running_mean'] = m``) happen at each call of the compiled gradient as in
Python: the objects and dicts hold afterwards what a plain call leaves there (checked by
running the user's function on copies), later reads in the same call see the stored
values, the gradient is the central-difference one, and a second call in the state the
first one left reuses the compiled code. Writes into the caller's arrays stay refused."""
import copy

import numpy as np
import pytest

import diffc
from diffc.compiler import pipeline
from diffc.errors import UnsupportedSyntax
from diffc.frontend import source
from tests import effect_models as em
from tests.gradcheck import assert_close, numeric_vjp

RNG = np.random.default_rng(7)
X = RNG.standard_normal((4, 3))
Y = RNG.standard_normal((4, 2))


@pytest.fixture
def compiles(monkeypatch):
    """The number of gradients compiled from source so far."""
    count = [0]
    original = pipeline.compile_gradient

    def counting(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)
    monkeypatch.setattr(pipeline, "compile_gradient", counting)
    return count


def same_state(a, b, what):
    """``a`` and ``b`` (objects, dicts, lists, arrays) hold the same values."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), what
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=what)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{what}: keys {list(a)} != {list(b)}"
        for k in a:
            same_state(a[k], b[k], f"{what}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{what}: {a!r} != {b!r}"
        for i, (u, v) in enumerate(zip(a, b)):
            same_state(u, v, f"{what}[{i}]")
    elif hasattr(a, "__dict__"):
        assert type(a) is type(b), what
        same_state(vars(a), vars(b), f"{what}.__dict__")
    else:
        assert a == b, f"{what}: {a!r} != {b!r}"


def numeric_method_grad(obj, attribute, args):
    """Central differences of ``obj.loss(*args)`` in ``obj.<attribute>`` (each evaluation
    on a copy of the object: the stores of one do not reach the next)."""
    leaves = getattr(obj, attribute)

    def f(value):
        twin = copy.deepcopy(obj)
        setattr(twin, attribute, value)
        return twin.loss(*args)
    if isinstance(leaves, list):
        return [numeric_vjp(lambda w, i=i: f(leaves[:i] + [w] + leaves[i + 1:]), (leaves[i],), 0, 1.0)
                for i in range(len(leaves))]
    return numeric_vjp(f, (leaves,), 0, 1.0)


# --- stores on the method's own object ----------------------------------------------------

def test_stores_on_self_leave_what_python_leaves_and_later_reads_see_them(compiles):
    weights = [RNG.standard_normal((3, 4)), RNG.standard_normal((4, 4)), RNG.standard_normal((4, 2))]
    model, python = em.Recorder([w.copy() for w in weights]), em.Recorder([w.copy() for w in weights])
    g = diffc.grad(model.loss, wrt="weights")
    for call in ("first", "second"):
        expected = numeric_method_grad(python, "weights", (X, Y))
        python.loss(X, Y)
        got = g(X, Y)
        for i, (a, e) in enumerate(zip(got, expected)):
            assert_close(a, e, f"{call} call, d weights[{i}]")
        same_state(model, python, f"the object after the {call} call")
        assert len(model.activations) == 3 and model.activations[0] is X
    assert compiles[0] == 1, "the second call, in the state the first left, compiled again"


def test_a_store_on_self_appears_where_it_was_written():
    model = em.Recorder([RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))])
    text = diffc.grad(model.loss, wrt="weights").source_for(X, Y)
    assert "def grad_loss(weights, self, x, y):" in text
    lines = [line.strip() for line in text.splitlines()]
    first = lines.index(next(line for line in lines if line.startswith("self.activations = [x]")))
    assert lines[first].endswith("effect_models.py:17")
    assert any(line.startswith("self.h = ") and line.endswith("effect_models.py:21") for line in lines)


def test_stores_on_self_need_the_object():
    """Read from the class alone (the command line), there is no object to store on."""
    src = source.from_file(em.__file__, "Recorder.loss")
    with pytest.raises(UnsupportedSyntax) as info:
        pipeline.lower(src)
    assert (info.value.loc.line, info.value.loc.col + 1) == (17, 9)
    assert "diffc.grad(obj.method)" in info.value.hint


def test_appending_to_a_list_held_before_the_call_is_refused_located():
    model = em.History(RNG.standard_normal((3, 2)))
    with pytest.raises(UnsupportedSyntax, match="`self.losses` held before the call") as info:
        diffc.grad(model.loss)(X)
    assert info.value.loc.line == 96
    assert model.losses == []


# --- settings dicts held by the object ----------------------------------------------------

def test_mode_strings_written_into_settings_dicts(compiles):
    W = RNG.standard_normal((3, 2))
    net, python = em.ModeNet(W.copy(), 0.5), em.ModeNet(W.copy(), 0.5)
    g = diffc.grad(net.loss, wrt="W")
    for call, args in (("first", (X, Y)), ("second", (X, Y)), ("without labels", (X,))):
        expected = numeric_method_grad(python, "W", args)
        python.loss(*args)
        assert_close(g(*args), expected, f"{call} call")     # the read of 'mode' after its store
        same_state(net.dropout_param, python.dropout_param, f"dropout_param after the {call} call")
        same_state(net.bn_params, python.bn_params, f"bn_params after the {call} call")
    assert net.dropout_param["mode"] == "test" and net.bn_params[1]["mode"] == "test"
    assert compiles[0] == 2, "a mode string stored by the call made the next call compile again"


# --- a dict the caller passes ---------------------------------------------------------------

def test_running_statistics_written_into_the_callers_dict(compiles):
    gamma = 1.0 + 0.1 * RNG.standard_normal(3)
    bn_param, python = {}, {}
    g = diffc.grad(em.running_mean_loss, wrt=(0, 1))
    for call in range(4):
        expected = [numeric_vjp(lambda x, ga: em.running_mean_loss(x, ga, copy.deepcopy(python)),
                                (X, gamma), i, 1.0) for i in range(2)]
        em.running_mean_loss(X, gamma, python)
        dx, dgamma = g(X, gamma, bn_param)
        assert_close(dx, expected[0], f"call {call + 1}: dx")
        assert_close(dgamma, expected[1], f"call {call + 1}: dgamma")
        same_state(bn_param, python, f"bn_param after call {call + 1}")
    # the second call finds the running mean the first stored (a new key: compiled again);
    # from then on the dict's keys stay the same
    assert compiles[0] == 2


def test_an_entry_written_is_found_by_in_get_and_subscript():
    settings = {}
    g = diffc.grad(em.new_key_read_back)(X, settings)
    assert_close(g, numeric_vjp(lambda x: em.new_key_read_back(x, {}), (X,), 0, 1.0), "dx")
    assert settings == {"scale": 3.0}


# --- a layer object passed in ---------------------------------------------------------------

def test_a_store_on_a_layer_passed_in_is_made_once_per_call():
    """Compiling does not make the store: the first call adds x once, as Python does."""
    layer, python = em.Accumulator(3), em.Accumulator(3)
    g = diffc.grad(em.accumulating_loss)
    x = X[0]
    for call in ("first", "second"):
        expected = numeric_vjp(lambda v: em.accumulating_loss(v, copy.deepcopy(python)), (x,), 0, 1.0)
        em.accumulating_loss(x, python)
        assert_close(g(x, layer), expected, f"{call} call")
        same_state(layer, python, f"the layer after the {call} call")


# --- writes into the caller's arrays stay refused ---------------------------------------------

def test_an_array_passed_to_a_function_that_writes_into_it_is_refused():
    with pytest.raises(UnsupportedSyntax, match="writes into the caller's array `a`") as info:
        diffc.grad(em.passes_its_array_to_a_writer)(X.copy())
    assert "the caller's array would change" in info.value.hint


def test_an_assignment_into_an_attributes_transpose_is_refused():
    holder = em.Holder(np.ones((2, 2)))
    with pytest.raises(UnsupportedSyntax, match=r"assignment into `holder.data.T\[...\]`"):
        diffc.grad(em.writes_through_a_transpose)(X, holder)
    assert np.all(holder.data == 1.0)


def test_an_attribute_read_before_the_call_stores_it_compiles_for_the_next_state(compiles):
    """``if self.scale is None: self.scale = 2.0``: the next call takes the other branch,
    so the code of the first call is not reused for the state it leaves."""
    W = RNG.standard_normal((3, 2))
    model, python = em.LazyScale(W.copy()), em.LazyScale(W.copy())
    g = diffc.grad(model.loss, wrt="W")
    for call in ("first", "second", "third"):
        expected = numeric_method_grad(python, "W", (X,))
        python.loss(X)
        assert_close(g(X), expected, f"{call} call")
        same_state(model, python, f"the object after the {call} call")
    assert compiles[0] == 2


def test_update_and_setdefault_on_the_callers_dict():
    cache, python = {"seen": 4.0}, {"seen": 4.0}
    expected = numeric_vjp(lambda x: em.setdefault_in_callers_dict(x, dict(python)), (X,), 0, 1.0)
    em.setdefault_in_callers_dict(X, python)
    assert_close(diffc.grad(em.setdefault_in_callers_dict)(X, cache), expected, "dx")
    same_state(cache, python, "the dict after the call")
    fresh, python = {}, {}
    em.setdefault_in_callers_dict(X, python)
    diffc.grad(em.setdefault_in_callers_dict)(X, fresh)
    same_state(fresh, python, "a dict without the key, after the call")


def test_appending_to_the_callers_list_is_refused_located():
    outputs = []
    with pytest.raises(UnsupportedSyntax, match=r"`outputs.append\(\)` changes a list the call is given") as info:
        diffc.grad(em.appends_to_callers_list)(X, outputs)
    assert info.value.loc.line == 140 and "outputs = list(outputs)" in info.value.hint
    assert outputs == []


@pytest.mark.parametrize("method,line,where", [("stores_in_a_branch", 154, "a branch the data decides"),
                                               ("stores_in_a_while_loop", 161, "a `while` loop")])
def test_a_store_the_data_decides_is_refused_located_and_the_hint_works(method, line, where):
    W = RNG.standard_normal((3, 2))
    model = em.StoresInControlFlow(W)
    with pytest.raises(UnsupportedSyntax, match=f"a store on an object .* in {where}") as info:
        diffc.grad(getattr(model, method), wrt="W")(X)
    assert (info.value.loc.line, info.value.loc.col + 1) == (line, 13)
    assert model.h is None
    # the hint followed: the loop in locals, the store after it
    python = em.StoresInControlFlow(W.copy())
    expected = numeric_vjp(lambda w: em.StoresInControlFlow(w).stores_after_the_while_loop(X), (W,), 0, 1.0)
    python.stores_after_the_while_loop(X)
    assert_close(diffc.grad(model.stores_after_the_while_loop, wrt="W")(X), expected, "dW")
    same_state(model, python, "the object after the call")
