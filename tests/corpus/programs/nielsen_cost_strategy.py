"""Cost classes chosen at construction and passed around as values: the network calls
self.cost.fn, a class attribute holds the default, and a subclass swaps the cost."""
import numpy as np

IDIOM = "cost class as a constructor argument, class attribute default, subclass overriding it"
EXPECT = "right"


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class QuadraticCost(object):
    @staticmethod
    def fn(a, y):
        return 0.5 * np.sum((a - y) ** 2)


class CrossEntropyCost(object):
    @staticmethod
    def fn(a, y):
        return np.sum(-y * np.log(a) - (1 - y) * np.log(1 - a))


class Network(object):
    default_cost = QuadraticCost

    def __init__(self, weights, biases, cost=None):
        self.weights, self.biases = weights, biases
        self.cost = cost if cost is not None else self.default_cost

    def loss(self, x, y):
        a = x
        for w, b in zip(self.weights, self.biases):
            a = sigmoid(w @ a + b)
        return self.cost.fn(a, y)


class ClassifierNetwork(Network):
    default_cost = CrossEntropyCost


def make():
    rng = np.random.default_rng(43)
    def params():
        return [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))], [np.zeros((3, 1)), np.zeros((2, 1))]
    x, y = rng.standard_normal((2, 4)), rng.uniform(0.1, 0.9, size=(2, 4))
    quad = Network(*params())
    xent = Network(*params(), cost=CrossEntropyCost)
    sub = ClassifierNetwork(*params())
    return [dict(name="default quadratic, weights", fn=quad.loss, args=(x, y), wrt="weights"),
            dict(name="cross entropy passed in, weights", fn=xent.loss, args=(x, y), wrt="weights"),
            dict(name="subclass default, biases", fn=sub.loss, args=(x, y), wrt="biases")]
