"""An ICA-style likelihood: the log |det W| term through np.linalg.slogdet's tuple result and
a log-cosh source prior."""
import numpy as np

IDIOM = "sign, logdet = np.linalg.slogdet(W), np.log(np.cosh(.))"
EXPECT = "right"


def ica_log_likelihood(W, X):
    sign, logdet = np.linalg.slogdet(W)
    S = X @ W.T
    return X.shape[0] * logdet - np.sum(np.log(np.cosh(S)))


def make():
    rs = np.random.RandomState(10)
    W = np.eye(3) + 0.3 * rs.randn(3, 3)
    X = rs.randn(7, 3)
    return [dict(name="W", fn=ica_log_likelihood, args=(W, X))]
