"""One small function per row of docs/semantics.md."""
import numpy as np


def product(x, y):
    return np.sum(x * y)


def quotient_power(x, y):
    return np.sum(x / y + x ** y)


def absolute(x):
    return np.sum(np.abs(x))


def root(x):
    return np.sum(np.sqrt(x))


def norm(x):
    return np.linalg.norm(x)


def clipped(x):
    return np.sum(np.clip(x, -1.0, 1.0))


def nan_branch(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def safe_branch(x):
    return np.sum(np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0))


def largest(x):
    return np.max(x)


def pairwise_max(x, y):
    return np.sum(np.maximum(x, y))


def scaled(x, k):
    return np.sum(x * k)
