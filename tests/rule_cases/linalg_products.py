"""Cases for templates/numpy/linalg_products.py: matrix_power for n from -2 to 4 (0 and 1
too) and a batch; multi_dot of two, three and four arrays, with 1-D ends; eigvalsh of
symmetric matrices with distinct eigenvalues (and of a matrix whose other triangle differs,
which eigvalsh does not read), both triangles, and a batch."""
import numpy as np

from tests.rule_cases import Case
from tests.rule_cases._arrays import rand, well_conditioned

CASES = [
    *[Case("matrix_power", (rand(3, 3) / 2, n), note=f"n={n}") for n in (0, 1, 2, 3, 4)],
    *[Case("matrix_power", (well_conditioned(3, symmetric=False), n), note=f"n={n}") for n in (-1, -2)],
    Case("matrix_power", (rand(2, 3, 3) / 2, 3), note="a batch"),
    Case("multi_dot", ([rand(2, 3), rand(3, 4)],), note="two"),
    Case("multi_dot", ([rand(2, 3), rand(3, 4), rand(4, 2)],), note="three"),
    Case("multi_dot", ([rand(3), rand(3, 4), rand(4)],), note="three, 1-D ends"),
    Case("multi_dot", ([rand(2, 3), rand(3, 4), rand(4, 3), rand(3)],), note="four, 1-D last"),
    Case("multi_dot", ([rand(3), rand(3, 2)],), note="two, 1-D first"),
    Case("eigvalsh", (well_conditioned(3),)),
    Case("eigvalsh", (well_conditioned(4) + np.triu(rand(4, 4), 1),), note="upper triangle not read"),
    Case("eigvalsh", (well_conditioned(3) + np.tril(rand(3, 3), -1),), {"UPLO": "U"}, "upper triangle"),
    Case("eigvalsh", (well_conditioned(3, 2),), note="a batch"),
]
CASES += [
    Case("lstsq", (rand(5, 3), rand(5, 2)), {"rcond": None}, "tall, 2-D b: residuals"),
    Case("lstsq", (rand(6, 2), rand(6)), {"rcond": None}, "tall, 1-D b"),
    Case("lstsq", (well_conditioned(3, symmetric=False), rand(3, 2)), {"rcond": None}, "square: no residuals"),
    Case("lstsq", (rand(4, 3), rand(4)), note="rcond left out"),
]
