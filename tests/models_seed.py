"""The seed notes' examples as a user writes them for diffc.

Module-level, straight-line, plain NumPy. Each function returns a scalar; ``oracles.py``
has a hand-written gradient for each under the same name and parameter names.
"""
import numpy as np


def f(x, y, z):
    q = x + y
    return q * z


def mul(x, y):
    return x * y


def shopping(apple, apple_num, orange, orange_num, tax):
    apple_price = apple * apple_num
    orange_price = orange * orange_num
    all_price = apple_price + orange_price
    price = all_price * tax
    return price


def neuron(w, x):
    return 1 / (1 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))


def chain(s, t):
    x = s - np.sin(t)
    y = np.exp(s) + np.cos(t)
    return x ** 2 - y ** 2


def relu_loss(x, dout):
    return np.sum(np.maximum(x, 0) * dout)


def affine_loss(X, W, b, dY):
    return np.sum((X @ W + b) * dY)


def softmax_with_loss(S, T):
    N = S.shape[0]
    S = S - np.max(S, axis=1, keepdims=True)
    P = np.exp(S) / np.sum(np.exp(S), axis=1, keepdims=True)
    return -np.sum(T * np.log(P)) / N


def softmax_loss(W, X, y):
    N = X.shape[0]
    S = X @ W
    S = S - np.max(S, axis=1, keepdims=True)
    P = np.exp(S) / np.sum(np.exp(S), axis=1, keepdims=True)
    return -np.mean(np.log(P[np.arange(N), y]))


def svm_loss(W, X, y, reg):
    N = X.shape[0]
    S = X @ W
    correct = S[np.arange(N), y].reshape(N, 1)
    margins = np.maximum(0, S - correct + 1.0)
    # the correct class's own margin is always exactly 1: take those N ones back out
    hinge = (np.sum(margins) - N * 1.0) / N
    return hinge + reg * np.sum(W * W)


def mlp2_quadratic(w1, b1, w2, b2, x, y):
    z1 = w1 @ x + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 @ a1 + b2
    a2 = 1 / (1 + np.exp(-z2))
    n = x.shape[1]
    return np.sum((a2 - y) ** 2) / (2 * n)


def two_layer_net(W1, b1, W2, b2, x, t):
    h = np.maximum(0, x @ W1 + b1)
    S = h @ W2 + b2
    S = S - np.max(S, axis=1, keepdims=True)
    P = np.exp(S) / np.sum(np.exp(S), axis=1, keepdims=True)
    N = x.shape[0]
    return -np.sum(t * np.log(P)) / N
