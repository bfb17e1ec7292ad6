"""A module-level dict of activation functions looked up by a string setting."""
import numpy as np

IDIOM = "ACTIVATIONS[name] dict of functions (user's and NumPy's), name a str argument"
EXPECT = "right"


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def leaky_relu(x, alpha=0.1):
    return np.where(x > 0, x, alpha * x)


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "leaky_relu": leaky_relu}


def loss(W, X, y, activation="tanh"):
    act = ACTIVATIONS[activation]
    h = act(X @ W)
    return np.sum((h.sum(axis=1) - y) ** 2)


def make():
    rng = np.random.default_rng(75)
    W, X, y = rng.standard_normal((3, 4)), rng.standard_normal((5, 3)), rng.standard_normal(5)
    return [dict(name=name, fn=loss, args=(W, X, y, name)) for name in ("tanh", "sigmoid", "leaky_relu")]
