"""Internal errors are reported as diffc's bugs; user errors stay the user's.

Any exception a compile raises that is neither a ``DiffcError`` nor the user's own code's
(nor the environment's: ``OSError``) reaches the user as ``diffc.InternalError`` ("this
is a bug in diffc"), chained to the original, from every public entry point. An
exception the user's function raises while diffc runs it on the example arguments (a
shape mismatch, an ambiguous truth value), or a call with missing arguments, reaches
them as it is.

The internal failures are injected (a pass or the emitter raising ``KeyError`` or
``AttributeError``): each test fails if the injected error escapes bare."""
import numpy as np
import pytest

import diffc
from diffc import codegen, optimize
from diffc.api import GradientFunction
from diffc.errors import InternalError, from_user_code
from tests import lazy_settings

rng = np.random.default_rng(11)


def poly_sin(x):
    return np.sin(x) * x ** 3


def vector_loss(w, x):
    return np.sum(np.tanh(x @ w) ** 2)


def mismatched(x, y):
    return np.sum(x + y)


def branchy(x):
    if x > 0:
        return np.sum(x)
    return np.sum(-x)


def _bug(exception, *params):
    """A function that raises ``exception`` as diffc's own code would: compiled under a
    file name of diffc's (an exception raised in a file of the user's is theirs)."""
    namespace = {}
    exec(compile(f"def bug({', '.join(params)}):\n    raise {exception}\n", "<diffc injected bug>",
                 "exec"), namespace)
    return namespace["bug"]


@pytest.fixture
def broken_emitter(monkeypatch):
    monkeypatch.setattr(codegen.Emitter, "eqn", _bug("KeyError('dout_3')", "self", "eqn"))


@pytest.fixture
def broken_pass(monkeypatch):
    broken = _bug("AttributeError(\"'NoneType' object has no attribute 'outs'\")", "func", "facts=None")
    monkeypatch.setattr(optimize, "PASSES", optimize.PASSES[:1] + (broken,) + optimize.PASSES[1:])


def _is_internal(caught, cause):
    assert "this is a bug in diffc" in str(caught.value)
    assert isinstance(caught.value.__cause__, cause)


@pytest.mark.parametrize("order", [1, 2, 4])
def test_a_failing_emitter_is_an_internal_error_at_every_order(broken_emitter, order):
    g = poly_sin
    for _ in range(order):
        g = GradientFunction(g)
    with pytest.raises(InternalError) as caught:
        g(0.7)
    _is_internal(caught, KeyError)


def test_a_failing_pass_is_an_internal_error_from_every_entry_point(broken_pass):
    w, x = rng.normal(size=3), rng.normal(size=(4, 3))
    g = GradientFunction(vector_loss)
    calls = [lambda: g(w, x), lambda: g.source_for(w, x), lambda: GradientFunction(poly_sin).source,
             lambda: g.ir(w, x, stage="optimized"),
             lambda: diffc.jvp(vector_loss)(w, x, tangents=np.ones(3)),
             lambda: diffc.vjp(vector_loss)(w, x)[1](1.0),
             lambda: diffc.hessian(vector_loss)(w, x),
             lambda: diffc.hvp(vector_loss)(w, x, tangents=np.ones(3)),
             lambda: diffc.jacobian(vector_loss)(w, x)]
    for call in calls:
        with pytest.raises(InternalError) as caught:
            call()
        _is_internal(caught, AttributeError)


def test_the_object_works_once_the_bug_is_gone(monkeypatch):
    """An internal error leaves nothing half-made behind: the same object compiles."""
    g = GradientFunction(poly_sin)
    monkeypatch.setattr(codegen.Emitter, "eqn", _bug("KeyError('boom')", "self", "eqn"))
    with pytest.raises(InternalError):
        g(0.7)
    monkeypatch.undo()
    x = 0.7
    assert g(x) == pytest.approx(np.cos(x) * x ** 3 + 3 * np.sin(x) * x ** 2, rel=1e-14)


def test_an_error_of_the_users_code_is_theirs():
    """The function itself raises on these arguments: the same exception, not a bug."""
    g = GradientFunction(mismatched)
    with pytest.raises(ValueError, match="could not be broadcast") as caught:
        g(np.ones(3), np.ones(4))
    assert not isinstance(caught.value, InternalError) and from_user_code(caught.value)
    with pytest.raises(ValueError, match="ambiguous"):
        GradientFunction(branchy)(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="could not be broadcast"):
        diffc.jvp(mismatched)(np.ones(3), np.ones(4), tangents=np.ones(3))


def test_missing_arguments_are_the_callers_error():
    with pytest.raises(TypeError, match="missing a required argument"):
        GradientFunction(mismatched)(np.ones(3))


class Settings:
    """A user's object whose property fails: the error is theirs wherever diffc reads it."""

    def __init__(self):
        self.values = {}

    @property
    def scale(self):
        return self.values["scale"]

    def loss(self, x):
        return np.sum(x * self.scale)


def test_a_property_of_the_users_that_raises_is_theirs():
    with pytest.raises(KeyError, match="scale") as caught:
        diffc.grad(Settings().loss)(np.ones(3))
    assert not isinstance(caught.value, InternalError)


def reads_a_lazy_setting(x):
    return np.sum(x * lazy_settings.scale)


def test_an_error_raised_in_a_file_of_the_users_is_theirs():
    """diffc reads ``lazy_settings.scale`` while compiling (a live binding): the module's
    ``__getattr__`` runs, not marked by diffc, but raised in the user's file."""
    with pytest.raises(RuntimeError, match="settings file is not loaded") as caught:
        GradientFunction(reads_a_lazy_setting)(np.ones(3))
    assert not isinstance(caught.value, InternalError)


def test_diffc_errors_are_not_wrapped():
    with pytest.raises(diffc.DiffcError) as caught:
        GradientFunction(mismatched)(np.arange(3), np.ones(3))       # an integer array
    assert not isinstance(caught.value, InternalError)
