"""Code that stores during the differentiated call (``tests/test_effects.py``): on the
method's own object, into settings dicts an object holds, into a dict the caller passes,
on a layer object passed in. After a call through diffc, each must hold what Python's own
call leaves there."""
import numpy as np


class Recorder:
    """A forward that keeps its intermediates on ``self`` and reads one back."""

    def __init__(self, weights):
        self.weights = weights
        self.activations = []
        self.h = None

    def forward(self, x):
        self.activations = [x]
        for W in self.weights[:-1]:
            x = np.tanh(x @ W)
            self.activations.append(x)
        self.h = x
        return x @ self.weights[-1]

    def loss(self, x, y):
        out = self.forward(x)
        return 0.5 * np.sum((out - y) ** 2) + 0.1 * np.sum(self.h ** 2) \
            + 0.05 * np.sum(self.activations[-1])


class ModeNet:
    """Settings dicts held by the object, written with a mode string and read back."""

    def __init__(self, W, p):
        self.W = W
        self.dropout_param = {"mode": "test", "p": p}
        self.bn_params = [{"mode": "test"}, {"mode": "test", "eps": 1e-5}]

    def loss(self, X, y=None):
        mode = "test" if y is None else "train"
        self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode
        scores = X @ self.W
        if self.dropout_param["mode"] == "train":
            scores = scores * self.dropout_param["p"]
        if mode == "test":
            return np.sum(scores)
        return np.sum((scores - y) ** 2)


def running_mean_loss(x, gamma, bn_param):
    """Batch normalisation that writes its running mean back into the caller's dict."""
    momentum = bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1]))
    mu = np.mean(x, axis=0)
    xc = x - mu
    out = gamma * xc / np.sqrt(np.mean(xc ** 2, axis=0) + 1e-5)
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
    bn_param["calls_seen"] = "yes"
    weights = np.arange(out.size).reshape(out.shape)
    return np.sum(out * weights) + np.sum(bn_param["running_mean"] * gamma)


def new_key_read_back(x, settings):
    """An entry written, then found by ``in``, read by ``get`` and by subscript."""
    settings["scale"] = 3.0
    if "scale" in settings:
        x = x * settings.get("scale", 1.0)
    return np.sum(x ** 2) * settings["scale"]


class Accumulator:
    """A layer passed in whose forward adds to what it holds."""

    def __init__(self, n):
        self.total = np.zeros(n)

    def forward(self, x):
        self.total = self.total + x
        return np.tanh(x)


def accumulating_loss(x, layer):
    return np.sum(layer.forward(x) ** 2)


class History:
    """A list the object held before the call, appended to at every call."""

    def __init__(self, W):
        self.W = W
        self.losses = []

    def loss(self, x):
        value = np.sum((x @ self.W) ** 2)
        self.losses.append(value)
        return value


def write_into(a):
    a[0] = 0.0
    return a


def passes_its_array_to_a_writer(x):
    return np.sum(write_into(x) ** 2)


def writes_through_a_transpose(x, holder):
    holder.data.T[0] = 1.0
    return np.sum(x ** 2)


class Holder:
    def __init__(self, data):
        self.data = data


class LazyScale:
    """An attribute read (``is None``) before the call stores it: the next call, in the
    state this one leaves, takes the other branch."""

    def __init__(self, W):
        self.W = W
        self.scale = None

    def loss(self, x):
        if self.scale is None:
            self.scale = 2.0
        return np.sum((x @ self.W) ** 2) * self.scale


def setdefault_in_callers_dict(x, cache):
    cache.setdefault("seen", 1.0)
    cache.update(last=np.sum(x))
    return np.sum(x ** 2) * cache["seen"]


def appends_to_callers_list(x, outputs):
    outputs.append(x * 2)
    return np.sum(x ** 2)


class StoresInControlFlow:
    """Stores the data decides whether (or how often) to make."""

    def __init__(self, W):
        self.W = W
        self.h = None

    def stores_in_a_branch(self, x):
        h = x @ self.W
        if np.sum(h) > 0:
            self.h = h
        return np.sum(h ** 2)

    def stores_in_a_while_loop(self, x):
        h = x @ self.W
        while np.sum(h ** 2) > 1.0:
            h = h * 0.5
            self.h = h
        return np.sum(h ** 2)

    def stores_after_the_while_loop(self, x):
        h = x @ self.W
        while np.sum(h ** 2) > 1.0:
            h = h * 0.5
        self.h = h
        return np.sum(h ** 2)
