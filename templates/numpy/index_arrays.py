"""Arrays of indices: where the upper or lower triangle or the diagonal of a matrix is,
where the nonzero entries are, the grid of indices of a shape. Their values are positions,
not functions of their operands' values, so they have no gradient; they serve as indices
(``s[np.triu_indices(T, 1)] = -np.inf``, ``x[np.nonzero(mask)]``)."""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.triu_indices", differentiable=False)
def triu_indices(n, k=0, m=None):
    return np.triu_indices(n, k, m)


@primitive("numpy.tril_indices", differentiable=False)
def tril_indices(n, k=0, m=None):
    return np.tril_indices(n, k, m)


@primitive("numpy.triu_indices_from", differentiable=False)
def triu_indices_from(arr, k=0):
    return np.triu_indices_from(arr, k)


@primitive("numpy.tril_indices_from", differentiable=False)
def tril_indices_from(arr, k=0):
    return np.tril_indices_from(arr, k)


@primitive("numpy.diag_indices", differentiable=False)
def diag_indices(n, ndim=2):
    return np.diag_indices(n, ndim)


@primitive("numpy.diag_indices_from", differentiable=False)
def diag_indices_from(arr):
    return np.diag_indices_from(arr)


@primitive("numpy.nonzero", "ndarray.nonzero", differentiable=False)
def nonzero(a):
    return np.nonzero(a)


@primitive("numpy.argwhere", differentiable=False)
def argwhere(a):
    return np.argwhere(a)


@primitive("numpy.indices", differentiable=False)
def indices(dimensions, dtype=int, sparse=False):
    return np.indices(dimensions, dtype, sparse)


@primitive("numpy.unravel_index", differentiable=False)
def unravel_index(indices, shape, order="C"):
    return np.unravel_index(indices, shape, order)


@primitive("numpy.ravel_multi_index", differentiable=False)
def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    return np.ravel_multi_index(multi_index, dims, mode, order)
