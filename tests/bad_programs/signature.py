"""Function signatures diffc does not handle."""
import numpy as np

SCALE = 2.0


def star_args(x, *rest):
    return x @ x


def star_kwargs(x, **options):
    return x @ x


def default_from_a_name(x, scale=SCALE):
    return x @ x * scale


def default_from_a_call(x, w=np.ones(3)):
    return x @ w
