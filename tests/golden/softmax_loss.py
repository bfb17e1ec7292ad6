# Made by diffc.grad(softmax_loss) at run time (the docstring says for which arguments). Needs only NumPy.
import numpy as np


def grad_softmax_loss(W, X, y):
    """Gradient of softmax_loss (models_core.py:22) with respect to W.

    Specialised to arguments W: float64[4, 3], X: float64[5, 4], y: int64[5].
    """
    N = X.shape[0]                  # models_core.py:23
    S = X @ W                       # models_core.py:24
    S = S - S.max(axis=1, keepdims=True)  # models_core.py:25
    exp = np.exp(S)                 # models_core.py:26
    P = exp / exp.sum(axis=1, keepdims=True)  # models_core.py:26
    arange = np.arange(N)           # models_core.py:27
    sel = P[arange, y]              # models_core.py:27
    dout = 1.0
    # models_core.py:27  return -np.mean(np.log(P[np.arange(N), y]))  (negative: dout changes sign)
    dmean = -dout
    # models_core.py:27  (log: dx = dout / x)
    dsel = dmean / np.size(sel) / sel
    # models_core.py:27  (index: dout goes back to the positions that were read)
    dP = np.zeros_like(P)
    dP[arange, y] = dsel
    # models_core.py:25  S = S - np.max(S, axis=1, keepdims=True)  (softmax (lines 25 to 26 at once): dx = P * (dP - (dP * P).sum(axis, keepdims=True)))
    dS = P * (dP - (dP * P).sum(axis=1, keepdims=True))
    # models_core.py:24  S = X @ W  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dW = X.T @ dS
    return dW
