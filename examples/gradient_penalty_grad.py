# Made by diffc.grad(penalised) at run time (the docstring says for which arguments). Needs only NumPy.
import numpy as np


def data_loss_forward(w, X, y):
    """data_loss (gradient_penalty.py:34), also returning the values its backward pass reads."""
    exp = np.exp(-(X @ w))          # gradient_penalty.py:36
    add = 1 + exp                   # gradient_penalty.py:36
    p = 1 / add                     # gradient_penalty.py:36
    sub = 1 - y                     # gradient_penalty.py:37
    sub_1 = 1 - p                   # gradient_penalty.py:37
    out = -np.mean(y * np.log(p) + sub * np.log(sub_1))  # gradient_penalty.py:37
    return out, (y, sub, sub_1, p, add, exp, X)


def data_loss_backward(saved, dout):
    """Gradient of data_loss with respect to w, from the values its forward pass saved and the gradient of its result."""
    y, sub, sub_1, p, add, exp, X = saved
    # gradient_penalty.py:37  return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  (negative: dout changes sign)
    dmean = -dout
    # gradient_penalty.py:37  (mean: dout is spread evenly back over the averaged entries)
    div = dmean / (np.size(y) / 1)
    # gradient_penalty.py:37  (multiply: each input gets the other times dout)
    dlog = div * sub
    # gradient_penalty.py:37  (log: dx = dout / x)
    dsub = dlog / sub_1
    # gradient_penalty.py:37  (subtract: dout passes to x, its negation to y)
    dp = -dsub
    # gradient_penalty.py:37  (multiply: each input gets the other times dout)
    dlog = div * y
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
    dw = dmm @ X
    return dw


def grad_penalised(w, X, y, lam):
    """Gradient of penalised (gradient_penalty.py:43) with respect to w.

    Specialised to arguments w: float64[3], X: float64[16, 3], y: float64[16], lam: float.
    """
    data_loss, saved = data_loss_forward(w, X, y)  # gradient_penalty.py:44
    exp = np.exp(-(X @ w))          # gradient_penalty.py:36
    add = 1 + exp                   # gradient_penalty.py:36
    p = 1 / add                     # gradient_penalty.py:36
    sub = 1 - p                     # gradient_penalty.py:37
    dout = 1.0
    # gradient_penalty.py:37  return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  (negative: dout changes sign)
    dmean = -dout
    # gradient_penalty.py:37  (mean: dout is spread evenly back over the averaged entries)
    div = dmean / (np.size(y) / 1)
    # gradient_penalty.py:37  (multiply: each input gets the other times dout)
    dlog = div * (1 - y)
    # gradient_penalty.py:37  (log: dx = dout / x)
    dsub = dlog / sub
    # gradient_penalty.py:37  (subtract: dout passes to x, its negation to y)
    dp = -dsub
    # gradient_penalty.py:37  (multiply: each input gets the other times dout)
    dlog = div * y
    # gradient_penalty.py:37  (log: dx = dout / x)
    dp_1 = dlog / p
    dp = dp + dp_1
    # gradient_penalty.py:36  p = 1 / (1 + np.exp(-(X @ w)))  (divide: dx = dout / y, dy = -dout * out / y)
    dx = dp / add
    neg = -dx
    dadd = neg * p
    # gradient_penalty.py:36  (exp: dx = dout * out (exp is its own derivative))
    dneg = dadd * exp
    # gradient_penalty.py:36  (negative: dout changes sign)
    dmm = -dneg
    # gradient_penalty.py:36  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw = dmm @ X
    # gradient_penalty.py:44  return data_loss(w, X, y) + lam * np.sum(grad_loss(w, X, y) ** 2)  (multiply: each input gets the other times dout)
    dsum = dout * lam
    # gradient_penalty.py:44  (power: dx = dout * y * x ** (y - 1), dy = dout * out * log(x))
    ddw = dsum * 2 * dw
    # gradient_penalty.py:36  p = 1 / (1 + np.exp(-(X @ w)))  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    ddmm = X @ ddw
    # gradient_penalty.py:36  (negative: dout changes sign)
    ddneg = -ddmm
    # gradient_penalty.py:36  (multiply: each input gets the other times dout)
    ddadd = ddneg * exp
    dexp = ddneg * dadd
    # gradient_penalty.py:36  (multiply: each input gets the other times dout)
    dneg = ddadd * p
    dp = ddadd * neg
    # gradient_penalty.py:36  (negative: dout changes sign)
    ddx = -dneg
    # gradient_penalty.py:36  (divide: dx = dout / y, dy = -dout * out / y)
    ddp = ddx / add
    neg = -ddp
    dadd = neg * dx
    # gradient_penalty.py:37  return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  (divide: dx = dout / y, dy = -dout * out / y)
    dp_1 = -(ddp / p) * dp_1
    dp = dp + dp_1
    # gradient_penalty.py:37  (divide: dx = dout / y, dy = -dout * out / y)
    dsub = -(neg / sub) * dsub
    # gradient_penalty.py:37  (subtract: dout passes to x, its negation to y)
    dp_1 = -dsub
    dp = dp + dp_1
    # gradient_penalty.py:36  p = 1 / (1 + np.exp(-(X @ w)))  (divide: dx = dout / y, dy = -dout * out / y)
    dadd_1 = -(dp / add) * p
    dadd = dadd + dadd_1
    # gradient_penalty.py:36  (add: dout passes through unchanged)
    dexp = dexp + dadd
    # gradient_penalty.py:36  (exp: dx = dout * out (exp is its own derivative))
    dneg = dexp * exp
    # gradient_penalty.py:36  (negative: dout changes sign)
    dmm = -dneg
    # gradient_penalty.py:36  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw = dmm @ X
    # gradient_penalty.py:44  return data_loss(w, X, y) + lam * np.sum(grad_loss(w, X, y) ** 2)
    dw_1 = data_loss_backward(saved, dout)
    dw = dw + dw_1
    return dw
