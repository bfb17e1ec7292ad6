"""The reference for the corpus: central differences on the user's own function, and the
comparison of diffc's results with it. Independent of diffc (NumPy only).

Every float array among the differentiated values is perturbed *in place*, element by
element, so every alias of it (a layer object holding the same weight array as the network's
dict) sees the perturbation, as in Python; a Python float is replaced in its container
(dicts and lists keep their identity, tuples are rebuilt).
"""
from __future__ import annotations

import contextlib
import io
import inspect

import numpy as np

STEP = 1e-6          # relative step of the central differences
RTOL = 1e-5
ATOL = 1e-6          # scaled by the largest reference magnitude (at least 1)


class ProgramBug(Exception):
    """The corpus program itself is broken (its reference cannot be computed)."""


# ---------------------------------------------------------------------------------------
# Values: float leaves of nested dicts, lists and tuples


def _is_float_array(v):
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _is_float_scalar(v):
    return isinstance(v, (float, np.floating)) and not isinstance(v, bool)


def leaf_paths(value, path=()):
    """Paths (tuples of keys) to the float leaves of ``value``, in a fixed order."""
    if _is_float_array(value) or _is_float_scalar(value):
        return [path]
    if isinstance(value, dict):
        return [p for k in value for p in leaf_paths(value[k], path + (k,))]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in leaf_paths(v, path + (i,))]
    return []


def get_path(value, path):
    for key in path:
        value = value[key]
    return value


def set_path(root, path, new):
    """``root`` with the leaf at ``path`` replaced: dicts and lists are changed in place
    (their identity, and so any alias of them, is kept), tuples rebuilt. Returns the root."""
    if not path:
        return new
    parent = root if len(path) == 1 else get_path(root, path[:-1])
    key = path[-1]
    if isinstance(parent, tuple):
        rebuilt = parent[:key] + (new,) + parent[key + 1:]
        return set_path(root, path[:-1], rebuilt)
    parent[key] = new
    return root


def snapshot(value):
    """A copy of the arrays in ``value``'s dicts, lists and tuples (for "did the call change it")."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snapshot(v) for v in value]
    if isinstance(value, tuple):
        return tuple(snapshot(v) for v in value)
    return value


def same_values(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return (isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(same_values(x, y) for x, y in zip(a, b)))
    return True


# ---------------------------------------------------------------------------------------
# Where the differentiated values live: parameters of the call or attributes of the object


class Target:
    """One ``wrt`` entry of a case: a parameter of ``fn`` or an attribute of a bound method's
    object; ``get`` reads it, ``set`` replaces it (for immutable leaves)."""

    def __init__(self, fn, bound, w):
        self.bound = bound
        params = list(bound.signature.parameters)
        if isinstance(w, int):
            self.kind, self.key = "param", params[w]
        elif isinstance(w, str) and w in params:
            self.kind, self.key = "param", w
        elif isinstance(w, str) and inspect.ismethod(fn):
            self.kind, self.key = "attr", w[len("self."):] if w.startswith("self.") else w
            self.obj = fn.__self__
        else:
            raise ProgramBug(f"wrt={w!r} names neither a parameter nor an attribute")

    def get(self):
        if self.kind == "param":
            return self.bound.arguments[self.key]
        return getattr(self.obj, self.key)

    def set(self, value):
        if self.kind == "param":
            self.bound.arguments[self.key] = value
        else:
            setattr(self.obj, self.key, value)


def bind_arguments(fn, args, kwargs):
    """``fn``'s signature bound to the case's arguments, defaults applied."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as e:
        raise ProgramBug(f"the case's arguments do not fit {fn!r}: {e}") from e
    bound.apply_defaults()
    return bound


def wrt_entries(case):
    """The case's ``wrt`` as a list, and whether it was a single entry (not a tuple)."""
    wrt = case.get("wrt", 0)
    return (list(wrt), False) if isinstance(wrt, (tuple, list)) else ([wrt], True)


# ---------------------------------------------------------------------------------------
# The reference: central differences on the user's function


def call_function(case, bound):
    """The user's function called on ``bound``, after the case's ``before`` hook, silently."""
    before = case.get("before")
    if before is not None:
        before()
    with contextlib.redirect_stdout(io.StringIO()):     # a loss that prints as it runs
        return case["fn"](*bound.args, **bound.kwargs)


def _scalar_of(case, out):
    if case.get("api", "grad") == "grad_aux":
        out = out[0]
    value = np.asarray(out, dtype=float)
    if value.shape != ():
        raise ProgramBug(f"the loss is not a scalar (shape {value.shape})")
    return float(value)


def numeric_grad(case, bound, target, project):
    """d project(fn(...)) / d target, in the target's structure, by central differences."""
    root = target.get()
    grads = {}
    for path in leaf_paths(root):
        leaf = get_path(target.get(), path)
        if _is_float_array(leaf):
            g = np.zeros(leaf.shape)
            for index in np.ndindex(leaf.shape):
                x = leaf[index]
                h = STEP * max(1.0, abs(x))
                leaf[index] = x + h
                hi = project(call_function(case, bound))
                leaf[index] = x - h
                lo = project(call_function(case, bound))
                leaf[index] = x
                g[index] = (hi - lo) / (2 * h)
        else:
            x = float(leaf)
            h = STEP * max(1.0, abs(x))
            target.set(set_path(target.get(), path, type(leaf)(x + h)))
            hi = project(call_function(case, bound))
            target.set(set_path(target.get(), path, type(leaf)(x - h)))
            lo = project(call_function(case, bound))
            target.set(set_path(target.get(), path, leaf))
            g = (hi - lo) / (2 * h)
        grads[path] = g
    return grads


def reference(case):
    """What the case's API must return, computed without diffc: a dict with "value", the
    output, and "grads" (one {path: gradient} per wrt entry), or for vjp/jvp their parts."""
    fn = case["fn"]
    bound = bind_arguments(fn, case["args"], case.get("kwargs", {}))
    api = case.get("api", "grad")
    wrts, _ = wrt_entries(case)
    targets = [Target(fn, bound, w) for w in wrts]
    out = call_function(case, bound)
    ref = {"value": snapshot(out)}
    if api in ("grad", "value_and_grad", "grad_aux"):
        ref["grads"] = [numeric_grad(case, bound, t, lambda o: _scalar_of(case, o)) for t in targets]
    elif api == "vjp":
        rng = np.random.default_rng(12345)
        u = rng.standard_normal(np.shape(out))
        ref["cotangent"] = u
        ref["grads"] = [numeric_grad(case, bound, t, lambda o: float(np.sum(np.asarray(o) * u)))
                        for t in targets]
    elif api == "jacobian":
        out_shape = np.shape(out)
        blocks = []
        for t in targets:
            per_out = {}
            for index in np.ndindex(out_shape):
                g = numeric_grad(case, bound, t, lambda o, i=index: float(np.asarray(o)[i]))
                for path, v in g.items():
                    per_out.setdefault(path, {})[index] = v
            jac = {}
            for path, entries in per_out.items():
                in_shape = np.shape(get_path(t.get(), path))
                j = np.zeros(out_shape + in_shape)
                for index, v in entries.items():
                    j[index] = v
                jac[path] = j
            blocks.append(jac)
        ref["grads"] = blocks
    elif api == "jvp":
        rng = np.random.default_rng(54321)
        tangents = [_random_like(t.get(), rng) for t in targets]
        ref["tangents"] = tangents
        ref["jvp"] = _numeric_jvp(case, bound, targets, tangents)
    else:
        raise ProgramBug(f"unknown api {api!r}")
    return ref


def _random_like(value, rng):
    if isinstance(value, dict):
        return {k: _random_like(v, rng) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_random_like(v, rng) for v in value)
    if _is_float_array(value):
        return rng.standard_normal(value.shape)
    if _is_float_scalar(value):
        return float(rng.standard_normal())
    return None


def _numeric_jvp(case, bound, targets, tangents):
    saved = [snapshot(t.get()) for t in targets]

    def shifted(sign):
        for t, base, tan in zip(targets, saved, tangents):
            for path in leaf_paths(base):
                b, d = get_path(base, path), get_path(tan, path)
                leaf = get_path(t.get(), path)
                if _is_float_array(leaf):
                    leaf[...] = b + sign * STEP * d
                else:
                    t.set(set_path(t.get(), path, type(b)(b + sign * STEP * d)))
        return np.asarray(call_function(case, bound), dtype=float)

    hi, lo = shifted(+1), shifted(-1)
    for t, base in zip(targets, saved):
        for path in leaf_paths(base):
            b = get_path(base, path)
            leaf = get_path(t.get(), path)
            if _is_float_array(leaf):
                leaf[...] = b
            else:
                t.set(set_path(t.get(), path, b))
    return (hi - lo) / (2 * STEP)


# ---------------------------------------------------------------------------------------
# Comparing


class Mismatch(Exception):
    pass


def _close(actual, expected, what, rtol):
    expected = np.asarray(expected, dtype=float)
    try:
        actual = np.asarray(actual, dtype=float)
    except (TypeError, ValueError) as e:
        raise Mismatch(f"{what}: diffc gave {type(actual).__name__}, not numbers ({e})") from None
    if actual.shape != expected.shape:
        raise Mismatch(f"{what}: diffc gave shape {actual.shape}, the reference {expected.shape}")
    finite = np.isfinite(expected)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0, where=finite)))
    err = np.abs(actual - expected)
    bad = ~(err <= rtol * np.abs(expected) + ATOL * scale)
    bad &= ~(np.isnan(actual) & np.isnan(expected))
    if bad.any():
        worst = np.unravel_index(np.argmax(np.where(bad, err, -1.0)), err.shape) if err.ndim else ()
        a, e = (actual[worst], expected[worst]) if err.ndim else (actual, expected)
        raise Mismatch(f"{what}: diffc {_fmt(a)} vs reference {_fmt(e)} at {tuple(int(i) for i in worst)} "
                       f"({int(bad.sum())} of {bad.size} entries differ; max |diffc - ref| "
                       f"{float(np.max(np.where(finite, err, 0.0))):.3g}, max |ref| {scale:.3g})")


def _fmt(x):
    return f"{float(x):.6g}"


def _path_text(path):
    return "".join(f"[{k!r}]" for k in path)


def compare_structure(actual, ref_grads, like, what, rtol):
    """``actual`` has ``like``'s structure; every float leaf matches ``ref_grads[path]``."""
    for path, expected in ref_grads.items():
        try:
            got = get_path(actual, path)
        except (KeyError, IndexError, TypeError):
            raise Mismatch(f"{what}{_path_text(path)}: missing from diffc's result "
                           f"(a {type(actual).__name__})") from None
        _close(got, expected, f"{what}{_path_text(path)}", rtol)
    if isinstance(like, dict) and isinstance(actual, dict) and set(actual) != set(like):
        raise Mismatch(f"{what}: keys {sorted(map(str, actual))}, expected {sorted(map(str, like))}")


def check_result(case, result, ref):
    api = case.get("api", "grad")
    rtol = case.get("rtol", RTOL)
    wrts, single = wrt_entries(case)
    like_bound = bind_arguments(case["fn"], case["args"], case.get("kwargs", {}))
    likes = [Target(case["fn"], like_bound, w).get() for w in wrts]
    if api == "value_and_grad":
        value, result = result
        _close(value, ref["value"], "value", rtol)
    elif api == "grad_aux":
        result, aux = result
        _check_aux(aux, ref["value"][1])
    elif api == "vjp":
        value, pullback = result
        _close(value, ref["value"], "value", rtol)
        result = pullback(ref["cotangent"])
    elif api == "jvp":
        value, tangent_out = result
        _close(value, ref["value"], "value", rtol)
        _close(tangent_out, ref["jvp"], "jvp", rtol)
        return
    grads = [result] if single else list(result)
    if len(grads) != len(wrts):
        raise Mismatch(f"diffc gave {len(grads)} gradients for {len(wrts)} wrt entries")
    for g, r, like, w in zip(grads, ref["grads"], likes, wrts):
        compare_structure(g, r, like, f"d/d{w}", rtol)


def _check_aux(aux, expected):
    if isinstance(expected, (np.ndarray, float, int, np.generic)):
        if not np.allclose(np.asarray(aux, dtype=float), np.asarray(expected, dtype=float), equal_nan=True):
            raise Mismatch("aux: differs from the function's own")
    elif isinstance(expected, (tuple, list)):
        if not isinstance(aux, (tuple, list)) or len(aux) != len(expected):
            raise Mismatch("aux: a different structure from the function's own")
        for a, e in zip(aux, expected):
            _check_aux(a, e)
    elif isinstance(expected, dict):
        if not isinstance(aux, dict) or set(aux) != set(expected):
            raise Mismatch("aux: different keys from the function's own")
        for k in expected:
            _check_aux(aux[k], expected[k])
