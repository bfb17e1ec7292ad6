import numpy as np

SCALE = 3.0
loss = lambda w, x: np.sum(np.tanh(x @ w) ** 2) * SCALE
def make_loss(X, y):
    def loss(w):
        return np.mean((X @ w - y) ** 2)
    return loss

def nested(w, x):
    def act(z):
        return np.tanh(z) * 2.0
    sq = lambda t: t * t
    h = act(x @ w)
    return np.sum(sq(h))

def late_binding(w, x):
    scale = 1.0
    def g(t):
        return t * scale
    out = 0.0
    for i in range(3):
        scale = scale * 2.0
        out = out + np.sum(g(w @ x))
    return out

def escapes(w, x):
    def g(t):
        return t * 2.0
    return np.sum(apply(g, w @ x))

def apply(f, v):
    return f(v)


def returns_passed(w, x):
    def g(t):
        return t * 2.0
    h = identity_of(g)
    return np.sum(h(w @ x))


def identity_of(f):
    return f


two_on_a_line = (lambda w: np.sum(w ** 2), lambda w: np.sum(w ** 3))


def first_in_loop(weights, x):
    outputs = None
    for W in weights:
        if outputs is None:
            outputs = np.tanh(x @ W)
        else:
            outputs = np.tanh(outputs @ W)
    return np.sum(outputs)


def really_unbound(w, x):
    y = x
    for i in range(3):
        y = q + w
        q = w
    return np.sum(y)


def ridge(w, X, y, reg):
    r = X @ w - y
    return 0.5 * np.dot(r, r) + 0.5 * reg * np.dot(w, w)


def mlp_tuples(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return np.sum(outputs ** 2)


def indexed_pairs(params, x):
    for i in range(len(params)):
        x = np.tanh(x @ params[i][0] + params[i][1])
    return np.sum(x)
