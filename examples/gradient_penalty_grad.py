# Made by diffc.grad(penalised) at run time (the docstring says for which arguments). Needs only NumPy.
import numpy as np


def grad_penalised(w, X, y, lam):
    """Gradient of penalised (gradient_penalty.py:43) with respect to w.

    Specialised to arguments w: float64[3], X: float64[16, 3], y: float64[16], lam: float.
    """
    mm = X @ w                      # gradient_penalty.py:36
    exp = np.exp(-mm)               # gradient_penalty.py:36
    add = 1 + exp                   # gradient_penalty.py:36
    p = 1 / add                     # gradient_penalty.py:36
    sub = 1 - y                     # gradient_penalty.py:37
    exp_1 = np.exp(-mm)             # gradient_penalty.py:36
    add_1 = 1 + exp_1               # gradient_penalty.py:36
    p_1 = 1 / add_1                 # gradient_penalty.py:36
    sub_1 = 1 - p_1                 # gradient_penalty.py:37
    dout = 1.0
    # gradient_penalty.py:37  return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  (negative: dout changes sign)
    dmean = -dout
    # gradient_penalty.py:37  (mean: dout is spread evenly back over the averaged entries)
    size = np.size(y)
    shape = np.shape(y)
    dadd = np.broadcast_to(dmean / (size / 1), shape)
    # gradient_penalty.py:37  (multiply: each input gets the other times dout)
    dlog = dadd * sub
    # gradient_penalty.py:37  (log: dx = dout / x)
    dsub = dlog / sub_1
    # gradient_penalty.py:37  (subtract: dout passes to x, its negation to y)
    dp = -dsub
    # gradient_penalty.py:37  (multiply: each input gets the other times dout)
    dlog = dadd * y
    # gradient_penalty.py:37  (log: dx = dout / x)
    dp_1 = dlog / p_1
    dp = dp + dp_1
    # gradient_penalty.py:36  p = 1 / (1 + np.exp(-(X @ w)))  (divide: dx = dout / y, dy = -dout * out / y)
    dx = dp / add_1
    neg = -dx
    dadd = neg * p_1
    # gradient_penalty.py:36  (exp: dx = dout * out (exp is its own derivative))
    dneg = dadd * exp_1
    # gradient_penalty.py:36  (negative: dout changes sign)
    dmm = -dneg
    # gradient_penalty.py:36  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw = dmm @ X
    # gradient_penalty.py:44  return data_loss(w, X, y) + lam * np.sum(grad_loss(w, X, y) ** 2)  (multiply: each input gets the other times dout)
    dsum = dout * lam
    # gradient_penalty.py:44  (sum: dout is spread back over the summed axes)
    dpow = np.broadcast_to(dsum, np.shape(dw))
    # gradient_penalty.py:44  (power: dx = dout * y * x ** (y - 1), dy = dout * out * log(x))
    ddw = dpow * 2 * dw
    # gradient_penalty.py:36  p = 1 / (1 + np.exp(-(X @ w)))  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    ddmm = X @ ddw
    # gradient_penalty.py:36  (negative: dout changes sign)
    ddneg = -ddmm
    # gradient_penalty.py:36  (multiply: each input gets the other times dout)
    ddadd = ddneg * exp_1
    dexp = ddneg * dadd
    # gradient_penalty.py:36  (multiply: each input gets the other times dout)
    dneg = ddadd * p_1
    dp = ddadd * neg
    # gradient_penalty.py:36  (negative: dout changes sign)
    ddx = -dneg
    # gradient_penalty.py:36  (divide: dx = dout / y, dy = -dout * out / y)
    ddp = ddx / add_1
    neg = -ddp
    dadd = neg * dx
    # gradient_penalty.py:37  return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  (divide: dx = dout / y, dy = -dout * out / y)
    dp_1 = -(ddp / p_1) * dp_1
    dp = dp + dp_1
    # gradient_penalty.py:37  (divide: dx = dout / y, dy = -dout * out / y)
    dsub = -(neg / sub_1) * dsub
    # gradient_penalty.py:37  (subtract: dout passes to x, its negation to y)
    dp_1 = -dsub
    dp = dp + dp_1
    # gradient_penalty.py:36  p = 1 / (1 + np.exp(-(X @ w)))  (divide: dx = dout / y, dy = -dout * out / y)
    dadd_1 = -(dp / add_1) * p_1
    dadd = dadd + dadd_1
    # gradient_penalty.py:36  (add: dout passes through unchanged)
    dexp = dexp + dadd
    # gradient_penalty.py:36  (exp: dx = dout * out (exp is its own derivative))
    dneg = dexp * exp_1
    # gradient_penalty.py:36  (negative: dout changes sign)
    dmm = -dneg
    # gradient_penalty.py:36  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw = dmm @ X
    # gradient_penalty.py:37  return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  (negative: dout changes sign)
    dmean = -dout
    # gradient_penalty.py:37  (mean: dout is spread evenly back over the averaged entries)
    dadd = np.broadcast_to(dmean / (size / 1), shape)
    # gradient_penalty.py:37  (multiply: each input gets the other times dout)
    dlog = dadd * sub
    # gradient_penalty.py:37  (log: dx = dout / x)
    dsub = dlog / (1 - p)
    # gradient_penalty.py:37  (subtract: dout passes to x, its negation to y)
    dp = -dsub
    # gradient_penalty.py:37  (multiply: each input gets the other times dout)
    dlog = dadd * y
    # gradient_penalty.py:37  (log: dx = dout / x)
    dp_1 = dlog / p
    dp = dp + dp_1
    # gradient_penalty.py:36  p = 1 / (1 + np.exp(-(X @ w)))  (divide: dx = dout / y, dy = -dout * out / y)
    dadd = -(dp / add) * p
    # gradient_penalty.py:36  (exp: dx = dout * out (exp is its own derivative))
    dneg = dadd * exp
    # gradient_penalty.py:36  (negative: dout changes sign)
    dmm = -dneg
    # gradient_penalty.py:36  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw_1 = dmm @ X
    dw = dw + dw_1
    return dw
