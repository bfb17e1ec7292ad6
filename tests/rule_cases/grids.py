"""Cases for templates/numpy/grids.py: meshgrid of one, two and three inputs (1-D, and a
2-D and a 0-d input, which meshgrid flattens), both indexings, dense and sparse; gradient
of 1-D and n-D samples, with the default spacing, one number, one number per axis, along
one axis (negative too) and a tuple of axes, both edge orders, at the smallest lengths
each edge order takes (2 and 3 samples); and the helpers on their own."""
from tests.rule_cases import Case
from tests.rule_cases._arrays import rand

CASES = [
    Case("meshgrid", (rand(3), rand(2)), note="xy"),
    Case("meshgrid", (rand(3), rand(2)), {"indexing": "ij"}),
    Case("meshgrid", (rand(4),), note="one input"),
    Case("meshgrid", (rand(3), rand(2), rand(4)), note="three inputs, xy"),
    Case("meshgrid", (rand(3), rand(2), rand(4)), {"indexing": "ij"}, "three inputs"),
    Case("meshgrid", (rand(2, 2), rand()), note="2-D and 0-d inputs are flattened"),
    Case("meshgrid", (rand(3), rand(2)), {"sparse": True}, "sparse"),
    Case("meshgrid", (rand(3), rand(2), rand(2)), {"sparse": True, "indexing": "ij"}, "sparse"),
    Case("unmeshgrid", ((rand(2, 3), rand(2, 3)), (rand(3), rand(2)), False, "xy")),
    Case("unmeshgrid", ((rand(3, 2, 4), rand(3, 2, 4), rand(3, 2, 4)), (rand(3), rand(2), rand(4)),
                        False, "ij")),
    Case("remeshgrid", ((rand(3), rand(2)), (rand(3), rand(2)), False, "xy")),
    Case("remeshgrid", ((rand(3), rand(2), rand(2)), (rand(3), rand(2), rand(2)), True, "ij"), note="sparse"),
    Case("gradient", (rand(6),)),
    Case("gradient", (rand(6), 0.3), note="spacing"),
    Case("gradient", (rand(2),), note="two samples"),
    Case("gradient", (rand(3, 4),), note="every axis"),
    Case("gradient", (rand(3, 4), 0.5, 2.0), note="a spacing per axis"),
    Case("gradient", (rand(3, 4), 0.5), {"axis": 1}),
    Case("gradient", (rand(2, 3, 4),), {"axis": -1}),
    Case("gradient", (rand(2, 3, 4), 0.2, 3.0), {"axis": (0, 2)}),
    Case("gradient", (rand(5),), {"edge_order": 2}),
    Case("gradient", (rand(3),), {"edge_order": 2}, "three samples"),
    Case("gradient", (rand(4, 5), 0.7), {"edge_order": 2}),
    Case("gradient_transposed", (rand(6), (6,), (), None, 1)),
    Case("gradient_transposed", ((rand(3, 4), rand(3, 4)), (3, 4), (0.5, 2.0), None, 1)),
    Case("gradient_transposed", (rand(4, 5), (4, 5), (0.7,), -1, 2)),
]
