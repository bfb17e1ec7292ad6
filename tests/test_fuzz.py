"""The gradient fuzzer: random straight-line NumPy programs (``tests/fuzz_programs.py``),
each written to a module file, differentiated by ``diffc.value_and_grad`` and checked
against central differences (every argument), its value against running the program,
and, where diffc has forward mode, one Jacobian-vector product (``diffc.jvp``, random
tangents) against the same central differences.

``DIFFC_FUZZ_EXAMPLES`` sets the number of programs (default 1000; the long run uses
20000). Hypothesis runs derandomized, so CI sees the same programs every time. A failure
prints the shrunk program's source and arguments: that program is the bug report.
"""
import atexit
import hashlib
import os
import shutil
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, note, settings

import diffc
from diffc.testing import numerical_grad
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
