"""Cases for templates/contractions.py: every pairing of 0-d, 1-D, 2-D and 3-D operands
for dot and inner, tensordot with integer and paired axes, einsum with explicit and
implicit outputs, traces and diagonals (repeated indices), sums (indices of one
operand only), broadcasting ellipses and up to four operands, and kron of equal and
unequal ranks."""
from tests.rule_cases import Case
from tests.rule_cases._arrays import rand

PAIRS = [((), (3,)), ((2, 3), ()), ((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)),
         ((3,), (3, 4)), ((2, 2, 3), (3,)), ((3,), (2, 3, 4)), ((2, 2, 3), (3, 4)),
         ((2, 3), (2, 3, 4)), ((2, 2, 3), (4, 3, 2))]
INNER_PAIRS = [((), (3,)), ((3,), (3,)), ((2, 3), (4, 3)), ((2, 3), (3,)), ((3,), (4, 3)),
               ((2, 2, 3), (3,)), ((2, 3), (2, 4, 3)), ((2, 2, 3), (4, 3))]

CASES = [
    *[Case("dot", (rand(*a), rand(*b)), note=f"{len(a)}-D with {len(b)}-D") for a, b in PAIRS],
    Case("dot", (float(rand()), rand(2, 3)), note="Python float"),
    *[Case("inner", (rand(*a), rand(*b)), note=f"{len(a)}-D with {len(b)}-D") for a, b in INNER_PAIRS],
    Case("vdot", (rand(3), rand(3))),
    Case("vdot", (rand(2, 3), rand(3, 2)), note="different shapes, same size"),
    Case("outer", (rand(3), rand(4))),
    Case("outer", (rand(2, 3), rand(2)), note="flattened"),
    Case("outer", (rand(), rand(2)), note="0-d"),
    Case("tensordot", (rand(2, 3, 4), rand(3, 4, 5)), note="axes=2"),
    Case("tensordot", (rand(2, 3), rand(3, 4), 1)),
    Case("tensordot", (rand(2, 3), rand(4), 0), note="outer product"),
    Case("tensordot", (rand(2, 3, 4), rand(4, 2, 5), ([0, 2], [1, 0])), note="paired axes"),
    Case("tensordot", (rand(3, 2), rand(4, 3), (0, 1)), note="one pair of ints"),
    Case("tensordot", (rand(2, 3, 4), rand(2, 3, 4), ([-1, 0, 1], [2, 0, 1])), note="all axes"),
    Case("einsum", ("ij,jk->ik", rand(2, 3), rand(3, 4))),
    Case("einsum", ("ij,jk", rand(2, 3), rand(3, 4)), note="implicit output"),
    Case("einsum", ("ba,cb", rand(2, 3), rand(4, 2)), note="implicit output, sorted"),
    Case("einsum", ("i,i->", rand(3), rand(3))),
    Case("einsum", ("ij->ji", rand(2, 3))),
    Case("einsum", ("ij->", rand(2, 3)), note="sum"),
    Case("einsum", ("ij->i", rand(2, 3)), note="row sums"),
    Case("einsum", ("ii->", rand(3, 3)), note="trace"),
    Case("einsum", ("ii->i", rand(3, 3)), note="diagonal"),
    Case("einsum", ("ii", rand(3, 3)), note="implicit trace"),
    Case("einsum", ("iij,j->i", rand(3, 3, 2), rand(2)), note="diagonal and contraction"),
    Case("einsum", ("ij,i->j", rand(2, 3), rand(2))),
    Case("einsum", ("i,j->ij", rand(2), rand(3)), note="outer"),
    Case("einsum", ("bij,bjk->bik", rand(2, 2, 3), rand(2, 3, 4)), note="batched"),
    Case("einsum", ("...ij,...jk->...ik", rand(2, 2, 3), rand(3, 4)), note="broadcast ellipsis"),
    Case("einsum", ("...km,...m->...k", rand(2, 3, 4), rand(4)), note="matmul's rule"),
    Case("einsum", ("...i,...i", rand(1, 3), rand(2, 3)), note="implicit, size-1 broadcast"),
    Case("einsum", ("i...->...", rand(2, 3, 4)), note="first axis summed"),
    Case("einsum", ("i,ij,j->", rand(2), rand(2, 3), rand(3)), note="three operands"),
    Case("einsum", ("ij,jk,kl,lm->im", rand(2, 3), rand(3, 2), rand(2, 2), rand(2, 3)),
         note="four operands"),
    Case("einsum", ("i, i ->", rand(3), rand(3)), note="spaces"),
    Case("kron", (rand(2), rand(3))),
    Case("kron", (rand(2, 3), rand(2, 2))),
    Case("kron", (rand(3), rand(2, 2)), note="1-D with 2-D"),
    Case("kron", (rand(2, 1, 2), rand(2, 3)), note="3-D with 2-D"),
    Case("kron", (rand(), rand(2, 2)), note="0-d"),
    Case("cross", (rand(3), rand(3))),
    Case("cross", (rand(4, 3), rand(4, 3)), note="rows"),
    Case("cross", (rand(3), rand(2, 3)), note="broadcast"),
    Case("cross", (rand(2, 1, 3), rand(4, 3)), note="broadcast"),
    Case("cross", (rand(3, 4), rand(3, 4)), {"axis": 0}, "columns"),
    Case("cross", (rand(3, 2), rand(2, 3)), {"axisa": 0, "axisc": 0}),
    Case("cross", (rand(2, 3, 1), rand(2, 1, 3)), {"axisa": 1, "axisb": 2, "axisc": 0}),
]
