"""The Rosenbrock function on a vector, with shifted slices, the classic optimisation test."""
import numpy as np

IDIOM = "x[1:] and x[:-1] slices, straight-line"
EXPECT = "right"


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def make():
    return [dict(name="x", fn=rosenbrock, args=(np.array([-1.2, 1.0, 0.5, 0.8]),)),
            dict(name="x, value_and_grad", fn=rosenbrock, args=(np.array([0.3, 0.2, -0.4]),),
                 api="value_and_grad")]
