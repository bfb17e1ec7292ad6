"""Cases for scipy.special's expit and logsumexp (implemented in NumPy)."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(77)
a23 = rng.normal(size=(2, 3))

CASES = [
    Case("expit", (rng.normal(size=4),)),
    Case("expit", (0.3,), note="Python float"),
    Case("logsumexp", (a23,), note="all entries"),
    Case("logsumexp", (a23,), {"axis": 1}),
    Case("logsumexp", (a23,), {"axis": 0, "keepdims": True}),
    Case("logsumexp", (a23 * 50,), {"axis": -1}, note="large entries: stable"),
    Case("logsumexp", (a23,), {"b": np.exp(rng.normal(size=(2, 3)))}, note="weights b"),
    Case("logsumexp", (a23,), {"axis": 1, "b": np.exp(rng.normal(size=(2, 3)))}, note="weights b"),
    Case("logsumexp", (a23,), {"axis": 0, "b": np.exp(rng.normal(size=(2, 3))), "keepdims": True},
         note="weights b"),
]
CASES += [
    Case("erf", (rng.normal(size=5),)),
    Case("erf", (0.4,), note="Python float"),
]
CASES += [
    Case("softmax", (rng.normal(size=(2, 3)),), note="all entries"),
    Case("softmax", (rng.normal(size=(2, 3)),), {"axis": 1}),
    Case("softmax", (rng.normal(size=(2, 3, 2)),), {"axis": (0, 2)}),
    Case("log_softmax", (rng.normal(size=(2, 3)),), note="all entries"),
    Case("log_softmax", (rng.normal(size=(2, 3)),), {"axis": -1}),
    Case("log_softmax", (30 * rng.normal(size=(3, 2)),), {"axis": 0}, note="large entries: stable"),
]
