"""Models with control flow, written as a user writes them."""
import numpy as np


def rnn_loss(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


def branch_on_data(x, y):
    if np.sum(x) > 0:
        z = x * y
    else:
        z = x + y * 2.0
    return np.sum(z * z)


def elif_chain(x):
    s = np.sum(x)
    if s > 1.0:
        y = np.exp(x)
    elif s > -1.0:
        y = x * x
    else:
        y = -x
    return np.sum(y)


def branch_on_argument(x, mode):
    if mode == "square":
        y = x * x
    else:
        y = np.sin(x)
    return np.sum(y)


def conditional_expression(x):
    y = x * 2.0 if x > 1.0 else x * x
    return y * y


def newton_sqrt(a):
    x = a
    while np.abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def geometric_until(x):
    total = x * 0.0
    term = x
    while np.max(np.abs(term)) > 1e-3:
        total = total + term
        term = term * 0.5
    return np.sum(total)


def running_sum_with_range_step(x):
    s = 0.0
    for i in range(1, x.shape[0], 2):
        s = s + x[i] * x[i - 1]
    return s


def loop_over_rows(X, w):
    total = 0.0
    for row in X:
        total = total + np.tanh(row @ w)
    return total


def enumerate_rows(X, w):
    total = 0.0
    for i, row in enumerate(X):
        total = total + (i + 1.0) * np.sum(row * w)
    return total


def nested_loops(A, x):
    v = x
    for k in range(3):
        for i in range(A.shape[0]):
            v = v + A[i] * np.sin(v)
    return np.sum(v * v)


def branch_inside_loop(x):
    acc = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            acc = acc + x[i] * x[i]
        else:
            acc = acc - np.sin(x[i])
    return acc


def loop_carried_and_invariant(W, x):
    h = x
    for t in range(4):
        h = np.maximum(W @ h, 0.1 * (W @ h))
    return np.sum(h)


def rnn_from_step_one(Wx, Wh, b, xs):
    """Skips the first row: the loop does not visit every row of xs."""
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(1, xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


def invariant_read(params, xs):
    total = 0.0
    for t in range(xs.shape[0]):
        total = total + np.sum(np.sin(xs[t] * params["w"]))
    return total


def rnn_with_readout(Wx, Wh, b, Wy, xs):
    """The benchmark's RNN: the last state read out by Wy (also a weight of the loss)."""
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return 0.5 * np.sum((h @ Wy) ** 2)


def shared_weight_outside_loop(W, x0, xs):
    """``W`` also used before the loop: its loop gradient adds to a non-zero one."""
    h = np.tanh(x0 @ W)
    for t in range(xs.shape[0]):
        h = np.tanh(h @ W + xs[t])
    return np.sum(h ** 2)


def computed_rows(W, V, xs):
    """The product's left factor is computed in the loop (not a read of xs or a tape)."""
    h = xs[0]
    for t in range(1, xs.shape[0]):
        g = np.sin(xs[t]) * h
        h = np.tanh(g @ W) + h @ V
    return np.sum(h ** 2)


def varying_rows(W, xs):
    total = 0.0
    for i in range(1, xs.shape[0]):
        total = total + np.sum(np.tanh(xs[:i].reshape(-1, xs.shape[2]) @ W))
    return total


def weight_after_loop(W, xs):
    """``W`` read again after the loop: the loop's gradient adds to what that use sent."""
    h = xs[0]
    for t in range(1, xs.shape[0]):
        h = np.tanh(h @ W + xs[t])
    return np.sum((h @ W) ** 2)


def nested_rnn(Wx, Wh, xs):
    """Two passes over the sequence, one loop inside the other (weights shared)."""
    total = 0.0
    for k in range(2):
        h = np.zeros((xs.shape[1], Wh.shape[0]))
        for t in range(xs.shape[0]):
            h = np.tanh(xs[t] @ Wx + h @ Wh) * (k + 1)
        total = total + np.sum(h ** 2)
    return total


def rnn_sin_state(Wx, Wh, b, xs):
    """A state made by an operation without an ``out=`` form here: taped."""
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.sin(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


def rnn_state_in_branch(Wx, Wh, b, xs, leaky):
    """The new state made in a branch: taped."""
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        a = xs[t] @ Wx + h @ Wh + b
        if leaky:
            h = 0.5 * h + 0.5 * np.tanh(a)
        else:
            h = np.tanh(a)
    return np.sum(h ** 2)


def rnn_state_read_after(Wx, Wh, b, xs, h0):
    """The initial state, every state and the last one read again after the loop."""
    h = h0
    total = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        total = total + np.sum(h * h0)
    return total + np.sum(h ** 3) + np.sum(h0 * h)


# Triangular nests: the inner loop's length depends on the outer index, so some of its
# runs are empty (the first ones, or the last ones).
def pairwise_products(x, n):
    s = 0.0
    for i in range(n):
        for j in range(i):
            s = s + x[i] * x[j]
    return s


def shrinking_chains(W, xs):
    # row i goes through n - 1 - i tanh layers: the last row through none
    n = xs.shape[0]
    acc = np.zeros(xs.shape[1])
    for i in range(n):
        h = xs[i]
        for j in range(n - 1 - i):
            h = np.tanh(W @ h)
        acc = acc + h
    return np.sum(acc ** 2)


def shrinking_while(W, x, n):
    # the inner while loop's last runs test false at once
    k = 0
    total = 0.0
    while k < n:
        h = x
        m = k
        while m < n - 2:
            h = np.sin(W @ h)
            m = m + 1
        total = total + np.sum(h * h)
        k = k + 1
    return total


def guarded_nest(x, flags):
    # the inner loop runs only where the data says so: on some data never, on other data
    # for several steps (the same signature)
    s = 0.0
    for i in range(x.shape[0]):
        if flags[i] > 0:
            for j in range(i):
                s = s + x[i] * x[j]
    return s + np.sum(x)
