"""Falling back when a Cholesky factorisation fails: try/except in the differentiated path
stays refused with a located error."""
import numpy as np

IDIOM = "try: np.linalg.cholesky(K) except np.linalg.LinAlgError: add jitter"
EXPECT = "refused"


def gp_nll(A, y):
    K = A @ A.T
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(K + 1e-6 * np.eye(len(y)))
    alpha = np.linalg.solve(L, y)
    return 0.5 * np.sum(alpha ** 2) + np.sum(np.log(np.diag(L)))


def make():
    rng = np.random.default_rng(155)
    return [dict(name="A", fn=gp_nll, args=(rng.standard_normal((3, 3)) + 2 * np.eye(3), rng.standard_normal(3)))]
