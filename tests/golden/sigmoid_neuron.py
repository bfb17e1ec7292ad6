# Made by diffc.grad(sigmoid_neuron) at run time (the docstring says for which arguments). Needs only NumPy.
import numpy as np


def grad_sigmoid_neuron(w, x):
    """Gradient of sigmoid_neuron (models_core.py:12) with respect to w, x.

    Specialised to arguments w: float64[3], x: float64[2].
    """
    sel = w[0]                      # models_core.py:13
    sel_1 = x[0]                    # models_core.py:13
    sel_2 = w[1]                    # models_core.py:13
    sel_3 = x[1]                    # models_core.py:13
    z = sel * sel_1 + sel_2 * sel_3 + w[2]  # models_core.py:13
    out = 1 / (1 + np.exp(-z))      # models_core.py:14
    dout = 1.0
    # models_core.py:14  return 1 / (1 + np.exp(-z))  (simplified: sigmoid s = 1 / (1 + exp(-z)) has derivative s * (1 - s), s is out from the forward pass)
    dz = dout * out * (1 - out)
    # models_core.py:13  z = w[0] * x[0] + w[1] * x[1] + w[2]  (index: dout goes back to the positions that were read)
    dw = np.zeros_like(w)
    dw[2] = dz
    # models_core.py:13  (multiply: each input gets the other times dout)
    dsel = dz * sel_3
    dsel_1 = dz * sel_2
    # models_core.py:13  (index: dout goes back to the positions that were read)
    dx = np.zeros_like(x)
    dx[1] = dsel_1
    # models_core.py:13  (index: dout goes back to the positions that were read)
    dw[1] += dsel
    # models_core.py:13  (multiply: each input gets the other times dout)
    dsel_2 = dz * sel_1
    dsel_3 = dz * sel
    # models_core.py:13  (index: dout goes back to the positions that were read)
    dx[0] += dsel_3
    # models_core.py:13  (index: dout goes back to the positions that were read)
    dw[0] += dsel_2
    return dw, dx
