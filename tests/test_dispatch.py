"""The fast-call dispatcher and the names diffc prints: whatever the arguments (a bool
array, any dtype, dict keys and strings that are not identifiers, a huge int), the
dispatcher is valid Python and calls the right compiled function; if it cannot be built,
the error is diffc's bug (``InternalError``) and every later call still works.

Each gradient is checked against central differences (``diffc.testing.numerical_grad``)
or a closed form, on the compiling call and again through the dispatcher."""
import inspect
import sys

import numpy as np
import pytest

import diffc
from diffc import dispatch
from diffc.api import GradientFunction
from diffc.errors import InternalError
from diffc.testing import numerical_grad

rng = np.random.default_rng(18)


def masked_sum(w, mask):
    return np.sum(w * mask)


def test_a_bool_mask_argument():
    """``dtype.char`` of a bool array is ``?``: the dispatcher once named it ``dtype_?``
    (a SyntaxError), and every later compile of the object failed, floats included."""
    g = GradientFunction(masked_sum)
    w = rng.normal(size=5)
    mask = np.array([True, False, True, True, False])
    for _ in range(2):                                  # the compiling call, then the dispatcher
        np.testing.assert_array_equal(g(w, mask), mask.astype(float))
    weights = rng.normal(size=5)
    for _ in range(2):                                  # a float second argument afterwards
        np.testing.assert_allclose(g(w, weights), numerical_grad(masked_sum, (w, weights), 0),
                                   rtol=1e-6)
    assert "?" not in inspect.getsource(type(g).__call__)


def total_times_two(w, aux):
    return np.sum(w) * 2.0


@pytest.mark.parametrize("aux", [
    np.zeros(2, dtype=bool), np.arange(2, dtype=np.int8), np.arange(2, dtype=np.uint16),
    np.zeros(2, dtype=np.float16), np.zeros(2, dtype=">f8"), np.zeros(2, dtype=np.complex64),
    np.array(["ab", "c"]), np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
    np.zeros(2, dtype=[("x", "f4")]), np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[D]"),
    np.array(["2020-01-01"], dtype="datetime64[s]"), np.array([None, 1], dtype=object)],
    ids=lambda a: str(a.dtype))
def test_any_dtype_of_an_argument_gets_a_valid_dispatcher(aux):
    g = GradientFunction(total_times_two)
    w = rng.normal(size=3)
    for _ in range(3):
        np.testing.assert_array_equal(g(w, aux), np.full(3, 2.0))


def scaled(w, n):
    return np.sum(w * w)


def test_an_int_argument_too_long_to_print():
    """An int is checked by value; one of 5,000 digits cannot be printed (Python's limit
    on int-to-str conversion): the dispatcher leaves it to the general path."""
    if not hasattr(sys, "get_int_max_str_digits"):
        pytest.skip("Python < 3.11 has no limit on printing ints")
    g = GradientFunction(scaled)
    w = rng.normal(size=3)
    big = 10 ** 5000
    for _ in range(2):
        np.testing.assert_allclose(g(w, big), 2 * w, rtol=1e-15)


def by_key(p, tag):
    return np.sum(p["class"] * p["a-b"]) + np.sum(p["ℌ"] ** 2) + np.sum(p[""] * 3.0)


def test_dict_keys_and_strings_that_are_not_identifiers():
    """Keys that are keywords, not identifiers, empty or unicode, and a str argument with
    quotes and a line break, all checked by the dispatcher as constants."""
    g = GradientFunction(by_key)
    p = {"class": rng.normal(size=2), "a-b": rng.normal(size=2), "ℌ": rng.normal(size=2),
         "": rng.normal(size=2)}
    tag = "it's \"quoted\"\nand \\ escaped"
    for _ in range(2):
        dp = g(p, tag)
        assert list(dp) == list(p)
        np.testing.assert_allclose(dp["class"], p["a-b"], rtol=1e-15)
        np.testing.assert_allclose(dp["a-b"], p["class"], rtol=1e-15)
        np.testing.assert_allclose(dp["ℌ"], 2 * p["ℌ"], rtol=1e-15)
        np.testing.assert_allclose(dp[""], np.full(2, 3.0), rtol=1e-15)
    assert "tag == " in inspect.getsource(type(g).__call__)


def doubled_by_key(p, x):
    H = p["ℌ"] * 2.0
    a = p["class"] * x
    return np.sum(H * a) + np.sum(p["a-b"] * p["ℌ"])


def test_a_dict_key_python_reads_as_another_name():
    """Python reads the identifier ``ℌ`` as ``H`` (NFKC). The value read from ``p["ℌ"]``
    was printed as ``ℌ = p['ℌ']`` next to the user's ``H = ℌ * 2.0``: one variable, and a
    wrong gradient (``[4.5, 3]`` for ``[8, 8]``)."""
    p = {"ℌ": np.array([1.0, 2.0]), "class": np.array([3.0, 4.0]), "a-b": np.array([5.0, 6.0])}
    x = np.array([0.5, 0.25])
    g = GradientFunction(doubled_by_key)
    for _ in range(2):
        dp = g(p, x)
        for key in p:
            def along(v, key=key):
                return doubled_by_key({**p, key: v}, x)
            np.testing.assert_allclose(dp[key], numerical_grad(along, (p[key],), 0), rtol=1e-6,
                                       err_msg=key)
    for line in g.source_for(p, x).splitlines():
        assert "ℌ" not in line.split("#")[0].replace("'ℌ'", ""), line


def test_a_dispatcher_that_cannot_be_built_is_a_bug_and_later_calls_work(monkeypatch):
    g = GradientFunction(masked_sum)
    w = rng.normal(size=4)
    weights = rng.normal(size=4)

    def broken(*args):
        raise KeyError("a dispatcher bug")

    monkeypatch.setattr(dispatch, "_checks_of", broken)
    with pytest.raises(InternalError, match="this is a bug in diffc") as caught:
        g(w, weights)
    assert isinstance(caught.value.__cause__, KeyError)
    assert type(g).__call__ is GradientFunction.__call__          # the general call
    for _ in range(2):
        np.testing.assert_array_equal(g(w, weights), weights)     # compiled already
    v = rng.normal(size=6)
    np.testing.assert_array_equal(g(v, v), v)                     # a new signature
    monkeypatch.undo()
    np.testing.assert_array_equal(g(w, 2 * weights), 2 * weights)
    assert type(g).__call__ is GradientFunction.__call__          # not tried again


def test_an_inlined_assignment_to_a_global_name_is_seen():
    """Python makes a name assigned anywhere in a function local to all of it: a branch
    assigning ``float`` would leave the other branches' ``type(x) is float`` unbound."""
    text = ("def __call__(self, x):\n    if type(x) is float:\n        return x\n"
            "    if x:\n        float = 1\n        return float\n    return self._slow_call(x)\n")
    assert dispatch._shadowed(text, {"float": float})
    assert not dispatch._shadowed(text.replace("float = 1\n        return float", "y = 1\n        return y"),
                                  {"float": float})


def test_unicode_parameter_names():
    def grad_of(f):
        return GradientFunction(f, wrt=(0, 1))
    g = grad_of(diffc_unicode_params)
    a, b = rng.normal(size=3), rng.normal(size=3)
    for _ in range(2):
        da, db = g(a, b)
        np.testing.assert_allclose(da, numerical_grad(diffc_unicode_params, (a, b), 0), rtol=1e-6)
        np.testing.assert_allclose(db, numerical_grad(diffc_unicode_params, (a, b), 1), rtol=1e-6)


def diffc_unicode_params(α, βeta):
    return np.sum(np.sin(α) * βeta)
