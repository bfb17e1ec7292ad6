"""Everything diffc does not support is a located error; names that collide still work.

The corpus is ``tests/bad_programs``. Each row of ``CASES`` names a function there, the
exact error type, a fragment of the message, and the line and column (both 1-based: the
column is where the caret is) the error must point at. Every error must also render as
``file:line:col: error: ...`` with the source line, a caret and a hint.
"""
import os
import textwrap
from dataclasses import dataclass

import numpy as np
import pytest

import diffc
from diffc.frontend import fence
from diffc.backend import load
from diffc.compiler import pipeline
from diffc.core import primitives
from diffc.frontend import source
from diffc.errors import (DiffcError, InternalError, NameResolutionError, NoRuleError,
                          NonDifferentiableInput, NonScalarOutput, SourceSyntaxError,
                          SourceUnavailable, UnsupportedSyntax)
from diffc.testing import check_grads
from tests.bad_programs import (assignment, broken_rule, collisions, expressions, names, runtime,
                                signature, statements)

X = np.array([0.5, 1.5, 2.5])
M = np.array([[0.5, 1.5, 2.5], [1.0, -2.0, 0.25]])
STATIC = os.path.join(os.path.dirname(__file__), "bad_programs", "static")
DOCS = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "unsupported.md")


@dataclass
class Case:
    module: object
    function: str
    error: type
    fragment: str
    line: int
    col: int
    args: tuple = (X,)
    wrt: object = 0

    def __str__(self):
        return f"{self.module.__name__.rsplit('.', 1)[-1]}.{self.function}"

    def target(self):
        fn = getattr(self.module, self.function)
        return fn() if self.function == "outer" else fn


U = UnsupportedSyntax
CASES = [
    # statements
    Case(statements, "try_except", U, "`try` is not supported", 6, 5),
    Case(statements, "nested_class", U, "a class definition is not supported", 26, 5),
    Case(statements, "global_statement", U, "`global` is not supported", 32, 5),
    Case(statements, "outer", U, "`nonlocal` is not supported", 40, 9),
    Case(statements, "delete", U, "`del` is not supported", 47, 5),
    Case(statements, "import_inside", U, "an `import` inside the function", 52, 5),
    Case(statements, "import_from_inside", U, "an `import` inside the function", 57, 5),
    Case(statements, "match_statement", U, "`match` is not supported", 67, 5),
    Case(statements, "async_function", U, "an `async def` function", 73, 1),
    Case(statements, "generator", U, "`yield` is not supported", 78, 5),
    Case(statements, "generator_from", U, "`yield from` is not supported", 83, 5),
    Case(statements, "expression_statement", U, "an expression whose value is not used", 88, 5),
    Case(statements, "unused_call", U, "a call whose result is not used", 93, 5),
    Case(statements, "docstring_only", U, "does not end by returning a value", 102, 1),
    Case(statements, "bare_return", U, "does not end by returning a value", 108, 5),
    Case(statements, "return_inside_loop", U, "a `return` inside a loop", 114, 13),
    Case(statements, "for_else", U, "`else` after a loop", 123, 9),
    Case(statements, "while_else", U, "`else` after a loop", 132, 9),
    Case(statements, "some_path_falls_off_the_end", U, "some paths through this `if` reach the "
         "end of the function without a `return`", 138, 5),
    # expressions
    Case(expressions, "set_comprehension", U, "a set comprehension", 16, 10),
    Case(expressions, "set_literal", U, "a set literal", 41, 9),
    Case(expressions, "star_arguments", U, "star-unpacking `*x`", 51, 20),
    Case(expressions, "and_on_values", U, "`and`/`or` on values", 56, 9),
    Case(expressions, "or_on_values", U, "`and`/`or` on values", 61, 9),
    Case(expressions, "not_on_value", U, "`not` on a value", 66, 12),
    Case(expressions, "chained_comparison", U, "a chained comparison", 71, 14),
    Case(expressions, "eval_call", U, "`eval()` is not supported", 86, 9),
    Case(expressions, "exec_call", U, "`exec()` is not supported", 91, 5),
    Case(expressions, "out_keyword", U, "with `out=`", 102, 19),
    Case(expressions, "getattr_call", U, "`getattr()` is not supported", 107, 9),
    # assignment targets
    Case(assignment, "bare_annotation", U, "an annotation without a value", 6, 5),
    Case(assignment, "attribute_assignment", U, "assignment to an attribute", 11, 5),
    Case(assignment, "attribute_augmented", U, "assignment to an attribute", 16, 5),
    Case(assignment, "nested_subscript", U, "this writes into the caller's array `X`", 21, 5, (M,)),
    Case(assignment, "through_a_view", U, "assignment into `X.T[...]`", 26, 5, (M,)),
    Case(assignment, "star_target", U, "star-unpacking in an assignment", 31, 12),
    # names, scoping and writes through aliases
    Case(names, "unknown_name", NameResolutionError, "name 'scale_factor' is not defined", 10, 13),
    Case(names, "read_before_assign", U, "`SCALE` is read before it is assigned (it is "
         "assigned on line 16)", 15, 13),
    Case(names, "numpy_shadowed_then_used", U, "`np` is read before it is assigned", 21, 9),
    Case(names, "numpy_rebound_to_a_float", NoRuleError, "no rule for the array method/attribute "
         ".exp", 28, 9),
    Case(names, "augmented_before_assign", U, "`total` is read before it is assigned", 38, 5),
    Case(names, "write_into_module_constant", U, "writes into `TABLE`, which is not a local", 43, 5),
    Case(names, "write_into_module_array", U, "writes into `WEIGHTS`, which is not a local", 48, 5),
    Case(names, "alias_then_write", U, "an array that `z` shares with `y`, and `y` is read "
         "afterwards (line 56)", 55, 5),
    Case(names, "view_then_write", U, "an array that `head` shares with `y`", 62, 5),
    Case(names, "write_then_read_view", U, "an array that `y` shares with `head`, and `head` is "
         "read afterwards (line 70)", 69, 5),
    Case(names, "augmented_alias", U, "an array that `z` shares with `y`", 76, 5),
    Case(names, "augmented_subscript_alias", U, "an array that `row` shares with `X`", 83, 5, (M,)),
    Case(names, "calls_a_function_that_writes_into_its_argument", U, "this writes into the "
         "caller's array `a`", 88, 5),
    # found when compiling for the call's arguments
    Case(runtime, "scaled", NonDifferentiableInput, "cannot differentiate with respect to 'k': "
         "it is the integer 2", 7, 15, (X, 2), 1),
    Case(runtime, "scaled", NonDifferentiableInput, "it is an integer array (int64)", 7, 15,
         (X, np.arange(3)), 1),
    Case(runtime, "scaled", NonDifferentiableInput, "it is a str", 7, 15, (X, "2.0"), 1),
    Case(runtime, "elementwise", NonScalarOutput, "grad needs a scalar output, but elementwise "
         "returns an array of shape (3,)", 13, 12),
    Case(runtime, "no_rule_function", NoRuleError, "diffc has no rule for numpy.i0", 21, 9),
    Case(runtime, "no_rule_method", NoRuleError, "no rule for the array method/attribute .ptp",
         26, 9),
    Case(runtime, "call_a_value", NameResolutionError, "numpy.exp is not a value diffc can use",
         31, 9),
]


def _check_rendering(err, line, col):
    """``file:line:col: error: message``, the source line, a caret at col, a hint."""
    rendered = str(err).splitlines()
    assert rendered[0] == f"{err.loc.file}:{line}:{col}: error: {err.message}"
    assert rendered[1] == "    " + err.loc.text.rstrip("\n")
    assert rendered[2].index("^") == 4 + col - 1
    assert rendered[-1].startswith("  hint: ") and len(err.hint) > 10


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rejected_at_the_offending_line_and_column(case):
    with pytest.raises(DiffcError) as info:
        diffc.grad(case.target(), wrt=case.wrt)(*case.args)
    err = info.value
    assert type(err) is case.error, str(err)
    assert case.fragment in err.message
    assert os.path.samefile(err.loc.file, case.module.__file__)
    assert (err.loc.line, err.loc.col + 1) == (case.line, case.col), str(err)
    _check_rendering(err, case.line, case.col)


# Read statically (the command line never runs the model) these are rejected; at run time
# the names are bound to the running program's values, as Python binds them.
LIVE_ONLY = [
    (names, "global_array", NameResolutionError, "name 'WEIGHTS' is not defined", 33, 13),
    (signature, "star_args", U, "a `*args`/`**kwargs` parameter", 7, 19),
    (signature, "star_kwargs", U, "a `*args`/`**kwargs` parameter", 11, 22),
    (signature, "default_from_a_name", U, "a default value that is not a literal", 15, 34),
    (signature, "default_from_a_call", U, "a default value that is not a literal", 19, 30),
]


@pytest.mark.parametrize("module,name,error,fragment,line,col", LIVE_ONLY,
                         ids=[c[1] for c in LIVE_ONLY])
def test_read_statically_rejected_but_right_at_run_time(module, name, error, fragment, line, col):
    with pytest.raises(DiffcError) as info:
        pipeline.lower(source.from_file(module.__file__, name))
    err = info.value
    assert type(err) is error and fragment in err.message, str(err)
    assert (err.loc.line, err.loc.col + 1) == (line, col), str(err)
    check_grads(getattr(module, name), (X,), modes=("reverse", "numeric"))


def test_corpus_size():
    assert len(CASES) + len(STATIC_CASES) + len(LIVE_ONLY) + 6 >= 50


# --- functions diffc cannot read -------------------------------------------------------

def test_exec_made_function_is_source_unavailable():
    with pytest.raises(SourceUnavailable) as info:
        diffc.grad(runtime.made_by_exec)(X)
    err = info.value
    assert err.loc is None and "<string>" in err.message and "made with exec" in err.hint
    assert str(err).startswith("error: the source of 'made_by_exec' is not in a file")


@pytest.mark.parametrize("fn", [np.exp, abs])
def test_builtins_and_ufuncs_are_source_unavailable(fn):
    with pytest.raises(SourceUnavailable, match="is not a Python function"):
        diffc.grad(fn)(1.5)


def _write_module(tmp_path, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    return path


def _import(path):
    import importlib.util
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_file_that_no_longer_parses_is_a_located_syntax_error(tmp_path):
    path = _write_module(tmp_path, "edited_model", """\
        import numpy as np


        def loss(x):
            return x @ x
        """)
    module = _import(path)
    path.write_text("import numpy as np\n\n\ndef loss(x):\n    return x @@ x\n")
    with pytest.raises(SourceSyntaxError) as info:
        diffc.grad(module.loss)(X)
    err = info.value
    assert "the file does not parse: invalid syntax" in err.message
    assert (err.loc.line, err.loc.col + 1) == (5, 15)
    _check_rendering(err, 5, 15)


def test_file_edited_since_import_is_not_silently_read(tmp_path):
    path = _write_module(tmp_path, "moved_model", """\
        import numpy as np


        def loss(x):
            return x @ x
        """)
    module = _import(path)
    path.write_text("import numpy as np\n\n# a comment moves the def\n\ndef loss(x):\n"
                    "    return x @ x * 3.0\n")
    with pytest.raises(SourceUnavailable, match="has changed since loss was defined"):
        diffc.grad(module.loss)(X)


# --- files read statically (as `diffc compile` does) -------------------------------------

STATIC_CASES = [
    ("syntax_error.txt", SourceSyntaxError, "the file does not parse: '(' was never closed", 5, 15),
    ("bad_indentation.txt", SourceSyntaxError, "the file does not parse: unexpected indent", 6, 6),
    ("await_outside_async.txt", UnsupportedSyntax, "`await` is not supported", 5, 9),
    ("async_for_in_def.txt", UnsupportedSyntax, "`async for` is not supported", 5, 5),
]


@pytest.mark.parametrize("name,error,fragment,line,col", STATIC_CASES,
                         ids=[c[0] for c in STATIC_CASES])
def test_static_files_are_rejected_where_they_are_wrong(name, error, fragment, line, col):
    path = os.path.join(STATIC, name)
    with pytest.raises(DiffcError) as info:
        pipeline.lower(source.from_file(path, "loss"))
    err = info.value
    assert type(err) is error and fragment in err.message, str(err)
    assert (err.loc.line, err.loc.col + 1) == (line, col), str(err)
    _check_rendering(err, line, col)


# --- internal errors say they are diffc's bugs ---------------------------------------------

def test_internal_error_says_it_is_a_bug_and_is_not_a_user_error():
    err = InternalError("the IR lost a value")
    assert "this is a bug in diffc, not in your code" in str(err)
    assert "the IR lost a value" in str(err)
    assert not isinstance(err, DiffcError)


@pytest.fixture
def isolated_registry(monkeypatch):
    """Let a test register primitives that no other test will ever see."""
    primitives.all_primitives()                  # load every template before copying the registry
    monkeypatch.setattr(primitives, "_BY_NAME", dict(primitives._BY_NAME))
    monkeypatch.setattr(primitives, "_BY_SOURCE_NAME", dict(primitives._BY_SOURCE_NAME))


def test_a_template_that_does_not_lower_is_an_internal_error(monkeypatch):
    """A bug in one of diffc's own templates (simulated by swapping in a broken reverse
    rule for sin) is an InternalError that says it is diffc's bug, not a user error."""
    monkeypatch.setattr(primitives.get("sin"), "reverse_rule", broken_rule.sin_reverse_that_does_not_lower)
    with pytest.raises(InternalError) as info:
        diffc.grad(runtime.uses_sine)(X)
    assert "this is a bug in diffc" in str(info.value)
    assert "sin_reverse_that_does_not_lower does not lower" in str(info.value)


def test_a_primitive_without_a_reverse_rule_is_a_located_error(isolated_registry):
    broken_rule.install_without_reverse()
    with pytest.raises(NoRuleError) as info:
        diffc.grad(runtime.uses_rule_without_reverse)(X)
    err = info.value
    assert "no gradient rule for" in err.message
    assert "wiggle with respect to its argument 'x'" in err.message
    assert (err.loc.line, err.loc.col + 1) == (41, 9)
    _check_rendering(err, 41, 9)


def test_without_the_rule_the_same_call_is_inlined_and_correct():
    check_grads(runtime.uses_rule_without_reverse, (X,))


# --- bugs found while building this corpus: each is a clear error now ----------------------

def test_complex_output_is_a_clear_error():
    """grad of a complex result has no real gradient: it must be rejected, as autograd and
    JAX do (diffc once returned zeros, dropping the imaginary part with a ComplexWarning)."""
    with pytest.raises(NonScalarOutput) as info:
        diffc.grad(runtime.complex_output)(X)
    assert "complex" in info.value.message
    assert (info.value.loc.line, info.value.loc.col + 1) == (17, 12)


def test_general_code_for_a_matrix_product_asks_for_shapes():
    """Without example arguments, matmul's rule cannot know ranks: a located error that says
    how to give them (it once let the internal ``Undecidable`` exception escape)."""
    with pytest.raises(DiffcError) as info:
        diffc.grad(collisions.grad_of_itself).source
    err = info.value
    assert "compile with example arguments" in err.hint
    assert (err.loc.line, err.loc.col + 1) == (33, 12)
    _check_rendering(err, 33, 12)


# --- names that collide with generated or imported names just work --------------------------

rng = np.random.default_rng(11)
COLLISIONS = [
    ("adjoint_names", [rng.normal(size=3) for _ in range(5)]),
    ("temporary_names", [rng.normal(size=3) for _ in range(5)]),
    ("suffixed_names", [rng.normal(size=3) for _ in range(4)]),
    ("grad_of_itself", [rng.normal(size=3) for _ in range(2)]),
    ("numpy_as_parameter", [1.7, rng.normal(size=2)]),
    ("numpy_rebound_locally", [rng.normal(size=3)]),
    ("helper_as_parameter", [rng.normal(size=(2, 1)), rng.normal(size=(2, 3))]),
    ("builtin_names", [rng.normal(size=3) for _ in range(4)]),
]


@pytest.mark.parametrize("name,args", COLLISIONS, ids=[c[0] for c in COLLISIONS])
def test_colliding_names_give_correct_gradients(name, args):
    check_grads(getattr(collisions, name), args)


def test_a_parameter_named_like_the_unbroadcast_helper_in_general_code():
    """General code (no example arguments) defines ``unbroadcast`` at module level; a
    parameter of that name must not shadow it."""
    fn = collisions.helper_as_parameter
    args = COLLISIONS[6][1]
    g = diffc.grad(fn, wrt=(0, 1))
    module = load.load_source(g.source, "collision_general")
    got = module.grad_helper_as_parameter(*args)
    want = g(*args)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b)


# --- the documented list is generated from the fence and true -----------------------------

def test_docs_page_holds_the_generated_tables():
    with open(DOCS, encoding="utf-8") as fh:
        text = fh.read()
    generated = text.split(fence.BEGIN, 1)[1].split(fence.END, 1)[0].strip()
    assert generated == fence.markdown_tables().strip(), \
        "docs/unsupported.md is stale: run fence.update_docs('docs/unsupported.md')"


DOC_MODULE = """\
import numpy as np
K = 2.0
W = np.ones(3)


def loss(x, y, n, lock, stream, limits, counter):
{body}
    return x
"""


def _documented_rows():
    return [row for _, rows in fence.sections() for row in rows]


@pytest.mark.parametrize("what,example,hint", _documented_rows(), ids=lambda v: str(v)[:30])
def test_each_documented_example_is_rejected_with_its_hint(tmp_path, what, example, hint):
    path = tmp_path / "documented.py"
    path.write_text(DOC_MODULE.format(body=textwrap.indent(example, "    ")))
    with pytest.raises(UnsupportedSyntax) as info:
        pipeline.lower(source.from_file(str(path), "loss"))     # the fence, then lowering
    assert info.value.hint == hint, str(info.value)


# --- the fence's name-flow checks across branches, loops and jumps ----------------------------

FLOW = os.path.join(os.path.dirname(__file__), "bad_programs", "flow.py")
FLOW_REJECTED = [
    ("assigned_in_one_branch", "`t` may not be assigned here", 10, 12),
    ("assigned_only_in_loop", "`t` may not be assigned here", 32, 12),
    ("alias_written_in_loop", "an array that `z` shares with `y`, and `y` is read afterwards "
     "(line 45)", 46, 9),
    ("alias_chosen_by_branch", "an array that `z` shares with `y`", 56, 5),
    ("row_written_through_loop_variable", "an array that `row` shares with `X`", 63, 9),
    ("writes_into_its_parameter", "this writes into the caller's array `a`", 76, 5),
]
FLOW_ACCEPTED = ["assigned_in_both_branches", "branch_that_returns", "carried_through_loop",
                 "logic_in_a_condition", "writes_into_a_copy_of_its_parameter"]


@pytest.mark.parametrize("name,fragment,line,col", FLOW_REJECTED, ids=[c[0] for c in FLOW_REJECTED])
def test_flow_checks_reject_across_branches_and_loops(name, fragment, line, col):
    with pytest.raises(UnsupportedSyntax) as info:
        pipeline.lower(source.from_file(FLOW, name))    # the fence, or lowering on the paths taken
    err = info.value
    assert fragment in err.message, str(err)
    assert (err.loc.line, err.loc.col + 1) == (line, col), str(err)
    _check_rendering(err, line, col)


@pytest.mark.parametrize("name", FLOW_ACCEPTED)
def test_flow_checks_accept_what_python_and_diffc_agree_on(name):
    fence.check(source.from_file(FLOW, name))


def test_no_function_may_write_into_its_parameter():
    """Python would change the caller's array; the compiled code would not. The function
    differentiated and a function it calls (inlined) are refused alike, with their hints."""
    src = source.from_file(FLOW, "writes_into_its_parameter")
    for entry, hint in ((True, "write into a copy (`a = a.copy()`) and, if the caller needs"),
                        (False, "the caller's array would change")):
        with pytest.raises(UnsupportedSyntax, match="writes into the caller's array `a`") as info:
            fence.check(src, entry=entry)
        assert (info.value.loc.line, info.value.loc.col + 1) == (76, 5)
        assert hint in info.value.hint
    for entry in (True, False):
        fence.check(source.from_file(FLOW, "writes_into_a_copy_of_its_parameter"), entry=entry)


def _dict_method_without_rule(x, d):
    return np.sum(x) * d.fromkeys(["a"], 2.0)["a"]


def _loss_item(x):
    return np.sum(x ** 2).item() * 3.0 + float(x[0])


def test_a_dict_method_diffc_lacks_is_named_as_a_dict_method_and_item_is_a_number():
    with pytest.raises(diffc.DiffcError) as info:
        diffc.grad(_dict_method_without_rule)(np.ones(3), {})
    assert "no rule for the dict method .fromkeys" in str(info.value) and "array method" not in str(info.value)
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(diffc.grad(_loss_item)(x), 6.0 * x + np.array([1.0, 0.0, 0.0]))
