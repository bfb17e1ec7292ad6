"""Gradient checking for users' models and for diffc's own tests.

``check_grads(f, args, wrt)`` compares diffc's gradient with central differences in
float64 and reports, per argument, the worst absolute and relative error; it raises
``AssertionError`` (with the report) when they disagree beyond tolerance.
``modes=("reverse", "forward", "numeric", "symbolic")`` checks reverse mode, forward
mode, central differences and sympy (for scalar straight-line code) against each other.
"""
from __future__ import annotations

import copy

import inspect
from dataclasses import dataclass

import numpy as np

from diffc.api.gradients import GradientFunction, resolve_wrt
from diffc.api.transforms import JacobianFunction
from diffc.core import trees
from diffc.tools.symbolic import applies, symbolic

@dataclass
class ArgReport:
    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    ok: bool
    mode: str = "reverse"         # the mode checked
    against: str = "numeric"      # the reference it was compared with

    def __str__(self):
        mark = "ok" if self.ok else "MISMATCH"
        return (f"{self.name:>12} {str(self.shape):>12}  {self.mode:>8} vs {self.against:<8}  "
                f"abs {self.max_abs_error:9.2e}  rel {self.max_rel_error:9.2e}  {mark}")


def numerical_grad(f, args, index, eps=1e-6):
    """Central differences of scalar ``f(*args)`` with respect to ``args[index]`` (float64).

    For a dict, list or tuple argument (nested too), a gradient of the same structure:
    each entry is perturbed on its own."""
    arg = args[index]
    return trees.rebuild(arg, [_numerical_leaf(f, args, index, path, leaf, eps)
                               for path, leaf in trees.leaves(arg)])


def _numerical_leaf(f, args, index, path, leaf, eps):
    """Central differences with respect to the leaf at ``path`` of ``args[index]``."""
    x = np.array(leaf, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    scalar = np.ndim(leaf) == 0 and not isinstance(leaf, np.ndarray)

    def evaluate():
        # fresh copies every time: a function that writes into its arguments must not
        # change what the next evaluation sees
        call = [copy.deepcopy(a) for a in args]
        call[index] = trees.replace(call[index], path, float(x) if scalar else x.copy())
        return float(f(*call))

    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        plus = evaluate()
        flat[i] = orig - eps
        minus = evaluate()
        flat[i] = orig
        gflat[i] = (plus - minus) / (2 * eps)
    return float(grad) if scalar else grad


MODES = ("reverse", "forward", "numeric", "symbolic")


def check_grads(f, args, wrt=None, *, rtol=1e-5, atol=1e-6, eps=1e-6, quiet=True,
                modes=("reverse", "numeric")):
    """Compare diffc's gradient of scalar ``f`` at ``args`` computed in several ``modes``.

    ``modes``: any of ``"reverse"`` (``diffc.grad``), ``"forward"`` (one ``diffc.jvp``
    per element), ``"numeric"`` (central differences, float64) and ``"symbolic"``
    (sympy derivatives of the IR, ``diffc.symbolic``; used only when ``f`` is scalar
    straight-line code on scalar arguments, silently left out otherwise). The first of
    numeric, symbolic, reverse present is the reference every other mode is compared
    with. ``wrt``: parameter index/name or tuple of them (default: every float argument).

    Returns a list of ``ArgReport`` (one per argument and compared mode); raises
    ``AssertionError`` with the table on any disagreement beyond ``atol + rtol * |want|``.
    A dict, list or tuple argument (nested too) is compared entry by entry: its reports
    are named like ``params['W1']``.
    """
    unknown = [m for m in modes if m not in MODES]
    if unknown or len(modes) < 2:
        raise ValueError(f"modes must name at least two of {MODES}, got {modes!r}")
    args = tuple(args)
    params = list(inspect.signature(f).parameters)
    wrt = _wrt_indices(f, args, params, wrt)
    results = {m: _gradients(m, f, args, wrt, eps) for m in modes}
    results = {m: g for m, g in results.items() if g is not None}
    reference = next(m for m in ("numeric", "symbolic", "reverse", "forward") if m in results)
    reports = [report for mode, got in results.items() if mode != reference
               for k, i in enumerate(wrt)
               for report in _compare_tree(params[i], args[i], got[k], results[reference][k],
                                           rtol, atol, mode, reference)]
    if not all(r.ok for r in reports):
        table = "\n".join(map(str, reports))
        what = "central differences" if reference == "numeric" else reference + " mode"
        raise AssertionError(f"diffc's gradient of {f.__name__} disagrees with {what}:\n{table}")
    if not quiet:
        print("\n".join(map(str, reports)))
    return reports


def _wrt_indices(f, args, params, wrt):
    """``wrt`` as parameter indices; None: every float argument."""
    if wrt is None:
        wrt = tuple(i for i, a in enumerate(args) if is_float(a))
        if not wrt:
            raise ValueError(f"{f.__name__} has no float argument to check (arrays, numbers, "
                             f"or dicts, lists and tuples of them); pass wrt=")
    wrt, _ = resolve_wrt(f, params, wrt if isinstance(wrt, (tuple, list)) else (wrt,))
    return wrt


def _gradients(mode, f, args, wrt, eps):
    """The gradient of ``f`` with respect to each of ``wrt`` computed by ``mode`` (a list),
    or None when the mode does not apply (symbolic on array code)."""
    if mode == "numeric":
        return [numerical_grad(f, args, i, eps) for i in wrt]
    if mode == "reverse":
        return list(GradientFunction(f, wrt)(*args))
    if mode == "forward":
        return list(JacobianFunction(f, wrt, mode="forward")(*args))
    if not applies(f, args):
        return None
    return list(symbolic(f, wrt).gradient(*args))


def _compare_tree(name, arg, got, want, rtol, atol, mode, against):
    """One report per leaf of argument ``arg`` (named ``params['W1']`` in a container)."""
    if trees.same_structure(arg, got) is not None:
        return [ArgReport(name, np.shape(arg) if not trees.is_container(arg) else (),
                          np.inf, np.inf, False, mode, against)]
    return [_compare(trees.path_text(name, path), trees.get(got, path), trees.get(want, path),
                     rtol, atol, mode, against)
            for path, _ in trees.leaves(arg)]


def _compare(name, got, want, rtol, atol, mode, against):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return ArgReport(name, want.shape, np.inf, np.inf, False, mode, against)
    err = np.abs(got - want)
    abs_err = float(err.max()) if err.size else 0.0
    rel = err / np.maximum(np.abs(want), atol / rtol)
    rel_err = float(rel.max()) if rel.size else 0.0
    ok = bool(np.all(err <= atol + rtol * np.abs(want)))
    return ArgReport(name, want.shape, abs_err, rel_err, ok, mode, against)


def is_float(a):
    """An array or number of floats, or a non-empty container of only such values."""
    if trees.is_container(a):
        leaves = trees.leaves(a)
        return bool(leaves) and all(is_float(leaf) for _, leaf in leaves)
    dtype = getattr(a, "dtype", None)
    if dtype is not None:
        return dtype.kind in "fc"
    return isinstance(a, (float, complex))
