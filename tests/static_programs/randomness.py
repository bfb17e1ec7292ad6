"""Random draws inside losses: NumPy's global generator (seeded in the loss), a Generator
passed in, a RandomState captured from the module."""
import numpy as np

CAPTURED = np.random.RandomState(11)


def reparameterised(mu, log_sigma, target):
    np.random.seed(0)
    eps = np.random.randn(*mu.shape)
    z = mu + np.exp(log_sigma) * eps
    noise = np.random.normal(0.0, 0.1, size=z.shape)
    return np.sum((z + noise - target) ** 2)


def dropout(w, x, rng, keep=0.5):
    h = np.tanh(x @ w)
    mask = (rng.random(h.shape) < keep) / keep
    return np.sum((h * mask) ** 2)


def captured_noise(w, x):
    return np.sum((x @ w + 0.1 * CAPTURED.randn(x.shape[0])) ** 2)
