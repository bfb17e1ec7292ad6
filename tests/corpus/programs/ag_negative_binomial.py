"""Negative binomial maximum likelihood as in autograd's example: parameters unpacked through
exp and a sigmoid, the log-pmf written with scipy.special.gammaln."""
import numpy as np
from scipy.special import gammaln

IDIOM = "scipy.special.gammaln, unpack helper returning a tuple, mean over counts"
EXPECT = "right"


def sigmoid(x):
    return 1. / (np.exp(-x) + 1)


def logit(x):
    return np.log(x) - np.log(1 - x)


def negbin_loglike(r, p, x):
    return gammaln(r + x) - gammaln(r) - gammaln(x + 1) + x * np.log(p) + r * np.log(1 - p)


def fit_objective(params, data):
    r, p = np.exp(params[0]), sigmoid(params[1])
    return -np.sum(negbin_loglike(r, p, data)) / len(data)


def make():
    data = np.array([0., 3., 1., 7., 2., 4., 0., 5.])
    return [dict(name="params", fn=fit_objective, args=(np.array([0.5, logit(0.4)]), data))]
