"""Cases for templates/numpy/covariance.py: np.cov of a 1-D array (one variable, a 0-d
result), of one row, of variables as rows and as columns, with bias and ddof; np.corrcoef
of two or more variables, as rows and as columns."""
from tests.rule_cases import Case
from tests.rule_cases._arrays import rand

CASES = [
    Case("cov", (rand(5),), note="one variable: a 0-d result"),
    Case("cov", (rand(1, 5),), note="one row"),
    Case("cov", (rand(3, 5),)),
    Case("cov", (rand(3, 5),), {"bias": True}),
    Case("cov", (rand(3, 5),), {"ddof": 0}),
    Case("cov", (rand(3, 5),), {"ddof": 2, "bias": True}, "ddof wins over bias"),
    Case("cov", (rand(6, 2),), {"rowvar": False}, "variables as columns"),
    Case("cov", (rand(6, 3),), {"rowvar": False, "bias": True}),
    Case("cov", (rand(4),), {"rowvar": False}, "1-D, rowvar False"),
    Case("corrcoef", (rand(2, 6),)),
    Case("corrcoef", (rand(4, 7),)),
    Case("corrcoef", (rand(7, 3),), {"rowvar": False}, "variables as columns"),
]
