"""Seeded arrays for the case tables of the array families (reductions, shape, joining,
gathering, contractions, constructors, linalg), with their own generator so that they
do not shift the inputs of the other tables."""
import numpy as np

rng = np.random.default_rng(20240607)


def rand(*shape, lo=-2.0, hi=2.0):
    """A float64 array of ``shape`` from (lo, hi); a 0-d array when no shape is given."""
    return rng.uniform(lo, hi, shape)


def distinct(*shape):
    """An array of ``shape`` whose entries are pairwise at least 0.1 apart (no ties),
    in random order, with random signs."""
    size = int(np.prod(shape))
    values = (np.arange(size) + 1) * 0.3 + rng.uniform(0, 0.1, size)
    return (rng.permutation(values) * rng.choice([-1.0, 1.0], size)).reshape(shape)


def well_conditioned(n, *batch, symmetric=True):
    """Matrices ``B @ B.T + 3 I`` (symmetric positive definite) or ``B + 3 I``."""
    b = rng.uniform(-1, 1, (*batch, n, n))
    if symmetric:
        return b @ np.swapaxes(b, -1, -2) + 3 * np.eye(n)
    return b + 3 * np.eye(n)
