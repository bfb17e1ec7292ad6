"""Cases for templates/arithmetic.py: the operators on the standard shape pairings, and
matmul on every pairing of 1-D, 2-D and batched operands it supports."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._inputs import binary_cases, uniform, unary_cases

CASES = [
    *binary_cases("add", (-2, 2)),
    *binary_cases("subtract", (-2, 2)),
    *binary_cases("multiply", (-2, 2)),
    *binary_cases("divide", (-2, 2), (0.5, 2)),
    Case("divide", (uniform(-2, 2, (3,)), uniform(-2, -0.5, (3,))), note="negative divisor"),
    *unary_cases("negative", -2, 2),
    *unary_cases("positive", -2, 2),
    *binary_cases("power", (0.5, 2), (-2, 2)),
    Case("power", (uniform(-2, 2, (2, 3)), 2), note="integer exponent"),
    Case("power", (uniform(-2, 2, (2, 3)), np.array([1, 2, 3])), note="integer array exponent"),
    Case("matmul", (uniform(-1, 1, (3,)), uniform(-1, 1, (3,))), note="1-D @ 1-D"),
    Case("matmul", (uniform(-1, 1, (2, 3)), uniform(-1, 1, (3,))), note="2-D @ 1-D"),
    Case("matmul", (uniform(-1, 1, (3,)), uniform(-1, 1, (3, 4))), note="1-D @ 2-D"),
    Case("matmul", (uniform(-1, 1, (2, 3)), uniform(-1, 1, (3, 4))), note="2-D @ 2-D"),
    Case("matmul", (uniform(-1, 1, (5, 2, 3)), uniform(-1, 1, (5, 3, 4))), note="batched"),
    Case("matmul", (uniform(-1, 1, (5, 2, 3)), uniform(-1, 1, (3, 4))), note="3-D @ 2-D"),
    Case("matmul", (uniform(-1, 1, (2, 3)), uniform(-1, 1, (5, 3, 4))), note="2-D @ 3-D"),
    Case("matmul", (uniform(-1, 1, (5, 1, 2, 3)), uniform(-1, 1, (4, 3, 2))),
         note="broadcast batch"),
    Case("matmul", (uniform(-1, 1, (5, 2, 3)), uniform(-1, 1, (3,))), note="3-D @ 1-D"),
    Case("matmul", (uniform(-1, 1, (3,)), uniform(-1, 1, (5, 3, 4))), note="1-D @ 3-D"),
]
