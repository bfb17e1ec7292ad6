"""Forms for array namespaces other than NumPy (``diffc/optimize/portable.py`` makes them).

Made only in code about to be emitted for another namespace; no derivative rules.
"""
import numpy as np

from diffc.extend import primitive


# ``d = np.zeros_like(x); d[np.arange(n), cols] = values`` for a 2-D ``x`` of n rows,
# without writing into an array: row i holds values[i] in column cols[i], zeros elsewhere
# (the array API has no write at an array of indices, and JAX no writes at all).
@primitive(fresh=True)
def scatter_rows(x, cols, values):
    return np.where(np.arange(np.shape(x)[1]) == cols[:, None], values[:, None], 0.0)


# ``scatter_rows`` of one value for every row (``d[np.arange(n), cols] += c``, the closed
# form of a cross-entropy at integer labels): the value as it is, broadcast by ``where``,
# not spread to one per row first (which Dask makes a single chunk of n rows, to be split
# again for each chunk of the others).
@primitive(fresh=True)
def scatter_rows_one(x, cols, value):
    return np.where(np.arange(np.shape(x)[1]) == cols[:, None], value, 0.0)


# ``out = x.copy(); out[np.arange(n), cols] = value`` for a 2-D ``x`` of n rows and one
# value, without writing into an array: row i has ``value`` in column cols[i].
@primitive(fresh=True)
def setitem_rows(x, cols, value):
    return np.where(np.arange(np.shape(x)[1]) == cols[:, None], value, x)


# ``scatter_rows`` where the sizes may vary from the example's (``diffc compile`` with a
# letter for a size): rows past ``len(cols)`` are zeros, whatever the number of rows.
@primitive(fresh=True)
def scatter_rows_padded(x, cols, values):
    picked = np.where(np.arange(np.shape(x)[1]) == cols[:, None], values[:, None], 0.0)
    rest = np.zeros((np.shape(x)[0] - np.shape(cols)[0], np.shape(x)[1]))
    return np.concatenate([picked, rest], axis=0)


# ``scatter_rows_one`` where the sizes may vary from the example's: rows past
# ``len(cols)`` are zeros.
@primitive(fresh=True)
def scatter_rows_one_padded(x, cols, value):
    picked = np.where(np.arange(np.shape(x)[1]) == cols[:, None], value, 0.0)
    rest = np.zeros((np.shape(x)[0] - np.shape(cols)[0], np.shape(x)[1]))
    return np.concatenate([picked, rest], axis=0)
