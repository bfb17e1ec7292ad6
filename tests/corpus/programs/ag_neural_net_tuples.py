"""An MLP in the style of autograd's examples: parameters as a list of (W, b) tuples built with
zip over consecutive layer sizes, a predict loop unpacking each tuple, log-softmax through
scipy's logsumexp, an L2 prior summed over the tuples, and an objective that closes over the
training data and picks a minibatch by iteration number."""
import numpy as np
from scipy.special import logsumexp

IDIOM = "for W, b in params, logsumexp(keepdims), objective(params, iter) closure with slice batches"
EXPECT = "right"


def init_random_params(scale, layer_sizes, rs):
    return [(scale * rs.randn(m, n), scale * rs.randn(n)) for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]


def neural_net_predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def l2_norm(params):
    total = 0.0
    for W, b in params:
        total = total + np.sum(W ** 2) + np.sum(b ** 2)
    return total


def log_posterior(params, inputs, targets, L2_reg):
    log_prior = -L2_reg * l2_norm(params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return log_prior + log_lik


def make_objective(train_images, train_labels, batch_size, L2_reg):
    num_batches = int(np.ceil(len(train_images) / batch_size))

    def batch_indices(iter):
        idx = iter % num_batches
        return slice(idx * batch_size, (idx + 1) * batch_size)

    def objective(params, iter):
        idx = batch_indices(iter)
        return -log_posterior(params, train_images[idx], train_labels[idx], L2_reg)

    return objective


def make():
    rs = np.random.RandomState(0)
    params = init_random_params(0.3, [4, 5, 3], rs)
    images = rs.randn(8, 4)
    labels = np.eye(3)[rs.randint(0, 3, size=8)]
    objective = make_objective(images, labels, 3, 0.1)
    return [dict(name="log_posterior, params", fn=log_posterior, args=(params, images, labels, 0.1)),
            dict(name="objective closure, iter 0", fn=objective, args=(params, 0)),
            dict(name="objective closure, iter 2 (short batch)", fn=objective, args=(params, 2))]
