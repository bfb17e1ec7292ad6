"""Soft k-means / mixture responsibilities: pairwise squared distances by broadcasting and a
temperature-scaled softmin."""
import numpy as np

IDIOM = "straight-line: X[:, None, :] - C[None, :, :], softmin responsibilities"
EXPECT = "right"


def soft_kmeans(C, X, beta):
    d2 = np.sum((X[:, None, :] - C[None, :, :]) ** 2, axis=2)
    a = -beta * d2
    a = a - np.max(a, axis=1, keepdims=True)
    r = np.exp(a) / np.sum(np.exp(a), axis=1, keepdims=True)
    return np.sum(r * d2)


def make():
    rng = np.random.default_rng(146)
    return [dict(name="centres", fn=soft_kmeans, args=(rng.standard_normal((3, 2)), rng.standard_normal((6, 2)), 2.0))]
