"""Nielsen's total cost: a loop over a list of (x, y) pairs, a cross-entropy cost class using
np.nan_to_num, and L2 regularisation as sum(np.linalg.norm(w)**2 for w in self.weights)."""
import numpy as np

IDIOM = "for x, y in data: cost += self.cost.fn(a, y)/len(data), sum(genexpr), np.nan_to_num"
EXPECT = "right"


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class CrossEntropyCost(object):
    @staticmethod
    def fn(a, y):
        return np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)))


class Network(object):
    def __init__(self, sizes, cost=CrossEntropyCost):
        rng = np.random.default_rng(1)
        self.sizes = sizes
        self.biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
        self.weights = [rng.standard_normal((y, x)) / np.sqrt(x) for x, y in zip(sizes[:-1], sizes[1:])]
        self.cost = cost

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def total_cost(self, data, lmbda):
        cost = 0.0
        for x, y in data:
            a = self.feedforward(x)
            cost += self.cost.fn(a, y) / len(data)
        cost += 0.5 * (lmbda / len(data)) * sum(np.linalg.norm(w) ** 2 for w in self.weights)
        return cost


def make():
    rng = np.random.default_rng(41)
    net = Network([2, 3, 2])
    data = [(rng.standard_normal((2, 1)), np.eye(2)[:, [k]]) for k in (0, 1, 1)]
    return [dict(name="weights", fn=net.total_cost, args=(data, 0.5), wrt="weights"),
            dict(name="weights and biases", fn=net.total_cost, args=(data, 0.0), wrt=("weights", "biases"))]
