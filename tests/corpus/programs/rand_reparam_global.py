"""A reparameterised Gaussian sample drawn from NumPy's global generator inside the loss
(np.random.randn(*shape), np.random.normal), with the gradient flowing through mean + std * eps."""
import numpy as np

IDIOM = "eps = np.random.randn(*mu.shape); z = mu + np.exp(log_sigma) * eps; np.random.normal(size=)"
EXPECT = "right"


def elbo_like(mu, log_sigma, target):
    eps = np.random.randn(*mu.shape)
    z = mu + np.exp(log_sigma) * eps
    noise = np.random.normal(0.0, 0.1, size=z.shape)
    recon = np.sum((z + noise - target) ** 2)
    kl = 0.5 * np.sum(np.exp(2 * log_sigma) + mu ** 2 - 1.0 - 2 * log_sigma)
    return recon + kl


def make():
    rng = np.random.default_rng(121)
    mu, log_sigma, target = rng.standard_normal((3, 2)), -rng.uniform(size=(3, 2)), rng.standard_normal((3, 2))
    return [dict(name="mu, log_sigma", fn=elbo_like, args=(mu, log_sigma, target), wrt=(0, 1),
                 before=lambda: np.random.seed(11))]
