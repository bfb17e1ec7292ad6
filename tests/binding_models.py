"""Functions whose free names (globals, closure variables, defaults, methods of a class)
change between calls: the gradient must follow the running program, as Python does."""
import functools
import os

import numpy as np

import diffc

SCALE = 1.0
REG = 0.0
if os.environ.get("DIFFC_TEST_REG"):          # a value set at run time, as by sys.argv
    REG = float(os.environ["DIFFC_TEST_REG"])
X_DATA = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.25]])
POWER = 2


def scaled(x):
    return np.sum(SCALE * x ** 2)


def set_scale(value):
    global SCALE
    SCALE = value


def regularised(w):
    return np.sum((X_DATA @ w) ** 2) + REG * np.sum(w ** 2)


def powered(x):
    return np.sum(x ** POWER)


def make_scaled():
    """A closure over ``s`` and a setter that changes it."""
    s = 1.0

    def loss(x):
        return np.sum(s * x ** 2)

    def set_s(value):
        nonlocal s
        s = value

    return loss, set_s


def make_data_loss(X):
    """A loss built by a factory: the data is a closure variable (an array)."""
    def loss(w):
        return np.sum(np.tanh(X @ w) ** 2)
    return loss


def with_default(x, scale=2.0):
    return np.sum(scale * x ** 2)


def helper(x):
    return x ** 2


def other_helper(x):
    return x ** 3


def calls_helper(x):
    return np.sum(helper(x))


def uses_abs(x):
    return np.sum(abs(x * x))


def doubled(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2.0 * fn(*args, **kwargs)
    return wrapper


@doubled
def twice_square(x):
    return np.sum(x ** 2)


def shifted(fn):
    """A decorator without functools.wraps, with named parameters."""
    def shifted_fn(x):
        return fn(x + 1.0)
    return shifted_fn


@shifted
def square_of_shift(x):
    return np.sum(x ** 2)


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        print("calling", fn.__name__)
        return fn(*args)
    return wrapper


@logged
def logged_square(x):
    return np.sum(x ** 2)


class Base:
    def fn(self, z):
        return z

    def loss(self, z):
        return np.sum(self.fn(z))


class Square(Base):
    def fn(self, z):
        return z ** 2


class Cube(Square):
    def fn(self, z):
        return z * super_fn(z)


def super_fn(z):
    return z ** 2


class Scaled:
    def __init__(self, w):
        self.w = w

    @property
    def weights(self):
        return 3.0 * self.w

    @staticmethod
    def activation(z):
        return np.tanh(z)

    def loss(self, x):
        return np.sum(self.activation(x @ self.weights) ** 2)


def gradient_at_import(x):
    return np.sum(LATE * x ** 2)


LATE = 1.0
AT_IMPORT = diffc.grad(gradient_at_import)(np.array([1.0, 2.0]))      # LATE is 1.0 here
VALUE_AT_IMPORT = gradient_at_import(np.array([1.0, 2.0]))
LATE = 5.0
