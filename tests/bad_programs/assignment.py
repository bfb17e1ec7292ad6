"""Assignment targets diffc does not handle."""
import numpy as np


def bare_annotation(x):
    y: float
    return x @ x


def attribute_assignment(x):
    x.flags.writeable = False
    return x @ x


def attribute_augmented(x):
    x.real += 1.0
    return x @ x


def nested_subscript(X):
    X[0][1] = 2.0
    return X[0] @ X[1]


def through_a_view(X):
    X.T[0] = 2.0
    return X[0] @ X[1]


def star_target(x):
    first, *rest = x
    return first
