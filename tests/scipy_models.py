"""A model that uses scipy.special by its imported names."""
import numpy as np
from scipy.special import erf, expit, logsumexp


def scipy_losses(S, y):
    from_scipy = logsumexp(S, axis=1) - S[np.arange(S.shape[0]), y]
    return np.mean(from_scipy) + np.sum(expit(S)) + np.sum(erf(S) ** 2)
