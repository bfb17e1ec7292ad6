"""Generalised linear model losses: Poisson regression with a log link and a pseudo-Huber loss."""
import numpy as np

IDIOM = "straight-line: exp link Poisson NLL, pseudo-Huber with sqrt"
EXPECT = "right"


def poisson_nll(w, X, counts):
    eta = X @ w
    return np.sum(np.exp(eta) - counts * eta)


def pseudo_huber(w, X, y, delta):
    r = X @ w - y
    return np.sum(delta ** 2 * (np.sqrt(1 + (r / delta) ** 2) - 1))


def make():
    rng = np.random.default_rng(144)
    X = 0.5 * rng.standard_normal((7, 3))
    counts = rng.poisson(2.0, size=7).astype(float)
    y, w = rng.standard_normal(7), rng.standard_normal(3)
    return [dict(name="poisson", fn=poisson_nll, args=(w, X, counts)),
            dict(name="pseudo-huber, w and delta", fn=pseudo_huber, args=(w, X, y, 0.7), wrt=(0, 3))]
