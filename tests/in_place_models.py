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


def tanh_stack(W1, W2, W3, W4, X):
    """Four layers: each layer's ``1 - h ** 2`` and ``dh`` can go into dead buffers."""
    h1 = np.tanh(X @ W1)
    h2 = np.tanh(h1 @ W2)
    h3 = np.tanh(h2 @ W3)
    h4 = np.tanh(h3 @ W4)
    return 0.5 * np.sum(h4 ** 2)


def reshaped_gradient(W1, W2, X):
    """A gradient read through views (reshape, transpose) as well as by arithmetic."""
    h1 = np.tanh(X @ W1)
    flat = np.reshape(h1 @ W2, (-1,))
    h2 = np.reshape(np.exp(flat * 0.1), (X.shape[0], -1))
    return np.sum(h2.T @ h2 * 0.01) + np.sum(np.tanh(h1 * h2))


def stack_in_loop(Ws, X):
    h = X
    for i in range(Ws.shape[0]):
        h = np.tanh(h @ Ws[i])
    return np.sum(h ** 2)
