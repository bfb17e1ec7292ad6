"""Matrix factorisation with observed-entry weights and a bias per row and column."""
import numpy as np

IDIOM = "straight-line: U @ V.T with a 0/1 observation mask, broadcast biases"
EXPECT = "right"


def mf_loss(U, V, bu, bv, R, M, lam):
    pred = U @ V.T + bu[:, None] + bv[None, :]
    err = M * (pred - R)
    return 0.5 * np.sum(err ** 2) + 0.5 * lam * (np.sum(U ** 2) + np.sum(V ** 2))


def make():
    rng = np.random.default_rng(145)
    R = rng.standard_normal((4, 5))
    M = (rng.uniform(size=(4, 5)) < 0.6).astype(float)
    return [dict(name="U, V, biases", fn=mf_loss, args=(rng.standard_normal((4, 2)), rng.standard_normal((5, 2)),
                                                      np.zeros(4), np.zeros(5), R, M, 0.1), wrt=(0, 1, 2, 3))]
