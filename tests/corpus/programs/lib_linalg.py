"""Linear algebra in a loss: solve, inv, det, cholesky, norm, slogdet, trace, a Gaussian
negative log-likelihood written by hand."""
import numpy as np

IDIOM = "np.linalg.solve/inv/det/cholesky/norm/slogdet, np.trace, a hand-written Gaussian NLL"
EXPECT = "right"


def gaussian_nll(A, y):
    K = A @ A.T + np.eye(A.shape[0])
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(K, y)
    logdet = 2 * np.sum(np.log(np.diag(L)))
    return 0.5 * y @ alpha + 0.5 * logdet + 0.5 * len(y) * np.log(2 * np.pi)


def misc(A, B):
    return (np.trace(np.linalg.inv(A @ A.T + np.eye(3)) @ B) + np.linalg.det(A) ** 2
            + np.linalg.norm(A - B) + np.linalg.slogdet(B @ B.T + np.eye(3))[1])


def make():
    rng = np.random.default_rng(135)
    A, B, y = rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)
    return [dict(name="gaussian nll", fn=gaussian_nll, args=(A, y), wrt=(0, 1)),
            dict(name="inv, det, norm, slogdet", fn=misc, args=(A, B), wrt=(0, 1))]
