"""Tricky but valid programs (``tests/tricky_programs.py``): diffc's gradients against
central differences, and for writes into arrays, NumPy's own results reproduced exactly."""
import numpy as np
import pytest

import diffc
from diffc.testing import check_grads, numerical_grad
from tests import tricky_programs as t

rng = np.random.default_rng(2024)


def vec(n=4, low=0.5, high=2.0):
    """Values in [low, high]: positive and away from 0, so logs, roots and powers are smooth."""
    return rng.uniform(low, high, size=n)


def mat(shape, low=0.5, high=2.0):
    return rng.uniform(low, high, size=shape)


M23 = mat((2, 3))
V3 = vec(3)

CASES = [
    (t.rebinds_a_parameter, (vec(), vec()), (0, 1)),
    (t.local_shadows_a_numpy_name, (vec(), vec()), (0, 1)),
    (t.alias_then_rebind_the_original, (vec(), vec()), (0, 1)),
    (t.alias_then_rebind_the_alias, (vec(), vec()), (0, 1)),
    (t.swap, (vec(), vec()), (0, 1)),
    (t.name_is_scalar_then_array_then_scalar, (vec(), vec()), (0, 1)),
    (t.same_value_five_times, (vec(), vec()), (0, 1)),
    (t.deep_expression, (vec(), vec()), (0, 1)),
    (t.divide_broadcast_both_ways, (M23, V3, vec(3)), (0, 1, 2)),
    (t.power_broadcast_both_ways, (M23, V3, vec(3)), (0, 1, 2)),
    (t.integer_constants, (np.array([0.3, 0.6, 1.4, 2.7]), vec()), (0, 1)),
    (t.python_scalar_and_array, (1.3, vec(), vec()), (0, 1, 2)),
    (t.zero_d_array, (np.array(0.8), vec()), (0, 1)),
    (t.slice_assignment, (vec(), vec(2), vec()), (0, 1, 2)),
    (t.slice_augmented_assignment, (vec(), vec(2), vec()), (0, 1, 2)),
    (t.integer_array_assignment, (vec(5), vec(2), vec(5), np.array([3, 1])), (0, 1, 2)),
    (t.repeated_index_read, (vec(), vec(5), np.array([2, 0, 2, 3, 2])), (0, 1)),
    (t.two_d_assignments, (M23, V3, vec(3)), (0, 1, 2)),
    (t.write_then_read_back, (vec(3), vec(3)), (0, 1)),
    (t.negative_and_stepped_indices, (vec(), vec()), (0, 1)),
    (t.newaxis_indexing, (vec(3), vec(3)), (0, 1)),
    (t.boolean_mask_read, (np.array([0.7, -1.2, 1.9, -0.4]), vec()), (0, 1)),
    (t.chained_assignment, (vec(), vec()), (0, 1)),
    (t.tuple_unpack_of_array, (vec(3), vec(3)), (0, 1)),
    (t.max_min_where_away_from_ties,
     (np.array([0.9, -0.6, 1.7, 0.4]), np.array([0.2, 0.5, -0.3, 1.1])), (0, 1)),
    (t.pow_forms, (vec(), 3), 0),
    (t.quadratic_form, (vec(3), mat((3, 3), -1.0, 1.0)), (0, 1)),
    (t.keyword_default, (vec(), vec()), (0, 1)),
    (t.make_closure(1.7), (vec(), vec()), (0, 1)),
    (t.dtype_promotion, (vec(3).astype(np.float32), vec(3)), (0, 1)),
    (t.copy_then_write, (vec(), vec()), (0, 1)),
    (t.assign_a_row_that_has_a_leading_one, (M23, mat((1, 3)), mat((2, 3))), (0, 1, 2)),
    (t.assign_a_broadcast_value_that_has_leading_ones, (M23, mat((1, 1)), mat((2, 3))), (0, 1, 2)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_matches_central_differences(f, args, wrt):
    tol = dict(rtol=1e-4, atol=1e-5) if any(getattr(a, "dtype", None) == np.float32
                                               for a in args) else {}
    check_grads(f, args, wrt=wrt, **tol)


def test_at_least_twenty_tricky_programs():
    assert len(CASES) + len(WRITES) + 2 >= 20


def test_float32_in_float32_out():
    x, w = vec().astype(np.float32), vec().astype(np.float32)
    dx, dw = diffc.grad(t.float32_stays_float32, wrt=(0, 1))(x, w)
    assert dx.dtype == np.float32 and dw.dtype == np.float32
    want = numerical_grad(t.float32_stays_float32, (x.astype(float), w.astype(float)), 0)
    np.testing.assert_allclose(dx, want, rtol=1e-4, atol=1e-4)


def test_keyword_only_parameters():
    x, w = vec(), vec()
    np.testing.assert_allclose(diffc.grad(t.keyword_only)(x, w=w), w)
    np.testing.assert_allclose(diffc.grad(t.keyword_only, wrt="w")(x, w=w, shift=1.5), x + 1.5)


# --- writes into arrays: NumPy's own semantics, then the gradient ---------------------------

IDX = np.array([0, 2, 0])
WRITES = [
    (t.slice_assignment, (vec(), vec(2), vec())),
    (t.slice_augmented_assignment, (vec(), vec(2), vec())),
    (t.integer_array_assignment, (vec(5), vec(2), vec(5), np.array([3, 1]))),
    (t.repeated_index_assignment, (vec(), vec(3), vec(), IDX)),
    (t.repeated_index_augmented, (vec(), vec(3), vec(), IDX)),
    (t.two_d_assignments, (M23, V3, vec(3))),
    (t.write_then_read_back, (vec(3), vec(3))),
    (t.copy_then_write, (vec(), vec())),
]


@pytest.mark.parametrize("f,args", WRITES, ids=[w[0].__name__ for w in WRITES])
def test_writes_reproduce_numpy_exactly(f, args):
    """The value diffc computes is bit-for-bit what NumPy computes running ``f``."""
    value, _ = diffc.value_and_grad(f)(*args)
    assert value == f(*[np.copy(a) for a in args])


def test_repeated_index_semantics_are_numpys():
    """The oracle for the two tests below: NumPy keeps the last write to a repeated
    position, and ``+=`` adds once per position, not once per occurrence."""
    y = np.zeros(4)
    y[IDX] = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(y, [3.0, 0.0, 2.0, 0.0])
    y = np.zeros(4)
    y[IDX] += np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(y, [3.0, 0.0, 2.0, 0.0])


@pytest.mark.parametrize("f", [t.repeated_index_assignment, t.repeated_index_augmented],
                         ids=["assign", "augmented"])
def test_repeated_index_writes_gradient(f):
    """The value overwritten at a repeated position gets no gradient, the last one gets it."""
    args = (vec(), vec(3), vec(), IDX)
    check_grads(f, args, wrt=(0, 1, 2))


def _central_differences_on_copies(f, args, index, eps=1e-6):
    """Central differences that give every evaluation fresh copies of all arguments."""
    x = np.array(args[index], dtype=float)
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        values = []
        for step in (eps, -eps):
            moved = [np.copy(a) for a in args]
            moved[index][k] += step
            values.append(f(*moved))
        grad[k] = (values[0] - values[1]) / (2 * eps)
    return grad


def test_writing_into_a_parameter_is_refused_and_the_copy_it_suggests_is_right():
    """Python changes the caller's array; compiled code would not: refused, with a hint
    whose rewrite (write into a copy) is differentiated right."""
    x, w = vec(), vec()
    with pytest.raises(diffc.DiffcError, match="writes into the caller's array `x`") as info:
        diffc.grad(t.write_into_a_parameter, wrt=(0, 1))(np.copy(x), np.copy(w))
    assert "x = x.copy()" in info.value.hint
    dx, dw = diffc.grad(t.write_into_a_copy_of_a_parameter, wrt=(0, 1))(np.copy(x), np.copy(w))
    np.testing.assert_allclose(dx, _central_differences_on_copies(t.write_into_a_copy_of_a_parameter, (x, w), 0),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dw, _central_differences_on_copies(t.write_into_a_copy_of_a_parameter, (x, w), 1),
                               rtol=1e-6, atol=1e-8)


def test_numerical_grad_on_a_function_that_writes_into_a_parameter():
    """diffc.testing's own checker must not let one evaluation's writes into an argument
    leak into the next evaluation (numerical_grad once passed the other arguments uncopied)."""
    args = (vec(), vec())
    before = [np.copy(a) for a in args]
    first = numerical_grad(t.write_into_a_parameter, args, 0)
    np.testing.assert_array_equal(args[0], before[0])     # the evaluations wrote into copies
    np.testing.assert_array_equal(numerical_grad(t.write_into_a_parameter, args, 0), first)

