"""Models over containers: Nielsen's lists of weights and biases, a params dict."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def nielsen_cost(weights, biases, x, y):
    a = x
    for w, b in zip(weights, biases):
        a = sigmoid(w @ a + b)
    return np.sum((a - y) ** 2) / (2 * x.shape[1])


def two_layer_loss(params, x, t):
    h = np.maximum(0, x @ params["W1"] + params["b1"])
    s = h @ params["W2"] + params["b2"]
    s = s - np.max(s, axis=1, keepdims=True)
    p = np.exp(s) / np.sum(np.exp(s), axis=1, keepdims=True)
    return -np.sum(t * np.log(p)) / x.shape[0]


def nested(params, x):
    first = params["layers"][0]
    second = params["layers"][1]
    return np.sum(np.tanh(x @ first["W"]) @ second["W"]) + np.sum(params["scale"] * x)


def unused_entry(params, x):
    return np.sum(params["W"] * x)


def tuple_argument(pair, x):
    w, b = pair
    return np.sum(np.tanh(x @ w + b))


def _unpack_kernel(params):
    mean = params[0]
    scales = params[2:]
    noise = np.exp(params[1]) + 0.0001
    return mean, scales, noise


def unpacked_by_a_helper(params):
    """A helper of several statements returning a tuple of a scalar, a slice and a scalar."""
    mean, scales, noise = _unpack_kernel(params)
    return mean * np.sum(scales ** 2) * noise


def dict_with_computed_keys(w, x):
    """A dict display whose keys are names and a ``**`` of another dict."""
    name = "W"
    params = {name: w, "scale": 2.0}
    merged = {**params, "x": x, name: w * 3.0}
    return np.sum(merged["W"] * merged["x"]) * params["scale"]
