"""Functions of dicts, lists and tuples of arrays, for every transform (test_trees.py)."""
import numpy as np

import diffc


def dict_loss(p, x):
    h = np.tanh(x @ p["W"] + p["b"])
    return np.sum(h ** 2) + p["s"] * np.sum(p["b"] ** 3)


def dict_out(p, x):
    return np.tanh(x @ p["W"] + p["b"]) * p["s"]


def list_loss(ws, x):
    h = np.sin(x * ws[0]) * ws[1] ** 2
    return np.sum(h * ws[0])


def list_out(ws, x):
    return np.sin(x * ws[0]) * ws[1] ** 2


def tuple_loss(pair, x):
    W, b = pair
    return np.sum(np.exp(x @ W) * b) + np.sum(W ** 2 * b[0])


def tuple_out(pair, x):
    W, b = pair
    return np.exp(x @ W) * b


def nested_loss(p, x):
    first = p["layers"][0]["W"]
    second = p["layers"][1]["W"]
    h = np.tanh(x @ first) @ second
    return np.sum(h ** 2 * p["scale"][0]) + p["scale"][1] * np.sum(first ** 3)


def nested_out(p, x):
    h = np.tanh(x @ p["layers"][0]["W"]) @ p["layers"][1]["W"]
    return h * p["scale"][0] + p["scale"][1]


def two_args_loss(p, v):
    return np.sum(p["a"] ** 2 * v) + np.sum(np.sin(p["b"]) * v ** 3)


def two_outputs(x):
    return x * 2.0, np.sum(x ** 2)


def cubic(p):
    return np.sum(p["a"] ** 3) + np.sum(p["a"] * p["b"])


cubic_grad = diffc.grad(cubic)


def grad_norm(p):
    g = cubic_grad(p)
    return np.sum(g["a"] * g["a"]) + np.sum(g["b"] ** 3)
