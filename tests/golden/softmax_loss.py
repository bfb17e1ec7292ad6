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
    dout = 1.0
    # models_core.py:27  return -np.mean(np.log(P[np.arange(N), y]))  (negative: dout changes sign)
    dmean = -dout
    # models_core.py:27  (mean: dout is spread evenly back over the averaged entries)
    div = dmean / np.size(y)
    # models_core.py:25  S = S - np.max(S, axis=1, keepdims=True)  (softmax, then the log of each row's entry at its label (lines 25 to 26 at once): P, less 1 at each row's label, times the loss's scale; the shift inside exp, constant along the normalised axis, gets no gradient: the normalisation cancels it)
    dS = -div * P
    dS[np.arange(N), y] += div
    # models_core.py:24  S = X @ W  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dW = X.T @ dS
    return dW
