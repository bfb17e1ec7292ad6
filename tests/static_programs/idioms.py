"""Python idioms around the numerics: builtins on arrays, an alias of range, np.errstate,
np.finfo, star-unpacking of a list of layers, an activation passed as an argument."""
import numpy as np

xrange = range


def builtins_on_arrays(w, X, frac=0.5):
    r = X @ w
    n = float(len(r))
    k = round(frac * n)
    scores = np.tanh(r)
    total = 0.0
    for i in xrange(len(r)):
        total = total + max(scores[i:i + 2]) + pow(r[i], 2)
    with np.errstate(divide="ignore"):
        logs = np.log(np.abs(r) + np.finfo(float).eps)
    return (total + sum(scores) + np.sum(logs)) / k


def layers(params, x, activation=np.tanh):
    *hidden, last = params
    for W, b in hidden:
        x = activation(x @ W + b)
    W, b = last
    return np.sum((x @ W + b) ** 2)


def one_hot_tape(W, inputs):
    xs, hs = {}, {}
    hs[-1] = np.zeros(W.shape[0])
    for t in range(len(inputs)):
        xs[t] = np.zeros(W.shape[1])
        xs[t][inputs[t]] = 1.0
        hs[t] = np.tanh(W @ xs[t] + hs[t - 1])
    return np.sum(hs[len(inputs) - 1] ** 2)


def entry_held_twice(W, x):
    a = np.zeros(3)
    d = {"a": a}
    d["a"][0] = 1.0
    return np.sum(W @ a) + np.sum(x)
