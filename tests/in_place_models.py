"""Models for the in-place pass: large elementwise gradient chains."""
import numpy as np


def tanh_layers(W1, W2, X):
    h1 = np.tanh(X @ W1)
    h2 = np.tanh(h1 @ W2)
    return 0.5 * np.sum(h2 ** 2)


def branchy_chain(x, w):
    y = x * w
    if np.sum(y) > 0:
        z = y * y - y
    else:
        z = -y
    return np.sum(z * x)


def loop_chain(x, ws):
    h = x
    for i in range(ws.shape[0]):
        h = np.sin(h * ws[i]) + h
    return np.sum(h ** 2)
