"""Cases for scipy.linalg.solve_triangular (templates/scipy/linalg.py): lower and upper,
plain and transposed, with a unit diagonal, right-hand sides as vectors and matrices.
The matrices are full (``B + 3 I``): the entries outside the triangle the solve reads
must get a zero gradient."""
from tests.rule_cases import Case
from tests.rule_cases._arrays import rand, well_conditioned

CASES = [
    Case("solve_triangular", (well_conditioned(3, symmetric=False), rand(3), trans, lower, unit),
         note=f"trans={trans} lower={lower} unit_diagonal={unit}")
    for trans in (0, 1) for lower in (False, True) for unit in (False, True)
] + [
    Case("solve_triangular", (well_conditioned(3, symmetric=False), rand(3, 2)), {"lower": True}, "matrix b"),
    Case("solve_triangular", (well_conditioned(4, symmetric=False), rand(4, 3)), {"trans": "T"}, "matrix b"),
    Case("solve_triangular", (well_conditioned(3, symmetric=False), rand(3, 1)), {"trans": "N", "unit_diagonal": True}),
]
