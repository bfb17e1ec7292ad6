"""One check, as autograd's ``check_grads`` makes it, with diffc and central differences.

A test calls ``check_grads(fun, argnum, modes, order)(*args, **kwargs)``,
``combo_check(fun, argnum, ...)(lists of args, lists of kwargs)`` (every combination) or
``grad(fun)(x)``. Here each such call is one ``Check``:

1. ``fun(*args, **kwargs)`` runs under plain NumPy/SciPy; if it fails, the check is
   ``n/a`` (autograd-only API, an ``ArrayBox`` attribute, ...).
2. first order: for mode ``"rev"``, ``diffc.vjp(f, wrt)`` with a random cotangent ``u``,
   compared as ``<uᵀJ, v>`` against ``<u, (f(x + h v) - f(x - h v)) / 2h>`` for a random
   direction ``v``; for ``"fwd"``, ``diffc.jvp(f, wrt)`` along ``v``, compared entry by
   entry with the same difference quotient. diffc's value of ``f`` must equal NumPy's.
3. second order (``order=2``, autograd's default): ``G = diffc.grad`` of the projection
   ``sum(f(x) * u)`` (``ports``); ``"rev"``: ``diffc.vjp(G, wrt)``, ``"fwd"``:
   ``diffc.jvp(G, wrt)``, each compared with difference quotients of ``G``, as autograd
   compares its second derivatives with differences of its first.

``f`` is the checked function when it is written in the test file, else a one-line port
(``ports``); the numbers are compared in ``numeric``. Verdicts:
``right``, ``wrong``, ``refused`` (a ``DiffcError`` located in the test file or in a
port of one of its lines), ``unlocated`` (a ``DiffcError`` pointing elsewhere or nowhere,
or diffc's API refusing the call), ``crash`` (``InternalError`` or another exception from
diffc) and ``n/a``.
"""
from __future__ import annotations

import copy
import itertools
import os
import sys
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

import diffc
import diffc.templates
from diffc.errors import from_user_code
from benchmarks.autograd_suite import numeric, ports, trees

SEVERITY = ("right", "refused", "unlocated", "crash", "wrong")   # worst last


@dataclass
class Check:
    """One call of a checking helper with one combination of arguments."""
    where: str                   # "test_numpy.py:123", the test's line
    what: str                    # the function and arguments, for the report
    verdict: str = "right"
    first_order: str = "right"   # the verdict of the first-order stages alone
    stage: str = ""              # the stage that decided a verdict other than right
    cause: str = ""              # one line: the error's message, or what differed
    detail: str = ""             # the full error or the numbers
    location: str = ""           # file:line:col of a refusal
    seconds: float = 0.0
    stages: list = field(default_factory=list)


class RecordedError(Exception):
    """Marks an exception already recorded as a check, re-raised to stop the test."""


class Checker:
    """The ``autograd.grad``, ``check_grads`` and ``combo_check`` a test file sees."""

    def __init__(self, test_dir, port_dir, seed=0):
        self.test_dir = os.path.realpath(test_dir)
        self.port_dir = port_dir
        self.rng = np.random.default_rng(seed)
        self.records = []

    # -- autograd's API ------------------------------------------------------------------
    def check_grads(self, fun, argnum=0, modes=("fwd", "rev"), order=2):
        def checker(*args, **kwargs):
            self.records.append(self.run_check(fun, argnum, args, kwargs, modes, order))
        return checker

    def combo_check(self, fun, *check_args, **check_kwargs):
        def combos(*arg_lists, **kwarg_lists):
            names = list(kwarg_lists)
            for args in itertools.product(*arg_lists):
                for values in itertools.product(*(kwarg_lists[n] for n in names)):
                    self.check_grads(fun, *check_args, **check_kwargs)(*args, **dict(zip(names, values)))
        return combos

    def grad(self, fun, argnum=0):
        return CheckedGradient(self, fun, argnum)

    # -- one check -----------------------------------------------------------------------
    def run_check(self, fun, argnum, args, kwargs, modes, order):
        where = self.where()
        check = Check(where, describe(fun, args, kwargs))
        start = time.perf_counter()
        try:
            self._run(check, fun, argnum, args, kwargs, modes, order, where)
        finally:
            check.seconds = time.perf_counter() - start
        return check

    def _run(self, check, fun, argnum, args, kwargs, modes, order, where):
        try:
            value = numeric.evaluate(fun, copy.deepcopy(args), kwargs)
        except (diffc.DiffcError, diffc.InternalError) as error:     # a grad(...) inside fun
            verdict, check.cause, check.location = classify(error, (self.test_dir, self.port_dir.path))
            check.verdict = check.first_order = verdict
            check.stage, check.detail = "evaluating the function", _error_text(error)
            return
        except Exception as error:
            return _not_applicable(check, "the function fails under plain NumPy/SciPy", error)
        wrt = argnum if isinstance(argnum, int) else tuple(argnum)
        indices = (wrt,) if isinstance(wrt, int) else wrt
        problem = _not_numeric(value, [args[i] for i in indices])
        if problem:
            return _not_applicable(check, problem)
        port = ports.Port(self.port_dir, fun, len(args), kwargs, value, where, self.test_dir)
        case = Case(fun, port, wrt, indices, args, kwargs, value, self.rng)
        plan = [(f"{m} order 1", getattr(case, f"{m}1")) for m in modes]
        if order >= 2:
            plan += [(f"{m} order 2", getattr(case, f"{m}2")) for m in modes]
        for name, stage in plan:
            verdict = self._stage(check, name, stage)
            if verdict != "right":
                if name.endswith("order 1"):
                    check.first_order = verdict
                check.verdict, check.stage = verdict, name
                return
            check.stages.append(name)

    def _stage(self, check, name, stage):
        try:
            stage()
            return "right"
        except numeric.Mismatch as error:
            check.cause, check.detail = str(error).splitlines()[0], str(error)
            return "wrong"
        except Exception as error:
            verdict, check.cause, check.location = classify(error, (self.test_dir, self.port_dir.path))
            check.detail = _error_text(error)
            return verdict

    def where(self):
        """``file.py:line`` of the innermost frame in the test directory."""
        frame = sys._getframe(1)
        while frame is not None:
            path = os.path.realpath(frame.f_code.co_filename)
            if path.startswith(self.test_dir + os.sep):
                return f"{os.path.basename(path)}:{frame.f_lineno}"
            frame = frame.f_back
        return "?"


class CheckedGradient:
    """``autograd.grad(fun, argnum)``: ``diffc.grad(fun, argnum)``, whose every call is
    also checked against central differences (a test asserting on the result still does)."""

    def __init__(self, checker, fun, argnum):
        self.checker, self.fun, self.argnum = checker, fun, argnum

    def __call__(self, *args, **kwargs):
        checker = self.checker
        wrt = self.argnum if isinstance(self.argnum, int) else tuple(self.argnum)
        if numeric.NESTED[0]:
            return diffc.grad(self.fun, wrt)(*args, **kwargs)
        check = Check(checker.where(), describe(self.fun, args, kwargs) + " via grad")
        checker.records.append(check)
        try:
            value = numeric.evaluate(self.fun, copy.deepcopy(args), kwargs)
        except Exception as error:
            _not_applicable(check, "the function fails under plain NumPy/SciPy", error)
            raise RecordedError(check.cause) from error
        result = []

        def first():
            result.append(diffc.grad(self.fun, wrt)(*args, **kwargs))
            grads = (result[0],) if isinstance(wrt, int) else tuple(result[0])
            indices = (wrt,) if isinstance(wrt, int) else wrt
            numeric.compare_gradient(self.fun, indices, args, kwargs, value, 1.0, grads, checker.rng)
        verdict = checker._stage(check, "grad", first)
        check.verdict = check.first_order = verdict
        if verdict == "right":
            check.stages.append("grad")
        else:
            check.stage = "grad"
        if not result:
            raise RecordedError(check.cause)
        return result[0]


class Case:
    """The stages of one check: a function, where it is differentiated, at what point."""

    def __init__(self, fun, port, wrt, indices, args, kwargs, value, rng):
        self.fun, self.port, self.wrt, self.indices = fun, port, wrt, indices
        self.args, self.kwargs, self.value = args, kwargs, value
        self.u = trees.random_like(value, rng)
        self.v = tuple(trees.random_like(args[i], rng) for i in indices)
        self.rng = rng
        self._G = None

    def _tangents(self):
        return self.v[0] if isinstance(self.wrt, int) else self.v

    def _as_tuple(self, grads):
        return (grads,) if isinstance(self.wrt, int) else tuple(grads)

    def _pull(self, fn, point, cotangent):
        """``(value, uᵀJ)`` of ``fn`` at ``point`` by ``diffc.vjp``, a tuple (one per wrt).
        For complex values the cotangent is conjugated going in and the result coming
        out (autograd's and JAX's convention: the pullback of ``c`` is ``c f'(z)``)."""
        value, pullback = diffc.vjp(fn, self.wrt)(*point, **self.kwargs)
        return value, self._as_tuple(numeric.conj(pullback(numeric.conj(cotangent))))

    def rev1(self):
        value, grads = self._pull(self.port.target, self.args, self.u)
        numeric.same_value(self.value, value)
        numeric.compare_gradient(self.fun, self.indices, self.args, self.kwargs, self.value, self.u,
                          grads, None, self.v)

    def fwd1(self):
        value, tangent = diffc.jvp(self.port.target, self.wrt)(
            *self.args, tangents=self._tangents(), **self.kwargs)
        numeric.same_value(self.value, value)
        numeric.compare_tangent(self.fun, self.indices, self.args, self.kwargs, self.value, self.v, tangent)

    def G(self):
        """The gradient of the projection, by diffc, checked like a first derivative."""
        if self._G is None:
            grad = diffc.grad(self.port.projection, self.wrt)
            grads = self._as_tuple(grad(*self.args, self.u, **self.kwargs))
            numeric.compare_gradient(self.fun, self.indices, self.args, self.kwargs, self.value, self.u,
                              grads, None, self.v)
            self._G = grad
        return self._G

    def _G_args(self):
        return self.args + (self.u,)

    def rev2(self):
        G = self.G()
        point = self._G_args()
        value = numeric.evaluate(G, point, self.kwargs)
        w = trees.random_like(value, self.rng)
        if isinstance(self.wrt, int):
            grads = self._pull(G, point, w)[1]
        else:
            # diffc.vjp takes a function of one output, and G returns one gradient per wrt:
            # the pullback of G is the sum of the pullbacks of its parts
            parts = [self._pull(diffc.grad(self.port.projection, i), point, w[k])[1]
                     for k, i in enumerate(self.indices)]
            grads = tuple(trees.add(*column) for column in zip(*parts))
        numeric.compare_gradient(G, self.indices, point, self.kwargs, value, w, grads, None, self.v)

    def fwd2(self):
        G = self.G()
        point = self._G_args()
        value, tangent = diffc.jvp(G, self.wrt)(*point, tangents=self._tangents(), **self.kwargs)
        numeric.compare_tangent(G, self.indices, point, self.kwargs, value, self.v, tangent)


# -- verdicts --------------------------------------------------------------------------------
def classify(error, own_dirs):
    """``(verdict, one-line cause, location)`` of an exception raised by a diffc call."""
    if isinstance(error, diffc.InternalError):
        inner = error.__cause__
        what = f"{type(inner).__name__}: {_first_line(inner)}" if inner else _first_line(error)
        return "crash", f"InternalError ({what})", ""
    if isinstance(error, diffc.DiffcError):
        loc = error.loc
        if loc is not None and _under(loc.file, own_dirs):
            return "refused", error.message, f"{loc}"
        where = f" (located in {loc.file})" if loc is not None else " (no location)"
        return "unlocated", error.message + where, f"{loc}" if loc is not None else ""
    frames = traceback.extract_tb(error.__traceback__)
    last = frames[-1].filename if frames else ""
    api = os.path.join(os.path.dirname(os.path.realpath(diffc.__file__)), "api")
    if isinstance(error, (TypeError, ValueError)) and os.path.realpath(last).startswith(api + os.sep):
        return "unlocated", f"{type(error).__name__} from diffc's API: {_first_line(error)}", ""
    own = _last_diffc_frame(frames)
    at = f" in {own}" if own else ""
    if from_user_code(error):
        return "crash", (f"{type(error).__name__}{at}, reported as raised by the function "
                         f"(which runs under plain NumPy): {_first_line(error)}"), ""
    return "crash", f"{type(error).__name__}{at}: {_first_line(error)}", ""


def _last_diffc_frame(frames):
    """``templates/special.py:57``: the innermost frame in diffc's package or rules."""
    dirs = [os.path.dirname(os.path.realpath(m.__file__)) for m in (diffc, diffc.templates)]
    for frame in reversed(frames):
        path = os.path.realpath(frame.filename)
        for d in dirs:
            if path.startswith(d + os.sep):
                return f"{os.path.basename(d)}/{os.path.relpath(path, d)}:{frame.lineno}"
    return ""


def _under(path, dirs):
    path = os.path.realpath(path)
    return any(path.startswith(os.path.realpath(d) + os.sep) for d in dirs)


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _error_text(error):
    if isinstance(error, diffc.DiffcError):
        return str(error)
    return "".join(traceback.format_exception(error)[-12:])


def _not_applicable(check, why, error=None):
    check.verdict = check.first_order = "n/a"
    check.cause = why + (f": {type(error).__name__}: {_first_line(error)}" if error else "")
    return check


def _not_numeric(value, wrt_args):
    """Why the check cannot be made by differences (a value or argument that is not made of
    numbers), or None."""
    for what, tree in [("the value", value)] + [("an argument differentiated", a) for a in wrt_args]:
        for leaf in trees.leaves(tree):
            kind = np.asarray(leaf).dtype.kind
            if kind not in "fciu":
                return f"{what} holds {type(leaf).__name__}, not numbers"
    if not trees.leaves(value):
        return "the function returns no value"
    return None


def describe(fun, args, kwargs):
    name = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or repr(fun)
    owner = getattr(fun, "__self__", None)
    if owner is not None and hasattr(owner, "name") and isinstance(getattr(owner, "name"), str):
        name = f"{owner.name}.{getattr(fun, '__name__', name)}"
    parts = [_arg_text(a) for a in args] + [f"{k}={_arg_text(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _arg_text(a):
    if isinstance(a, np.ndarray):
        return f"{a.dtype}{list(a.shape)}"
    if isinstance(a, (list, tuple)):
        inner = ", ".join(_arg_text(x) for x in a)
        return f"[{inner}]" if isinstance(a, list) else f"({inner})"
    if callable(a):
        return getattr(a, "__name__", "function")
    text = repr(a)
    return text if len(text) <= 20 else text[:17] + "..."
