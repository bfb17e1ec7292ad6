"""Joining and splitting: np.split into equal parts and at indices, np.array_split, np.vstack,
np.hstack, np.concatenate along axes, np.dstack, np.expand_dims, np.squeeze, np.moveaxis."""
import numpy as np

IDIOM = "np.split / array_split / vstack / hstack / dstack / expand_dims / squeeze / moveaxis"
EXPECT = "right"


def loss(X):
    a, b = np.split(X, 2, axis=1)
    first, rest = np.split(X, [1], axis=0)
    parts = np.array_split(X[0], 3)
    V = np.vstack([a, b])
    H = np.hstack([b, a])
    D = np.dstack([a, b])
    E = np.squeeze(np.expand_dims(X, 0), axis=0)
    M = np.moveaxis(D, 2, 0)
    return (np.sum(V ** 2) + np.sum(H * X) + np.sum(D ** 3) + np.sum(first * rest[0]) + np.sum(E)
            + sum(np.sum(p ** 2) for p in parts) + np.sum(M[0] * M[1]))


def make():
    rng = np.random.default_rng(137)
    return [dict(name="X", fn=loss, args=(rng.standard_normal((3, 4)),))]
