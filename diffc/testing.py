"""Gradient checking for users' models and for diffc's own tests.

``check_grads(f, args, wrt)`` compares diffc's gradient with central differences in
float64 and reports, per argument, the worst absolute and relative error; it raises
``AssertionError`` (with the report) when they disagree beyond tolerance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ArgReport:
    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    ok: bool

    def __str__(self):
        mark = "ok" if self.ok else "MISMATCH"
        return (f"{self.name:>12} {str(self.shape):>12}  abs {self.max_abs_error:9.2e}  "
                f"rel {self.max_rel_error:9.2e}  {mark}")


def numerical_grad(f, args, index, eps=1e-6):
    """Central differences of scalar ``f(*args)`` with respect to ``args[index]`` (float64)."""
    args = list(args)
    x = np.array(args[index], dtype=np.float64)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    scalar = np.ndim(args[index]) == 0 and not isinstance(args[index], np.ndarray)
    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        args[index] = float(x) if scalar else x.copy()
        plus = float(f(*args))
        flat[i] = orig - eps
        args[index] = float(x) if scalar else x.copy()
        minus = float(f(*args))
        flat[i] = orig
        gflat[i] = (plus - minus) / (2 * eps)
    return float(grad) if scalar else grad


def check_grads(f, args, wrt=None, *, rtol=1e-5, atol=1e-6, eps=1e-6, quiet=True):
    """Compare ``diffc.grad(f, wrt)`` at ``args`` with central differences.

    ``wrt``: parameter index/name or tuple of them (default: every float argument).
    Returns a list of ``ArgReport``; raises ``AssertionError`` on any mismatch.
    """
    from diffc.api import GradientFunction

    args = tuple(args)
    params = list(__import__("inspect").signature(f).parameters)
    if wrt is None:
        wrt = tuple(i for i, a in enumerate(args) if _is_float(a))
    g = GradientFunction(f, wrt if isinstance(wrt, (tuple, list)) else (wrt,))
    grads = g(*args)
    reports = []
    for i, got in zip(g.wrt, grads):
        want = numerical_grad(f, args, i, eps)
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            reports.append(ArgReport(params[i], want.shape, np.inf, np.inf, False))
            continue
        err = np.abs(got - want)
        abs_err = float(err.max()) if err.size else 0.0
        rel = err / np.maximum(np.abs(want), atol / rtol)
        rel_err = float(rel.max()) if rel.size else 0.0
        ok = bool(np.all(err <= atol + rtol * np.abs(want)))
        reports.append(ArgReport(params[i], want.shape, abs_err, rel_err, ok))
    if not all(r.ok for r in reports):
        table = "\n".join(map(str, reports))
        raise AssertionError(f"diffc's gradient of {f.__name__} disagrees with central differences:\n{table}")
    if not quiet:
        print("\n".join(map(str, reports)))
    return reports


def _is_float(a):
    dtype = getattr(a, "dtype", None)
    if dtype is not None:
        return dtype.kind in "fc"
    return isinstance(a, (float, complex))
