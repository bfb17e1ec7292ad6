"""Models whose generated gradients are read in tests/test_readable_code.py."""
import numpy as np


def xent(S, y):
    logp = S - np.log(np.sum(np.exp(S), axis=1, keepdims=True))
    sel = logp[np.arange(S.shape[0]), y]
    return -np.mean(sel)


def two_heads(W, X, y):
    S = X @ W
    return xent(S, y) + xent(2 * S, y)


def mean_log_prob(W, X, y):
    S = X @ W
    P = np.exp(S) / np.sum(np.exp(S), axis=1, keepdims=True)
    return -np.mean(np.log(P[np.arange(X.shape[0]), y]))


def normalise(A, v):
    for i in range(3):
        v = A @ v
        v = v / np.sqrt(np.sum(v ** 2))
    return v


def rayleigh(A, v):
    w = normalise(A, v)
    return np.sum(w * (A @ w))


def deep_tanh(params, x):
    h = x
    for W in params:
        h = np.tanh(h @ W)
    return np.sum(h ** 2)


def vector_chain(mats, v):
    for M in mats:
        v = np.sin(M @ v)
    return np.sum(v * v)


def two_layer(params, x, t):
    z1 = np.maximum(0, x @ params["W1"] + params["b1"])
    S = z1 @ params["W2"] + params["b2"]
    P = np.exp(S - np.max(S, axis=1, keepdims=True))
    P = P / np.sum(P, axis=1, keepdims=True)
    return -np.sum(t * np.log(P + 1e-7)) / x.shape[0]


def svm(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), y].reshape(N, 1)
    margins = np.maximum(0, scores - correct + 1.0)
    margins[np.arange(N), y] = 0
    return np.sum(margins) / N + reg * np.sum(W * W)


def running_product(x, w):
    return np.sum(np.cumprod(x) * w)


def running_product_rows(X, W):
    return np.sum(np.cumprod(X, axis=1) * W)


def mean_of_mean(x):
    out = np.mean(x)
    return np.mean(out) * 3.0


def tanh_layer(x, W, b):
    z = x @ W + b
    h = np.tanh(z)
    return h


def layers_of_pairs(params, x, y):
    h = x
    for W, b in params:
        h = tanh_layer(h, W, b)
    return np.sum((h - y) ** 2)


def picked_by_the_data(mats, x, b):
    k = int(np.sum(x) > 0)
    return np.sum(np.tanh(mats[k] + b))
