"""Tables of test cases for every registered rule, one module per template family.

Each module defines ``CASES``: a list of ``Case``. ``tests/test_rules.py`` checks
every case's reverse and forward rules against central differences, and fails when a
differentiable primitive has no case.
"""
from dataclasses import dataclass, field


@dataclass
class Case:
    prim: str                       # the primitive's name (its primal function's name)
    args: tuple                     # positional arguments for the primal
    kwargs: dict = field(default_factory=dict)
    note: str = ""                  # what the case covers, e.g. "broadcast (2,1) with (1,3)"

    def __str__(self):
        shapes = ",".join(str(getattr(a, "shape", type(a).__name__)) for a in self.args)
        extra = f" {self.kwargs}" if self.kwargs else ""
        return f"{self.prim}({shapes}){extra} {self.note}".strip()
