"""Layers written as dataclasses and built inside the loss from a dict of parameters: fields
with defaults, a ``__post_init__`` that derives a field, ``__call__``, a model dataclass
whose list of layers comes from ``field(default_factory=list)`` and is filled by a method."""
from dataclasses import dataclass, field

import numpy as np

IDIOM = "@dataclass layers built in the loss: defaults, __post_init__, default_factory list"
EXPECT = "right"


@dataclass
class Linear:
    W: np.ndarray
    b: np.ndarray
    activation: str = "relu"

    def __post_init__(self):
        self.fan_in = self.W.shape[0]

    def __call__(self, x):
        z = x @ self.W / np.sqrt(self.fan_in) + self.b
        return np.maximum(z, 0.0) if self.activation == "relu" else z


@dataclass
class MLP:
    layers: list = field(default_factory=list)
    weight_decay: float = 1e-2

    def add(self, layer):
        self.layers.append(layer)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def penalty(self):
        return self.weight_decay * sum(np.sum(layer.W ** 2) for layer in self.layers)


def loss(params, X, y):
    net = MLP()
    net.add(Linear(params["W1"], params["b1"]))
    net.add(Linear(params["W2"], params["b2"], activation="linear"))
    pred = net(X)
    return 0.5 * np.mean((pred - y) ** 2) + net.penalty()


def loss_given_layers(params, X, y):
    net = MLP([Linear(params["W1"], params["b1"], "relu"),
               Linear(W=params["W2"], b=params["b2"], activation="linear")], weight_decay=0.0)
    return np.sum((net(X) - y) ** 2)


def make():
    rng = np.random.default_rng(191)
    params = {"W1": rng.standard_normal((4, 6)), "b1": 0.1 * rng.standard_normal(6),
              "W2": rng.standard_normal((6, 2)), "b2": np.zeros(2)}
    X, y = rng.standard_normal((7, 4)), rng.standard_normal((7, 2))
    return [dict(name="layers added by a method", fn=loss, args=(params, X, y)),
            dict(name="layers given to the model", fn=loss_given_layers, args=(params, X, y))]
