# Made by diffc.grad(penalised) at run time (the docstring says for which arguments). Needs only NumPy.
import numpy as np


def data_loss_forward(w, X, y):
    """data_loss (gradient_penalty.py:35), also returning the values its backward pass reads."""
    p = 1 / (1 + np.exp(-(X @ w)))  # gradient_penalty.py:37
    out = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()  # gradient_penalty.py:38
    return out, (y, p, X)


def data_loss_backward(saved, dout):
    """Gradient of data_loss with respect to w, from the values its forward pass saved and the gradient of its result."""
    y, p, X = saved
    # gradient_penalty.py:37  p = 1 / (1 + np.exp(-(X @ w)))  (simplified symbolically, reusing forward values)
    dmm = dout / np.size(y) * (p - y)
    # gradient_penalty.py:37  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw = dmm @ X
    return dw


def grad_penalised(w, X, y, lam):
    """Gradient of penalised (gradient_penalty.py:44) with respect to w.

    Specialised to arguments w: float64[3], X: float64[16, 3], y: float64[16], lam: float.
    """
    _, saved = data_loss_forward(w, X, y)  # gradient_penalty.py:45
    exp = np.exp(-(X @ w))          # gradient_penalty.py:37
    add = 1 + exp                   # gradient_penalty.py:37
    p = 1 / add                     # gradient_penalty.py:37
    dout = 1.0
    # gradient_penalty.py:37  p = 1 / (1 + np.exp(-(X @ w)))  (simplified symbolically, reusing forward values)
    div = dout / np.size(y)
    dmm = div * (p - y)
    # gradient_penalty.py:37  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw = dmm @ X
    # gradient_penalty.py:45  return data_loss(w, X, y) + lam * np.sum(grad_loss(w, X, y) ** 2)  (multiply: each input gets the other times dout)
    dsum = dout * lam
    # gradient_penalty.py:45  (power: dx = dout * y * x ** (y - 1), dy = dout * out * log(x))
    ddw = dsum * 2 * dw
    # gradient_penalty.py:37  p = 1 / (1 + np.exp(-(X @ w)))  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    ddmm = X @ ddw
    # gradient_penalty.py:37  (multiply: each input gets the other times dout)
    dsub = ddmm * div
    # gradient_penalty.py:37  (divide: dx = dout / y, dy = -dout * out / y)
    dadd = -(dsub / add) * p
    # gradient_penalty.py:37  (exp: dx = dout * out (exp is its own derivative))
    dneg = dadd * exp
    # gradient_penalty.py:37  (negative: dout changes sign)
    dmm_1 = -dneg
    # gradient_penalty.py:37  (matmul: dX = dY @ W.T, dW = X.T @ dY)
    dw_1 = dmm_1 @ X
    # gradient_penalty.py:45  return data_loss(w, X, y) + lam * np.sum(grad_loss(w, X, y) ** 2)
    dw_2 = data_loss_backward(saved, dout)
    dw_1 = dw_1 + dw_2
    dw = dw_1
    return dw
