"""Methods and objects: differentiate net.loss(x, t) with respect to net.params."""
import numpy as np
import pytest

import diffc
from diffc.errors import UnsupportedSyntax
from tests import method_models as mm
from tests.oracles import quadratic_cost_grads
from diffc.testing import numerical_grad

rng = np.random.default_rng(21)


def layer_by_layer(params, x, t):
    """Affine-ReLU-Affine-Softmax-with-Loss backward, layer by layer (the classic form)."""
    a1 = x @ params["W1"] + params["b1"]
    h = np.maximum(0, a1)
    s = h @ params["W2"] + params["b2"]
    p = np.exp(s - s.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    ds = (p - t) / x.shape[0]
    dW2, db2 = h.T @ ds, ds.sum(axis=0)
    dh = ds @ params["W2"].T
    da1 = dh * (a1 > 0)
    return {"W1": x.T @ da1, "b1": da1.sum(axis=0), "W2": dW2, "b2": db2}


def data():
    return rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, size=6)]


def test_two_layer_net_params_equal_layer_by_layer():
    net = mm.TwoLayerNet(rng)
    x, t = data()
    grads = diffc.grad(net.loss, wrt="params")(x, t)
    want = layer_by_layer(net.params, x, t)
    assert list(grads) == list(want)
    for k in want:
        np.testing.assert_allclose(grads[k], want[k], rtol=1e-10, atol=1e-12)


def test_self_prefix_and_unbound_method():
    net = mm.TwoLayerNet(rng)
    x, t = data()
    a = diffc.grad(net.loss, wrt="self.params")(x, t)
    b = diffc.grad(mm.TwoLayerNet.loss, wrt="params")(net, x, t)
    for k in a:
        np.testing.assert_allclose(a[k], b[k])


def test_attribute_and_argument_together_and_regulariser():
    net = mm.TwoLayerNet(rng, reg=0.1)
    x, t = data()
    dparams, dx = diffc.grad(net.loss, wrt=("params", "x"))(x, t)
    np.testing.assert_allclose(dx, numerical_grad(lambda x_: net.loss(x_, t), (x,), 0), rtol=1e-5, atol=1e-8)
    W1 = net.params["W1"]

    def f(W):
        net.params["W1"] = W
        try:
            return net.loss(x, t)
        finally:
            net.params["W1"] = W1
    np.testing.assert_allclose(dparams["W1"], numerical_grad(f, (W1.copy(),), 0), rtol=1e-5, atol=1e-8)


def test_nielsen_network_class_equals_the_four_equations():
    net = mm.Network([4, 3, 2], rng)
    x, y = rng.normal(size=(4, 5)), rng.normal(size=(2, 5))
    dws, dbs = diffc.grad(net.cost, wrt=("weights", "biases"))(x, y)
    _, want_b, want_w = quadratic_cost_grads(net.weights, net.biases, x, y)
    for got, want in zip(dws + dbs, want_w + want_b):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_generated_function_takes_attributes_explicitly():
    net = mm.TwoLayerNet(rng)
    x, t = data()
    source = diffc.grad(net.loss, wrt="params").source_for(x, t)
    assert "def grad_loss(params, reg, x, t):" in source


def test_assignment_to_an_attribute_is_a_located_error():
    obj = mm.Mutating()
    with pytest.raises(UnsupportedSyntax) as e:
        diffc.grad(obj.loss, wrt="w")(np.ones(3))
    assert "method_models.py:" in str(e.value) and "self.last" in str(e.value)


def test_compile_a_method_from_the_command_line(tmp_path):
    """`diffc compile -f TwoLayerNet.loss --wrt params` writes a standalone function taking
    the attributes it reads explicitly; its gradient equals diffc.grad(net.loss)."""
    import pathlib
    import subprocess
    import sys

    model = pathlib.Path(mm.__file__)
    out = tmp_path / "net_grad.py"
    shapes = '{"W1": "4x5", "b1": "5", "W2": "5x3", "b2": "3"}'
    subprocess.run([sys.executable, "-m", "diffc", "compile", str(model), "-f", "TwoLayerNet.loss",
                    "--wrt", "self.params", "--arg", f"params={shapes}", "--arg", "reg=scalar",
                    "--arg", "x=Nx4", "--arg", "t=Nx3", "-o", str(out)], check=True)
    namespace = {}
    exec(compile(out.read_text(), str(out), "exec"), namespace)
    net = mm.TwoLayerNet(rng, reg=0.2)
    x, t = rng.normal(size=(9, 4)), np.eye(3)[rng.integers(0, 3, size=9)]
    got = namespace["grad_loss"](net.params, net.reg, x, t)
    want = diffc.grad(net.loss, wrt="params")(x, t)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12)


# -- jvp, vjp and jacobian of a bound method --------------------------------------------
def _predictor():
    rng = np.random.default_rng(31)
    return mm.Predictor(rng.normal(size=(3, 4)), rng.normal(size=(4, 2))), rng.normal(size=(2, 3)), rng


def test_jvp_vjp_and_jacobian_of_a_bound_method_wrt_its_argument():
    from tests.gradcheck import assert_close, numeric_jvp
    net, x, rng = _predictor()
    t, u = rng.normal(size=x.shape), rng.normal(size=(2, 2))
    along = numeric_jvp(lambda x: net.predict(x), [x], [t])
    value, jv = diffc.jvp(net.predict)(x, tangents=t)
    assert_close(value, net.predict(x), "value")
    assert_close(jv, along, "jvp")
    _, pullback = diffc.vjp(net.predict)(x)
    assert_close(np.sum(pullback(u) * t), np.sum(u * along), "vjp against the jvp by differences")
    for mode in ("reverse", "forward"):
        J = diffc.jacobian(net.predict, mode=mode)(x)
        assert J.shape == (2, 2, 2, 3)
        assert_close(np.tensordot(J, t, axes=2), along, f"jacobian ({mode})")


def test_jacobian_of_a_bound_method_wrt_an_attribute():
    from tests.gradcheck import assert_close, numeric_jvp
    net, x, rng = _predictor()
    tW = rng.normal(size=net.W1.shape)
    J = diffc.jacobian(net.predict, wrt="W1")(x)
    assert J.shape == (2, 2, 3, 4)
    along = numeric_jvp(lambda W1: mm.Predictor(W1, net.W2).predict(x), [net.W1], [tW])
    assert_close(np.tensordot(J, tW, axes=2), along, "dpredict/dW1")


def test_second_order_of_a_bound_method_is_a_located_error():
    net, x, _ = _predictor()
    for transform in (diffc.hessian, diffc.hvp):
        with pytest.raises(UnsupportedSyntax, match="of a method") as info:
            transform(net.energy)
        assert "method_models.py:" in str(info.value)


class _Layer:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def __call__(self, x):
        return x @ self.W + self.b


class _CallsItself:
    """``self(x)`` inside a method calls the class's ``__call__``."""

    def __init__(self, sizes):
        self.layers = [_Layer(rng.normal(size=(a, b)) / 2, rng.normal(size=b))
                       for a, b in zip(sizes[:-1], sizes[1:])]
        self.params = [p for layer in self.layers for p in (layer.W, layer.b)]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = np.tanh(layer(x))
        return self.layers[-1](x)

    def loss(self, x, y):
        return np.mean((self(x) - y) ** 2)


def test_self_called_inside_a_method_is_its_call_method():
    net = _CallsItself([3, 4, 2])
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    got = diffc.grad(net.loss, wrt=0)(x, y)
    np.testing.assert_allclose(got, numerical_grad(lambda v: net.loss(v, y), [x], 0), rtol=1e-5, atol=1e-7)
    by_params = diffc.grad(net.loss, wrt="params")(x, y)   # shared with the layers

    def with_params(params):
        for i, layer in enumerate(net.layers):
            layer.W, layer.b = params[2 * i], params[2 * i + 1]
        return net.loss(x, y)
    originals = list(net.params)
    expected = numerical_grad(with_params, [originals], 0)
    with_params(originals)
    for got_i, expected_i in zip(by_params, expected):
        np.testing.assert_allclose(got_i, expected_i, rtol=1e-5, atol=1e-7)


class _ViaLayers(_CallsItself):
    def loss(self, x, y):
        for layer in self.layers:
            x = layer(x)
        return np.mean((x - y) ** 2)


def test_differentiating_with_respect_to_layer_objects_gives_a_hint_that_works():
    net = _ViaLayers([3, 2])       # the hint is followed in the test above (wrt="params")
    with pytest.raises(diffc.DiffcError) as info:
        diffc.grad(net.loss, wrt="layers")(rng.normal(size=(4, 3)), rng.normal(size=(4, 2)))
    text = str(info.value)
    assert "it is a _Layer" in text and "dict or list of arrays" in text and "dtype=float" not in text


class _Store:
    """A container class of the user's: indexed through __getitem__."""

    def __init__(self, d):
        self.d = d

    def __getitem__(self, key):
        return self.d[key]

    def __len__(self):
        return len(self.d)


class _StoreModel:
    def __init__(self):
        self.store = _Store({"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)})
        self.params = self.store.d          # the same dict: wrt="params" reaches the store
        self.unused = {"V": rng.normal(size=2)}

    def loss(self, x):
        return np.sum((x @ self.store["W"] + self.store["b"]) ** 2) / len(self.store)

    def loop(self, x):
        for v in self.store:
            x = x + v
        return np.sum(x)


def test_indexing_an_object_calls_its_getitem_and_the_gradient_reaches_the_shared_dict():
    """Was a silent zero: store["W"] was evaluated as a plain read of the object, so the
    gradient with respect to params (the dict the store holds) came out zero."""
    model = _StoreModel()
    x = rng.normal(size=(4, 3))
    got = diffc.grad(model.loss, wrt="params")(x)

    def with_params(params):
        saved = dict(model.store.d)
        model.store.d.update(params)
        try:
            return model.loss(x)
        finally:
            model.store.d.update(saved)
    expected = numerical_grad(with_params, [dict(model.params)], 0)
    for k in expected:
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-5, atol=1e-7)
    unused = diffc.grad(model.loss, wrt="unused")(x)         # a dict that does not matter
    assert isinstance(unused, dict) and np.all(unused["V"] == 0)
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(model.loop, wrt=0)(np.ones(2))
    assert "a loop over a _Store object" in str(info.value)


class _Linear:
    __array_ufunc__ = None               # NumPy defers x @ layer to __rmatmul__

    def __init__(self, params):
        self.params = params

    def __rmatmul__(self, x):            # x @ layer
        return x @ self.params["W"]

    def __mul__(self, k):                # layer * k
        return self.params["W"] * k


class _OperatorModel:
    def __init__(self):
        self.params = {"W": rng.normal(size=(3, 3))}
        self.layer = _Linear(self.params)

    def loss(self, x):
        return np.sum((x @ self.layer) ** 2) + np.sum(self.layer * 0.5)

    def bad(self, x):
        return np.sum(x - self.layer)


def test_an_object_as_an_operand_calls_its_operator_method():
    model = _OperatorModel()
    x = rng.normal(size=(2, 3))
    got = diffc.grad(model.loss, wrt="params")(x)

    def with_W(W):
        saved = model.params["W"]
        model.params["W"] = W
        try:
            return model.loss(x)
        finally:
            model.params["W"] = saved
    W = model.params["W"].copy()
    np.testing.assert_allclose(got["W"], numerical_grad(with_W, [W], 0), rtol=1e-5, atol=1e-7)
    with pytest.raises(UnsupportedSyntax) as info:
        diffc.grad(model.bad, wrt=0)(x)
    assert "a _Linear object as an operand of `-`" in str(info.value) and "__rsub__" in str(info.value)
