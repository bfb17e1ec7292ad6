"""The real-code corpus (``tests/corpus``) on other libraries' arrays: diffc's array-API
form against its NumPy form, which the corpus checks against central differences.

Every gradient case of a program that should differentiate is called again with its array
arguments (and the arrays its objects and closures hold) as float64 arrays of
array-api-strict (the standard and nothing more; installed with the tests), PyTorch (CPU
tensors) and JAX (eager: each operation compiled, about 90 s for the corpus), the last two
where installed. Each must agree
with the NumPy form to 1e-7, or be refused with a located error (``file:line:col``: some
NumPy functions have no counterpart in the namespace, some helpers are not emitted in this
form), or fail the way the user's own function fails on such arrays (a NumPy array it holds
in a global or an object meets one; on array-api-strict, an index naming fewer axes than
the array has, or ``len`` of an array, which the standard leaves out). Never a different gradient, never an
internal error.
"""
import contextlib
import functools
import io
import re

import numpy as np
import pytest

import diffc
from tests.corpus import harness

# the least number of cases that agree on each library (of 149, on 2026-12-07): fewer is a
# regression
AGREE_AT_LEAST = {"array_api_strict": 97, "torch": 133, "jax": 133}
# fail loudly, known (library, program, case): what the error says. GPT-2's ``wte[inputs]``
# indexes with a list of token ids, which JAX refuses in the user's own code as well
LOUD = {("jax", "gpt2_numpy", 0): "non-tuple sequence for multidimensional indexing"}
_LOCATED = re.compile(r"^\S+\.py:\d+:\d+: error: ")


def _library(name):
    pytest.importorskip("array_api_compat", reason="array-api-compat is not installed (pip install 'diffc[array-api]')")
    if name == "torch":
        torch = pytest.importorskip("torch", reason="torch is not installed (pip install 'diffc[torch]')")
        return torch.asarray, lambda a: a.detach().numpy() if isinstance(a, torch.Tensor) else None
    if name == "jax":
        jax = pytest.importorskip("jax", reason="jax is not installed (pip install 'diffc[jax]')")
        jax.config.update("jax_enable_x64", True)
        return jax.numpy.asarray, lambda a: np.asarray(a) if isinstance(a, jax.Array) else None
    strict = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed (pip install 'diffc[array-api]')")
    return strict.asarray, lambda a: np.from_dlpack(a) if isinstance(a, strict._array_object.Array) else None


def _converted(value, asarray, memo=None):
    """``value`` with its NumPy arrays made the library's; one array met twice (a weight in
    the network's dict and in its layer) is one array there too."""
    memo = {} if memo is None else memo
    if id(value) in memo:
        return memo[id(value)][1]
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        out = asarray(value.copy())
    elif type(value) is dict:
        out = {k: _converted(v, asarray, memo) for k, v in value.items()}
    elif isinstance(value, tuple) and hasattr(value, "_fields"):
        out = type(value)(*(_converted(v, asarray, memo) for v in value))
    elif type(value) in (list, tuple):
        out = type(value)(_converted(v, asarray, memo) for v in value)
    else:
        return value
    memo[id(value)] = (value, out)
    return out


def _convert_held(obj, asarray, memo, seen=None):
    """The arrays a user's object holds (a network's weights, its layers' in a list), made
    the library's in place: a user running a model on tensors holds tensors."""
    seen = set() if seen is None else seen
    if id(obj) in seen or not isinstance(getattr(obj, "__dict__", None), dict) or isinstance(obj, type) \
            or type(obj).__module__ in ("builtins", "functools") or type(obj).__module__.startswith("numpy"):
        return
    seen.add(id(obj))
    for name, value in list(vars(obj).items()):
        vars(obj)[name] = _converted(value, asarray, memo)
        for item in _flat(value, lambda a: None):
            _convert_held(item, asarray, memo, seen)


def _with_converted_closure(fn, asarray, memo):
    """``fn`` with the arrays its closure cells hold (a loss made by a factory) or a partial
    binds made the library's (the module's globals stay NumPy's: other cases share them)."""
    if isinstance(fn, functools.partial):
        return functools.partial(fn.func, *_converted(fn.args, asarray, memo),
                                 **_converted(fn.keywords, asarray, memo))
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            cell.cell_contents = _converted(cell.cell_contents, asarray, memo)
        except ValueError:                  # an empty cell (a name not yet bound)
            pass
    return fn


def _flat(value, host):
    if isinstance(value, dict):
        return [x for k in sorted(value) for x in _flat(value[k], host)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flat(v, host)]
    on_host = host(value)
    return [value if on_host is None else on_host]


def _cases():
    for name in harness.program_names():
        module = harness.load_program(name)
        if getattr(module, "EXPECT", "right") != "right" or name.startswith("notebook"):
            continue            # (a notebook's functions live in files its kernel has removed)
        for index, case in enumerate(module.make()):
            if case.get("api", "grad") == "grad" and not (case.get("kwargs") or case.get("variants")
                                                          or case.get("before")):
                if any(isinstance(a, np.ndarray) for a in _flat(case["args"], lambda a: None)):
                    yield name, index


def _outcome(name, index, asarray, host):
    module = harness.load_program(name)
    case = module.make()[index]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            want = diffc.grad(case["fn"], wrt=case.get("wrt", 0))(*case["args"])
    except diffc.DiffcError:
        return "refused on NumPy arrays", ""        # (the corpus's own table counts it)
    case = module.make()[index]                    # fresh objects: nothing shared with the first
    memo = {}
    fn = _with_converted_closure(case["fn"], asarray, memo)
    for held in [getattr(fn, "__self__", None), *_flat(case["args"], lambda a: None)]:
        _convert_held(held, asarray, memo)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            got = diffc.grad(fn, wrt=case.get("wrt", 0))(*_converted(case["args"], asarray, memo))
    except diffc.InternalError as e:
        return "internal error", str(e).splitlines()[0]
    except diffc.DiffcError as e:
        first = str(e).splitlines()[0]
        return ("refused" if _LOCATED.match(first) else "unlocated"), first
    except IndexError as e:
        if "multi-axes index only specifies" in str(e):
            return "outside the standard", str(e).splitlines()[0]   # ``h[t]`` of a 3-D h
        return "error", f"IndexError: {str(e).splitlines()[0]}"
    except (TypeError, RuntimeError, ValueError) as e:
        text = str(e)
        if "object of type 'Array' has no len()" in text:        # ``len(y)``: the standard has none
            return "outside the standard", text.splitlines()[0]
        mixed = "numpy.ndarray" in text and ("Tensor" in text or "Array" in text) \
            or "Multiple namespaces" in text or "must be Tensor, not numpy.ndarray" in text \
            or "expected Tensor as element" in text and "got numpy.ndarray" in text or "Expected Array or Python scalar" in text \
            or "neither an Array nor a Python scalar" in text or "Only Array objects are allowed" in text \
            or "numeric dtypes are allowed" in text      # (NumPy's X @ w made an object array)
        return ("mixed" if mixed else "error"), f"{type(e).__name__}: {text.splitlines()[0]}"
    got, want = _flat(got, host), _flat(want, host)
    same = len(got) == len(want) and all(
        np.allclose(np.asarray(g, dtype=float), np.asarray(w, dtype=float), rtol=1e-7, atol=1e-10)
        for g, w in zip(got, want))
    return ("agree" if same else "different gradient"), ""


@pytest.mark.parametrize("library", sorted(AGREE_AT_LEAST))
def test_the_corpus_agrees_or_is_refused_at_a_line(library):
    asarray, host = _library(library)
    outcomes = {}
    for name, index in _cases():
        kind, detail = _outcome(name, index, asarray, host)
        if kind == "error" and LOUD.get((library, name, index), "?") in detail:
            kind = "known loud failure"
        outcomes.setdefault(kind, []).append(f"{name}[{index}]: {detail}")
    bad = {k: v for k, v in outcomes.items() if k in ("different gradient", "internal error", "unlocated", "error")}
    assert not bad, bad
    assert len(outcomes.get("agree", [])) >= AGREE_AT_LEAST[library], {k: len(v) for k, v in outcomes.items()}
