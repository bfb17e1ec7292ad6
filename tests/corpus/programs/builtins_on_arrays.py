"""Python builtins where NumPy functions would do: abs() of arrays, max()/min() of two scalars,
sum() of a list of arrays, float() and round() of sizes, len() of an array, pow()."""
import numpy as np

IDIOM = "abs(x), max(a, b), min(a, b), sum(list), float(n), round(p * n), len(x), pow(x, 2)"
EXPECT = "right"


def robust_loss(w, X, y, frac=0.5):
    r = X @ w - y
    n = float(len(y))
    k = round(frac * n)
    l1 = sum(abs(r)) / n
    worst = max(np.max(r), 0.0)
    best = min(np.min(r), 0.0)
    parts = [np.sum(pow(r, 2)), np.sum(abs(w)), l1]
    return sum(parts) / k + worst - best


def make():
    rng = np.random.default_rng(86)
    X, y, w = rng.standard_normal((6, 3)), rng.standard_normal(6), rng.standard_normal(3)
    return [dict(name="w", fn=robust_loss, args=(w, X, y))]
