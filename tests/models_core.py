"""Model functions for the core tests, written as a user writes them."""
import numpy
import numpy as np
from numpy import exp, sum as npsum


def graph(x, y, z):
    q = x + y
    return q * z


def sigmoid_neuron(w, x):
    z = w[0] * x[0] + w[1] * x[1] + w[2]
    return 1 / (1 + np.exp(-z))


def affine_loss(X, W, b, dY):
    Y = X @ W + b
    return np.sum(Y * dY)


def softmax_loss(W, X, y):
    N = X.shape[0]
    S = X @ W
    S = S - np.max(S, axis=1, keepdims=True)
    P = np.exp(S) / np.sum(np.exp(S), axis=1, keepdims=True)
    return -np.mean(np.log(P[np.arange(N), y]))


def plain_numpy_import(x):
    return numpy.sum(numpy.tanh(x) ** 2)


def from_import(x):
    return npsum(exp(x) * 0.5)


def names_that_look_generated(x, dx, d):
    np_ = x * dx
    dout = np_ + d
    ddx = dout * dout
    return np.sum(ddx)


def reuses_names(x):
    x = x * 2.0
    x = np.sin(x) + x
    return np.sum(x * x)


def same_value_five_times(a):
    return np.sum(a * a * a + a * a)


def broadcast_both_ways(a, b):
    return np.sum(a * b + a / (b * b + 1.0) - b ** 2 * a)


def vector_output(x):
    return x * 2.0


def uses_integer(x, n):
    return np.sum(x * n)


def unused_argument(x, y):
    return np.sum(x * 3.0)


def max_gate(x, y):
    return max(x, y) * 2.0


def mean_axis(x):
    return np.sum(np.mean(x, axis=0) ** 2) + np.sum(np.max(x, axis=1, keepdims=True) * x)


def plain_sum(x):
    return np.sum(x)

