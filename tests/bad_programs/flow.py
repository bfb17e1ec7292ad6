"""Programs with control flow that the fence's name-flow checks must reject (or let
through), across branches, loops and jumps. The tests call ``fence.check`` directly
(line numbers matter: the tests name them)."""
import numpy as np


def assigned_in_one_branch(x, c):
    if c > 0:
        t = x * 2.0
    return t @ x


def assigned_in_both_branches(x, c):
    if c > 0:
        t = x * 2.0
    else:
        t = x * 3.0
    return t @ x


def branch_that_returns(x, c):
    if c > 0:
        return x @ x
    else:
        t = x * 3.0
    return t @ x


def assigned_only_in_loop(x, n):
    for i in range(n):
        t = x * i
    return t @ x


def carried_through_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x[i]
    return s


def alias_written_in_loop(x, n):
    y = x * 1.0
    for i in range(n):
        z = y
        z[0] = 1.0
    return y @ x


def alias_chosen_by_branch(x, c):
    y = x * 1.0
    if c > 0:
        z = y
    else:
        z = x * 2.0
    z[0] = 1.0
    return y @ x


def row_written_through_loop_variable(X):
    X = X + 0.0
    for row in X:
        row[0] = 0.0
    return X[0] @ X[1]


def logic_in_a_condition(x):
    if x[0] > 0 and not x[1] > 3.0:
        y = x * 2.0
    else:
        y = x
    return y @ x


def writes_into_its_parameter(a):
    a[0] = 0.0
    return a @ a


def writes_into_a_copy_of_its_parameter(a):
    a = a.copy()
    a[0] = 0.0
    return a @ a
