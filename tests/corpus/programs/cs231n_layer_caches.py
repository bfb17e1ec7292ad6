"""Modular layers that return (out, cache) tuples, a sandwich layer combining them, and a loss
function unpacking every tuple, as in the second assignment's layers.py and layer_utils.py."""
import numpy as np

IDIOM = "helpers returning (out, cache), nested cache tuples, softmax_loss returning (loss, dx)"
EXPECT = "right"


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def softmax_loss(x, y):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


def two_layer_loss(W1, b1, W2, b2, X, y, reg=0.0):
    hidden, cache1 = affine_relu_forward(X, W1, b1)
    scores, cache2 = affine_forward(hidden, W2, b2)
    data_loss, dscores = softmax_loss(scores, y)
    reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    return data_loss + reg_loss


def make():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((4, 2, 3))
    W1, b1 = 0.3 * rng.standard_normal((6, 5)), 0.1 * rng.standard_normal(5)
    W2, b2 = 0.3 * rng.standard_normal((5, 3)), 0.1 * rng.standard_normal(3)
    y = rng.integers(0, 3, size=4)
    return [dict(name="all weights", fn=two_layer_loss, args=(W1, b1, W2, b2, X, y, 0.1), wrt=(0, 1, 2, 3)),
            dict(name="input (4-d, reshaped)", fn=two_layer_loss, args=(W1, b1, W2, b2, X, y), wrt="X")]
