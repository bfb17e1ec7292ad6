"""Random draws inside a differentiated function: ``np.random.rand(*x.shape)``, a
``RandomState``'s or a ``Generator``'s methods (``rs.randn``, ``rng.random``,
``rng.binomial``...), Python's ``random`` module (``random.randint(0, n - 1)``) and its
``random.Random`` objects. Each is a draw made at every call, in the order the code makes it,
from the generator the code names (a library's global one, or one passed in or captured); it
carries no gradient, and a value computed from it (``mean + std * eps``) is differentiated
as usual. While compiling, diffc runs the code on a *copy* of the generator, one per compile made
at its first draw, so the draws of the call being compiled are the ones the user's program
would have made, and the generator is left as it was.
"""
import copy

import numpy as np

from diffc.extend import primitive


@primitive(differentiable=False, effect="random")
def draw_global(method, *args):
    return getattr(np.random, method)(*args)


@primitive(differentiable=False, effect="random")
def draw(generator, method, *args):
    return getattr(generator, method)(*args)


def _copy(run, key, make):
    """The example run's copy of a generator, made at its first draw and drawn on after it:
    the run's draws follow each other as the call's do (a loop drawing again while the
    value equals another ends as the call's does)."""
    if key not in run:
        run[key] = make()
    return run[key][1]


def _global_copy():
    state = np.random.RandomState()
    state.set_state(np.random.get_state())
    return None, state


def _on_a_copy_of_the_global(run, method, *args):
    return getattr(_copy(run, "numpy.random", _global_copy), method)(*args)


def _on_a_copy(run, generator, method, *args):
    # the generator is kept beside its copy: its id names it only while it lives
    made = _copy(run, id(generator), lambda: (generator, copy.deepcopy(generator)))
    return getattr(made, method)(*args)


@primitive(differentiable=False, effect="random", helper=True)
def draw_python(method, *args):
    """A draw from Python's global random generator: ``random.<method>(*args)``."""
    import random
    return getattr(random, method)(*args)


def _pythons_copy():
    import random
    state = random.Random()
    state.setstate(random.getstate())
    return None, state


def _on_a_copy_of_pythons(run, method, *args):
    return getattr(_copy(run, "random", _pythons_copy), method)(*args)


draw_global.example_impl = _on_a_copy_of_the_global
draw.example_impl = _on_a_copy
draw_python.example_impl = _on_a_copy_of_pythons
