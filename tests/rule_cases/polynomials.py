"""Cases for np.polyval, np.vander and sliding_window_view."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(83)

CASES = [
    Case("polyval", (rng.normal(size=4), rng.normal(size=5))),
    Case("polyval", (rng.normal(size=3), rng.normal(size=(2, 3))), note="x 2-D"),
    Case("polyval", (rng.normal(size=3), 0.7), note="x a Python float"),
    Case("polyval", (rng.normal(size=1), rng.normal(size=3)), note="a constant polynomial"),
    Case("vander", (rng.normal(size=4),)),
    Case("vander", (rng.normal(size=4), 3), note="N columns"),
    Case("vander", (rng.normal(size=3), 4, True), note="increasing"),
    Case("vander", (np.array([0.0, 1.5, -0.5]), 3), note="a zero entry"),
    Case("sliding_window_view", (rng.normal(size=7), 3)),
    Case("sliding_window_view", (rng.normal(size=(5, 6)), (2, 3)), note="2-D windows"),
    Case("sliding_window_view", (rng.normal(size=(2, 5, 6)), (3, 2), (1, 2)), note="axes of an image batch"),
    Case("sliding_window_view", (rng.normal(size=(4, 6)), 3, 1), note="one axis"),
    Case("sliding_window_view", (rng.normal(size=(4, 8)), (2, 3), (1, 1)), note="a repeated axis"),
    Case("windows_sum_back", (rng.normal(size=(5, 3)), rng.normal(size=7), 3)),
    Case("windows_sum_back", (rng.normal(size=(2, 4, 2, 3, 2)), rng.normal(size=(2, 6, 3)), (3, 2), (1, 2)),
         note="axes"),
]
