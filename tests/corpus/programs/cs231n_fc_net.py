"""The fully connected net of the second assignment: parameters named 'W%d' % (i + 1), a layer
loop over range(self.num_layers - 1), optional batchnorm and dropout chosen by settings held
on the object, caches appended to a list, and L2 regularisation summed in a second loop."""
import numpy as np

IDIOM = "'W%d' % (i+1) keys, settings on self decide branches, caches.append, mode from y is None"
EXPECT = "right"


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim, num_classes, normalization=None, dropout=1.0,
                 reg=0.0, weight_scale=1e-1, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.params = {}
        rng = np.random.default_rng(0)
        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(self.num_layers):
            self.params['W%d' % (i + 1)] = weight_scale * rng.standard_normal((dims[i], dims[i + 1]))
            self.params['b%d' % (i + 1)] = np.zeros(dims[i + 1])
            if self.normalization == "batchnorm" and i < self.num_layers - 1:
                self.params['gamma%d' % (i + 1)] = np.ones(dims[i + 1])
                self.params['beta%d' % (i + 1)] = np.zeros(dims[i + 1])
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for i in range(self.num_layers - 1)]

    def loss(self, X, y=None):
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode
        caches = []
        out = X
        for i in range(self.num_layers - 1):
            W, b = self.params['W%d' % (i + 1)], self.params['b%d' % (i + 1)]
            out = out.dot(W) + b
            if self.normalization == "batchnorm":
                gamma, beta = self.params['gamma%d' % (i + 1)], self.params['beta%d' % (i + 1)]
                mu = out.mean(axis=0)
                var = out.var(axis=0)
                out = gamma * (out - mu) / np.sqrt(var + 1e-5) + beta
            out = np.maximum(0, out)
            if self.use_dropout:
                if "seed" in self.dropout_param:
                    np.random.seed(self.dropout_param["seed"])
                mask = (np.random.rand(*out.shape) < self.dropout_param["p"]) / self.dropout_param["p"]
                out = out * mask
            caches.append((W, b, out))
        W, b = self.params['W%d' % self.num_layers], self.params['b%d' % self.num_layers]
        scores = out.dot(W) + b
        if mode == "test":
            return scores
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        loss = -np.mean(log_probs[np.arange(X.shape[0]), y])
        for i in range(self.num_layers):
            W = self.params['W%d' % (i + 1)]
            loss += 0.5 * self.reg * np.sum(W * W)
        return loss


def make():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((5, 4))
    y = rng.integers(0, 3, size=5)
    plain = FullyConnectedNet([5, 4], 4, 3, reg=0.1)
    batchnorm = FullyConnectedNet([5], 4, 3, normalization="batchnorm")
    dropout = FullyConnectedNet([6], 4, 3, dropout=0.7, seed=123)
    return [dict(name="plain, params", fn=plain.loss, args=(X, y), wrt="params"),
            dict(name="batchnorm, params", fn=batchnorm.loss, args=(X, y), wrt="params"),
            dict(name="seeded dropout, params", fn=dropout.loss, args=(X, y), wrt="params")]
