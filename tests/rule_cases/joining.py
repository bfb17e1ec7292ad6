"""Cases for templates/joining.py: two or three arrays joined along each axis (negative
too, and flattened), mixed 1-D and 2-D operands for vstack/hstack, even and uneven
splits."""
from tests.rule_cases import Case
from tests.rule_cases._arrays import rand

CASES = [
    Case("concatenate", ([rand(2, 3), rand(1, 3)],)),
    Case("concatenate", ([rand(2, 3), rand(2, 1), rand(2, 2)],), {"axis": 1}, "three arrays"),
    Case("concatenate", ((rand(2, 3, 2), rand(2, 3, 1)),), {"axis": -1}, "a tuple"),
    Case("concatenate", ([rand(3), rand(4)],), note="1-D"),
    Case("concatenate", ([rand(2, 2), rand(3)],), {"axis": None}, "flattened"),
    Case("stack", ([rand(3), rand(3)],)),
    Case("stack", ([rand(2, 3), rand(2, 3), rand(2, 3)],), {"axis": 1}),
    Case("stack", ([rand(2, 3), rand(2, 3)],), {"axis": -1}),
    Case("stack", ([rand(), rand()],), note="0-d"),
    Case("vstack", ([rand(3), rand(3)],), note="1-D rows"),
    Case("vstack", ([rand(2, 3), rand(3), rand(1, 3)],), note="mixed"),
    Case("vstack", ([rand(2, 3, 2), rand(1, 3, 2)],), note="3-D"),
    Case("hstack", ([rand(3), rand(2)],), note="1-D"),
    Case("hstack", ([rand(2, 3), rand(2, 1)],), note="2-D"),
    Case("hstack", ([rand(), rand(2)],), note="0-d with 1-D"),
    Case("split", (rand(6), 3)),
    Case("split", (rand(2, 6), [1, 4]), {"axis": 1}, "at indices"),
    Case("split", (rand(4, 3), 2), {"axis": -2}),
    Case("array_split", (rand(6), 3)),
    Case("array_split", (rand(2, 4), [1, 3]), {"axis": 1}, "at indices"),
    Case("array_split", (rand(7), 3), note="uneven"),
    Case("split_like", (rand(7), [rand(2, 2), rand(3)])),
    Case("dstack", ([rand(3, 4), rand(3, 4), rand(3, 4, 2)],)),
    Case("dstack", ([rand(4), rand(1, 4, 2)],)),
    Case("split_depth", (rand(3, 4, 4), [rand(3, 4), rand(3, 4), rand(3, 4, 2)])),
    Case("hsplit", (rand(2, 6), 3)),
    Case("hsplit", (rand(6), [1, 4]), note="1-D"),
    Case("hsplit", (rand(2, 4, 3), [1]), note="3-D"),
    Case("vsplit", (rand(4, 3), 2)),
    Case("vsplit", (rand(5, 2, 2), [2, 3]), note="3-D"),
    Case("dsplit", (rand(2, 3, 4), 2)),
    Case("dsplit", (rand(2, 1, 5), [1, 3])),
]
