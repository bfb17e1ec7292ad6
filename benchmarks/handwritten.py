"""Hand-written backward passes: the baseline every other column is divided by.

Each function takes the same arguments as its loss in ``models.py`` and returns the
gradients with respect to the benchmarked arguments (see ``workloads.py`` for which),
as a tuple in argument order. They are written the way an expert writes backprop in
NumPy: one forward pass whose intermediates are kept, then a backward pass that fuses
the obvious chains (sigmoid', softmax + cross-entropy, hinge mask, BPTT with one big
matmul per weight) and works in place on temporaries it owns.

``python -m benchmarks.run --verify`` checks every one of them against central
differences on small sizes.
"""
import numpy as np


def nielsen_mlp_grad(w1, b1, w2, b2, x, y):
    n = x.shape[1]
    a1 = 1 / (1 + np.exp(-(w1 @ x + b1)))
    a2 = 1 / (1 + np.exp(-(w2 @ a1 + b2)))
    # dC/dz2 = (a2 - y) * sigma'(z2) / n, with sigma' = a (1 - a)
    delta2 = (a2 - y) * a2 * (1 - a2)
    delta2 /= n
    delta1 = w2.T @ delta2
    delta1 *= a1 * (1 - a1)
    return (delta1 @ x.T, delta1.sum(axis=1, keepdims=True),
            delta2 @ a1.T, delta2.sum(axis=1, keepdims=True))


def _two_layer_backward(W1, b1, W2, b2, x, t):
    a1 = x @ W1 + b1
    z1 = np.maximum(0, a1)
    a2 = z1 @ W2 + b2
    exp_a = np.exp(a2 - a2.max(axis=1, keepdims=True))
    y = exp_a / exp_a.sum(axis=1, keepdims=True)
    n = x.shape[0]
    # Softmax-with-loss. With the 1e-7 guard the exact gradient is
    #   y * (sum(r * y) - r) / n   with r = t / (y + 1e-7),
    # which is (y - t) / n when the guard is 0; keep it exact (it is a 100x10 array).
    r = t / (y + 1e-7)
    da2 = y * ((r * y).sum(axis=1, keepdims=True) - r)
    da2 /= n
    dz1 = da2 @ W2.T
    dz1[a1 <= 0] = 0
    return x.T @ dz1, dz1.sum(axis=0), z1.T @ da2, da2.sum(axis=0)


def two_layer_net_grad(W1, b1, W2, b2, x, t):
    return _two_layer_backward(W1, b1, W2, b2, x, t)


def two_layer_net_params_grad(params, x, t):
    dW1, db1, dW2, db2 = _two_layer_backward(
        params["W1"], params["b1"], params["W2"], params["b2"], x, t)
    return ({"W1": dW1, "b1": db1, "W2": dW2, "b2": db2},)


def add_mul_grad(x, y, z):
    q = x + y
    return z, z, q


def sigmoid_neuron_grad(w0, x0, w1, x1, w2):
    f = 1 / (1 + np.exp(-(w0 * x0 + w1 * x1 + w2)))
    ddot = (1 - f) * f
    return x0 * ddot, w0 * ddot, x1 * ddot, w1 * ddot, ddot


def softmax_loss_grad(W, X, y, reg):
    num_train = X.shape[0]
    scores = X @ W
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)   # now the probabilities
    scores[np.arange(num_train), y] -= 1            # dL/dscores * num_train
    dW = X.T @ scores
    dW /= num_train
    dW += (2 * reg) * W
    return (dW,)


def svm_loss_grad(W, X, y, reg):
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W
    margins = scores - scores[rows, y][:, np.newaxis] + 1.0
    coeff = (margins > 0).astype(W.dtype)
    coeff[rows, y] = 0
    coeff[rows, y] = -coeff.sum(axis=1)
    dW = X.T @ coeff
    dW /= num_train
    dW += (2 * reg) * W
    return (dW,)


def _tanh_stack_backward(Ws, bs, X, Y):
    """Forward + backward through tanh layers; returns (list of dW, list of db)."""
    hs = [X]
    for W, b in zip(Ws, bs):
        hs.append(np.tanh(hs[-1] @ W + b))
    n = X.shape[0]
    delta = hs[-1] - Y
    delta /= n
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for k in range(len(Ws) - 1, -1, -1):
        dtanh = np.multiply(hs[k + 1], hs[k + 1])
        np.subtract(1, dtanh, out=dtanh)  # tanh' = 1 - tanh^2
        delta *= dtanh
        dWs[k] = hs[k].T @ delta
        dbs[k] = delta.sum(axis=0)
        if k:
            delta = delta @ Ws[k].T
    return dWs, dbs


def tanh_mlp8_grad(W1, b1, W2, b2, W3, b3, W4, b4, W5, b5, W6, b6, W7, b7, W8, b8, X, Y):
    dWs, dbs = _tanh_stack_backward([W1, W2, W3, W4, W5, W6, W7, W8],
                                    [b1, b2, b3, b4, b5, b6, b7, b8], X, Y)
    out = []
    for dW, db in zip(dWs, dbs):
        out += [dW, db]
    return tuple(out)


def tanh_mlp_loop_grad(Ws, bs, X, Y):
    dWs, dbs = _tanh_stack_backward(list(Ws), list(bs), X, Y)
    return np.stack(dWs), np.stack(dbs)


def rnn_grad(Wx, Wh, b, Wy, by, xs, ys):
    T, N, D = xs.shape
    H = Wh.shape[0]
    # forward, keeping every hidden state; hs[0] is the zero initial state
    hs = np.empty((T + 1, N, H))
    hs[0] = 0
    xw = (xs.reshape(T * N, D) @ Wx).reshape(T, N, H)   # all input projections at once
    xw += b
    for t in range(T):
        np.tanh(xw[t] + hs[t] @ Wh, out=hs[t + 1])
    scores = hs[T] @ Wy + by
    dscores = scores - ys
    dscores /= N
    # backward through time; da[t] = dL/d(pre-activation at step t)
    da = xw                      # reuse the buffer: xw is not needed any more
    dh = dscores @ Wy.T
    for t in range(T - 1, -1, -1):
        h = hs[t + 1]
        np.multiply(dh, 1 - h * h, out=da[t])
        dh = da[t] @ Wh.T
    da2 = da.reshape(T * N, H)
    dWx = xs.reshape(T * N, D).T @ da2
    dWh = hs[:T].reshape(T * N, H).T @ da2
    db = da2.sum(axis=0)
    return dWx, dWh, db, hs[T].T @ dscores, dscores.sum(axis=0)
