"""Expressions diffc does not differentiate."""
import numpy as np


def lambda_value(x):
    square = lambda t: t * t
    return x @ x


def list_comprehension(x):
    ys = [t * 2.0 for t in x]
    return x @ x


def set_comprehension(x):
    ys = {t for t in x}
    return x @ x


def dict_comprehension(x):
    ys = {i: t for i, t in enumerate(x)}
    return x @ x


def generator_expression(x):
    total = sum(t * t for t in x)
    return total


def walrus(x):      # accepted now: kept so the lines below stay put
    y = (z := x * 2.0) @ x
    return y + z @ x


def f_string(x):    # accepted now (formatted at each call): kept so the lines below stay put
    label = f"loss {x[0]}"
    return x @ x


def set_literal(x):
    s = {x[0], x[1]}
    return x @ x


def dict_literal(x):
    params = {"w": x}
    return x @ x


def star_arguments(x):
    y = np.maximum(*x)
    return y


def and_on_values(x):
    y = x[0] and x[1]
    return y


def or_on_values(x):
    y = x[0] or 1.0
    return y


def not_on_value(x):
    flag = not x[0]
    return x @ x


def chained_comparison(x):
    inside = 0.0 < x[0] < 1.0
    return x @ x


def is_comparison(x):
    missing = x is None
    return x @ x


def in_comparison(x):
    present = 1.0 in x
    return x @ x


def eval_call(x):
    y = eval("x @ x")
    return y


def exec_call(x):
    exec("y = x @ x")
    return x @ x


def kwargs_splat(x, limits):
    y = x + 0.0
    y = np.clip(x, **limits)
    return y @ x


def out_keyword(x):
    y = np.exp(x, out=x)
    return y @ x


def getattr_call(x):
    f = getattr(np, "exp")
    return x @ x
