# Made by diffc.grad(two_layer_net) at run time (the docstring says for which arguments). Needs only NumPy.
import numpy as np


def grad_two_layer_net(W1, b1, W2, b2, x, t):
    """Gradient of two_layer_net (models_seed.py:78) with respect to W1, b1, W2, b2.

    Specialised to arguments W1: float64[4, 6], b1: float64[6], W2: float64[6, 3], b2: float64[3], x: float64[5, 4], t: float64[5, 3].
    """
    add = x @ W1 + b1               # models_seed.py:79
    h = np.maximum(0, add)          # models_seed.py:79
    S = h @ W2 + b2                 # models_seed.py:80
    S = S - S.max(axis=1, keepdims=True)  # models_seed.py:81
    exp = np.exp(S)                 # models_seed.py:82
    P = exp / exp.sum(axis=1, keepdims=True)  # models_seed.py:82
    N = x.shape[0]                  # models_seed.py:83
    dout = 1.0
    # models_seed.py:84  return -np.sum(t * np.log(P)) / N  (divide: dx = dout / y, dy = -dout * out / y)
    dneg = dout / N
    # models_seed.py:81  S = S - np.max(S, axis=1, keepdims=True)  (softmax with cross-entropy (lines 81 to 84 at once): log, divide, sum and exp cancel to P * T.sum(axis, keepdims=True) - T, times the loss's scale; the shift inside exp, constant along the normalised axis, gets no gradient: the normalisation cancels it)
    dS = dneg * (P * t.sum(axis=1, keepdims=True) - t)
    # models_seed.py:80  S = h @ W2 + b2  (add: dout passes through unchanged)
    db2 = dS.sum(axis=0)
    # models_seed.py:80  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dh = dS @ W2.T
    dW2 = h.T @ dS
    # models_seed.py:79  h = np.maximum(0, x @ W1 + b1)  (maximum: dout goes to the larger input; ties split it equally)
    dadd = dh * ((add > 0) + 0.5 * (0 == add))
    # models_seed.py:79  (add: dout passes through unchanged)
    db1 = dadd.sum(axis=0)
    # models_seed.py:79  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dW1 = x.T @ dadd
    return dW1, db1, dW2, db2
