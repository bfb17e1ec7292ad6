# Made by diffc.grad(graph) at run time (the docstring says for which arguments). Needs only NumPy.
import numpy as np


def grad_graph(x, y, z):
    """Gradient of graph (models_core.py:7) with respect to x, y, z.

    Specialised to arguments x: float, y: float, z: float.
    """
    q = x + y                       # models_core.py:8
    dout = 1.0
    # models_core.py:9  return q * z  (multiply: each input gets the other times dout)
    dq = dout * z
    dz = dout * q
    dx = dq
    dy = dq
    return dx, dy, dz
