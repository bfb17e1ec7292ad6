"""Every transform takes dicts, lists and tuples of arrays (nested too) and returns results
of the input's structure, checked against central differences.

The layout is JAX's: a tangent or a pullback's result has the differentiated argument's
structure; a Jacobian is the output's structure with each output entry replaced by the
input's structure of blocks (``out.shape + in.shape``); a Hessian of a dict argument is a
dict of dicts of blocks.
"""
import numpy as np
import pytest

import diffc
from diffc import trees
from diffc.testing import check_grads, numerical_grad
from tests import tree_models as m

rng = np.random.default_rng(41)


def dict_args():
    return ({"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "s": 0.7},
            rng.normal(size=(4, 3)))


def list_args():
    return [rng.normal(size=3), rng.normal(size=3)], rng.normal(size=3)


def tuple_args():
    return (rng.normal(size=(3, 2)) * 0.5, rng.normal(size=2)), rng.normal(size=(2, 3)) * 0.5


def nested_args():
    p = {"layers": [{"W": rng.normal(size=(3, 4)) * 0.5}, {"W": rng.normal(size=(4, 2)) * 0.5}],
         "scale": (rng.normal(size=2), 0.3)}
    return p, rng.normal(size=(2, 3))


CASES = {            # name: (scalar function, array-valued function, example arguments)
    "dict": (m.dict_loss, m.dict_out, dict_args),
    "list": (m.list_loss, m.list_out, list_args),
    "tuple": (m.tuple_loss, m.tuple_out, tuple_args),
    "nested": (m.nested_loss, m.nested_out, nested_args),
}


# -- oracles: central differences, leaf by leaf -------------------------------------------
def _with_leaf(args, i, path, value):
    new = list(args)
    new[i] = trees.replace(args[i], path, value)
    return new


def cd_jacobian(fn, args, i, eps=1e-6):
    """The Jacobian of ``fn`` (a tree of arrays) with respect to the tree ``args[i]`` by
    central differences, in the layout diffc (and JAX) return."""
    base = fn(*args)
    outs, ins = trees.leaves(base), trees.leaves(args[i])
    blocks = {}
    for ipath, leaf in ins:
        x = np.array(leaf, dtype=float)
        for op, out in outs:
            blocks[op, ipath] = np.zeros(np.shape(out) + x.shape)
        for index in np.ndindex(x.shape):
            def at(delta):
                y = x.copy()
                y[index] += delta
                value = y if isinstance(leaf, np.ndarray) else float(y)
                return fn(*_with_leaf(args, i, ipath, value))
            plus, minus = at(eps), at(-eps)
            for op, out in outs:
                d = (np.asarray(trees.get(plus, op)) - np.asarray(trees.get(minus, op))) / (2 * eps)
                blocks[op, ipath][(slice(None),) * np.ndim(out) + index] = d
    return trees.rebuild(base, [trees.rebuild(args[i], [blocks[op, ip] for ip, _ in ins])
                                for op, _ in outs])


def cd_directional(fn, args, i, tangent, eps=1e-6):
    """``(fn(x + eps t) - fn(x - eps t)) / 2 eps`` along the tree ``tangent`` of ``args[i]``."""
    def shifted(sign):
        moved = trees.rebuild(args[i], [np.asarray(leaf, dtype=float) + sign * eps * np.asarray(t)
                                        for (_, leaf), (_, t) in zip(trees.leaves(args[i]),
                                                                     trees.leaves(tangent))])
        new = list(args)
        new[i] = moved
        return fn(*new)
    plus, minus = shifted(1.0), shifted(-1.0)
    return trees.rebuild(plus, [(np.asarray(a) - np.asarray(b)) / (2 * eps)
                                for (_, a), (_, b) in zip(trees.leaves(plus), trees.leaves(minus))])


def random_like(tree):
    return trees.rebuild(tree, [rng.normal(size=np.shape(leaf)) if isinstance(leaf, np.ndarray)
                                else float(rng.normal()) for _, leaf in trees.leaves(tree)])


def assert_tree_close(got, want, rtol=1e-5, atol=1e-6, path=()):
    """Same containers (kind, keys, length) all the way down, leaves close."""
    where = "".join(f"[{k!r}]" for k in path) or "the result"
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{where}: {got!r}"
        for k in want:
            assert_tree_close(got[k], want[k], rtol, atol, path + (k,))
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want), f"{where}: {type(got)} {got!r}"
        for k, (g, w) in enumerate(zip(got, want)):
            assert_tree_close(g, w, rtol, atol, path + (k,))
    else:
        assert not trees.is_container(got), f"{where}: {got!r}"
        assert np.shape(got) == np.shape(want), f"{where}: shape {np.shape(got)} != {np.shape(want)}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=where)


# -- each transform, each kind of container ----------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_grad_and_value_and_grad(case):
    loss, _, make = CASES[case]
    args = make()
    want = numerical_grad(loss, args, 0)
    assert_tree_close(diffc.grad(loss)(*args), want)
    value, got = diffc.value_and_grad(loss)(*args)
    assert_tree_close(got, want)
    np.testing.assert_allclose(value, loss(*args), rtol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_jvp(case):
    loss, out, make = CASES[case]
    args = make()
    t = random_like(args[0])
    for fn in (loss, out):
        value, tangent = diffc.jvp(fn)(*args, tangents=t)
        np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
        assert_tree_close(tangent, cd_directional(fn, args, 0, t))


@pytest.mark.parametrize("case", CASES)
def test_vjp_pullback_has_the_arguments_structure(case):
    _, out, make = CASES[case]
    args = make()
    value, pullback = diffc.vjp(out)(*args)
    u = rng.normal(size=np.shape(value))
    assert_tree_close(pullback(u), numerical_grad(lambda *a: np.sum(out(*a) * u), args, 0))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("case", CASES)
def test_jacobian_is_a_container_of_blocks(case, mode):
    _, out, make = CASES[case]
    args = make()
    got = diffc.jacobian(out, mode=mode)(*args)
    assert_tree_close(got, cd_jacobian(out, args, 0))


@pytest.mark.parametrize("case", CASES)
def test_hessian_is_a_container_of_containers_of_blocks(case):
    loss, _, make = CASES[case]
    args = make()
    gradient = diffc.grad(loss)
    assert_tree_close(gradient(*args), numerical_grad(loss, args, 0))   # the first derivative
    got = diffc.hessian(loss)(*args)
    assert_tree_close(got, cd_jacobian(gradient, args, 0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES)
def test_hvp(case):
    loss, _, make = CASES[case]
    args = make()
    gradient = diffc.grad(loss)
    v = random_like(args[0])
    got = diffc.hvp(loss)(*args, tangents=v)
    assert_tree_close(got, cd_directional(gradient, args, 0, v), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES)
def test_check_grads_compares_every_entry(case):
    loss, _, make = CASES[case]
    args = make()
    reports = check_grads(loss, args, wrt=0, modes=("reverse", "forward", "numeric"))
    names = sorted({r.name for r in reports})
    leaves = trees.leaves(args[0])
    assert len(names) == len(leaves) and {r.mode for r in reports} == {"reverse", "forward"}
    assert all(r.ok for r in reports)
    default = check_grads(loss, args)          # every float argument: the container too
    assert {r.name for r in default} >= set(names)


# -- exact values where the Hessian is known in closed form --------------------------------
def test_hessian_of_a_dict_is_a_dict_of_dicts_with_the_known_blocks():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    H = diffc.hessian(m.cubic)({"a": a, "b": b})     # sum(a**3) + sum(a * b)
    assert list(H) == ["a", "b"] and all(list(H[k]) == ["a", "b"] for k in H)
    np.testing.assert_allclose(H["a"]["a"], np.diag(6 * a))
    np.testing.assert_allclose(H["a"]["b"], np.eye(2))
    np.testing.assert_allclose(H["b"]["a"], np.eye(2))
    np.testing.assert_allclose(H["b"]["b"], np.zeros((2, 2)))
    Hv = diffc.hvp(m.cubic)({"a": a, "b": b}, tangents={"a": np.array([1.0, 0.0]), "b": np.ones(2)})
    np.testing.assert_allclose(Hv["a"], 6 * a * [1.0, 0.0] + 1.0)
    np.testing.assert_allclose(Hv["b"], [1.0, 0.0])


def test_tuple_wrt_mixing_a_container_and_an_array():
    p, v = {"a": rng.normal(size=3), "b": rng.normal(size=3)}, rng.normal(size=3)
    args = (p, v)
    H = diffc.hessian(m.two_args_loss, wrt=(0, 1))(*args)
    gradient = diffc.grad(m.two_args_loss, wrt=(0, 1))
    for j in range(2):
        col = cd_jacobian(lambda *a: gradient(*a), args, j)      # (dp, dv), each of wrt j
        assert_tree_close(H[0]["a"][j], col[0]["a"], atol=1e-5)
        assert_tree_close(H[0]["b"][j], col[0]["b"], atol=1e-5)
        assert_tree_close(H[1][j], col[1], atol=1e-5)
    J = diffc.jacobian(m.two_args_loss, wrt=(0, 1), mode="forward")(*args)
    assert_tree_close(J, (numerical_grad(m.two_args_loss, args, 0),
                          numerical_grad(m.two_args_loss, args, 1)))


def test_forward_jacobian_of_a_tuple_output_keeps_every_output():
    x = np.array([1.0, 2.0])
    J = diffc.jacobian(m.two_outputs, mode="forward")(x)
    assert isinstance(J, tuple) and len(J) == 2
    assert_tree_close(J, cd_jacobian(m.two_outputs, (x,), 0))
    assert_tree_close(diffc.jacobian(m.two_outputs, wrt=(0,), mode="forward")(x),
                      ((2.0 * np.eye(2),), (2.0 * x,)))


# -- mistakes are named ------------------------------------------------------------------------
def test_a_tangent_of_the_wrong_structure_is_named():
    p, x = dict_args()
    with pytest.raises(ValueError, match=r"keys \['W', 'b'\], expected \['W', 'b', 's'\]"):
        diffc.jvp(m.dict_loss)(p, x, tangents={"W": np.ones((3, 2)), "b": np.ones(2)})
    with pytest.raises(ValueError, match=r"tangent at \['b'\] has shape \(3,\), expected \(2,\)"):
        diffc.jvp(m.dict_loss)(p, x, tangents={"W": np.ones((3, 2)), "b": np.ones(3), "s": 1.0})
    with pytest.raises(ValueError, match="must be a dict"):
        diffc.hvp(m.dict_loss)(p, x, tangents=np.ones(3))


def test_check_grads_names_the_wrong_entry():
    from tests.userrules import model as rules_model

    def wrong_in_y(p):
        return rules_model.wrong(p["x"], p["y"])

    p = {"x": rng.normal(size=3), "y": rng.normal(size=3)}
    with pytest.raises(AssertionError, match=r"p\['y'\].*MISMATCH"):
        check_grads(wrong_in_y, (p,))


def test_check_grads_refuses_to_compare_nothing():
    with pytest.raises(ValueError, match="no float argument"):
        check_grads(m.cubic, ({"a": np.arange(3), "b": np.arange(3)},))


def test_reverse_mode_through_a_gradient_of_a_dict():
    """A function that calls diffc.grad of a dict and reads the gradient's entries: the
    gradient flows back through the dict built by the inner gradient (it was dropped)."""
    p = {"a": rng.normal(size=3), "b": rng.normal(size=3)}
    got = diffc.grad(m.grad_norm)(p)
    assert isinstance(got, dict), got               # was 0
    assert_tree_close(got, numerical_grad(m.grad_norm, (p,), 0), rtol=1e-5, atol=1e-5)
