"""Every rule under every cotangent shape (``tests/sweep_programs.py``).

Each NumPy operation with a rule, called the way a user writes it, reduced by a plain
sum, a mean, a random-weighted sum and an indexing read, is differentiated four ways:
specialised to its arguments (``diffc.grad``) and as general code (``.source``), each with
the optimizer on and off (``passes.unoptimized``); every gradient must match central
differences (``tests/gradcheck.py``), and a general compile may only refuse with a located
error. The sum's ``dout`` is a scalar spread by ``np.broadcast_to``, which the optimizer
leaves to NumPy where the reader is elementwise: a rule that is not elementwise reading
it unspread was a wrong gradient (``np.outer``), as were un-broadcasting shortcuts of
general code (``np.broadcast_to``, ``np.full``, ``np.triu`` of a vector, ``np.where`` and
``np.copysign`` with a broadcasting constant operand).

CI runs ``PER_PRIMITIVE`` cases of each primitive (spread over its table) plus
``EXTRA``; ``DIFFC_SWEEP=all`` runs every case of ``tests/rule_cases/`` (about
3,800 programs, 14,500 gradients compared, three minutes).
"""
import atexit
import contextlib
import os
import shutil
import tempfile
from collections import defaultdict

import numpy as np
import pytest

import diffc
from diffc.optimize import passes
from diffc.core import primitives
from diffc.errors import DiffcError
from tests.gradcheck import ATOL, RTOL, numeric_vjp
from tests.rule_cases import Case
from tests.rule_cases._arrays import rand
from tests.sweep_programs import WRAPPERS, Unwritable, Written, build, programs, spellings
from tests.test_rules import CASES

PER_PRIMITIVE = 2
DIRECTORY = tempfile.mkdtemp(prefix="diffc-sweep-")
atexit.register(shutil.rmtree, DIRECTORY, ignore_errors=True)

# Operands of equal sizes, where reading a spread dout unspread still gives a result of the
# right shape (and the wrong values): how the outer-product bug hid; and a constant operand
# that broadcasts the differentiated one (general code must still sum its gradient back).
EXTRA = [
    Case("where", (np.array([[True, False, True], [False, True, True]]), rand(3), Written(0.0)),
         note="the mask broadcasts x"),
    Case("copysign", (rand(3), rand(2, 3)), note="the sign broadcasts x"),
    Case("outer", (rand(3), rand(3)), note="equal lengths"),
    Case("outer", (rand(2, 2), rand(4)), note="equal sizes, flattened"),
    Case("dot", (rand(3, 3), rand(3, 3)), note="square"),
    Case("inner", (rand(3, 3), rand(3, 3)), note="square"),
    Case("matmul", (rand(3, 3), rand(3, 3)), note="square"),
    Case("tensordot", (rand(3, 3), rand(3, 3), 1), note="square"),
    Case("einsum", ("ij,jk->ik", rand(3, 3), rand(3, 3)), note="square"),
    Case("kron", (rand(2), rand(2)), note="equal lengths"),
    Case("vdot", (rand(3), rand(3))),
    Case("solve", (rand(3, 3) + 3 * np.eye(3), rand(3, 3)), note="square right-hand side"),
    Case("cumsum", (rand(3, 3),), {"axis": 0}, "square"),
    Case("cumprod", (rand(3, 3),), {"axis": 1}, "square"),
    Case("transpose", (rand(3, 3),), note="square"),
    Case("triu", (rand(3),), note="a vector"),
    Case("flip", (rand(3, 3),), note="square"),
]

# General code (no example arguments) that fails when run: a gradient reaching one piece
# of ``np.split``'s list is put into ``np.zeros_like`` of the whole list, which NumPy
# cannot stack when the pieces differ in size. Specialised code is right (the list is
# known from the arguments). Listed so that the sweep says when it is fixed.
KNOWN_GENERAL_FAILURES = {
    "array_split((7,),int) uneven", "array_split((2, 4),list) {'axis': 1} at indices",
    "split((2, 6),list) {'axis': 1} at indices",
    "hsplit((2, 4, 3),list) 3-D", "vsplit((5, 2, 2),list) 3-D", "dsplit((2, 1, 5),list)",
    "eigh((3, 3))", "eigh((2, 3, 3)) stacked",     # a pair (w, V) of different shapes: the same zeros_like of the whole
    "meshgrid((3,),(2,),(2,)) {'sparse': True, 'indexing': 'ij'} sparse",    # sparse grids differ in shape: the same
}


def _selected(cases):
    """``PER_PRIMITIVE`` cases of each primitive, spread over its table (all with
    ``DIFFC_SWEEP=all``)."""
    if os.environ.get("DIFFC_SWEEP") == "all":
        return list(cases)
    by_prim = defaultdict(list)
    for case in cases:
        by_prim[case.prim].append(case)
    chosen = []
    for group in by_prim.values():
        n = len(group)
        picks = {round(i * (n - 1) / max(1, PER_PRIMITIVE - 1)) for i in range(min(n, PER_PRIMITIVE))}
        chosen += [group[i] for i in sorted(picks)]
    return chosen


PROGRAMS, UNWRITABLE = programs(_selected(CASES) + EXTRA)
BY_PRIM = defaultdict(list)
for _program in PROGRAMS:
    BY_PRIM[_program.case.prim].append(_program)

MODES = [("specialised", True), ("specialised", False), ("general", True), ("general", False)]


def gradients(f, program, mode, optimized):
    """diffc's gradients of ``f`` on the program's arguments, compiled in ``mode``."""
    args = [np.copy(a) if isinstance(a, np.ndarray) else a for a in program.args]
    with contextlib.nullcontext() if optimized else passes.unoptimized():
        g = diffc.api.gradients.GradientFunction(f, wrt=program.wrt)     # a fresh object: no cache
        if mode == "specialised":
            return g(*args)
        g.source                                             # general code, for any shapes
        return g._last(*args)


def _mismatch(got, want):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return f"shape {got.shape}, want {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0, where=np.isfinite(want))))
    if not np.allclose(got, want, rtol=RTOL, atol=ATOL * scale, equal_nan=True):
        return f"\n    diffc {got.ravel()}\n    want  {want.ravel()}"
    return None


def check(program):
    """``(problems, counts)``: what was wrong in each of the four ways, and how many
    gradients were compared and general compiles refused."""
    f = program.load(DIRECTORY)
    want = [numeric_vjp(f, list(program.args), i, 1.0) for i in program.wrt]
    problems, counts = [], {"compared": 0, "refused": 0}
    known = str(program.case) in KNOWN_GENERAL_FAILURES
    for mode, optimized in MODES:
        where = f"{program} [{mode}, optimizer {'on' if optimized else 'off'}]"
        try:
            got = gradients(f, program, mode, optimized)
        except DiffcError as e:
            if mode == "specialised" or e.loc is None or e.loc.file != f.__code__.co_filename:
                raise AssertionError(f"{where}: {e}\n{program.source}") from e
            counts["refused"] += 1          # general code may need the arguments: a located error
            continue
        except ValueError as e:
            if mode == "general" and known:
                continue
            raise AssertionError(f"{where}: {e}\n{program.source}") from e
        if mode == "general" and known:
            problems.append(f"{where}: now runs; take it out of KNOWN_GENERAL_FAILURES")
        counts["compared"] += 1
        for i, g, w in zip(program.wrt, got, want):
            bad = _mismatch(g, w)
            if bad:
                problems.append(f"{where}: gradient of argument {i}: {bad}")
    if problems:
        problems.append(program.source)
    return problems, counts


@pytest.mark.parametrize("prim", sorted(BY_PRIM))
def test_every_rule_under_every_cotangent_shape(prim):
    problems = []
    for program in BY_PRIM[prim]:
        problems += check(program)[0]
    assert not problems, "\n".join(problems)


def test_the_sweep_covers_every_operation_users_can_call():
    """Every differentiable primitive with a source-level name and a case runs in the sweep,
    under every wrapper (SciPy's only where SciPy is installed)."""
    swept = {p.case.prim for p in PROGRAMS}
    reachable = {c.prim for c in CASES
                 if spellings(primitives.get(c.prim)) and primitives.get(c.prim).differentiable}
    missing = sorted(reachable - swept)
    scipy_only = {n for n in missing if all(s.startswith("scipy.") for s in spellings(primitives.get(n)))}
    try:
        import scipy  # noqa: F401
        scipy_only = set()
    except ImportError:
        pass
    assert not sorted(set(missing) - scipy_only), f"not swept: {missing}"
    wrappers = defaultdict(set)
    for p in PROGRAMS:
        wrappers[p.case.prim].add(p.wrapper)
    assert all(w == set(WRAPPERS) for w in wrappers.values())


def test_a_program_that_cannot_be_written_says_why():
    with pytest.raises(Unwritable, match="no source-level name"):
        build(Case("unbroadcast", (rand(2, 3), rand(1, 3))), "sum")


# -- what the sweep found in general code (each was a wrong gradient) ----------------------
def spread_vector(x):
    return np.sum(np.broadcast_to(x, (2, 3)) * np.arange(6.0).reshape(2, 3))


def filled(x):
    return np.mean(np.full((2, 3), x))


def upper_of_a_vector(x):
    return np.sum(np.triu(x))


def masked(x):
    return np.sum(np.where(np.array([[True, False, True], [False, True, True]]), x, 0.0))


def signed(x, y):
    return np.sum(np.copysign(x, y))


BROADCAST_BY_THE_OPERATION = [(spread_vector, (rand(3),)), (filled, (rand(3),)),
                              (upper_of_a_vector, (rand(3),)), (masked, (rand(3),)),
                              (signed, (rand(3), rand(2, 3)))]


@pytest.mark.parametrize("f,args", BROADCAST_BY_THE_OPERATION,
                         ids=[f.__name__ for f, _ in BROADCAST_BY_THE_OPERATION])
def test_general_code_sums_back_what_the_operation_broadcast(f, args):
    """Without example arguments the engine sums a gradient down to its operand's shape
    at run time, unless the operation is elementwise and its other operands are numbers
    written in the code. It also skipped it for an operand the rule treats as constant
    (the mask, the sign: they broadcast too) and for operations that make their own shape
    (``np.broadcast_to``, ``np.full``, ``np.triu`` of a vector): the gradients had the
    result's shape."""
    g = diffc.api.gradients.GradientFunction(f, wrt=0)
    g.source
    np.testing.assert_allclose(g._last(*args), numeric_vjp(f, list(args), 0, 1.0), rtol=1e-6, atol=1e-8)


# -- the property the optimizer trusts ------------------------------------------------------
ELEMENTWISE_CASES = [c for c in CASES if primitives.get(c.prim).elementwise]


@pytest.mark.parametrize("case", ELEMENTWISE_CASES, ids=str)
def test_an_operation_marked_elementwise_is_elementwise(case):
    """``Primitive.elementwise`` lets the optimizer compute ``f(np.broadcast_to(s, S))`` as
    ``np.broadcast_to(f(s), S)``: true when each entry of the result depends only on the
    operands' entries at its position, so shuffling the positions of every operand alike
    shuffles the result alike."""
    prim = primitives.get(case.prim)
    arrays = [a for a in case.args if isinstance(a, np.ndarray)]
    shape = np.broadcast_shapes(*[a.shape for a in arrays]) if arrays else ()
    order = np.random.default_rng(0).permutation(int(np.prod(shape)))

    def shuffled(a):
        if not isinstance(a, np.ndarray):
            return a
        return np.broadcast_to(a, shape).ravel()[order].reshape(shape)

    out = np.broadcast_to(prim.impl(*case.args, **case.kwargs), shape)
    again = prim.impl(*[shuffled(a) for a in case.args], **case.kwargs)
    np.testing.assert_array_equal(again, out.ravel()[order].reshape(shape))


def test_the_operations_marked_elementwise():
    marked = {p.name for p in primitives.all_primitives() if p.elementwise}
    assert {"add", "multiply", "where", "exp", "tanh", "maximum"} <= marked
    assert not marked & {"dot", "matmul", "outer", "inner", "einsum", "tensordot", "kron", "copy",
                         "astype", "broadcast_to", "triu", "cumsum", "sum", "getitem", "setitem"}
