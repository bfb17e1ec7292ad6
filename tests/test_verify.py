"""The IR verifier (``diffc/core/verify.py``): it accepts what the compiler makes and
rejects each kind of broken graph, naming what is wrong.

The suite runs it after lowering, each transform and every pass (``DIFFC_VERIFY=1`` in
``conftest.py``), so every compiling test also checks that the IR stays well formed;
these tests show it would notice if it did not."""
import numpy as np
import pytest

import diffc
from diffc.compiler import pipeline
from diffc.core.facts import Facts
from diffc.core.ir import Block, Const, Eqn, Function, If, Loop, Role, Var, VarKind
from diffc.core.verify import verify
from diffc.errors import InternalError
from diffc.frontend import source
from diffc.optimize import passes


def v(name):
    return Var(name, name, VarKind.USER)


X, Y, Z, C, S = v("x"), v("y"), v("z"), v("c"), v("s")


def function(body, results, params=(X, Y)):
    return Function("f", tuple(params), list(body), tuple(results))


def rejected(func, match, facts=None):
    with pytest.raises(InternalError, match=match):
        verify(func, facts, after="a pass")


def model(x, y):
    if np.sum(x) > 0:
        z = x * y
    else:
        z = x + y * 2.0
    return np.sum(z * z)


def test_what_the_compiler_makes_is_well_formed():
    """The lowered function, its gradient and the optimized gradient, with their facts."""
    src = source.from_function(model)
    args = (np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0]))
    compiled = pipeline.compile_gradient(src, (0, 1), args)
    facts = Facts(True)
    facts.run_function(pipeline.lower(src), args)
    for stage in ("ir", "reverse", "optimized"):
        verify(compiled.stages[stage])
    verify(pipeline.lower(src), facts)


def test_a_value_read_before_it_is_defined():
    body = [Eqn((Z,), "multiply", (X, S)), Eqn((S,), "add", (X, Y))]
    rejected(function(body, (Z,)), r"after a pass: an operand s is read before it is defined")
    rejected(function([Eqn((Z,), "multiply", (X, Y))], (S,)), "the function's result s")


def test_a_value_made_in_a_branch_is_not_read_after_it():
    inner = v("inner")
    branch = If((Z,), C, Block((), [Eqn((inner,), "multiply", (X, Y))], (inner,)),
                Block((), [], (X,)))
    body = [Eqn((C,), "greater", (X, Const(0.0))), branch, Eqn((S,), "add", (inner, Z))]
    rejected(function(body, (S,)), "an operand inner is read before it is defined")


def test_a_later_branch_on_the_same_condition_reads_what_its_twin_made():
    """A backward branch reads what the forward branch on the same path made (both test
    ``c``); the other branch, or a branch on another condition, may not."""
    made, total, other = v("made"), v("total"), v("other")

    def program(reader_cond, branch_of_reader):
        reader = [Eqn((total,), "add", (made, Y))]
        blocks = [Block((), [], (Y,)), Block((), [], (Y,))]
        blocks[branch_of_reader] = Block((), reader, (total,))
        return function([
            Eqn((C,), "greater", (X, Const(0.0))),
            Eqn((other,), "greater", (Y, Const(0.0))),
            If((Z,), C, Block((), [Eqn((made,), "multiply", (X, Y))], (made,)), Block((), [], (X,))),
            If((S,), reader_cond, *blocks),
        ], (S,))

    verify(program(C, 0))
    rejected(program(C, 1), "made is read before it is defined")
    rejected(program(other, 0), "made is read before it is defined")


def test_a_value_defined_twice():
    body = [Eqn((Z,), "multiply", (X, Y)), Eqn((Z,), "add", (X, Y))]
    rejected(function(body, (Z,)), "z is defined twice")


def test_regions_that_do_not_match_their_statement():
    two_results = If((Z,), C, Block((), [], (X, Y)), Block((), [], (X,)))
    rejected(function([Eqn((C,), "greater", (X, Const(0.0))), two_results], (Z,)),
             "the then branch yields 2 values, not 1")
    item, h = v("item"), v("h")
    no_item = Loop((S,), X, (Y,), Block((h,), [], (h,)))       # a for loop's body takes (item, h)
    rejected(function([no_item], (S,)), "the loop body takes 1 parameters, not 2")
    fine = Loop((S,), X, (Y,), Block((item, h), [Eqn((Z,), "add", (item, h))], (Z,)))
    verify(function([fine], (S,)))


def test_unknown_roles_kinds_and_primitives():
    rejected(function([Eqn((Z,), "multiply", (X, Y), {}, None, "adjoint")], (Z,)),
             "role 'adjoint' is not a Role")
    rejected(function([Eqn((Var("z", "z", "temp"),), "multiply", (X, Y))], (Z,)),
             "kind 'temp', not a VarKind")
    rejected(function([Eqn((Z,), "no_such_primitive", (X, Y))], (Z,)),
             "primitive 'no_such_primitive' is not registered")


def test_a_shape_that_disagrees_with_the_facts():
    """``s = sum(x)`` is a number; facts recording a vector for it (a pass that rewrote
    the equation without its shape) are caught."""
    facts = Facts(True)
    facts.bind_param(X, np.ones((2, 3)))
    facts.bind_param(Y, np.ones(3))
    func = function([Eqn((S,), "sum", (X,)), Eqn((Z,), "multiply", (S, Y))], (Z,))
    facts.run_function(func, (np.ones((2, 3)), np.ones(3)))
    verify(func, facts)
    facts.values[S] = np.ones(3)
    rejected(func, r"the facts record shape \(3,\) for s, but the equation computes shape \(\)", facts)


def test_a_pass_that_breaks_the_ir_fails_where_it_runs(monkeypatch):
    """With ``DIFFC_VERIFY=1`` (the suite's setting) ``optimize`` checks after each pass:
    one that drops an equation something still reads is named."""
    def drops_the_first_equation(func, facts=None):
        return Function(func.name, func.params, func.body[1:], func.results, func.loc)

    monkeypatch.setenv("DIFFC_VERIFY", "1")
    monkeypatch.setattr(passes, "PASSES", passes.PASSES + (drops_the_first_equation,))
    with pytest.raises(InternalError, match="after drops_the_first_equation: .* is read before"):
        diffc.grad(model)(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
