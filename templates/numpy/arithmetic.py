"""Python's arithmetic operators on numbers and arrays: + - * / ** @ and unary -."""
import numpy as np

from diffc.extend import primitive


@primitive("operator.add", "numpy.add", broadcasting=True, elementwise=True, arithmetic=True,
           folds=True, fresh=True, in_place=("add_to", "add_to"), out_form="add_out")
def add(x, y):
    return x + y


@add.reverse
def add_reverse(out, dout, x, y):
    "add: dout passes through unchanged"
    dx = dout
    dy = dout
    return dx, dy


@primitive("operator.sub", "numpy.subtract", broadcasting=True, elementwise=True, arithmetic=True,
           folds=True, fresh=True, in_place=("subtract_to", "subtract_from"), out_form="subtract_out")
def subtract(x, y):
    return x - y


@subtract.reverse
def subtract_reverse(out, dout, x, y):
    "subtract: dout passes to x, its negation to y"
    dx = dout
    dy = -dout
    return dx, dy


@subtract.forward
def subtract_forward(out, x, y, *, dx, dy):
    dout = dx - dy
    return dout


@primitive("operator.mul", "numpy.multiply", broadcasting=True, elementwise=True, arithmetic=True,
           folds=True, fresh=True, in_place=("multiply_to", "multiply_to"), out_form="multiply_out")
def multiply(x, y):
    return x * y


@multiply.reverse
def multiply_reverse(out, dout, x, y):
    "multiply: each input gets the other times dout"
    dx = dout * y
    dy = dout * x
    return dx, dy


@multiply.forward
def multiply_forward(out, x, y, *, dx, dy):
    dout = dx * y + x * dy
    return dout


@primitive("operator.truediv", "numpy.divide", "numpy.true_divide",
           broadcasting=True, elementwise=True, arithmetic=True,
           fresh=True, in_place=("divide_to", "divide_from"), out_form="divide_out")
def divide(x, y):
    return x / y


@divide.reverse
def divide_reverse(out, dout, x, y):
    "divide: dx = dout / y, dy = -dout * out / y"
    dx = dout / y
    dy = -dx * out
    return dx, dy


@divide.forward
def divide_forward(out, x, y, *, dx, dy):
    dout = (dx - out * dy) / y
    return dout


@primitive("operator.neg", "numpy.negative", elementwise=True, arithmetic=True, folds=True, fresh=True,
           in_place=("negate_in_place",), out_form="negative_out")
def negative(x):
    return -x


@negative.reverse
def negative_reverse(out, dout, x):
    "negative: dout changes sign"
    dx = -dout
    return dx


@primitive("operator.pos", "numpy.positive", elementwise=True)
def positive(x):
    return +x


@positive.reverse
def positive_reverse(out, dout, x):
    "positive: dout passes through"
    dx = dout
    return dx


@primitive("operator.pow", "numpy.power", broadcasting=True, elementwise=True, folds=True, fresh=True,
           out_form="square_out")
def power(x, y):
    return x ** y


@power.reverse
def power_reverse(out, dout, x, y):
    "power: dx = dout * y * x ** (y - 1), dy = dout * out * log(x)"
    dx = dout * y * x ** (y - 1)
    dy = dout * out * np.log(np.where(x == 0, 1.0, x))
    return dx, dy


@primitive("operator.matmul", "numpy.matmul", broadcasting=True, fresh=True, out_form="matmul_out")
def matmul(x, y):
    return x @ y


@matmul.reverse
def matmul_reverse(out, dout, x, y):
    "matmul: dX = dY @ W.T, dW = X.T @ dY"
    if np.ndim(x) == 2 and np.ndim(y) == 2:
        dx = dout @ y.T
        dy = x.T @ dout
    elif np.ndim(x) == 1 and np.ndim(y) == 1:
        dx = dout * y
        dy = dout * x
    elif np.ndim(x) == 1 and np.ndim(y) == 2:
        dx = y @ dout
        dy = np.outer(x, dout)
    elif np.ndim(x) == 2 and np.ndim(y) == 1:
        dx = np.outer(dout, y)
        dy = dout @ x
    elif np.ndim(x) == 1:
        dx = np.einsum("...km,...m->...k", y, dout)
        dy = np.einsum("k,...m->...km", x, dout)
    elif np.ndim(y) == 1:
        dx = np.einsum("...n,k->...nk", dout, y)
        dy = np.einsum("...nk,...n->...k", x, dout)
    else:
        dx = dout @ np.swapaxes(y, -1, -2)
        dy = np.swapaxes(x, -1, -2) @ dout
    return dx, dy


@matmul.forward
def matmul_forward(out, x, y, *, dx, dy):
    dout = dx @ y + x @ dy
    return dout
