"""Errors found when compiling for a call's arguments, or about the function itself."""
import numpy as np

from tests.bad_programs import broken_rule


def scaled(x, k):
    return x @ x * k


def elementwise(x):
    y = np.tanh(x) * 2.0
    return y


def complex_output(x):
    return x[0] * 1j


def no_rule_function(x):
    y = np.i0(x)
    return y @ x


def no_rule_method(x):
    y = x.ptp()
    return y


def call_a_value(x):
    f = np.exp
    return f(x) @ x


def uses_sine(x):
    y = np.sin(x)
    return y @ x


def uses_rule_without_reverse(x):
    y = broken_rule.wiggle(x) * 2.0
    return y @ x


square = lambda x: x @ x  # noqa: E731

GENERATED = {}
exec("def made_by_exec(x):\n    return x @ x\n", GENERATED)
made_by_exec = GENERATED["made_by_exec"]
