"""The emitter: names, folding and liveness, on hand-built IR."""
import numpy as np

import diffc

from diffc.backend import load
from diffc.compiler import pipeline
from diffc.backend import printer
from diffc.backend.functions import emit_function
from diffc.core.ir import Const, Eqn, Function, Var, VarKind


def run(func, *args):
    fdef, helpers = emit_function(func, "f", "", lambda exprs: exprs[0])
    text = printer.print_module([], __import__("ast").parse("import numpy as np").body + [fdef])
    return load.load_source(text, "codegen_test").f(*args), text


def test_a_name_read_by_a_folded_temporary_is_not_reused_before_its_reader():
    a = Var("a", "a")
    b, t, b2, out = Var("b", "b"), Var("t", "exp", VarKind.TEMP), Var("b_2", "b"), Var("out", "out")
    body = [Eqn((b,), "cos", (a,)),
            Eqn((t,), "exp", (b,)),                # folded into `out`: reads b there
            Eqn((b2,), "multiply", (a, Const(3.0))),   # would like the name `b`
            Eqn((out,), "add", (t, b2))]
    value, text = run(Function("f", (a,), body, (out,)), 0.5)
    assert abs(value - (np.exp(np.cos(0.5)) + 1.5)) < 1e-12, text


def _rebound_iterables(source):
    """Names a for loop iterates over that its own body assigns again."""
    import ast
    found = []
    for loop in ast.walk(ast.parse(source)):
        if isinstance(loop, ast.For):
            read = {n.id for n in ast.walk(loop.iter) if isinstance(n, ast.Name)}
            for stmt in loop.body:
                for node in ast.walk(stmt):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in read:
                        found.append(node.id)
    return found


def test_a_loop_body_does_not_reuse_the_name_its_loop_iterates_over():
    """The backward loop of a nest pops the inner range inside ``for i in reversed(steps)``:
    it gets a name of its own, not ``steps`` again (legal Python, but it misreads)."""
    import diffc
    from tests import control_models as m
    rng = np.random.default_rng(0)
    cases = [(m.shrinking_chains, (rng.normal(size=(3, 3)), rng.normal(size=(4, 3))), (0, 1)),
             (m.pairwise_products, (rng.normal(size=4), 4), 0),
             (m.nested_loops, (rng.normal(size=(3, 2)), rng.normal(size=2)), (0, 1))]
    for f, args, wrt in cases:
        source = diffc.grad(f, wrt=wrt).source_for(*args)
        assert "reversed(" in source
        assert _rebound_iterables(source) == [], (f.__name__, source)


def _alternating_sum(x):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + (-1) ** i * x[i] ** 2
    return total


def test_a_negative_base_of_a_power_keeps_its_parentheses():
    """``(-1) ** i`` with the base folded to the constant -1: ``ast.unparse`` alone prints
    ``-1 ** i``, which is ``-(1 ** i)``."""
    from tests.gradcheck import assert_close, numeric_vjp
    x = np.array([0.5, -1.5, 2.0, 0.25])
    gradient = diffc.grad(_alternating_sum)
    assert_close(gradient(x), numeric_vjp(_alternating_sum, [x], 0, 1.0), "d alternating sum")
    source = gradient.source_for(x)
    assert "-1 **" not in source.replace("(-1) **", ""), source


def _sigmoid_of_negated(x):
    return 1.0 / (1.0 + np.exp(-x))


def _negated_twice(w, u):
    return np.sum(np.log(_sigmoid_of_negated(-(u @ w))))


def test_a_double_minus_is_printed_as_the_value_itself():
    g = diffc.grad(_negated_twice)
    w, u = np.array([0.3, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0]])
    got = g(w, u)
    assert "--" not in g.source.split('"""')[-1]
    eps = 1e-6
    expected = [(_negated_twice(w + eps * e, u) - _negated_twice(w - eps * e, u)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
