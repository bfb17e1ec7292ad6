"""Cases for scipy.stats's gamma, chi2, beta, poisson and dirichlet
(templates/distributions_gamma.py)."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(37)
positive = rng.uniform(0.5, 4.0, size=(4, 3))
shape = rng.uniform(1.5, 4.0, size=(1, 3))
other = rng.uniform(1.5, 4.0, size=(4, 1))
unit = rng.uniform(0.1, 0.9, size=(4, 3))
loc = rng.uniform(-0.4, -0.1, size=(1, 3))
scale = rng.uniform(1.0, 1.5, size=(4, 1))

CASES = []
for name in ("gamma_logpdf", "gamma_pdf", "gamma_cdf", "chi2_logpdf", "chi2_pdf", "chi2_cdf"):
    CASES += [
        Case(name, (positive, shape, 0.0, 1.0), note="standard"),
        Case(name, (positive, shape, loc, scale), note="broadcast loc and scale"),
    ]
for name in ("beta_logpdf", "beta_pdf", "beta_cdf"):
    CASES += [
        Case(name, (unit, shape, other, 0.0, 1.0), note="standard"),
        Case(name, (unit * 1.2, shape, other, -0.05, 1.3), note="loc and scale"),
    ]
counts = np.round(rng.uniform(0.0, 6.0, size=(4, 3)))
for name in ("poisson_logpmf", "poisson_pmf", "poisson_cdf"):
    CASES += [
        Case(name, (counts, positive, 0.0)),
        Case(name, (counts, rng.uniform(0.5, 4.0, size=(4, 1)), 0.0), note="broadcast mu"),
    ]
alpha = rng.uniform(1.2, 3.0, size=4)
point = rng.dirichlet(alpha)
CASES += [
    Case("dirichlet_logpdf", (point, alpha)),
    Case("dirichlet_pdf", (point, alpha)),
]
