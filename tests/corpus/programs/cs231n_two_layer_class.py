"""The two-layer net of the first assignment: a params dict on the object, a loss method that
returns the scores when no labels are given (`if y is None`), a regularisation default."""
import numpy as np

IDIOM = "method loss(X, y=None, reg=0.0), if y is None: return scores, self.params dict"
EXPECT = "right"


class TwoLayerNet(object):
    def __init__(self, input_size, hidden_size, output_size, std=1e-1, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {}
        self.params['W1'] = std * rng.standard_normal((input_size, hidden_size))
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = std * rng.standard_normal((hidden_size, output_size))
        self.params['b2'] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape
        hidden = np.maximum(0, X.dot(W1) + b1)
        scores = hidden.dot(W2) + b2
        if y is None:
            return scores
        scores = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        return loss


def make():
    rng = np.random.default_rng(10)
    net = TwoLayerNet(4, 6, 3)
    X = rng.standard_normal((5, 4))
    y = rng.integers(0, 3, size=5)
    return [dict(name="params, reg keyword", fn=net.loss, args=(X, y), kwargs={"reg": 0.05}, wrt="params"),
            dict(name="params, default reg", fn=net.loss, args=(X, y), wrt="params"),
            dict(name="input X", fn=net.loss, args=(X, y, 0.1), wrt=0)]
