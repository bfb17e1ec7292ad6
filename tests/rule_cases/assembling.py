"""Cases for np.append, np.rot90, np.convolve and np.nan_to_num (templates/assembling.py)."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(43)
a23 = rng.normal(size=(2, 3))

CASES = [
    Case("append", (a23, rng.normal(size=4)), note="flattened"),
    Case("append", (a23, rng.normal(size=(2, 2))), {"axis": 1}),
    Case("append", (a23, rng.normal(size=(1, 3))), {"axis": 0}),
    Case("append", (1.5, 2.5), note="Python floats"),
    Case("rot90", (rng.normal(size=(3, 4)),)),
    Case("rot90", (rng.normal(size=(3, 4)), 3)),
    Case("rot90", (rng.normal(size=(2, 3, 4)), 2, (1, 2))),
]
for mode in ("full", "valid", "same"):
    CASES += [
        Case("convolve", (rng.normal(size=5), rng.normal(size=3), mode)),
        Case("convolve", (rng.normal(size=3), rng.normal(size=6), mode), note="shorter first"),
        Case("convolve", (rng.normal(size=4), rng.normal(size=4), mode), note="equal lengths"),
    ]
CASES += [
    Case("nan_to_num", (np.array([0.5, np.nan, 2.0, np.nan]),), note="NaNs"),
    Case("nan_to_num", (a23,), {"nan": 1.0}),
]
