"""isinstance on arguments that are settings or containers: a regulariser given as a number or
as a dict of per-parameter strengths, parameters given as a dict or a list."""
import numpy as np

IDIOM = "isinstance(reg, dict) / (int, float), isinstance(params, (list, tuple)), dict or list params"
EXPECT = "right"


def penalty(params, reg):
    if isinstance(params, dict):
        items = list(params.items())
    elif isinstance(params, (list, tuple)):
        items = [(str(i), p) for i, p in enumerate(params)]
    else:
        items = [("w", params)]
    total = 0.0
    for name, p in items:
        if isinstance(reg, dict):
            strength = reg.get(name, 0.0)
        elif isinstance(reg, (int, float)):
            strength = float(reg)
        else:
            raise TypeError("reg must be a number or a dict")
        total = total + strength * np.sum(p ** 2)
    return total


def objective(params, X, reg):
    if isinstance(params, dict):
        W, b = params["W"], params["b"]
    else:
        W, b = params
    return np.sum(np.tanh(X @ W + b)) + penalty(params, reg)


def make():
    rng = np.random.default_rng(81)
    X = rng.standard_normal((4, 3))
    as_dict = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    as_list = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    return [dict(name="dict params, number reg", fn=objective, args=(as_dict, X, 0.1)),
            dict(name="dict params, dict reg", fn=objective, args=(as_dict, X, {"W": 0.2})),
            dict(name="list params, int reg", fn=objective, args=(as_list, X, 1))]
