"""Binary logistic regression with a numerically careful log-likelihood (np.logaddexp)."""
import numpy as np

IDIOM = "straight-line: sigmoid, log loss via logaddexp, labels in {0, 1}"
EXPECT = "right"


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def nll(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z) / len(y)


def cross_entropy(w, X, y):
    p = sigmoid(X @ w)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def make():
    rng = np.random.default_rng(141)
    X, y, w = rng.standard_normal((9, 4)), rng.integers(0, 2, size=9).astype(float), rng.standard_normal(4)
    return [dict(name="logaddexp form", fn=nll, args=(w, X, y)),
            dict(name="sigmoid form", fn=cross_entropy, args=(w, X, y))]
