"""autograd's logistic regression: the loss reads its training data from module globals
(inputs, boolean targets); sigmoid written through tanh. The globals are then rebound to new
data between calls, as a notebook user would do: the gradient must follow."""
import numpy as np

IDIOM = "training data in module globals, bool targets, globals rebound and edited between calls"
EXPECT = "right"


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1)


def logistic_predictions(weights, inputs):
    return sigmoid(np.dot(inputs, weights))


def training_loss(weights):
    preds = logistic_predictions(weights, inputs)
    label_probabilities = preds * targets + (1 - preds) * (1 - targets)
    return -np.sum(np.log(label_probabilities))


def _first_data():
    global inputs, targets
    inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])
    targets = np.array([True, True, False, True])


def _second_data(case):
    global inputs, targets
    inputs = np.array([[0.1, -0.4, 0.3], [1.2, 0.8, -0.5], [-0.7, 0.2, 0.9]])
    targets = np.array([False, True, True])


def _edit_in_place(case):
    inputs[0] *= -2.0


_first_data()


def make():
    _first_data()
    weights = np.array([0.1, -0.2, 0.3])
    return [dict(name="weights, then new global data", fn=training_loss, args=(weights,),
                 variants=[("globals rebound", _second_data),
                           ("global array edited in place", _edit_in_place)])]
