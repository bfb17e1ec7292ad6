"""The compiler's core behaviour through the public API, each checked against an oracle."""
import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import diffc
from diffc.errors import NonDifferentiableInput, NonScalarOutput
from diffc.testing import check_grads, numerical_grad
from tests import models_core as m

rng = np.random.default_rng(7)


def test_graph_values_and_source():
    g = diffc.grad(m.graph, wrt=("x", "y", "z"))
    assert g(-2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)
    assert "dq = dout * z" in g.source
    assert g.primal is m.graph


def test_gradient_objects_are_cached_per_function():
    assert diffc.grad(m.graph, wrt=2) is diffc.grad(m.graph, wrt=2)
    assert diffc.grad(m.graph, wrt=2) is not diffc.grad(m.graph, wrt=1)


def test_decorator_forms():
    assert diffc.grad(m.graph)(1.0, 2.0, 3.0) == 3.0
    assert diffc.grad(wrt=2)(m.graph)(1.0, 2.0, 3.0) == 3.0
    value, grads = diffc.value_and_grad(m.graph, wrt=(0, "z"))(1.0, 2.0, 3.0)
    assert value == 9.0 and grads == (3.0, 3.0)
    assert diffc.grad(m.graph, wrt=-1)(1.0, 2.0, 3.0) == 3.0


def test_keyword_call():
    g = diffc.grad(m.graph, wrt="z")
    assert g(1.0, 2.0, z=3.0) == 3.0


CASES = [
    (m.sigmoid_neuron, (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])), (0, 1)),
    (m.affine_loss, (rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4),
                     rng.normal(size=(5, 4))), (0, 1, 2)),
    (m.plain_numpy_import, (rng.normal(size=(3, 2)),), (0,)),
    (m.from_import, (rng.normal(size=4),), (0,)),
    (m.names_that_look_generated, (rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)), (0, 1, 2)),
    (m.reuses_names, (rng.normal(size=(2, 3)),), (0,)),
    (m.same_value_five_times, (rng.normal(size=4),), (0,)),
    (m.broadcast_both_ways, (rng.normal(size=(2, 1)), rng.normal(size=(1, 3))), (0, 1)),
    (m.broadcast_both_ways, (rng.normal(size=(3,)), rng.normal(size=(2, 3))), (0, 1)),
    (m.broadcast_both_ways, (1.5, rng.normal(size=(2, 3))), (0, 1)),
    (m.broadcast_both_ways, (rng.normal(size=(2, 3)), 0.7), (0, 1)),
    (m.mean_axis, (rng.normal(size=(4, 3)),), (0,)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_against_central_differences(f, args, wrt):
    check_grads(f, args, wrt=wrt)


def test_broadcast_gradient_has_operand_shape():
    a, b = rng.normal(size=(2, 1)), rng.normal(size=(1, 3))
    da, db = diffc.grad(m.broadcast_both_ways, wrt=(0, 1))(a, b)
    assert da.shape == (2, 1) and db.shape == (1, 3)


def test_softmax_loss_matches_closed_form():
    W, X, y = rng.normal(size=(4, 3)), rng.normal(size=(5, 4)), np.array([0, 2, 1, 2, 0])
    dW = diffc.grad(m.softmax_loss)(W, X, y)
    S = X @ W
    P = np.exp(S - S.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    T = np.eye(3)[y]
    np.testing.assert_allclose(dW, X.T @ (P - T) / 5, rtol=1e-10)


def test_integer_index_repeats_accumulate():
    W, X, y = rng.normal(size=(4, 3)), rng.normal(size=(5, 4)), np.array([1, 1, 1, 1, 1])
    check_grads(m.softmax_loss, (W, X, y), wrt=0)


def test_max_gate_routes_and_ties_split():
    g = diffc.grad(m.max_gate, wrt=(0, 1))
    assert g(3.0, 1.0) == (2.0, 0.0)
    assert g(1.0, 3.0) == (0.0, 2.0)
    assert g(2.0, 2.0) == (1.0, 1.0)


def test_float32_stays_float32():
    x = rng.normal(size=(3, 2)).astype(np.float32)
    assert diffc.grad(m.plain_numpy_import)(x).dtype == np.float32


def test_unused_argument_gets_zeros():
    dx, dy = diffc.grad(m.unused_argument, wrt=(0, 1))(np.ones(3), np.ones(2))
    np.testing.assert_array_equal(dx, 3.0)
    np.testing.assert_array_equal(dy, np.zeros(2))


def test_non_scalar_output_is_an_error():
    with pytest.raises(NonScalarOutput) as e:
        diffc.grad(m.vector_output)(np.ones(3))
    assert "models_core.py" in str(e.value) and "return x * 2.0" in str(e.value)


def test_integer_argument_is_an_error():
    with pytest.raises(NonDifferentiableInput, match="'n'"):
        diffc.grad(m.uses_integer, wrt=1)(np.ones(3), 2)
    # with respect to the float argument it is fine, and the integer is a constant
    np.testing.assert_array_equal(diffc.grad(m.uses_integer)(np.ones(3), 2), 2.0)


def test_compiles_once_per_signature():
    g = diffc.api.gradients.GradientFunction(m.reuses_names)
    g(np.ones(3))
    g(np.ones(3) * 2)
    g(np.ones((2, 2)))
    assert len(g._specialised) == 2


def test_ir_is_printable():
    text = str(diffc.ir(m.graph))
    assert "add(x, y)" in text and "multiply(q, z)" in text


def test_generated_module_runs_without_diffc(tmp_path):
    g = diffc.grad(m.affine_loss, wrt=(0, 1, 2))
    args = CASES[1][1]
    expected = g(*args)
    path = tmp_path / "affine_grad.py"
    path.write_text(g.source)
    np.savez(tmp_path / "args.npz", *args)
    script = (
        "import sys, numpy as np\n"
        "sys.modules['diffc'] = None\n"          # importing diffc now fails
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import affine_grad\n"
        f"a = np.load({str(tmp_path / 'args.npz')!r})\n"
        "out = affine_grad.grad_affine_loss(*[a[f'arr_{i}'] for i in range(4)])\n"
        "np.savez(sys.argv[1], *out)\n")
    out = tmp_path / "out.npz"
    subprocess.run([sys.executable, "-c", script, str(out)], check=True, cwd=tmp_path,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    got = np.load(out)
    for i, e in enumerate(expected):
        np.testing.assert_allclose(got[f"arr_{i}"], e)


def test_traceback_shows_generated_file():
    g = diffc.grad(m.affine_loss, wrt=1)
    args = CASES[1][1]
    g(*args)
    fn = g._specialised[diffc.api.gradients._signature(args)].fn
    assert os.path.exists(fn.__code__.co_filename)


def test_numerical_grad_of_scalar_function():
    assert abs(numerical_grad(lambda x: x ** 3, (2.0,), 0) - 12.0) < 1e-6


def test_gradient_can_be_updated_in_place():
    dx = diffc.grad(m.plain_sum)(np.ones((2, 3)))
    dx *= 0.5                     # a read-only broadcast view would raise here
    np.testing.assert_array_equal(dx, 0.5)


def test_scipy_special_functions_by_their_imported_names():
    pytest.importorskip("scipy")        # installed with the examples extra, as CI does
    from tests import scipy_models
    S, y = rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])
    check_grads(scipy_models.scipy_losses, (S, y), wrt=0)
    source = diffc.grad(scipy_models.scipy_losses).source_for(S, y)
    # only erf's branch for complex entries imports SciPy, inside the helper: real code
    # runs where SciPy cannot be imported
    assert re.findall(r"^ *(?:import|from) scipy.*$", source, re.M) == ["        import scipy.special"]
    namespace = {}
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in sys.modules if n == "scipy" or n.startswith("scipy.")]:
            patch.setitem(sys.modules, name, None)
        patch.setitem(sys.modules, "scipy", None)
        exec(compile(source, "<generated>", "exec"), namespace)
        grads = namespace[next(n for n in namespace if n.startswith("grad_"))](S, y)
    np.testing.assert_allclose(grads, diffc.grad(scipy_models.scipy_losses)(S, y))


def test_dispatcher_runs_the_generated_statements_inline():
    import inspect
    g = diffc.api.gradients.GradientFunction(m.graph, wrt=(0, 1, 2))
    assert g(-2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)
    dispatcher = inspect.getsource(type(g).__call__)        # a real file: debuggers show it
    # inlined, and leaner than .source: the seed's products by floats and the copies of
    # the results are gone (.source keeps them: the chain rule as the notes write it)
    assert "q = x + y" in dispatcher and "compiled_0(" not in dispatcher
    assert "dout" not in dispatcher and "dq = dout * z" in g.source
    assert g(np.float64(1.0), 2.0, 3.0)[2] == 3.0                   # a new signature
    assert g(-2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)


def test_the_dispatcher_copy_keeps_types_and_never_aliases():
    """Folding ``1.0 * x`` is only for immutable float scalars: an array gradient is a new
    array, an int argument's gradient stays a float, NumPy scalars keep their type."""
    g = diffc.api.gradients.GradientFunction(m.graph, wrt=(0, 1, 2))
    for args in ((-2.0, 5.0, -4.0), (np.float64(-2.0), np.float64(5.0), np.float64(-4.0)),
                 (np.array(-2.0), np.array(5.0), np.array(-4.0)),
                 (np.float32(-2.0), np.float32(5.0), np.float32(-4.0))):
        for _ in range(2):                        # compile, then the dispatcher's inline copy
            dx, dy, dz = g(*args)
            want = diffc.api.gradients.GradientFunction(m.graph, wrt=(0, 1, 2))._compile(args)(*args)
            assert (dx, dy, dz) == tuple(want)
            assert [type(v) for v in (dx, dy, dz)] == [type(v) for v in want]
            for v in (dx, dy, dz):
                assert not any(v is a for a in args if isinstance(a, np.ndarray))


def shared_gradient(x, y, z):
    return np.sum((x + y) * z)


def test_two_gradients_are_never_one_array():
    """``dx`` and ``dy`` of ``(x + y) * z`` are equal; updating one must not change the other."""
    g = diffc.api.gradients.GradientFunction(shared_gradient, wrt=(0, 1, 2))
    x, y, z = np.ones(3), np.full(3, 2.0), np.arange(3.0)
    for _ in range(2):                              # compiled call, then the dispatcher
        dx, dy, dz = g(x, y, z)
        assert not np.shares_memory(dx, dy)
        np.testing.assert_array_equal(dx, z)
        dx *= 2
        np.testing.assert_array_equal(dy, z)
    # Python floats are immutable: no copy is made
    assert "copy" not in diffc.api.gradients.GradientFunction(m.graph, wrt=(0, 1, 2)).source_for(1.0, 2.0, 3.0)


def params_loss(params, x):
    return np.sum(np.tanh(x @ params["W"] + params["b"]) ** 2)


def test_the_dispatcher_checks_a_dict_of_parameters_entry_by_entry():
    import inspect
    rng = np.random.default_rng(5)
    g = diffc.api.gradients.GradientFunction(params_loss, wrt=0)
    p = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    x = rng.normal(size=(4, 3))
    first = g(p, x)
    dispatcher = inspect.getsource(type(g).__call__)
    assert "type(params) is dict" in dispatcher and "tuple(params) == ('W', 'b')" in dispatcher
    again = g(p, x)
    np.testing.assert_array_equal(again["W"], first["W"])
    # other shapes, other keys order, a missing key: the general path, right answers
    p2 = {"W": rng.normal(size=(3, 5)), "b": rng.normal(size=5)}
    assert g(p2, x)["W"].shape == (3, 5)
    swapped = {"b": p["b"], "W": p["W"]}
    np.testing.assert_allclose(g(swapped, x)["W"], first["W"])
    with pytest.raises(Exception):
        g({"W": p["W"]}, x)
