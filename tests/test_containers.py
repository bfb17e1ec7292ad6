"""Gradients with respect to dicts, lists and tuples of arrays have the same structure."""
import numpy as np
import pytest

import diffc
from tests import container_models as m
from tests.oracles import quadratic_cost_grads
from diffc.testing import numerical_grad

rng = np.random.default_rng(11)


def flat_check(f, args, wrt, container_index):
    """Compare each entry of a container gradient with central differences."""
    grads = diffc.grad(f, wrt=wrt)(*args)
    grad = grads[wrt.index(container_index)] if isinstance(wrt, tuple) else grads
    container = args[container_index]
    keys = list(container) if isinstance(container, dict) else range(len(container))
    assert type(grad) in (dict, list, tuple) and len(grad) == len(container)
    for k in keys:
        def entry_f(value, k=k):
            c = dict(container) if isinstance(container, dict) else list(container)
            c[k] = value
            new = list(args)
            new[container_index] = c if isinstance(container, dict) else type(container)(c)
            return f(*new)
        want = numerical_grad(entry_f, (container[k],), 0)
        np.testing.assert_allclose(grad[k], want, rtol=1e-5, atol=1e-7)
    return grads


def nielsen_args(sizes=(4, 3, 2), n=5):
    ws = [rng.normal(size=(o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
    bs = [rng.normal(size=(o, 1)) for o in sizes[1:]]
    return ws, bs, rng.normal(size=(sizes[0], n)), rng.normal(size=(sizes[-1], n))


def test_nielsen_zip_over_lists_equals_the_four_equations():
    ws, bs, x, y = nielsen_args()
    dws, dbs = diffc.grad(m.nielsen_cost, wrt=(0, 1))(ws, bs, x, y)
    _, want_b, want_w = quadratic_cost_grads(ws, bs, x, y)      # BP1-BP4, one column at a time
    for got, want in zip(dws, want_w):
        np.testing.assert_allclose(got, want, rtol=1e-10)
    for got, want in zip(dbs, want_b):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_nielsen_lists_against_central_differences():
    args = nielsen_args((3, 4, 4, 2), n=3)
    flat_check(m.nielsen_cost, args, (0, 1), 0)
    flat_check(m.nielsen_cost, args, (0, 1), 1)


def two_layer_params():
    return {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5),
            "W2": rng.normal(size=(5, 3)), "b2": rng.normal(size=3)}


def test_params_dict_gradient_is_a_dict():
    params = two_layer_params()
    x, t = rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, size=6)]
    grads = flat_check(m.two_layer_loss, (params, x, t), 0, 0)
    assert list(grads) == ["W1", "b1", "W2", "b2"]
    source = diffc.grad(m.two_layer_loss).source_for(params, x, t)
    assert '"W1": dW1' in source or "'W1'" in source


def test_nested_dict_and_list():
    params = {"layers": [{"W": rng.normal(size=(3, 3))}, {"W": rng.normal(size=(3, 2))}],
              "scale": rng.normal(size=3)}
    x = rng.normal(size=(4, 3))
    grads = diffc.grad(m.nested)(params, x)
    assert grads["layers"][0]["W"].shape == (3, 3) and grads["layers"][1]["W"].shape == (3, 2)
    for i in range(2):
        def f(W, i=i):
            p = {"layers": [dict(l) for l in params["layers"]], "scale": params["scale"]}
            p["layers"][i]["W"] = W
            return m.nested(p, x)
        np.testing.assert_allclose(grads["layers"][i]["W"],
                                   numerical_grad(f, (params["layers"][i]["W"],), 0), rtol=1e-5)


def test_entry_not_used_gets_zeros():
    params = {"W": rng.normal(size=3), "unused": rng.normal(size=(2, 2))}
    grads = diffc.grad(m.unused_entry)(params, rng.normal(size=3))
    np.testing.assert_array_equal(grads["unused"], np.zeros((2, 2)))


def test_tuple_argument():
    pair = (rng.normal(size=(3, 2)), rng.normal(size=2))
    flat_check(m.tuple_argument, (pair, rng.normal(size=(4, 3))), 0, 0)


def test_integer_leaf_is_an_error():
    with pytest.raises(diffc.DiffcError, match="integer"):
        diffc.grad(m.unused_entry)({"W": np.arange(3), "unused": np.zeros(2)}, np.ones(3))


def test_a_tuple_returned_by_a_helper_of_several_statements():
    # each read of the returned tuple sends its gradient to the item it read (the reverse
    # pass took the tuple for an array: np.zeros_like of (scalar, array, scalar) raised)
    params = np.array([0.1, -1.0, 0.2, 0.3])
    want = numerical_grad(m.unpacked_by_a_helper, (params,), 0)
    np.testing.assert_allclose(diffc.grad(m.unpacked_by_a_helper)(params), want, rtol=1e-6, atol=1e-9)


def test_a_dict_display_with_computed_keys_and_a_double_star():
    # `{name: w}` and `{**params, ...}` are Python's dict displays (a later key replaces an
    # earlier one); the display was lowered as if every key were a literal (an internal
    # AttributeError: 'Name' object has no attribute 'value')
    w, x = rng.normal(size=3), rng.normal(size=3)
    dw, dx = diffc.grad(m.dict_with_computed_keys, wrt=(0, 1))(w, x)
    np.testing.assert_allclose(dw, numerical_grad(m.dict_with_computed_keys, (w, x), 0), rtol=1e-6)
    np.testing.assert_allclose(dx, numerical_grad(m.dict_with_computed_keys, (w, x), 1), rtol=1e-6)


# -- named tuples of parameters: read by field name, differentiated into their own type -----
import collections  # noqa: E402

_Params = collections.namedtuple("_Params", ["W", "b"])


def _namedtuple_fields(p, x):
    return np.sum(np.tanh(x @ p.W + p.b) ** 2)


def _namedtuple_unpacked(p, x):
    W, b = p
    return np.sum(np.tanh(x @ W + b) ** 2)


def _namedtuple_layers(layers, x):
    for layer in layers:
        x = np.tanh(x @ layer.W + layer.b)
    return np.sum(x ** 2)


def test_a_namedtuple_of_parameters_is_read_by_field_and_its_gradient_has_its_type():
    r = np.random.default_rng(51)
    p, x = _Params(r.normal(size=(3, 2)), r.normal(size=2)), r.normal(size=(4, 3))
    for f in (_namedtuple_fields, _namedtuple_unpacked):
        got = diffc.grad(f)(p, x)
        assert type(got) is _Params, type(got)
        expected = numerical_grad(f, [p, x], 0)
        np.testing.assert_allclose(got.W, expected[0], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(got.b, expected[1], rtol=1e-5, atol=1e-7)
    layers = [_Params(r.normal(size=(3, 4)), r.normal(size=4)), _Params(r.normal(size=(4, 2)), r.normal(size=2))]
    got = diffc.grad(_namedtuple_layers)(layers, x)
    expected = numerical_grad(_namedtuple_layers, [layers, x], 0)
    for g, e in zip(got, expected):
        assert type(g) is _Params
        np.testing.assert_allclose(g.W, e[0], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(g.b, e[1], rtol=1e-5, atol=1e-7)
