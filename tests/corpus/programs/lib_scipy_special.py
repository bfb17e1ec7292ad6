"""Log-likelihoods written with scipy.special: a Dirichlet (gammaln), a Beta via betaln, a
digamma term, xlogy for a multinomial, expit and logsumexp."""
import numpy as np
from scipy import special
from scipy.special import betaln, digamma, expit, gammaln, logsumexp, xlogy

IDIOM = "gammaln, betaln, digamma, xlogy, expit, logsumexp, special.erf by module"
EXPECT = "right"


def dirichlet_logpdf(log_alpha, x):
    alpha = np.exp(log_alpha)
    return np.sum((alpha - 1) * np.log(x)) + gammaln(np.sum(alpha)) - np.sum(gammaln(alpha))


def beta_logpdf(a, b, p):
    return np.sum((a - 1) * np.log(p) + (b - 1) * np.log(1 - p)) - len(p) * betaln(a, b)


def objective(log_alpha, theta, x, p, counts):
    probs = np.exp(theta - logsumexp(theta))
    multinomial = np.sum(xlogy(counts, probs))
    return (dirichlet_logpdf(log_alpha, x) + beta_logpdf(np.exp(theta[0]), np.exp(theta[1]), p)
            + multinomial + np.sum(expit(theta)) + np.sum(digamma(np.exp(log_alpha)))
            + np.sum(special.erf(theta)))


def make():
    rng = np.random.default_rng(130)
    x = rng.dirichlet(np.ones(3))
    p = rng.uniform(0.2, 0.8, size=4)
    counts = np.array([2.0, 0.0, 5.0])
    return [dict(name="log_alpha, theta", fn=objective, args=(rng.standard_normal(3), rng.standard_normal(3), x, p, counts),
                 wrt=(0, 1))]
