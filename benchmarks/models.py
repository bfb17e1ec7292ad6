"""The benchmark workloads, written as plain NumPy loss functions.

Each function is written the way a user writes a loss: module-level, straight NumPy,
no AD library in sight. diffc reads this file's source; the autograd adapter in
``peers.py`` runs this very file with ``np`` bound to ``autograd.numpy``.

Shapes are documented per function; the concrete sizes used in the benchmark are in
``workloads.py``.
"""
import numpy as np


# --------------------------------------------------------------------------------------
# 1. Nielsen's sigmoid MLP ("Neural Networks and Deep Learning", network.py)
#    [784, 30, 10], column convention z = w @ a + b, quadratic cost.
#    w1 (30, 784), b1 (30, 1), w2 (10, 30), b2 (10, 1), x (784, n), y (10, n)
# --------------------------------------------------------------------------------------
def nielsen_mlp_loss(w1, b1, w2, b2, x, y):
    z1 = w1 @ x + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 @ a1 + b2
    a2 = 1 / (1 + np.exp(-z2))
    n = x.shape[1]
    return 0.5 * np.sum((a2 - y) ** 2) / n


# --------------------------------------------------------------------------------------
# 2. Two-layer net ("Deep Learning from Scratch", TwoLayerNet):
#    Affine -> ReLU -> Affine -> SoftmaxWithLoss, row convention, one-hot labels t.
#    W1 (784, 50), b1 (50,), W2 (50, 10), b2 (10,), x (N, 784), t (N, 10)
# --------------------------------------------------------------------------------------
def two_layer_net_loss(W1, b1, W2, b2, x, t):
    a1 = x @ W1 + b1
    z1 = np.maximum(0, a1)
    a2 = z1 @ W2 + b2
    # softmax (shifted by the row max for stability)
    exp_a = np.exp(a2 - np.max(a2, axis=1, keepdims=True))
    y = exp_a / np.sum(exp_a, axis=1, keepdims=True)
    # cross-entropy error, with the book's 1e-7 guard against log(0)
    batch_size = x.shape[0]
    return -np.sum(t * np.log(y + 1e-7)) / batch_size


# The same network with its parameters in a dict, as the book's class keeps them in
# self.params. diffc may not support dict arguments yet.
def two_layer_net_loss_params(params, x, t):
    a1 = x @ params["W1"] + params["b1"]
    z1 = np.maximum(0, a1)
    a2 = z1 @ params["W2"] + params["b2"]
    exp_a = np.exp(a2 - np.max(a2, axis=1, keepdims=True))
    y = exp_a / np.sum(exp_a, axis=1, keepdims=True)
    batch_size = x.shape[0]
    return -np.sum(t * np.log(y + 1e-7)) / batch_size


# --------------------------------------------------------------------------------------
# 3. The smallest circuit: f(x, y, z) = (x + y) * z on Python floats.
# --------------------------------------------------------------------------------------
def add_mul(x, y, z):
    return (x + y) * z


# --------------------------------------------------------------------------------------
# 4. A 2-input sigmoid neuron on Python floats: sigma(w0*x0 + w1*x1 + w2).
# --------------------------------------------------------------------------------------
def sigmoid_neuron(w0, x0, w1, x1, w2):
    dot = w0 * x0 + w1 * x1 + w2
    return 1 / (1 + np.exp(-dot))


# --------------------------------------------------------------------------------------
# 5. Softmax (cross-entropy) loss of a linear classifier with L2 regularisation.
#    W (3073, 10), X (500, 3073), y (500,) integer labels, reg a float.
# --------------------------------------------------------------------------------------
def softmax_loss(W, X, y, reg):
    num_train = X.shape[0]
    scores = X @ W
    scores = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    correct_logprobs = -np.log(probs[np.arange(num_train), y])
    data_loss = np.sum(correct_logprobs) / num_train
    reg_loss = reg * np.sum(W * W)
    return data_loss + reg_loss


# --------------------------------------------------------------------------------------
# 6. Multiclass SVM (hinge) loss, vectorised, same sizes as softmax_loss.
# --------------------------------------------------------------------------------------
def svm_loss(W, X, y, reg):
    num_train = X.shape[0]
    scores = X @ W
    correct_class_scores = scores[np.arange(num_train), y][:, np.newaxis]
    margins = np.maximum(0, scores - correct_class_scores + 1.0)
    # the correct class does not count against itself
    not_correct = np.arange(W.shape[1]) != y[:, np.newaxis]
    data_loss = np.sum(margins * not_correct) / num_train
    reg_loss = reg * np.sum(W * W)
    return data_loss + reg_loss


# --------------------------------------------------------------------------------------
# 7. An 8-layer tanh MLP, width 256, row convention, squared error on the last layer.
#    Wk (256, 256), bk (256,), X (N, 256), Y (N, 256)
#    Written straight-line (eight explicit layers) ...
# --------------------------------------------------------------------------------------
def tanh_mlp8_loss(W1, b1, W2, b2, W3, b3, W4, b4, W5, b5, W6, b6, W7, b7, W8, b8, X, Y):
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    h3 = np.tanh(h2 @ W3 + b3)
    h4 = np.tanh(h3 @ W4 + b4)
    h5 = np.tanh(h4 @ W5 + b5)
    h6 = np.tanh(h5 @ W6 + b6)
    h7 = np.tanh(h6 @ W7 + b7)
    h8 = np.tanh(h7 @ W8 + b8)
    return 0.5 * np.sum((h8 - Y) ** 2) / X.shape[0]


# ... and as a loop over stacked parameters: Ws (L, 256, 256), bs (L, 256).
def tanh_mlp_loop_loss(Ws, bs, X, Y):
    h = X
    for i in range(Ws.shape[0]):
        h = np.tanh(h @ Ws[i] + bs[i])
    return 0.5 * np.sum((h - Y) ** 2) / X.shape[0]


# --------------------------------------------------------------------------------------
# 8. A vanilla (Elman) RNN unrolled with a Python for loop, squared error on a linear
#    read-out of the last hidden state.
#    Wx (D, H), Wh (H, H), b (H,), Wy (H, K), by (K,), xs (T, N, D), ys (N, K)
# --------------------------------------------------------------------------------------
def rnn_loss(Wx, Wh, b, Wy, by, xs, ys):
    num_steps = xs.shape[0]
    batch_size = xs.shape[1]
    h = np.zeros((batch_size, Wh.shape[0]))
    for t in range(num_steps):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    scores = h @ Wy + by
    return 0.5 * np.sum((scores - ys) ** 2) / batch_size
