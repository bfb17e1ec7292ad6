"""Run a test file of autograd's, test by test, and give each test a verdict.

A test's verdict is the worst of its checks' (``checks.SEVERITY``), ignoring checks that
are ``n/a``. A test that makes no check is ``n/a``: it tests something other than
differentiating a function (a version number, autograd's own ``convolve`` against
SciPy's), or its own code fails under plain NumPy before any check (``np.make_diagonal``,
which NumPy does not have). A test whose own ``assert`` fails after diffc's results
reached it is ``wrong`` (the assertion is shown); one whose own code fails after its
checks keeps their verdict and is marked ``stopped``.
"""
from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

import diffc
from benchmarks.autograd_suite import checks as checks_mod
from benchmarks.autograd_suite import shims

SEED = 42          # autograd's tests/conftest.py seeds NumPy's generator so before each test


@dataclass
class TestResult:
    file: str
    name: str
    line: int
    verdict: str = "right"
    first_order: str = "right"
    cause: str = ""
    location: str = ""
    detail: str = ""
    stopped: str = ""            # the test's own code failed after its checks
    seconds: float = 0.0
    checks: list = field(default_factory=list)


def run_files(source_root, files, checker, only=None, progress=None):
    """Results of the tests of ``files`` (names in ``<source_root>/tests``), with the
    ``autograd`` shims installed while they run; ``only``: substrings of test names."""
    test_dir = os.path.join(source_root, "tests")
    results = []
    state = np.random.get_state()         # the tests seed NumPy's global generator
    try:
        with shims.installed(source_root, test_dir, checker), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for filename in files:
                results += run_file(os.path.join(test_dir, filename), checker, only, progress)
    finally:
        np.random.set_state(state)
    return results


def run_file(path, checker, only=None, progress=None):
    filename = os.path.basename(path)
    np.random.seed(SEED)
    try:
        module = _import(path)
    except Exception as error:
        return [TestResult(filename, "(import)", 0, "n/a", "n/a",
                           f"the file does not import under plain NumPy/SciPy: "
                           f"{type(error).__name__}: {error}")]
    tests = sorted(((name, fn) for name, fn in vars(module).items()
                    if name.startswith("test") and inspect.isfunction(fn)
                    and os.path.realpath(fn.__code__.co_filename) == os.path.realpath(path)),
                   key=lambda item: item[1].__code__.co_firstlineno)
    results = []
    for name, fn in tests:
        if only and not any(o in name for o in only):
            continue
        result = run_test(filename, name, fn, checker)
        results.append(result)
        if progress:
            progress(result)
    return results


def _import(path):
    name = "autograd_suite_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_test(filename, name, fn, checker):
    result = TestResult(filename, name, fn.__code__.co_firstlineno)
    checker.records = []
    np.random.seed(SEED)
    start = time.perf_counter()
    error = None
    try:
        fn()
    except Exception as raised:      # the test's outcome, whatever it raised, is classified
        error = raised
    result.seconds = time.perf_counter() - start
    result.checks = list(checker.records)
    _decide(result, error, checker)
    return result


def _decide(result, error, checker):
    applicable = [c for c in result.checks if c.verdict != "n/a"]
    if applicable:
        worst = max(applicable, key=lambda c: checks_mod.SEVERITY.index(c.verdict))
        result.verdict = worst.verdict
        result.first_order = max((c.first_order for c in applicable), key=checks_mod.SEVERITY.index)
        if worst.verdict != "right":
            result.cause, result.location, result.detail = worst.cause, worst.location, \
                f"{worst.where}: {worst.what}, {worst.stage}\n{worst.detail}"
    if error is None or isinstance(error, checks_mod.RecordedError):
        if not result.checks:
            _not_applicable(result, "differentiates nothing (no check_grads, combo_check or grad)")
        elif not applicable:
            _not_applicable(result, result.checks[0].cause)
        return
    if isinstance(error, (diffc.DiffcError, diffc.InternalError)):
        verdict, cause, location = checks_mod.classify(error, (checker.test_dir, checker.port_dir.path))
        _worsen(result, verdict, cause, location, checks_mod._error_text(error))
    elif isinstance(error, AssertionError) and applicable:
        line = _test_line(error, checker.test_dir)
        _worsen(result, "wrong", f"the test's own assertion fails on diffc's result: {line}", "",
                "".join(traceback.format_exception(error)[-6:]))
    elif applicable:
        result.stopped = f"{type(error).__name__}: {checks_mod._first_line(error)} ({_test_line(error, checker.test_dir)})"
    else:
        _not_applicable(result, f"its own code fails under plain NumPy/SciPy: {type(error).__name__}: "
                                f"{checks_mod._first_line(error)} ({_test_line(error, checker.test_dir)})")


def _worsen(result, verdict, cause, location, detail):
    order = checks_mod.SEVERITY
    if result.verdict == "n/a" or order.index(verdict) > order.index(result.verdict):
        result.verdict, result.cause, result.location, result.detail = verdict, cause, location, detail
        if result.first_order == "n/a" or order.index(verdict) > order.index(result.first_order):
            result.first_order = verdict


def _not_applicable(result, why):
    result.verdict = result.first_order = "n/a"
    result.cause = why


def _test_line(error, test_dir):
    """``file.py:line: text`` of the innermost traceback frame in the test directory."""
    found = ""
    for frame in traceback.extract_tb(error.__traceback__):
        path = os.path.realpath(frame.filename)
        if path.startswith(os.path.realpath(test_dir) + os.sep):
            found = f"{os.path.basename(path)}:{frame.lineno}: {(frame.line or '').strip()}"
    return found or "outside the test file"
