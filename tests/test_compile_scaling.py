"""The compile-time scaling study's synthetic models (benchmarks/compile_scaling.py) are
real programs: they have the size asked for, use every kind of statement the generator
writes, compile, and their gradient matches central differences. Nothing here is timed.
"""
import numpy as np
import pytest

import diffc
from benchmarks import compile_scaling as cs
from tests.gradcheck import assert_close, numeric_vjp


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("lines, seed", [(100, 0), (100, 1), (300, 2)])
def test_synthetic_model_gradient_matches_central_differences(tmp_path, lines, seed):
    module, _, count = cs.write_model(str(tmp_path), lines, seed)
    assert abs(count - lines) <= 5
    args = cs.model_args(seed)
    grads = diffc.api.gradients.GradientFunction(module.loss, cs.WRT)(*args)
    assert len(grads) == len(cs.WRT)
    for i, g in zip(cs.WRT, grads):
        assert_close(g, numeric_vjp(module.loss, args, i, 1.0), f"{lines} lines, seed {seed}: d{i}")


def test_generator_writes_every_kind_of_statement():
    text = cs.generate_model(1000)
    assert text == cs.generate_model(1000)              # deterministic
    for piece in ("@ W", "np.tanh(", "np.exp(", "np.log(", "np.sin(", "np.sqrt(", "np.maximum(",
                  "np.mean(", "np.max(", "np.sum(", ".T @", "for i in range(2):", "if training:",
                  "else:", "total = total +"):
        assert piece in text, piece
    assert 995 <= text.count("\n") <= 1005


def test_stage_timer_restores_what_it_wraps(tmp_path):
    from diffc.backend import load
    from diffc.compiler import pipeline
    from diffc.frontend import source
    before = (source.from_function, pipeline.lower, pipeline.reverse, pipeline.passes.optimize,
              pipeline.functions.emit_function, pipeline.module_text, load.load_source,
              pipeline.compile_gradient, pipeline.passes.PASSES, pipeline.passes.EMIT_PASSES)
    module, _, _ = cs.write_model(str(tmp_path), 60, 3)
    times, grads = cs.time_compile(module.loss, cs.model_args(3), cs.WRT, repeat=1)
    assert set(cs.STAGES) <= set(times) and all(t >= 0 for t in times.values())
    assert len(grads) == len(cs.WRT) and all(np.all(np.isfinite(g)) for g in grads)
    after = (source.from_function, pipeline.lower, pipeline.reverse, pipeline.passes.optimize,
             pipeline.functions.emit_function, pipeline.module_text, load.load_source,
             pipeline.compile_gradient, pipeline.passes.PASSES, pipeline.passes.EMIT_PASSES)
    assert before == after
