"""Models that call the user's own functions, in this module and in another one."""
import numpy as np

import diffc
from tests.calls import helpers
from tests.calls.helpers import sigmoid as sig


def scale(v, k=2.0):
    return v * k


def twice(w, x):
    a = helpers.sigmoid(w * x)
    b = sig(scale(a) + scale(w, k=3.0))
    return np.sum(w * b)


def stopped(w, x):
    return np.sum(diffc.stop_gradient(w) * w * x)


def recursive(x):
    return recursive(x * 0.5)
