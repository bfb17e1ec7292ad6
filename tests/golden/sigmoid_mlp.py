# Made by diffc.grad(mlp2_quadratic) at run time (the docstring says for which arguments). Needs only NumPy.
import numpy as np


def grad_mlp2_quadratic(w1, b1, w2, b2, x, y):
    """Gradient of mlp2_quadratic (models_seed.py:69) with respect to w1, b1, w2, b2.

    Specialised to arguments w1: float64[6, 4], b1: float64[6, 1], w2: float64[3, 6], b2: float64[3, 1], x: float64[4, 5], y: float64[3, 5].
    """
    z1 = w1 @ x + b1                # models_seed.py:70
    a1 = 1 / (1 + np.exp(-z1))      # models_seed.py:71
    z2 = w2 @ a1 + b2               # models_seed.py:72
    a2 = 1 / (1 + np.exp(-z2))      # models_seed.py:73
    n = x.shape[1]                  # models_seed.py:74
    dout = 1.0
    # models_seed.py:73  a2 = 1 / (1 + np.exp(-z2))  (simplified symbolically, reusing forward values)
    dz2 = dout * 2 / (2 * n) * (a2 - y) * a2 * (1 - a2)
    # models_seed.py:72  z2 = w2 @ a1 + b2  (add: dout passes through unchanged)
    db2 = dz2.sum(axis=1, keepdims=True)
    # models_seed.py:72  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw2 = dz2 @ a1.T
    da1 = w2.T @ dz2
    # models_seed.py:71  a1 = 1 / (1 + np.exp(-z1))  (simplified: sigmoid s = 1 / (1 + exp(-z1)) has derivative s * (1 - s), s is a1 from the forward pass)
    dz1 = da1 * a1 * (1 - a1)
    # models_seed.py:70  z1 = w1 @ x + b1  (add: dout passes through unchanged)
    db1 = dz1.sum(axis=1, keepdims=True)
    # models_seed.py:70  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw1 = dz1 @ x.T
    return dw1, db1, dw2, db2
