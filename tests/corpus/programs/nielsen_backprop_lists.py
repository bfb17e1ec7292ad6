"""Nielsen's forward pass as a function of the lists: activations and zs appended layer by
layer, the cost read from the last activation, negative list indices."""
import numpy as np

IDIOM = "activations = [x]; zs = []; .append in a zip loop; activations[-1]; weights[-1]"
EXPECT = "right"


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def cost(weights, biases, x, y):
    activation = x
    activations = [x]
    zs = []
    for b, w in zip(biases, weights):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    out = activations[-1]
    penultimate = activations[-2]
    return 0.5 * np.sum((out - y) ** 2) + 1e-3 * np.sum(penultimate) + 1e-3 * np.sum(zs[-1])


def make():
    rng = np.random.default_rng(42)
    sizes = [3, 4, 4, 2]
    weights = [rng.standard_normal((n, m)) for m, n in zip(sizes[:-1], sizes[1:])]
    biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
    x, y = rng.standard_normal((3, 5)), rng.uniform(size=(2, 5))
    return [dict(name="weights, biases", fn=cost, args=(weights, biases, x, y), wrt=(0, 1))]
