"""The corpus of programs written in real users' idioms (tests/corpus/): each program's outcome
through diffc's public API, against central differences on the user's own function.

A program may never do worse than ``tests/corpus/expected.json`` records (right > refused >
crash; a program that must be refused: refused > crash > accepted); a wrong gradient always
fails. A program that does better than recorded is reported as a warning:
tighten the manifest with ``python -m tests.corpus.harness --write-manifest``.
"""
import types
import warnings

import numpy as np
import pytest

from tests.corpus import harness, oracle, selfcheck

MANIFEST = harness.read_manifest()
NAMES = harness.program_names()


def test_the_manifest_lists_every_program():
    assert set(MANIFEST) == set(NAMES), (
        f"programs without a recorded outcome: {sorted(set(NAMES) - set(MANIFEST))}; recorded "
        f"outcomes without a program: {sorted(set(MANIFEST) - set(NAMES))} "
        f"(python -m tests.corpus.harness --write-manifest)")


def test_the_corpus_is_large_enough_and_covers_both_expectations():
    modules = [harness.load_program(n) for n in NAMES]
    assert len(modules) >= 70
    assert sum(m.EXPECT == "refused" for m in modules) >= 5


@pytest.mark.parametrize("name", NAMES)
def test_program(name):
    result = harness.run_program(name)
    recorded = MANIFEST.get(name)
    wrong = [c for c in result.cases if c.outcome == "wrong"]
    assert not wrong, f"{name}: a wrong gradient: {_cases(wrong)}"
    if recorded is None:
        pytest.fail(f"{name} has no recorded outcome (python -m tests.corpus.harness --write-manifest)")
    outcome = result.outcome
    assert harness.RANK[outcome] >= harness.RANK[recorded], (
        f"{name} is now {outcome}, worse than the recorded {recorded}: "
        + _cases([c for c in result.cases if c.outcome == outcome]))
    if harness.RANK[outcome] > harness.RANK[recorded]:
        warnings.warn(f"corpus program {name} improved from {recorded} to {outcome}: record it with "
                      f"python -m tests.corpus.harness --write-manifest", UserWarning)


def _cases(cases):
    return "; ".join(f"{c.name}: {c.detail.splitlines()[0] if c.detail else c.outcome}" for c in cases)


# ---------------------------------------------------------------------------------------
# The harness itself: every outcome is reachable, the reference is Python's


def _module(expect="right"):
    module = types.ModuleType("tests.corpus.selfcheck_view")
    module.__file__ = selfcheck.__file__
    module.IDIOM, module.EXPECT, module.make = selfcheck.IDIOM, expect, selfcheck.make
    return module


def _index(name):
    return [c["name"] for c in selfcheck.make()].index(name)


def test_a_wrong_rule_is_classified_wrong_and_names_the_argument():
    result = harness.run_case(_module(), _index("wrong rule"))
    assert result.outcome == "wrong"
    assert "d/d1" in result.detail and "d/d0" not in result.detail


def test_a_located_refusal_in_the_program_is_refused():
    result = harness.run_case(_module(), _index("try"))
    assert result.outcome == "refused", result.detail
    assert "UnsupportedSyntax" in result.detail and "selfcheck.py:" in result.detail


def test_an_error_located_outside_the_program_or_without_its_line_counts_as_a_crash():
    from diffc.errors import Loc, NoRuleError
    files = [selfcheck.__file__]
    elsewhere = NoRuleError("no rule", Loc("/elsewhere/model.py", 3, 4, "    y = f(x)"), "a hint")
    outcome, detail = harness.classify_error(elsewhere, files)
    assert outcome == "crash" and "not at the program" in detail
    line = open(selfcheck.__file__).read().splitlines().index("def refused(w):") + 1
    misquoted = NoRuleError("no rule", Loc(selfcheck.__file__, line, 0, "def other(w):"), "a hint")
    assert harness.classify_error(misquoted, files) == (
        "crash", "NoRuleError without a location (the quoted line is not the file's line): "
        + str(misquoted).splitlines()[0])
    located = NoRuleError("no rule", Loc(selfcheck.__file__, line, 4, "def refused(w):", 11), "a hint")
    assert harness.classify_error(located, files)[0] == "refused"
    assert harness.classify_error(NoRuleError("no rule"), files)[0] == "crash"


def test_an_internal_error_and_other_exceptions_are_crashes():
    import diffc
    assert harness.classify_error(diffc.InternalError("boom"), [selfcheck.__file__])[0] == "crash"
    assert harness.classify_error(TypeError("boom"), [selfcheck.__file__])[0] == "crash"


def test_a_right_gradient_is_right():
    assert harness.run_case(_module(), _index("good")).outcome == "right"


def test_a_call_that_changes_the_callers_arguments_is_not_right():
    assert harness.run_case(_module(), _index("writes its argument")).outcome != "right"


def test_a_program_that_must_be_refused_and_gets_a_result_is_accepted():
    result = harness.run_case(_module("refused"), _index("good"))
    assert result.outcome == "accepted"


def test_the_reference_counts_an_array_shared_by_a_layer_and_the_params_dict():
    rng = np.random.default_rng(1)
    W, x = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    net = selfcheck.Net(W)
    ref = oracle.reference(dict(name="aliased", fn=net.loss, args=(x,), wrt="params"))
    (grads,) = ref["grads"]
    expected = x.T @ (1 - np.tanh(x @ W) ** 2) + 2 * W
    np.testing.assert_allclose(grads[("W",)], expected, rtol=1e-6, atol=1e-7)


def test_the_reference_perturbs_floats_inside_tuples():
    a = np.array([0.5, -1.0])
    ref = oracle.reference(dict(name="tuples", fn=selfcheck.leaves_in_tuples, args=(((a, 1.5), 0.3),)))
    (grads,) = ref["grads"]
    np.testing.assert_allclose(grads[(0, 0)], 2 * a * 1.5, rtol=1e-6)
    np.testing.assert_allclose(grads[(0, 1)], np.sum(a ** 2), rtol=1e-6)
    np.testing.assert_allclose(grads[(1,)], np.cos(0.3), rtol=1e-6)


def test_the_table_counts_programs_and_cases():
    results = [harness.ProgramResult("a", "idiom a", "right", [harness.CaseResult("x", "right")]),
               harness.ProgramResult("b", "idiom b", "right", [harness.CaseResult("y", "right"),
                                                               harness.CaseResult("z", "crash", "TypeError: t")])]
    table = harness.markdown(results)
    assert "| b | idiom b | right | **crash** | 1/0/1/0/0 | z: TypeError: t |" in table
    assert "Programs (2): 1 right, 0 refused, 1 crash, 0 accepted, 0 wrong (50% right)" in table
    assert "Cases (3): 2 right, 0 refused, 1 crash, 0 accepted, 0 wrong" in table
