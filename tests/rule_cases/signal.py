"""Cases for scipy.signal.convolve (templates/scipy/signal.py): 1-D and 2-D, every mode,
inputs of even and odd lengths, the second larger than the first."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(31)

CASES = [
    Case("signal_convolve", (rng.normal(size=6), rng.normal(size=3)), {"mode": mode})
    for mode in ("full", "valid", "same")
] + [
    Case("signal_convolve", (rng.normal(size=5), rng.normal(size=4)), {"mode": mode}, note="even kernel")
    for mode in ("full", "valid", "same")
] + [
    Case("signal_convolve", (rng.normal(size=(5, 4)), rng.normal(size=(2, 3))), {"mode": mode}, note="2-D")
    for mode in ("full", "valid", "same")
] + [
    Case("signal_convolve", (rng.normal(size=3), rng.normal(size=5)), {"mode": mode},
         note="second input larger")
    for mode in ("full", "valid", "same")
]
