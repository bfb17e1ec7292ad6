"""The gradient fuzzer: random straight-line NumPy programs (``tests/fuzz_programs.py``),
each written to a module file, differentiated by ``diffc.value_and_grad`` and checked
against central differences (every argument), its value against running the program,
and, where diffc has forward mode, one Jacobian-vector product (``diffc.jvp``, random
tangents) against the same central differences.

``DIFFC_FUZZ_EXAMPLES`` sets the number of programs (default 1000; the long run uses
20000). Hypothesis runs derandomized, so CI sees the same programs every time. A failure
prints the shrunk program's source and arguments: that program is the bug report.

Higher order (below): programs with loops, branches, helper calls and lists
(``tests/fuzz_control.py``), differentiated twice every way the API composes, against
central differences of the first-order gradient.
"""
import atexit
import functools
import hashlib
import os
import shutil
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings

import diffc
from diffc.testing import numerical_grad
from tests import fuzz_control
from tests.fuzz_programs import programs

EXAMPLES = int(os.environ.get("DIFFC_FUZZ_EXAMPLES", "1000"))
DIRECTORY = tempfile.mkdtemp(prefix="diffc-fuzz-")
atexit.register(shutil.rmtree, DIRECTORY, ignore_errors=True)
RTOL, ATOL = 1e-5, 1e-7      # ATOL is scaled by the size of the program's value


def _copies(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def _mismatch(what, got, want, scale):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return f"{what}: shape {got.shape}, want {want.shape}"
    bad = np.abs(got - want) > ATOL * scale + RTOL * np.abs(want)
    if np.any(bad):
        return f"{what}:\n  diffc   {got.ravel()}\n  want    {want.ravel()}"
    return None


def check_program(program):
    """Every way of computing the program's derivatives agrees; else AssertionError with
    the program's source."""
    f = program.load(DIRECTORY)
    args = program.args
    value = f(*_copies(args))
    got_value, grads = diffc.value_and_grad(f, wrt=program.wrt)(*_copies(args))
    scale = max(1.0, abs(float(value)))
    problems = [_mismatch("value", got_value, value, 0.0)]
    numeric = [numerical_grad(f, _copies(args), i) for i in program.wrt]
    for i, g, want in zip(program.wrt, grads, numeric):
        problems.append(_mismatch(f"gradient of argument {i}", g, want, scale))
    if hasattr(diffc, "jvp"):
        rng = np.random.default_rng(int(hashlib.sha256(program.source.encode()).hexdigest()[:8], 16))
        tangents = tuple(float(rng.normal()) if isinstance(a, float) else rng.normal(size=np.shape(a))
                         for a in args)
        jvp_value, jt = diffc.jvp(f, wrt=program.wrt)(*_copies(args), tangents=tangents)
        want = sum(float(np.sum(np.asarray(g) * t)) for g, t in zip(numeric, tangents))
        size = sum(float(np.sum(np.abs(t))) for t in tangents)
        problems.append(_mismatch("jvp value", jvp_value, value, 0.0))
        problems.append(_mismatch("jvp (forward mode) against central differences", jt, want,
                                  scale * max(1.0, size)))
    problems = [p for p in problems if p]
    if problems:
        raise AssertionError("\n".join(problems) + f"\n--- program ---\n{program.source}"
                             f"--- arguments ---\n{args!r}")


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(programs())
def test_random_programs_differentiate_correctly(program):
    note(program.source)
    note(repr(program.args))
    check_program(program)


# -- higher order over programs with loops, branches and helper calls ---------------------
# ``tests/fuzz_control.py`` writes programs with for/while loops, break/continue, branches
# on data, helper functions (looping too) and lists grown in loops. For each program:
#   1. the first-order gradient (``diffc.grad``, every argument) is checked against
#      central differences of the program itself;
#   2. the oracle of every second-order result is central differences of that first-order
#      gradient (``_differences_of_the_gradient``: diffc's reverse mode, checked in 1.);
#   3. against it: ``hessian`` (forward over reverse, every block), ``jvp`` of ``grad``
#      (random tangents), ``grad`` of ``grad`` for each scalar argument and ``vjp`` of
#      ``grad`` for the array argument (both reverse over reverse): 22 comparisons.
# A wrong value or a crash fails the program's test. A located refusal (``DiffcError``:
# shapes that the example does not fix, in a branch or loop it never ran) is allowed, but
# at most ``MAX_REFUSED`` of the programs may end so: the fuzzer must keep checking.
# ``DIFFC_FUZZ_HIGHER_EXAMPLES`` sets the number of programs (default 60, about half a
# minute; the long run uses 2000). Program ``k`` is drawn from seed ``k``: a failure
# names the seed and prints the program.
HIGHER_EXAMPLES = int(os.environ.get("DIFFC_FUZZ_HIGHER_EXAMPLES", "60"))
HIGHER_RTOL, HIGHER_ATOL = 1e-4, 1e-5      # ATOL is scaled by the size of the derivatives
MAX_REFUSED = 0.15


def _differences_of_the_gradient(f, args, i, j):
    """d(grad_i f)/d(arg j) by central differences of diffc's first-order gradient, in the
    shape ``shape(arg i) + shape(arg j)``."""
    grad = diffc.grad(f, wrt=i)
    x = np.asarray(args[j], dtype=float)
    columns = []
    for k in range(x.size):
        h = 1e-5 * max(1.0, abs(float(x.reshape(-1)[k])))
        step = np.zeros(x.size)
        step[k] = h
        plus, minus = list(args), list(args)
        plus[j] = (x.reshape(-1) + step).reshape(x.shape) if x.shape else float(x + h)
        minus[j] = (x.reshape(-1) - step).reshape(x.shape) if x.shape else float(x - h)
        columns.append((np.asarray(grad(*plus)) - np.asarray(grad(*minus))).reshape(-1) / (2 * h))
    return np.stack(columns, axis=-1).reshape(np.shape(args[i]) + x.shape)


def _close(what, got, want, scale):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return f"{what}: shape {got.shape}, want {want.shape}"
    if np.any(np.abs(got - want) > HIGHER_ATOL * scale + HIGHER_RTOL * np.abs(want)):
        return f"{what}:\n  diffc   {got.ravel()}\n  want    {want.ravel()}"
    return None


def check_higher_order(program, rng):
    """Every composition of two transforms agrees with central differences of the gradient;
    else AssertionError with the program's source. Returns the number of comparisons."""
    f = program.load(DIRECTORY)
    args, wrt = program.args, program.wrt
    problems = []
    first = diffc.grad(f, wrt=wrt)(*_copies(args))
    numeric = [numerical_grad(f, _copies(args), i) for i in wrt]
    scale = max(1.0, max(float(np.max(np.abs(g))) for g in numeric))
    for i, g, want in zip(wrt, first, numeric):
        problems.append(_close(f"gradient of argument {i}", g, want, scale))
    D = [[_differences_of_the_gradient(f, args, i, j) for j in wrt] for i in wrt]
    scale = max(1.0, max(float(np.max(np.abs(block))) for row in D for block in row))
    H = diffc.hessian(f, wrt=wrt)(*_copies(args))
    for i in wrt:
        for j in wrt:
            problems.append(_close(f"hessian block [{i}][{j}]", H[i][j], D[i][j], scale))
    tangents = tuple(float(rng.normal()) if isinstance(a, float) else rng.normal(size=np.shape(a))
                     for a in args)
    i = int(rng.integers(len(wrt)))
    _, jt = diffc.jvp(diffc.grad(f, wrt=i), wrt=wrt)(*_copies(args), tangents=tangents)
    want = sum(np.tensordot(D[i][j], t, axes=np.ndim(t)) for j, t in zip(wrt, tangents))
    problems.append(_close(f"jvp(grad wrt {i})", jt, want, scale * 3))
    for i in wrt:
        if isinstance(args[i], float):
            gg = diffc.grad(diffc.grad(f, wrt=i), wrt=wrt)(*_copies(args))
            for j in wrt:
                problems.append(_close(f"grad(grad wrt {i}) wrt {j}", gg[j], D[i][j], scale))
        else:
            u = rng.normal(size=np.shape(args[i]))
            _, pullback = diffc.vjp(diffc.grad(f, wrt=i), wrt=wrt)(*_copies(args))
            for j, got in zip(wrt, pullback(u)):
                want = np.tensordot(u, D[i][j], axes=np.ndim(u))
                problems.append(_close(f"vjp(grad wrt {i}) wrt {j}", got, want, scale * 3))
    wrong = [p for p in problems if p]
    if wrong:
        raise AssertionError("\n".join(wrong) + f"\n--- program ---\n{program.source}"
                             f"--- arguments ---\n{args!r}")
    return len(problems)


@functools.lru_cache(maxsize=None)
def _higher_order_outcome(seed):
    """``"checked"``, or ``"refused: <message>"`` for a located refusal (raises otherwise)."""
    program = fuzz_control.program(seed)
    try:
        check_higher_order(program, np.random.default_rng(seed))
    except diffc.DiffcError as e:
        assert e.loc is not None, f"a refusal without a location:\n{e}\n{program.source}"
        return "refused: " + e.message
    return "checked"


@pytest.mark.parametrize("seed", range(HIGHER_EXAMPLES))
def test_random_control_flow_programs_differentiate_twice_correctly(seed):
    _higher_order_outcome(seed)


def test_the_higher_order_fuzzer_checks_most_programs():
    outcomes = [_higher_order_outcome(seed) for seed in range(HIGHER_EXAMPLES)]
    refused = [o for o in outcomes if o != "checked"]
    assert len(refused) <= MAX_REFUSED * len(outcomes), "\n".join(refused)
