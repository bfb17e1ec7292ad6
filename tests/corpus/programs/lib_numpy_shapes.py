"""Array-building functions of NumPy in a loss: np.append, np.r_ and np.c_, np.meshgrid,
np.rot90, np.tri, np.tile, np.repeat, np.roll."""
import numpy as np

IDIOM = "np.append, np.r_[...], np.c_[...], np.meshgrid, np.rot90, np.tri, np.tile, np.repeat, np.roll"
EXPECT = "right"


def loss(a, b, M):
    v = np.append(a, b)
    w = np.r_[a, 0.5 * b]
    C = np.c_[a, a ** 2]
    X, Y = np.meshgrid(a, b)
    R = np.rot90(M)
    L = np.tri(M.shape[0]) * M
    T = np.tile(a, 2)
    P = np.repeat(b, 2)
    S = np.roll(v, 1)
    return (np.sum(v * S) + np.sum(w ** 2) + np.sum(C[:, 1] * C[:, 0]) + np.sum(X * Y ** 2)
            + np.sum(R * M) + np.sum(L ** 2) + np.dot(T, np.tanh(T)) + np.sum(P ** 3))


def make():
    rng = np.random.default_rng(132)
    return [dict(name="a, b, M", fn=loss, args=(rng.standard_normal(3), rng.standard_normal(2), rng.standard_normal((3, 3))),
                 wrt=(0, 1, 2))]
