"""The generated code reads like a hand-written backward pass: no builtin shadowed, no
leftover arithmetic (``/ 1``, ``** 1``), nothing computed only for its size, and the
signature's shapes used through helper calls and loops over lists of weights (no
``unbroadcast`` where the shapes fix the gradient's). Every gradient is also checked
against central differences."""
import ast
import builtins

import numpy as np

import diffc
from tests import readable_models as m
from tests.gradcheck import assert_close, numeric_vjp

rng = np.random.default_rng(5)
W, X, Y = rng.normal(size=(4, 3)), rng.normal(size=(6, 4)), np.array([0, 1, 2, 1, 0, 2])
BUILTINS = set(dir(builtins))


def _stored_names(source):
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)}


def _check(fn, args, wrt=0):
    g = diffc.grad(fn, wrt=wrt)(*args)
    for k, i in enumerate(wrt if isinstance(wrt, tuple) else (wrt,)):
        got = g[k] if isinstance(wrt, tuple) else g
        assert_close(got, numeric_vjp(fn, list(args), i, 1.0), f"d{fn.__name__}/d{i}")
    return diffc.grad(fn, wrt=wrt).source_for(*args)


def test_a_helper_pair_shadows_no_builtin_and_keeps_the_shapes():
    source = _check(m.two_heads, (W, X, Y))
    assert not _stored_names(source) & BUILTINS, _stored_names(source) & BUILTINS
    assert "sum_1" in source.split("= saved")[0].splitlines()[-1]     # as the forward names it
    assert "unbroadcast" not in source                 # dS from the pair's backward is (6, 3)
    assert "_, saved = xent_forward(S, y)" in source   # the loss's value is not read


def test_a_mean_over_everything_divides_by_the_size():
    source = _check(m.mean_log_prob, (W, X, Y))
    assert "/ 1)" not in source and "dmean / np.size(sel) / sel" in source
    assert "np.size(np.log(" not in source               # not recomputed for its size


def test_constants_fold_inside_a_loop_of_a_helper():
    A, v = rng.normal(size=(3, 3)), rng.normal(size=3)
    source = _check(m.rayleigh, (A, v), wrt=(0, 1))
    assert "** 1" not in source and "* 2 * v" in source


def test_a_loop_over_a_list_of_weights_needs_no_unbroadcast():
    params, x = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))], rng.normal(size=(5, 3))
    grads = diffc.grad(m.deep_tanh)(params, x)
    for i in range(2):
        def f(W0, W1, x):
            return m.deep_tanh([W0, W1], x)
        assert_close(grads[i], numeric_vjp(f, [params[0], params[1], x], i, 1.0), f"dparams[{i}]")
    source = diffc.grad(m.deep_tanh).source_for(params, x)
    assert "unbroadcast" not in source
    assert "list(" not in source and "dparams[i] = dparams[i] + dW" in source   # no copy a step


def test_matrix_vector_products_in_a_loop_over_shapes_that_change():
    mats, v = [rng.normal(size=(4, 3)), rng.normal(size=(2, 4))], rng.normal(size=3)
    grads = diffc.grad(m.vector_chain, wrt=(0, 1))(mats, v)

    def f(M0, M1, v):
        return m.vector_chain([M0, M1], v)
    for i in range(2):
        assert_close(grads[0][i], numeric_vjp(f, [mats[0], mats[1], v], i, 1.0), f"dmats[{i}]")
    assert_close(grads[1], numeric_vjp(f, [mats[0], mats[1], v], 2, 1.0), "dv")
    assert "unbroadcast" not in diffc.grad(m.vector_chain, wrt=(0, 1)).source_for(mats, v)


def _reassigned_gradients(source):
    """Gradient names (``d...``) assigned again by a statement that does not read them."""
    wrong = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef):
            continue
        assigned = set()
        for stmt in fn.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id.startswith("d"):
                name = stmt.targets[0].id
                reads = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
                if name in assigned and name not in reads:
                    wrong.append(ast.unparse(stmt))
                assigned.add(name)
    return wrong


def test_one_name_per_gradient_in_straight_line_code():
    t = np.eye(3)[Y]
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5),
              "W2": rng.normal(size=(5, 3)), "b2": rng.normal(size=3)}
    for fn, args in ((m.two_layer, (params, X, t)), (m.mean_log_prob, (W, X, Y)),
                     (m.svm, (W, X, Y, 0.1))):
        source = diffc.grad(fn).source_for(*args)
        assert not _reassigned_gradients(source), (fn.__name__, _reassigned_gradients(source))
    g = diffc.grad(m.two_layer)(params, X, t)

    def f(W1, b1, W2, b2):
        return m.two_layer({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X, t)
    for i, key in enumerate(("W1", "b1", "W2", "b2")):
        assert_close(g[key], numeric_vjp(f, list(params.values()), i, 1.0), f"d{key}")


def test_cumprod_gradient_is_linear_in_memory_and_exact_with_zeros():
    import tracemalloc
    n = 2000
    x, w = 1 + 0.01 * rng.normal(size=n), rng.normal(size=n)
    grad = diffc.grad(m.running_product)
    grad(x, w)                                       # compiled
    tracemalloc.start()
    g = grad(x, w)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * 8 * n, peak                   # the n x n form took over 100 MB here
    assert_close(g, numeric_vjp(m.running_product, [x, w], 0, 1.0), "dx")
    X = np.array([[0.0, 1.5, 0.0, 2.0], [2.0, 0.0, -1.0, 0.5], [1.5, -2.0, 0.5, 3.0]])
    W2 = rng.normal(size=X.shape)
    assert_close(diffc.grad(m.running_product_rows)(X, W2),
                 numeric_vjp(m.running_product_rows, [X, W2], 0, 1.0), "dX with zeros")
    jvp = diffc.jvp(m.running_product_rows, 0)(X, W2, tangents=W2)[1]
    assert np.isclose(jvp, np.sum(numeric_vjp(m.running_product_rows, [X, W2], 0, 1.0) * W2))


def test_units_folded_in_a_chain_leave_no_dangling_name():
    # the dispatcher's copy of a small scalar gradient folds dout / 1 / 1 to dout: the
    # second fold read the first's folded name (KeyError in the emitter)
    assert diffc.grad(m.mean_of_mean)(1.35) == 3.0
    assert_close(diffc.grad(m.mean_of_mean)(np.array([1.0, 2.0])),
                 numeric_vjp(m.mean_of_mean, [np.array([1.0, 2.0])], 0, 1.0), "dx")


def test_a_loop_over_layers_of_w_b_pairs_is_written_for_each_layers_shapes():
    params = [(rng.normal(size=(4, 5)), rng.normal(size=5)), (rng.normal(size=(5, 3)), rng.normal(size=3))]
    x, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    grads = diffc.grad(m.layers_of_pairs, wrt="params")(params, x, y)

    def f(W0, b0, W1, b1):
        return m.layers_of_pairs([(W0, b0), (W1, b1)], x, y)
    leaves = [params[0][0], params[0][1], params[1][0], params[1][1]]
    for i in range(4):
        assert_close(grads[i // 2][i % 2], numeric_vjp(f, leaves, i, 1.0), f"dparams[{i // 2}][{i % 2}]")
    source = diffc.grad(m.layers_of_pairs, wrt="params").source_for(params, x, y)
    for generic in ("unbroadcast", "add_gradients", "zeros_like_gradient", "broadcast_to"):
        assert generic not in source, generic
    assert "db = dz.sum(axis=0)" in source


def test_a_list_item_the_data_picks_keeps_the_general_form():
    """``mats[k]`` with ``k`` computed from the data: which item, so its shape, is not fixed
    by the signature (one compile serves both picks)."""
    mats, b = [rng.normal(size=3), rng.normal(size=(4, 3))], rng.normal(size=3)
    gradient = diffc.grad(m.picked_by_the_data, wrt=2)
    for x in (-np.ones(2), np.ones(2)):
        got = gradient(mats, x, b)
        assert_close(got, numeric_vjp(m.picked_by_the_data, [mats, x, b], 2, 1.0), f"db, sum(x)={x.sum()}")
