# Made by diffc.grad(affine_loss) at run time (the docstring says for which arguments). Needs only NumPy.
import numpy as np


def grad_affine_loss(X, W, b, dY):
    """Gradient of affine_loss (models_core.py:17) with respect to W, b.

    Specialised to arguments X: float64[5, 3], W: float64[3, 4], b: float64[4], dY: float64[5, 4].
    """
    dout = 1.0
    # models_core.py:19  return np.sum(Y * dY)  (multiply: each input gets the other times dout)
    dY_1 = dout * dY
    # models_core.py:18  Y = X @ W + b  (add: dout passes through unchanged)
    db = dY_1.sum(axis=0)
    # models_core.py:18  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dW = X.T @ dY_1
    return dW, db
