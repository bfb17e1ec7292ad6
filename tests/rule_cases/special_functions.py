"""Cases for scipy.special's gamma, beta, incomplete gamma/beta, error functions, logit
and xlogy (templates/special_functions.py)."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(23)
positive = rng.uniform(0.5, 3.0, size=(2, 3))
other = rng.uniform(0.5, 3.0, size=(2, 3))
unit = rng.uniform(0.1, 0.9, size=(2, 3))

CASES = [
    Case("gammaln", (positive,)),
    Case("gammaln", (np.array([-2.5, -0.3, 4.0]),), note="negative, between poles"),
    Case("gammaln", (1.7,), note="Python float"),
    Case("digamma", (positive,)),
    Case("polygamma", (1, positive)),
    Case("polygamma", (np.array([[0], [2]]), positive), note="orders broadcast"),
    Case("gamma", (positive,)),
    Case("gamma", (np.array([-1.5, -0.5]),), note="negative"),
    Case("rgamma", (positive,)),
    Case("gammasgn", (np.array([-1.5, -0.5, 2.0]),)),
    Case("multigammaln", (np.array([2.5, 3.0, 4.2]), 3)),
    Case("multigammaln", (3.3, 2), note="Python float"),
    Case("beta", (positive, other)),
    Case("beta", (positive, 1.3), note="broadcast"),
    Case("betaln", (positive, other)),
    Case("gammainc", (2.0, positive), note="x differentiable"),
    Case("gammaincc", (positive, other)),
    Case("betainc", (2.0, 1.5, unit)),
    Case("erfc", (rng.normal(size=5),)),
    Case("erfinv", (rng.uniform(-0.9, 0.9, size=5),)),
    Case("erfcinv", (rng.uniform(0.1, 1.9, size=5),)),
    Case("logit", (unit,)),
    Case("xlogy", (rng.normal(size=(2, 3)), positive)),
    Case("xlogy", (rng.normal(size=(1, 3)), positive), note="broadcast"),
    Case("xlog1py", (rng.normal(size=(2, 3)), positive)),
]
