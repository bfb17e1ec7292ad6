"""The emitter: names, folding and liveness, on hand-built IR."""
import numpy as np

from diffc import load, pipeline, printer
from diffc.codegen import emit_function
from diffc.ir import Const, Eqn, Function, Var


def run(func, *args):
    fdef, helpers = emit_function(func, "f", "", lambda exprs: exprs[0])
    text = printer.print_module([], __import__("ast").parse("import numpy as np").body + [fdef])
    return load.load_source(text, "codegen_test").f(*args), text


def test_a_name_read_by_a_folded_temporary_is_not_reused_before_its_reader():
    a = Var("a", "a")
    b, t, b2, out = Var("b", "b"), Var("t", "exp", "temp"), Var("b_2", "b"), Var("out", "out")
    body = [Eqn((b,), "cos", (a,)),
            Eqn((t,), "exp", (b,)),                # folded into `out`: reads b there
            Eqn((b2,), "multiply", (a, Const(3.0))),   # would like the name `b`
            Eqn((out,), "add", (t, b2))]
    value, text = run(Function("f", (a,), body, (out,)), 0.5)
    assert abs(value - (np.exp(np.cos(0.5)) + 1.5)) < 1e-12, text
