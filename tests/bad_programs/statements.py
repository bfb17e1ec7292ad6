"""Statements diffc does not differentiate."""
import numpy as np


def try_except(x):
    try:
        y = np.log(x)
    except ValueError:
        y = x
    return y @ x


def with_block(x):
    with np.errstate(all="ignore"):
        y = np.log(x)
    return y @ x


def nested_def(x):
    def double(t):
        return t * 2.0
    return x @ x


def nested_class(x):
    class Box:
        value = 1.0
    return x @ x


def global_statement(x):
    global COUNTER
    return x @ x


def outer():
    calls = 0

    def uses_nonlocal(x):
        nonlocal calls
        return x @ x
    return uses_nonlocal


def delete(x):
    y = x * 2.0
    del y
    return x @ x


def import_inside(x):
    import math
    return x @ x


def import_from_inside(x):
    from math import pi
    return x @ x * pi


def raise_statement(x):
    raise ValueError("negative input")
    return x @ x


def match_statement(x):
    match x.ndim:
        case 1:
            y = x
    return y @ x


async def async_function(x):
    return x @ x


def generator(x):
    yield x
    return x @ x


def generator_from(x):
    yield from x
    return x @ x


def expression_statement(x):
    x * 2.0
    return x @ x


def unused_call(x):
    x.fill(0.0)
    return x @ x


def print_call(x):
    print("loss", x)
    return x @ x


def docstring_only(x):
    """A function that forgot its return."""


def bare_return(x):
    y = x @ x
    return


def return_inside_loop(x):
    for i in range(3):
        if x[i] > 1.0:
            return x[i]
    return x @ x


def for_else(x):
    total = 0.0
    for t in x:
        total = total + t
    else:
        total = total * 2.0
    return total


def while_else(x):
    total = 0.0
    while total < 1.0:
        total = total + x @ x
    else:
        total = -total
    return total


def some_path_falls_off_the_end(x):
    y = x @ x
    if y > 1.0:
        return y
