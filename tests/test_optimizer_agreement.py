"""Optimized against unoptimized, on every model of the test corpora.

The optimizer may change how a gradient is computed, never what it is: for every model in
``tests/*_models.py``, ``tests/models_*.py``, ``tests/tricky_programs.py``,
``tests/calls/``, ``tests/userrules/``, ``benchmarks/models.py`` (at the check size and
at the benchmark size, where the passes for large arrays run), ``examples/`` (compiled as
``diffc compile`` does, from the committed command lines) and fuzzed programs
(``tests/fuzz_programs.py``), the gradient with every pass equals the gradient with none
(``passes.unoptimized``: the bare transform, also for generated pairs and nested
transforms) to rounding, on the models' own example arguments. The tables of
``tests/test_optimize.py`` are not run again here; ``test_every_corpus_model_is_compared``
checks that every function of every corpus module is compared somewhere.
"""
import contextlib
import inspect
import io
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import diffc
from benchmarks import models as bench_models
from benchmarks.workloads import WORKLOADS
from diffc.backend import load
from diffc.api import methods
from diffc.optimize import passes
from diffc.compiler import pipeline
from diffc.cli import targets
from tests import (binding_models, container_models, control_models, in_place_models, jump_models,
                   method_models, models_core, models_decorated, models_seed, semantics_models,
                   seed_cases, test_deferred, test_examples, test_in_place, test_jumps, test_optimize,
                   test_trees, test_tricky, tree_models, tricky_programs)
from tests.calls import helpers, model as calls_model, pair_models
from tests.corpus import harness as corpus_harness
from tests.fuzz_programs import programs
from tests.userrules import model as user_model

rng = np.random.default_rng(31)
RTOL, ATOL = 1e-9, 1e-12        # float64; ATOL is scaled by the largest gradient entry
FUZZED = int(os.environ.get("DIFFC_AGREEMENT_FUZZ", "60"))


def normal(*shape):
    return rng.normal(size=shape)


def one_hot(n, k):
    return np.eye(k)[rng.integers(0, k, size=n)]


_NET = method_models.TwoLayerNet(rng, reg=0.1)
_NIELSEN = method_models.Network([3, 4, 2], rng)
_PREDICTOR = method_models.Predictor(normal(3, 4), normal(4, 2))

# models no existing table runs with arguments: (function, arguments, wrt)
HAND = [
    (container_models.nielsen_cost, ([normal(3, 4), normal(2, 3)], [normal(3, 1), normal(2, 1)],
                                     normal(4, 5), normal(2, 5)), (0, 1)),
    (container_models.two_layer_loss, ({"W1": normal(4, 5), "b1": normal(5), "W2": normal(5, 3),
                                        "b2": normal(3)}, normal(6, 4), one_hot(6, 3)), 0),
    (container_models.nested, ({"layers": [{"W": normal(3, 3)}, {"W": normal(3, 2)}],
                                "scale": normal(3)},
                               normal(4, 3)), 0),
    (container_models.unused_entry, ({"W": normal(3), "unused": normal(2, 2)}, normal(3)), 0),
    (container_models.tuple_argument, ((normal(3, 2), normal(2)), normal(4, 3)), 0),
    (container_models.unpacked_by_a_helper, (normal(4),), 0),
    (container_models.dict_with_computed_keys, (normal(3), normal(3)), 0),
    (_NET.loss, (normal(6, 4), one_hot(6, 3)), "params"),
    (_NIELSEN.cost, (normal(3, 5), normal(2, 5)), ("weights", "biases")),
    (_PREDICTOR.energy, (normal(2, 3),), ("W1", "W2")),
    (models_core.graph, (-2.0, 5.0, -4.0), (0, 1, 2)),
    (models_core.softmax_loss, (normal(4, 3), normal(5, 4), rng.integers(0, 3, size=5)), 0),
    (models_core.uses_integer, (normal(3), 3), 0),
    (models_core.unused_argument, (normal(3), normal(3)), (0, 1)),
    (models_core.max_gate, (1.5, -0.5), (0, 1)),
    (models_core.plain_sum, (normal(2, 3),), 0),
    (models_decorated.grad_f.primal, (1.0, 2.0, 3.0), models_decorated.grad_f.wrt),
    (models_decorated.grad_f_xy.primal, (1.0, 2.0, 3.0), models_decorated.grad_f_xy.wrt),
    (semantics_models.product, (normal(2, 3), normal(3)), (0, 1)),
    (semantics_models.quotient_power, (np.abs(normal(3)) + 0.5, normal(3)), (0, 1)),
    (semantics_models.absolute, (normal(4),), 0),
    (semantics_models.root, (np.abs(normal(4)) + 0.1,), 0),
    (semantics_models.norm, (normal(4),), 0),
    (semantics_models.clipped, (normal(5) * 2,), 0),
    (semantics_models.nan_branch, (normal(5),), 0),
    (semantics_models.safe_branch, (normal(5),), 0),
    (semantics_models.largest, (normal(5),), 0),
    (semantics_models.pairwise_max, (normal(4), normal(4)), (0, 1)),
    (semantics_models.scaled, (normal(3), 2), 0),
    (calls_model.twice, (normal(2), normal(2)), (0, 1)),
    (calls_model.stopped, (normal(3), normal(3)), (0, 1)),
    (user_model.loss, (normal(3), normal(4, 3)), (0, 1)),
    (user_model.wrong, (normal(3), normal(3)), (0, 1)),        # a wrong rule on purpose: both call it
    (pair_models.two_layers, (normal(4, 3), normal(3, 5), normal(5), normal(5, 2), normal(2)),
     (0, 1, 2, 3, 4)),
    (pair_models.shared, (normal(4, 3), normal(4, 3), normal(3, 2), normal(2)), (0, 1, 2, 3)),
    (pair_models.keywords, (normal(4, 3), normal(3, 2), normal(2)), (0, 1, 2)),
    (pair_models.rnn, (normal(5, 3, 2), normal(3, 4), normal(2, 4), normal(4, 4) * 0.5, normal(4)),
     (2, 3, 4)),
    (pair_models.nested, (normal(4, 3), normal(3, 3), normal(3)), (0, 1, 2)),
    (pair_models.uses_a_pair_of_results, (normal(4), normal(4)), (0, 1)),
    (pair_models.both_branches, (normal(4), normal(4)), (0, 1)),
    (pair_models.constant_path, (normal(4), normal(4)), (0, 1)),
    (pair_models.dict_loss, ({"W1": normal(3, 4), "b1": normal(4), "W2": normal(4, 2)}, normal(5, 3),
                             normal(5, 2)), 0),
    (pair_models.list_loss, (normal(3), normal(3), normal(3)), (0, 1, 2)),
    (pair_models.rayleigh, (normal(3, 3), normal(3)), (0, 1)),
    (pair_models.rnn_sequence_loss, (normal(3, 4) / 2, normal(4, 4) / 2, normal(4) / 10, normal(2, 3, 3),
                                     normal(2, 4), normal(2, 3, 4)), (0, 1, 2)),
    (control_models.invariant_read, ({"w": normal(3)}, normal(5, 3)), 0),
    (control_models.varying_rows, (normal(4, 3) * 0.5, normal(5, 2, 4)), 0),
    (jump_models.layers_until_large, test_jumps._layers(0.2), (0, 1, 2)),
    (jump_models.layers_until_large, test_jumps._layers(3.0), (0, 1, 2)),
    (jump_models.index_walk, (np.array([0.5, 1.5, 2.0]),), 0),
    (tricky_programs.float32_stays_float32, (normal(4).astype(np.float32), normal(4).astype(np.float32)),
     (0, 1)),
]

# the tables other tests run with arguments (each against its own oracle)
TABLES = [(f, args, wrt) for f, args, wrt in test_tricky.CASES + test_deferred.CASES]
TABLES += [(c.model, c.args(), c.wrt) for c in seed_cases.CASES]
TABLES += [(f, args, tuple(i for i, a in enumerate(args) if a.dtype.kind == "f"))
           for f, args in test_tricky.WRITES]
TABLES += [(f, make(test_in_place.BIG), wrt) for f, wrt, make in test_in_place.REUSE_CASES]
TABLES += [(w.loss, tuple(w.make_args(np.random.default_rng(5), small)), w.wrt)
           for small in (True, False) for w in WORKLOADS]

TABLES += [(loss, make(), 0) for loss, _, make in test_trees.CASES.values()]

_X = normal(3, 2)
HAND += [
    (tree_models.two_args_loss, ({"a": normal(3), "b": normal(3)}, normal(3)), (0, 1)),
    (tree_models.grad_norm, ({"a": normal(3), "b": normal(3)},), 0),
    (binding_models.scaled, (normal(3),), 0),
    (binding_models.regularised, (normal(2),), 0),
    (binding_models.powered, (normal(3),), 0),
    (binding_models.make_scaled()[0], (normal(3),), 0),
    (binding_models.make_data_loss(_X), (normal(2),), 0),
    (binding_models.with_default, (normal(3),), 0),
    (binding_models.calls_helper, (normal(3),), 0),
    (binding_models.uses_abs, (normal(3),), 0),
    (binding_models.twice_square, (normal(3),), 0),
    (binding_models.square_of_shift, (normal(3),), 0),
    (binding_models.Square().loss, (normal(3),), 0),
    (binding_models.Cube().loss, (normal(3),), 0),
    (binding_models.Scaled(normal(2, 2)).loss, (normal(3, 2),), 0),
    (binding_models.gradient_at_import, (normal(2),), 0),
    (tree_models.cubic, ({"a": normal(3), "b": normal(3)},), 0),
    (tricky_programs.write_into_a_copy_of_a_parameter, (normal(4), normal(4)), (0, 1)),
]

CASES = HAND + TABLES


def fresh(f, wrt):
    """A new gradient object (nothing compiled yet), for a function or a bound method."""
    if methods.is_method(f):
        return methods.MethodGradient(f, wrt, False)
    return diffc.api.gradients.GradientFunction(f, wrt)


def flatten(value):
    if isinstance(value, dict):
        return [x for k in value for x in flatten(value[k])]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in flatten(v)]
    return [np.asarray(value)]


def copies(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def assert_agree(optimized, plain, what):
    got, want = flatten(optimized), flatten(plain)
    assert len(got) == len(want), what
    scale = max([1.0] + [float(np.max(np.abs(w), initial=0.0, where=np.isfinite(w))) for w in want])
    for k, (a, b) in enumerate(zip(got, want)):
        assert a.shape == b.shape and a.dtype == b.dtype, \
            f"{what}: gradient {k}: {a.shape} {a.dtype}, {b.shape} {b.dtype} without passes"
        eps = np.finfo(b.dtype).eps if b.dtype.kind == "f" else 0.0     # float32 rounds more
        np.testing.assert_allclose(a, b, rtol=max(RTOL, 100 * eps), atol=max(ATOL, 100 * eps) * scale,
                                   err_msg=f"{what}: gradient {k}")


def both(f, args, wrt):
    with np.errstate(invalid="ignore", divide="ignore"):   # nan_branch: sqrt of negatives, both ways
        optimized = fresh(f, wrt)(*copies(args))
        with passes.unoptimized():
            plain = fresh(f, wrt)(*copies(args))
    return optimized, plain


def _name(f):
    return getattr(f, "__qualname__", getattr(f, "__name__", "f"))


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{_name(c[0])}-{k}" for k, c in enumerate(CASES)])
def test_optimized_equals_unoptimized(f, args, wrt):
    assert_agree(*both(f, args, wrt), _name(f))


def test_keyword_only_parameters_and_an_auxiliary_result():
    x, w = normal(4), normal(4)
    optimized = fresh(tricky_programs.keyword_only, "w")(x, w=w, shift=1.5)
    with passes.unoptimized():
        plain = fresh(tricky_programs.keyword_only, "w")(x, w=w, shift=1.5)
    assert_agree(optimized, plain, "keyword_only")
    for x in (np.ones(3) * 2.0, np.ones(3) * 0.1):        # each return of the branch
        optimized = diffc.api.gradients.GradientFunction(jump_models.loss_and_branch, 0, True, True)(x)
        with passes.unoptimized():
            plain = diffc.api.gradients.GradientFunction(jump_models.loss_and_branch, 0, True, True)(x)
        assert optimized[0] == plain[0]
        assert_agree(optimized[1], plain[1], "loss_and_branch")


def test_the_scipy_model_optimized_equals_unoptimized():
    pytest.importorskip("scipy")        # installed with the examples extra, as CI does
    from tests import scipy_models
    args = (normal(4, 3), rng.integers(0, 3, size=4))
    assert_agree(*both(scipy_models.scipy_losses, args, 0), "scipy_losses")


# -- the examples, compiled the way the committed modules were (`diffc compile`) ---------
def _command_line_gradient(path, name, flags):
    options = dict(zip(flags[::2], flags[1::2]))
    specs = [v for k, v in zip(flags[::2], flags[1::2]) if k == "--arg"]
    src = targets.function_source(path, name)
    wrt = targets.wrt_option(options["--wrt"]) if "--wrt" in options else \
        targets.decoration(src.module, name).wrt
    indices, single = targets.wrt_indices(src, wrt)
    args = targets.examples(src, specs, np.random.default_rng(3))
    compiled = pipeline.compile_gradient(src, indices, args, single=single)
    module = load.load_source(pipeline.module_text(path, [compiled], command="diffc compile"), name)
    return getattr(module, compiled.name)(*copies(args))


def _example_targets():
    out = []
    for example, flags in sorted(test_examples.GENERATED.items()):
        path = os.path.join(test_examples.EXAMPLES, f"{example}.py")
        options = dict(zip(flags[::2], flags[1::2]))
        names = [options["-f"]] if "-f" in options else targets.decorated(targets.read_module(path))
        out += [(path, name, flags) for name in names]
    return out


EXAMPLE_TARGETS = _example_targets()


@pytest.mark.parametrize("path,name,flags", EXAMPLE_TARGETS,
                         ids=[f"{os.path.basename(p)}:{n}" for p, n, _ in EXAMPLE_TARGETS])
def test_examples_optimized_equal_unoptimized(path, name, flags):
    optimized = _command_line_gradient(path, name, flags)
    with passes.unoptimized():
        plain = _command_line_gradient(path, name, flags)
    assert_agree(optimized, plain, f"{path}:{name}")


# -- the corpus of programs in users' idioms (tests/corpus/) ----------------------------------
_GRADIENTS = {"grad": (False, False), "value_and_grad": (True, False), "grad_aux": (False, True)}
CORPUS = [n for n, outcome in corpus_harness.read_manifest().items() if outcome == "right"]


def _corpus_gradient(name, index):
    case = corpus_harness.load_program(name).make()[index]      # fresh objects every time
    if case.get("before") is not None:
        case["before"]()
    with_value, has_aux = _GRADIENTS[case.get("api", "grad")]
    fn, wrt = case["fn"], case.get("wrt", 0)
    g = diffc.api.decorators._build(fn, wrt, with_value, has_aux)   # a method, a partial...
    with contextlib.redirect_stdout(io.StringIO()):
        return g(*case["args"], **case.get("kwargs", {}))


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_programs_optimized_equal_unoptimized(name):
    """Each gradient case of a program the corpus records as right (its first call; the
    variants change bindings, not the passes)."""
    cases = corpus_harness.load_program(name).make()
    compared = 0
    for index, case in enumerate(cases):
        if case.get("api", "grad") not in _GRADIENTS:
            continue
        optimized = _corpus_gradient(name, index)
        with passes.unoptimized():
            plain = _corpus_gradient(name, index)
        assert_agree(optimized, plain, f"{name}: {case['name']}")
        compared += 1
    assert compared or all(c.get("api") in ("jacobian", "vjp", "jvp") for c in cases)


# -- fuzzed programs ---------------------------------------------------------------------
@settings(max_examples=FUZZED, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(programs())
def test_fuzzed_programs_optimized_equal_unoptimized(tmp_path_factory, program):
    f = program.load(str(tmp_path_factory.getbasetemp()))
    assert_agree(*both(f, program.args, program.wrt), program.source)


# -- every model is compared ---------------------------------------------------------------
CORPORA = [binding_models, container_models, control_models, in_place_models, jump_models, method_models,
           models_core, models_decorated, models_seed, semantics_models, tree_models, tricky_programs,
           helpers, calls_model, pair_models, user_model, bench_models]

# functions of the corpora that are not models to compare, and why
NOT_COMPARED = {
    "models_core.vector_output": "returns an array: the test of grad's scalar-output error",
    "calls.model.recursive": "recursion: the test of its located error",
    "tricky_programs.make_closure": "makes the model it returns (compared as make_closure(1.7))",
    "method_models.Mutating.loss": "assigns an attribute: the test of its located error",
    "tricky_programs.write_into_a_parameter": "writes into the caller's array: a located error",
    "calls.pair_models.hand_bptt": "backpropagation written by hand: the oracle of a test",
    "binding_models.set_scale": "a setter the binding tests call between calls",
    "binding_models.make_scaled": "a factory: the loss it makes is compared",
    "binding_models.make_data_loss": "a factory: the loss it makes is compared",
    "binding_models.other_helper": "an array-valued helper the binding tests swap in",
    "binding_models.doubled": "a decorator: twice_square is compared",
    "binding_models.shifted": "a decorator: square_of_shift is compared",
    "binding_models.logged": "a decorator around logged_square",
    "binding_models.logged_square": "prints: the test of its located error",
    "binding_models.super_fn": "called by Cube.fn: Cube().loss is compared",
    "tree_models.dict_out": "array-valued: a jacobian test's function",
    "tree_models.list_out": "array-valued: a jacobian test's function",
    "tree_models.tuple_out": "array-valued: a jacobian test's function",
    "tree_models.nested_out": "array-valued: a jacobian test's function",
    "tree_models.two_outputs": "array-valued: a jacobian test's function",
    "userrules.model.softplus_reverse": "a user's reverse rule: the models' gradients call it",
    "userrules.model.scaled_pair_reverse": "a user's reverse rule: the models' gradients call it",
}


def _compared():
    seen = {_unwrapped(f) for f, _, _ in CASES}
    seen |= {_unwrapped(c[0]) for c in test_optimize.CASES + test_optimize.SCATTER_CASES}
    seen |= {_unwrapped(f) for f, _, _ in test_tricky.CASES}
    return seen | {tricky_programs.keyword_only, jump_models.loss_and_branch}


def _unwrapped(f):
    f = getattr(f, "primal", f)
    return getattr(f, "__func__", f)


def _module_functions(module):
    for name, value in vars(module).items():
        value = getattr(value, "primal", value)
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            yield name, value
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            for attr, member in vars(value).items():
                if inspect.isfunction(member) and not attr.startswith("__"):
                    yield f"{name}.{attr}", member


def test_every_corpus_model_is_compared():
    compared = _compared()
    missing = []
    for module in CORPORA:
        short = module.__name__.replace("tests.", "")
        for name, fn in _module_functions(module):
            if fn in compared or f"{short}.{name}" in NOT_COMPARED:
                continue
            if _called_by_a_compared_model(fn, compared):
                continue
            missing.append(f"{short}.{name}")
    assert not missing, f"corpus models compared nowhere (add them to HAND): {missing}"


def _called_by_a_compared_model(fn, compared):
    """A helper (``scale``, ``rnn_step``) is compared inside the models that call it."""
    return any(fn.__name__ in getattr(g, "__code__", None).co_names for g in compared
               if getattr(g, "__code__", None) is not None and g is not fn)
