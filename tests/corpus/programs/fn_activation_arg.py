"""Functions passed as arguments: an MLP taking activation=np.tanh by default, called with a
user-written ReLU, a lambda, and np.sin."""
import numpy as np

IDIOM = "activation=np.tanh default, activation=relu / lambda / np.sin passed by the caller"
EXPECT = "right"


def relu(x):
    return np.maximum(x, 0.0)


def mlp(params, x, activation=np.tanh):
    *hidden, last = params
    for W, b in hidden:
        x = activation(x @ W + b)
    W, b = last
    return x @ W + b


def loss(params, x, y, activation=np.tanh):
    return np.mean((mlp(params, x, activation) - y) ** 2)


def make():
    rng = np.random.default_rng(73)
    params = [(rng.standard_normal((2, 4)), rng.standard_normal(4)),
              (rng.standard_normal((4, 3)), rng.standard_normal(3)),
              (rng.standard_normal((3, 1)), rng.standard_normal(1))]
    x, y = rng.standard_normal((5, 2)), rng.standard_normal((5, 1))
    return [dict(name="default tanh", fn=loss, args=(params, x, y)),
            dict(name="user relu", fn=loss, args=(params, x, y, relu)),
            dict(name="lambda softplus", fn=loss, args=(params, x, y, lambda z: np.log1p(np.exp(z)))),
            dict(name="np.sin by keyword", fn=loss, args=(params, x, y), kwargs={"activation": np.sin})]
