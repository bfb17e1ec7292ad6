"""Rules that are wrong, for the tests of how diffc reports them (``tests/test_errors.py``).

* ``sin_reverse_that_does_not_lower`` stands in for a bug in one of diffc's own
  templates: the test swaps it in for ``sin``'s reverse rule, and compiling must then be
  an ``InternalError`` saying it is diffc's bug.
* ``install_without_reverse`` registers a user primitive with no reverse rule: the
  test calls it with diffc's registry isolated, so no other test ever sees it.
"""
import numpy as np

from diffc.core.primitives import primitive


def sin_reverse_that_does_not_lower(out, dout, x):
    "sin: refers to a name that does not exist"
    dx = dout * undefined_in_rule  # noqa: F821
    return dx


def install_without_reverse():
    @primitive("tests.bad_programs.broken_rule.wiggle")
    def wiggle(x):
        return np.cos(x) * x

    return wiggle


def wiggle(x):
    return np.cos(x) * x
