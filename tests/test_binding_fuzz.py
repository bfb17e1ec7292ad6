"""Binding fuzz: random programs that read module globals, closure variables and defaults
(numbers, integers and arrays), whose values change between calls, in type and shape too.
After every change the gradient must be the central-difference gradient of the function
as Python runs it then."""
import importlib
import os
import sys

import numpy as np
import pytest

import diffc
from tests.gradcheck import assert_close, numeric_vjp

PROGRAMS = int(os.environ.get("DIFFC_BINDING_FUZZ", "30"))   # more: DIFFC_BINDING_FUZZ=300
STEPS = 5

UNARY = ["np.tanh({})", "np.sin({})", "({}) ** 2", "np.exp(-({}) ** 2)", "-({})"]
BINARY = ["({}) + ({})", "({}) - ({})", "({}) * ({})"]


def _expression(rng, leaves, depth):
    if depth == 0 or rng.random() < 0.25:
        return leaves[rng.integers(len(leaves))]
    if rng.random() < 0.4:
        return UNARY[rng.integers(len(UNARY))].format(_expression(rng, leaves, depth - 1))
    op = BINARY[rng.integers(len(BINARY))]
    return op.format(_expression(rng, leaves, depth - 1), _expression(rng, leaves, depth - 1))


def _program(rng, k):
    """A module with globals G0..G2, a factory whose closure holds c (and a setter), and
    a function reading all of them and a default d."""
    leaves = ["x", "x", "G0", "G1", "G2", "c", "d", "helper(x)"]
    body = _expression(rng, leaves, 4)
    # every name is read at least once, so every change matters
    body = f"({body}) + G0 * x + G1 * x + G2 * x + c * x + d * x + helper(x)"
    return f'''import numpy as np

G0 = 1.0
G1 = 2
G2 = np.full(3, 0.5)


def helper(x):
    return G0 * np.cos(x)


def other_helper(x):
    return x ** 3


def make(c):
    def f(x, d=0.25):
        return np.sum({body})

    def set_c(value):
        nonlocal c
        c = value

    return f, set_c
'''


def _change(rng, module, f, set_c):
    """Change one free value, as a running program might; returns a description."""
    which = rng.integers(6)
    if which == 0:
        module.G0 = float(rng.normal())
        return f"G0 = {module.G0}"
    if which == 1:
        module.G1 = int(rng.integers(-3, 4)) if rng.random() < 0.5 else float(rng.normal())
        return f"G1 = {module.G1!r}"
    if which == 2:
        shape = [(3,), (), (1,)][rng.integers(3)]
        module.G2 = rng.normal(size=shape) if shape else float(rng.normal())
        return f"G2 of shape {np.shape(module.G2)}"
    if which == 3:
        value = float(rng.normal()) if rng.random() < 0.6 else rng.normal(size=3)
        set_c(value)
        return f"c of shape {np.shape(value)}"
    if which == 4:
        f.__defaults__ = (float(rng.normal()),)
        return f"d = {f.__defaults__[0]}"
    module.helper = module.other_helper if module.helper is not module.other_helper else \
        module.__dict__["_first_helper"]
    return f"helper = {module.helper.__name__}"


@pytest.mark.parametrize("k", range(PROGRAMS))
def test_gradients_follow_changed_bindings(tmp_path, k):
    rng = np.random.default_rng(1000 + k)
    name = f"binding_fuzz_{k}"
    (tmp_path / f"{name}.py").write_text(_program(rng, k))
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))
    module._first_helper = module.helper
    f, set_c = module.make(float(rng.normal()))
    g = diffc.grad(f)
    x = rng.normal(size=3)
    history = ["initial"]
    for step in range(STEPS):
        got = g(x)
        want = numeric_vjp(f, (x,), 0, 1.0)
        assert_close(got, want, f"program {k} after: {'; '.join(history)}\n{_program(np.random.default_rng(1000 + k), k)}")
        history.append(_change(rng, module, f, set_c))
    sys.modules.pop(name, None)
