"""Cases for scipy.stats's norm and t (templates/distributions.py)."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(31)
x = rng.normal(size=(4, 3))
loc = rng.normal(size=(1, 3))
scale = rng.uniform(0.5, 2.0, size=(4, 1))
df = rng.uniform(2.5, 6.0, size=(1, 3))

CASES = []
for name in ("norm_logpdf", "norm_pdf", "norm_cdf", "norm_logcdf", "norm_sf", "norm_logsf"):
    CASES += [
        Case(name, (x, 0.0, 1.0), note="standard"),
        Case(name, (x, loc, scale), note="broadcast loc and scale"),
        Case(name, (0.3, -0.2, 1.7), note="Python floats"),
    ]
for name in ("t_logpdf", "t_pdf", "t_cdf", "t_logcdf"):
    CASES += [
        Case(name, (x, df, 0.0, 1.0), note="standard"),
        Case(name, (x, df, loc, scale), note="broadcast"),
    ]

m = rng.normal(size=(4, 4))
cov = m @ m.T + 4 * np.eye(4)
mean = rng.normal(size=4)
for name in ("multivariate_normal_logpdf", "multivariate_normal_pdf"):
    CASES += [
        Case(name, (rng.normal(size=4), mean, cov), note="one point"),
        Case(name, (rng.normal(size=(5, 4)), mean, cov), note="five points"),
    ]
CASES.append(Case("multivariate_normal_entropy", (mean, cov)))
