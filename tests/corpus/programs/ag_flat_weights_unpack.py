"""A Bayesian-neural-net style model: all weights in one flat vector unpacked layer by layer
with running offsets into a list, the nonlinearity passed as an argument (np.tanh by default),
shapes computed with list(zip(...)) and sum over a generator at construction time."""
import numpy as np

IDIOM = "nonlinearity=np.tanh argument, offsets into a flat vector, list of (W, b) built with append"
EXPECT = "right"


def make_nn_funs(layer_sizes, L2_reg, noise_variance, nonlinearity=np.tanh):
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    num_weights = sum((m + 1) * n for m, n in shapes)

    def unpack_layers(weights):
        layers = []
        offset = 0
        for m, n in shapes:
            W = weights[offset:offset + m * n].reshape((m, n))
            offset += m * n
            b = weights[offset:offset + n]
            offset += n
            layers.append((W, b))
        return layers

    def predictions(weights, inputs):
        for W, b in unpack_layers(weights):
            outputs = np.dot(inputs, W) + b
            inputs = nonlinearity(outputs)
        return outputs

    def logprob(weights, inputs, targets):
        log_prior = -L2_reg * np.sum(weights ** 2)
        preds = predictions(weights, inputs)
        log_lik = -np.sum((preds - targets) ** 2) / noise_variance
        return log_prior + log_lik

    return num_weights, predictions, logprob


def rbf(x):
    return np.exp(-x ** 2)


def make():
    rs = np.random.RandomState(9)
    inputs, targets = rs.randn(6, 1), rs.randn(6, 1)
    n1, _, logprob_tanh = make_nn_funs([1, 4, 1], 0.1, 0.01)
    n2, _, logprob_rbf = make_nn_funs([1, 3, 3, 1], 0.1, 0.01, nonlinearity=rbf)
    return [dict(name="default np.tanh", fn=logprob_tanh, args=(0.5 * rs.randn(n1), inputs, targets)),
            dict(name="user rbf passed in", fn=logprob_rbf, args=(0.5 * rs.randn(n2), inputs, targets))]
