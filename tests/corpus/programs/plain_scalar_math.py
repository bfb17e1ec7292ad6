"""Scalar functions of Python floats, as in calculus exercises: chain rule examples with
math-style NumPy functions on floats."""
import numpy as np

IDIOM = "Python float arguments, np.sin/np.exp/np.log on scalars, several wrt"
EXPECT = "right"


def f(x, y):
    z = x * y + np.sin(x)
    return z ** 2 + np.exp(-y) * np.log(1 + x ** 2)


def g(s, t):
    x = s - np.sin(t)
    y = np.exp(s) + np.cos(t)
    return x ** 2 - y ** 2


def make():
    return [dict(name="f wrt x, y", fn=f, args=(0.7, -1.3), wrt=(0, 1)),
            dict(name="g wrt s, t", fn=g, args=(0.2, 1.1), wrt=("s", "t"))]
