"""The real-code corpus (``tests/corpus``) on PyTorch tensors: diffc's torch form against its
NumPy form, which the corpus checks against central differences.

Every gradient case of a program that should differentiate is called again with its array
arguments as float64 CPU tensors. Each must agree with the NumPy form to 1e-7, or be refused
with a located error (``file:line:col``: the array-API form does not emit helpers yet, some
NumPy functions have no counterpart), or fail the way the user's own function fails on
tensors (a NumPy array it holds in a global or an object meets a tensor). Never a different
gradient, never an internal error. Skipped without torch (``pip install 'diffc[torch]'``).
"""
import contextlib
import io
import re

import numpy as np
import pytest

import diffc
from tests.corpus import harness

torch = pytest.importorskip("torch", reason="torch is not installed (pip install 'diffc[torch]')")
pytest.importorskip("array_api_compat", reason="array-api-compat is not installed (pip install 'diffc[torch]')")

# the least number of cases that agree today (42 of 150 on 2026-12-06): fewer is a regression
AGREE_AT_LEAST = 42
_LOCATED = re.compile(r"^\S+\.py:\d+:\d+: error: ")


def _tensors(value):
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        return torch.asarray(value.copy())
    if type(value) is dict:
        return {k: _tensors(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_tensors(v) for v in value))
    if type(value) in (list, tuple):
        return type(value)(_tensors(v) for v in value)
    return value


def _flat(value):
    if isinstance(value, dict):
        return [x for k in sorted(value) for x in _flat(value[k])]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flat(v)]
    if isinstance(value, torch.Tensor):
        return [value.detach().numpy()]
    return [value]


def _cases():
    for name in harness.program_names():
        module = harness.load_program(name)
        if getattr(module, "EXPECT", "right") != "right" or name.startswith("notebook"):
            continue            # (a notebook's functions live in files its kernel has removed)
        for index, case in enumerate(module.make()):
            if case.get("api", "grad") == "grad" and not (case.get("kwargs") or case.get("variants")
                                                          or case.get("before")):
                if any(isinstance(a, np.ndarray) for a in _flat(case["args"])):
                    yield name, index


def _outcome(name, index):
    module = harness.load_program(name)
    case = module.make()[index]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            want = diffc.grad(case["fn"], wrt=case.get("wrt", 0))(*case["args"])
    except diffc.DiffcError:
        return "refused on NumPy arrays", ""        # (the corpus's own table counts it)
    case = module.make()[index]                    # fresh objects: nothing shared with the first
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            got = diffc.grad(case["fn"], wrt=case.get("wrt", 0))(*_tensors(case["args"]))
    except diffc.InternalError as e:
        return "internal error", str(e).splitlines()[0]
    except diffc.DiffcError as e:
        first = str(e).splitlines()[0]
        return ("refused" if _LOCATED.match(first) else "unlocated"), first
    except (TypeError, RuntimeError) as e:
        text = str(e)
        mixed = "numpy.ndarray" in text and "Tensor" in text or "Multiple namespaces" in text \
            or "must be Tensor, not numpy.ndarray" in text or "expected Tensor as element" in text
        return ("mixed" if mixed else "error"), f"{type(e).__name__}: {text.splitlines()[0]}"
    got, want = _flat(got), _flat(want)
    same = len(got) == len(want) and all(
        np.allclose(np.asarray(g, dtype=float), np.asarray(w, dtype=float), rtol=1e-7, atol=1e-10)
        for g, w in zip(got, want))
    return ("agree" if same else "different gradient"), ""


def test_the_corpus_on_tensors_agrees_or_is_refused_at_a_line():
    outcomes = {}
    for name, index in _cases():
        kind, detail = _outcome(name, index)
        outcomes.setdefault(kind, []).append(f"{name}[{index}]: {detail}")
    bad = {k: v for k, v in outcomes.items() if k in ("different gradient", "internal error", "unlocated", "error")}
    assert not bad, bad
    assert len(outcomes.get("agree", [])) >= AGREE_AT_LEAST, {k: len(v) for k, v in outcomes.items()}
