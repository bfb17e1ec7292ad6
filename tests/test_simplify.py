"""The symbolic simplification pass (diffc/optimize/simplify.py): a chain of elementwise adjoint
equations is rewritten with sympy in terms of forward values, and the gradient stays
the same.

The rewritten equations are read from the pass's own output (recorded while a gradient
compiles), so the checks see the IR the pass made, whatever the later passes and the
emitter do with it.
"""
import copy

import numpy as np
import pytest

import diffc
from diffc.optimize import passes
from diffc.optimize import simplify
from diffc.core.ir import Eqn, Loop, Role, Var, walk
from diffc.testing import check_grads


# -- models ----------------------------------------------------------------------------------
def sigmoid_sum(z):
    s = 1 / (1 + np.exp(-z))
    return np.sum(s)


def sigmoid_scalar(z):
    return 1 / (1 + np.exp(-z))


def softplus_sum(x):
    return np.sum(np.log(1 + np.exp(x)))


def tanh_from_exps(x):
    e = np.exp(2 * x)
    t = (e - 1) / (e + 1)
    return np.sum(t * 3.0)


def sigmoid_mlp(w1, b1, w2, b2, x, y):
    a1 = 1 / (1 + np.exp(-(w1 @ x + b1)))
    a2 = 1 / (1 + np.exp(-(w2 @ a1 + b2)))
    return np.sum((a2 - y) ** 2) / (2 * x.shape[1])


def sigmoid_in_a_loop(x, W):
    h = x
    for _ in range(3):
        s = 1 / (1 + np.exp(-(h @ W)))
        h = 0.5 * h + s
    return np.sum(h)


def weighted_sigmoid(z, w):
    # w (3,) broadcasts against z (2, 3): the divide by the broadcast w is not elementwise
    return np.sum(w / (1 + np.exp(-z)))


def plain_tanh(x):
    return np.sum(np.tanh(x))


rng = np.random.default_rng(7)
Z = rng.normal(size=(2, 3)) * 2
MLP_ARGS = (rng.normal(size=(4, 3)), rng.normal(size=(4, 1)), rng.normal(size=(2, 4)),
            rng.normal(size=(2, 1)), rng.normal(size=(3, 5)), rng.uniform(size=(2, 5)))
LOOP_ARGS = (rng.normal(size=(2, 3)), rng.normal(size=(3, 3)) * 0.5)

# every model the pass rewrites: tests/test_optimize.py checks each against the plain transform
CASES = [(sigmoid_sum, (Z,), 0), (sigmoid_scalar, (0.75,), 0), (softplus_sum, (Z,), 0),
         (tanh_from_exps, (Z * 0.5,), 0), (sigmoid_mlp, MLP_ARGS, (0, 1, 2, 3)),
         (sigmoid_in_a_loop, LOOP_ARGS, (0, 1)), (weighted_sigmoid, (Z, np.array([1.0, -2.0, 0.5])), (0, 1))]


# -- recording what the pass does ------------------------------------------------------------
@pytest.fixture
def recorded(monkeypatch):
    """``[(input IR, its text before the pass, output IR, facts)]`` of every run of the pass."""
    runs = []

    def recording(func, facts=None):
        before = str(func)
        out = simplify.simplify(func, facts)
        runs.append((func, before, copy.deepcopy(out), facts))    # later passes edit blocks
        return out

    monkeypatch.setattr(passes, "PASSES",
                        tuple(recording if p is simplify.simplify else p for p in passes.PASSES))
    return runs


def compile_and_record(recorded, f, args, wrt=0):
    g = diffc.api.gradients.GradientFunction(f, wrt=wrt)           # a new object: compiled anew
    value = g(*args)
    return value, recorded[-1][2], g.source_for(*args)


def rewritten(func):
    """The equations the pass made (their origin carries the comment's note)."""
    return [s for s in walk(func.body) if isinstance(s, Eqn) and s.origin is not None and s.origin.note]


_INFIX = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**"}


def expressions(func):
    """Each rewritten chain's result as a fully parenthesised expression over hints."""
    eqns = rewritten(func)
    made = {e.outs[0]: e for e in eqns}

    def show(atom):
        if not isinstance(atom, Var):
            return repr(atom.value)
        eqn = made.get(atom)
        if eqn is None:
            return atom.hint
        args = [show(a) for a in eqn.args]
        if eqn.prim in _INFIX:
            return f"({args[0]} {_INFIX[eqn.prim]} {args[1]})"
        return f"{eqn.prim}({', '.join(args)})"

    read = {v for e in eqns for v in e.inputs()}
    return [show(e.outs[0]) for e in eqns if e.outs[0] not in read]


# -- the classic simplifications ---------------------------------------------------------------
def test_sigmoid_backward_is_s_times_one_minus_s(recorded):
    dz, out, source = compile_and_record(recorded, sigmoid_sum, (Z,))
    assert expressions(out) == ["((dout * s) * (1 - s))"]
    assert "has derivative s * (1 - s)" in source                # the comment says what happened
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(dz, s * (1 - s), rtol=1e-14)
    check_grads(sigmoid_sum, (Z,))


def test_sigmoid_on_a_python_float(recorded):
    dz, out, _ = compile_and_record(recorded, sigmoid_scalar, (0.75,))
    assert expressions(out) == ["((dout * out) * (1 - out))"]
    check_grads(sigmoid_scalar, (0.75,), modes=("reverse", "numeric", "symbolic"))


def test_softplus_derivative_is_a_visible_sigmoid(recorded):
    dx, out, source = compile_and_record(recorded, softplus_sum, (Z,))
    assert expressions(out) == ["(dout * (exp / add))"]
    (named,) = [e for e in rewritten(out) if e.outs[0].hint == "sigmoid"]
    assert named.prim == "divide"                               # exp(x) / (1 + exp(x)), reused
    assert "the derivative is sigmoid(x) = exp(x) / (1 + exp(x))" in source
    np.testing.assert_allclose(dx, 1 / (1 + np.exp(-Z)), rtol=1e-14)
    check_grads(softplus_sum, (Z,))


def test_tanh_written_with_exps(recorded):
    x = Z * 0.5
    dx, out, source = compile_and_record(recorded, tanh_from_exps, (x,))
    assert expressions(out) == ["((dout * 3) * (1 - (t ** 2)))"]
    assert "t = tanh(x) has derivative 1 - t ** 2 (times 3)" in source
    np.testing.assert_allclose(dx, 3.0 * (1 - np.tanh(x) ** 2), rtol=1e-12)
    check_grads(tanh_from_exps, (x,))


def test_two_sigmoid_layers_get_the_textbook_deltas(recorded):
    grads, out, _ = compile_and_record(recorded, sigmoid_mlp, MLP_ARGS, (0, 1, 2, 3))
    # delta2 = (a2 - y) * a2 * (1 - a2) / n, delta1 = (w2.T @ delta2) * a1 * (1 - a1)
    # (the numbers first: dout * 2 / (2 * n) is one scalar, then three array products)
    assert sorted(expressions(out)) == ["(((((dout * 2) / mul) * sub) * a2) * (1 - a2))",
                                        "((da1 * a1) * (1 - a1))"]
    check_grads(sigmoid_mlp, MLP_ARGS, wrt=(0, 1, 2, 3))


def test_a_single_rule_is_left_as_written(recorded):
    _, out, source = compile_and_record(recorded, plain_tanh, (Z,))
    assert rewritten(out) == []                                 # tanh's rule: already 1 - out ** 2
    assert "simplified" not in source


# -- where it applies, and where not ---------------------------------------------------------
def test_inside_a_loop(recorded):
    grads, out, source = compile_and_record(recorded, sigmoid_in_a_loop, LOOP_ARGS, (0, 1))
    backward = [s for s in walk(out.body) if isinstance(s, Loop) and s.role is not Role.PRIMAL]
    assert backward and rewritten(backward[0].body) != []       # rewritten in the backward loop
    assert expressions(out) == ["((dh * s) * (1 - s))"]         # s popped from the forward loop's tape
    check_grads(sigmoid_in_a_loop, LOOP_ARGS, wrt=(0, 1))


def test_never_across_broadcasting(recorded):
    z, w = Z, np.array([1.0, -2.0, 0.5])
    (dz, dw), out, source = compile_and_record(recorded, weighted_sigmoid, (z, w), (0, 1))
    facts = recorded[-1][3]
    eqns = rewritten(out)
    (w_var,) = [p for p in out.params if p.hint == "w"]
    assert eqns                           # the exp/negation part is elementwise: rewritten ...
    for e in eqns:                        # ... but no rewritten equation broadcasts, and the
        assert w_var not in set(e.inputs())     # broadcast divide by w is not looked through
        for v in e.inputs():
            assert facts.shape(v) in (facts.shape(e.outs[0]), ())
    assert "np.sum(" in source            # dw is still summed over the broadcast axis
    check_grads(weighted_sigmoid, (z, w), wrt=(0, 1))
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(dz, w * s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(dw, np.sum(s, axis=0), rtol=1e-12)


def test_float32_stays_float32(recorded):
    z = Z.astype(np.float32)
    dz, out, _ = compile_and_record(recorded, sigmoid_sum, (z,))
    facts = recorded[-1][3]
    assert expressions(out) == ["((dout * s) * (1 - s))"]
    assert dz.dtype == np.float32
    for e in rewritten(out):
        value = facts.values[e.outs[0]]
        assert getattr(value, "dtype", None) == np.float32, e
        assert all(type(a.value) in (int, float) for a in e.args if not isinstance(a, Var))
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(dz, s * (1 - s), rtol=1e-6)


def test_saturated_sigmoid_has_no_nan(recorded):
    z = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    with np.errstate(over="ignore"):                            # exp(800) in the forward pass
        dz, out, _ = compile_and_record(recorded, sigmoid_sum, (z,))
    assert expressions(out) == ["((dout * s) * (1 - s))"]
    # op by op, exp(800) overflows and 0 * inf is nan; s * (1 - s) is the limit, 0. Where
    # s rounds to 1 (z = 40), 1 - s cancels: the error is below eps absolutely (dout = 1)
    assert np.all(np.isfinite(dz))
    exact = np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))) ** 2
    np.testing.assert_allclose(dz, exact, rtol=1e-12, atol=np.finfo(float).eps)
    assert dz[1] == pytest.approx(exact[1], rel=1e-12)      # the other tail is exact


def test_second_derivative_through_the_simplified_form():
    d2 = diffc.grad(diffc.grad(sigmoid_scalar))
    for z in (-3.0, 0.25, 2.0):
        s = 1 / (1 + np.exp(-z))
        assert d2(z) == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12)


# -- the pass itself -------------------------------------------------------------------------
def test_the_pass_is_pure(recorded):
    compile_and_record(recorded, sigmoid_mlp, MLP_ARGS, (0, 1, 2, 3))
    func, before, out, facts = recorded[-1]
    assert rewritten(out) and str(out) != before
    assert str(func) == before                                  # the input is as it was
    again = simplify.simplify(func, facts)
    assert str(func) == before                                  # and the result is repeatable
    assert expressions(again) == expressions(out)


def test_without_facts_or_when_disabled_nothing_changes(recorded, monkeypatch):
    compile_and_record(recorded, sigmoid_sum, (Z,))
    func, before, _, facts = recorded[-1]
    assert simplify.simplify(func, None) is func
    monkeypatch.setenv("DIFFC_NO_SIMPLIFY", "1")
    assert simplify.simplify(func, facts) is func
    _, out, source = compile_and_record(recorded, sigmoid_sum, (Z,))
    assert rewritten(out) == [] and "simplified" not in source


def test_a_chain_structure_is_solved_once(recorded, monkeypatch):
    compile_and_record(recorded, sigmoid_sum, (Z,))

    def unused(problem):
        raise AssertionError("sympy was asked again")

    monkeypatch.setattr(simplify, "_solve", unused)

    def renamed(logits):                 # the same structure under other names, other shapes
        prob = 1 / (1 + np.exp(-logits))
        return np.sum(prob)

    dz, out, _ = compile_and_record(recorded, renamed, (np.ones(4),))
    assert expressions(out) == ["((dout * prob) * (1 - prob))"]
    s = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(dz, np.full(4, s * (1 - s)), rtol=1e-14)


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_same_gradient_as_without_the_pass(f, args, wrt, monkeypatch):
    fresh = diffc.api.gradients.GradientFunction
    simplified = fresh(f, wrt=wrt)(*args)
    monkeypatch.setenv("DIFFC_NO_SIMPLIFY", "1")
    plain = fresh(f, wrt=wrt)(*args)
    for a, b in zip(np.atleast_1d(simplified) if wrt == 0 else simplified,
                    np.atleast_1d(plain) if wrt == 0 else plain):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_recipes_are_kept_on_disk_for_the_next_process(recorded, monkeypatch, tmp_path):
    """A new process (an empty in-memory cache) reads the recipe SymPy found before."""
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(simplify, "_CACHE", {})
    compile_and_record(recorded, sigmoid_sum, (Z,))
    files = list((tmp_path / "recipes").iterdir())
    assert files, "no recipe was written"
    monkeypatch.setattr(simplify, "_CACHE", {})              # as if in a new process

    def unused(problem):
        raise AssertionError("sympy was asked again")
    monkeypatch.setattr(simplify, "_solve", unused)
    dz, out, _ = compile_and_record(recorded, sigmoid_sum, (Z,))
    assert expressions(out) == ["((dout * s) * (1 - s))"]


def test_a_damaged_recipe_file_is_ignored(recorded, monkeypatch, tmp_path):
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(simplify, "_CACHE", {})
    compile_and_record(recorded, sigmoid_sum, (Z,))
    for f in (tmp_path / "recipes").iterdir():
        f.write_text("([('sub', (('v', 99),)), ('nonsense'")     # cut short
    monkeypatch.setattr(simplify, "_CACHE", {})
    dz, out, _ = compile_and_record(recorded, sigmoid_sum, (Z,))
    assert expressions(out) == ["((dout * s) * (1 - s))"]         # solved again
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(dz, s * (1 - s), rtol=1e-12)
    # a recipe that parses but is wrong for the chain is refused by the check on values
    for f in (tmp_path / "recipes").iterdir():
        key, recipe = __import__("ast").literal_eval(f.read_text())
        ops, named, info = recipe
        f.write_text(repr((key, ([(op, args) for op, args in ops[:-1]] + [("add", ops[-1][1])],
                                 named, info))))
    monkeypatch.setattr(simplify, "_CACHE", {})
    dz, out, _ = compile_and_record(recorded, sigmoid_sum, (Z,))
    np.testing.assert_allclose(dz, s * (1 - s), rtol=1e-12)


def test_no_recipe_files_when_turned_off(recorded, monkeypatch, tmp_path):
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DIFFC_NO_RECIPE_CACHE", "1")
    monkeypatch.setattr(simplify, "_CACHE", {})
    compile_and_record(recorded, sigmoid_sum, (Z,))
    assert not (tmp_path / "recipes").exists()


def test_a_compile_simplifies_a_bounded_number_of_chain_shapes(recorded, monkeypatch, tmp_path):
    """``DIFFC_SIMPLIFY_SHAPES``: the first shapes in program order, whatever is cached."""
    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(simplify, "_CACHE", {})
    _, out, _ = compile_and_record(recorded, sigmoid_mlp, MLP_ARGS, (0, 1, 2, 3))
    assert len(expressions(out)) == 2                     # both layers' chains (two shapes)
    monkeypatch.setenv("DIFFC_SIMPLIFY_SHAPES", "1")
    for _ in range(2):                                    # cached or not: the same choice
        grads, out, _ = compile_and_record(recorded, sigmoid_mlp, MLP_ARGS, (0, 1, 2, 3))
        assert len(expressions(out)) == 1
    monkeypatch.setenv("DIFFC_SIMPLIFY_SHAPES", "0")
    plain, out, _ = compile_and_record(recorded, sigmoid_mlp, MLP_ARGS, (0, 1, 2, 3))
    assert rewritten(out) == []
    for a, b in zip(grads, plain):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
