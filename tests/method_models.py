"""Networks written as classes, the way the classic backprop code writes them."""
import numpy as np


class TwoLayerNet:
    def __init__(self, rng, input_size=4, hidden_size=5, output_size=3, reg=0.0):
        self.params = {"W1": 0.5 * rng.normal(size=(input_size, hidden_size)),
                       "b1": np.zeros(hidden_size),
                       "W2": 0.5 * rng.normal(size=(hidden_size, output_size)),
                       "b2": np.zeros(output_size)}
        self.reg = reg

    def predict(self, x):
        h = np.maximum(0, x @ self.params["W1"] + self.params["b1"])
        return h @ self.params["W2"] + self.params["b2"]

    def loss(self, x, t):
        s = self.predict(x)
        s = s - np.max(s, axis=1, keepdims=True)
        p = np.exp(s) / np.sum(np.exp(s), axis=1, keepdims=True)
        data = -np.sum(t * np.log(p)) / x.shape[0]
        return data + 0.5 * self.reg * np.sum(self.params["W1"] ** 2)


class Network:
    def __init__(self, sizes, rng):
        self.weights = [rng.normal(size=(o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
        self.biases = [rng.normal(size=(o, 1)) for o in sizes[1:]]

    def feedforward(self, a):
        for w, b in zip(self.weights, self.biases):
            a = 1.0 / (1.0 + np.exp(-(w @ a + b)))
        return a

    def cost(self, x, y):
        return np.sum((self.feedforward(x) - y) ** 2) / (2 * x.shape[1])


class Mutating:
    def __init__(self):
        self.w = np.ones(3)
        self.last = None

    def loss(self, x):
        self.last = x * self.w
        return np.sum(self.last)


class Predictor:
    """A model whose bound ``predict`` users hand to jacobian, vjp and jvp."""

    def __init__(self, W1, W2):
        self.W1, self.W2 = W1, W2

    def predict(self, x):
        return np.tanh(x @ self.W1) @ self.W2

    def energy(self, x):
        return np.sum(self.predict(x) ** 2)
