"""Nielsen-style network: lists self.biases and self.weights, feedforward with
`for b, w in zip(self.biases, self.weights)`, column-vector activations, a cost class whose
static fn method the network calls through self.cost."""
import numpy as np

IDIOM = "zip(self.biases, self.weights), self.cost.fn(a, y) @staticmethod, wrt=('weights','biases')"
EXPECT = "right"


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class QuadraticCost(object):
    @staticmethod
    def fn(a, y):
        return 0.5 * np.linalg.norm(a - y) ** 2

    @staticmethod
    def delta(z, a, y):
        return (a - y) * sigmoid(z) * (1 - sigmoid(z))


class Network(object):
    def __init__(self, sizes, cost=QuadraticCost):
        rng = np.random.default_rng(0)
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
        self.weights = [rng.standard_normal((y, x)) / np.sqrt(x) for x, y in zip(sizes[:-1], sizes[1:])]
        self.cost = cost

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def example_cost(self, x, y):
        return self.cost.fn(self.feedforward(x), y)


def make():
    rng = np.random.default_rng(40)
    net = Network([3, 4, 2])
    x = rng.standard_normal((3, 1))
    y = np.array([[0.0], [1.0]])
    return [dict(name="weights and biases", fn=net.example_cost, args=(x, y), wrt=("weights", "biases")),
            dict(name="input column x", fn=net.example_cost, args=(x, y), wrt=0)]
