"""f = (x + y) z under both decorator spellings; the source diffc reads includes the decorator."""
import numpy as np  # noqa: F401  (the user's usual import; diffc resolves np through it)

import diffc


@diffc.grad
def grad_f(x, y, z):
    q = x + y
    return q * z


@diffc.grad(wrt=("x", "y"))
def grad_f_xy(x, y, z):
    q = x + y
    return q * z
