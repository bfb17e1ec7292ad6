import numpy as np

def config_loss(W, X, config):
    out = np.sum((X @ W) ** 2)
    if "l2" in config:
        out = out + config["l2"] * np.sum(W * W)
    out = out + config.get("l1", 0.0) * np.sum(np.abs(W))
    for name, value in config.items():
        if name.startswith("shift"):
            out = out + value * np.sum(W)
    return out

def rnn(Wx, Wh, xs):
    h = np.zeros(Wh.shape[0])
    hs = []
    for t in range(xs.shape[0]):
        h = np.tanh(Wx @ xs[t] + Wh @ h)
        hs.append(h)
    H = np.stack(hs)
    return np.sum(H ** 2)

def comp(ws, x):
    outs = [np.tanh(w @ x) for w in ws]
    total = sum(np.sum(o ** 2) for o in outs)
    label = f"n={len(ws)}"
    assert len(label) > 0, "label"
    d = {f"w{i}": w for i, w in enumerate(ws)}
    return total + np.sum(d["w0"])

def mode(W, X, mode="train", verbose=False):
    assert mode in ("train", "test"), f"bad mode {mode}"
    if mode not in ("train", "test"):
        raise ValueError(f"unknown mode {mode!r}")
    if verbose:
        print("loss at", W)
    out = np.sum(np.tanh(X @ W))
    if isinstance(W, np.ndarray) and W.ndim == 2:
        out = out * 2.0
    return out


class TwoLayer:
    def __init__(self, rng, mode="train"):
        self.params = {"W1": rng.standard_normal((3, 4)), "W2": rng.standard_normal((4, 2))}
        self.mode = mode
        self.use_bias = False

    def loss(self, X, y=None, reg=0.0):
        h = np.maximum(0, X @ self.params["W1"])
        if self.use_bias:
            h = h + self.bias
        scores = h @ self.params["W2"]
        if y is None:
            return np.sum(scores)
        if self.mode == "train":
            scores = scores * 0.5
        return np.sum((scores - y) ** 2) + reg * sum(np.sum(W * W) for W in self.params.values())


def helper(x, w):
    a = x @ w
    cache = (x, w)
    return np.tanh(a), cache


def uses_helper(w, x):
    h, cache = helper(x, w)
    xs, ws = cache
    return np.sum(h * h) + np.sum(ws)


def grows_in_branch(W, X):
    parts = []
    if np.sum(X) > 0:
        parts.append(W)
    return np.sum(W)


def formats_data(W, X):
    label = f"{np.sum(W)}"
    return np.sum(W)


def key_from_data(W, X):
    d = {"a": W, "b": 2.0 * W}
    k = "a" if np.sum(X) > 0 else "b"
    return np.sum(d[k])


def prints(W, X):
    out = np.sum(W)
    print(out)
    return out
