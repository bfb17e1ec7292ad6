"""The programs the higher-order fuzzer (``tests/fuzz_control.py``) found wrong, shrunk to
what each needs; each is a regression test in ``tests/test_fuzz_findings.py``."""
import numpy as np


def loop_in_the_branch_taken(a, b):
    """grad(grad(f)): the gradient the backward branch sent to a value of the forward branch
    (the loop's result, where the backward loop starts) was dropped (0.0)."""
    if a < -0.11:
        b = b * 2.0
    else:
        for i in range(1):
            b = np.tanh(b * a)
    return np.sum(b * np.array([1.0, 2.0]))


def loops_in_both_branches(a, b):
    """grad(grad(f)): the gradient tape of a tape made in a branch was made twice, and the
    second, empty, popped (IndexError)."""
    if a < -0.11:
        c = np.sum(b ** 2) * 0.1 + a
        n = 0
        while np.sum(b) > 0.98 and n < 2:
            c = c * -0.75 + 0.1
            n = n + 1
    else:
        c = a
        for i in range(2):
            b = np.tanh(b * a)
    return np.sum(np.tanh(b) * np.array([1.24, 0.59])) + c * 1.1


def value_made_in_one_branch(a, b):
    """vjp(grad(f)): the other branch gave the gradient of a value it never made zeros like
    it (UnboundLocalError)."""
    if np.mean(b * b) < 0.65:
        c = a ** 2 * 0.3 - a
    else:
        b = np.exp(0.5 * np.tanh(b))
        c = a * 2.0
    return np.sum(np.tanh(b) * np.array([1.14, 0.84])) + c * 1.23


def branch_without_a_gradient_out(a, c):
    """grad(grad(f)): a branch none of whose outs has a gradient, but whose values got one
    from the backward branch, was not reversed (0.0)."""
    if a > -0.93:
        c = np.cos(a * 0.7) * c
    return a * 1.35 + c * 0.8


def branch_value_read_after_a_loop(a, b, c):
    """grad(f), also on main: the branch's ``a``, read by the backward branch, shared its
    printed name with the loop after the branch, which overwrote it."""
    if a > -0.5:
        a = b @ b * 0.2
        for i1 in range(3):
            c = c * a
    for i5 in range(2):
        a = a * c
    return a * 1.24 + c * 0.57


def stacked_grown_list(a, b):
    """vjp(grad(f)): the gradient of ``np.broadcast_to`` (the sum's rule) of unknown shape
    was not summed back (a reshape of 12 entries into 3 failed)."""
    out = [b]
    for i in range(3):
        out = out + [np.tanh(b + b * a)]
    v = np.sum(np.stack(out) ** 2, axis=0) * 0.1
    return np.sum(np.tanh(v) * np.array([0.83, 1.18, 0.65]))


def after_a_break(a, b, c):
    """grad(grad(f)): the first-order gradient of code after a break not taken has
    ``unbroadcast`` (shapes not known there); its rule needed those shapes (refused)."""
    for i in range(2):
        c = np.mean(np.tanh(b))
        b = b[::-1] * 0.5 + b
        if np.sum(b) > -0.55:
            break
        c = a / (1.0 + a ** 2)
    return np.sum(np.tanh(b) * np.array([0.56, 0.84, 0.65])) + c * 0.95


def broadcast_explicitly(x):
    """``diffc compile`` without example values: the gradient of ``np.broadcast_to`` kept
    the broadcast shape (3, 2)."""
    return np.sum(np.broadcast_to(x, (3, 2)) * np.arange(6.0).reshape(3, 2))


def where_with_a_mask(x, c):
    """``diffc compile`` without example values: ``np.where``'s condition broadcast ``x``
    and its gradient was not summed back."""
    return np.sum(np.where(c > 0, x, 0.0) * np.arange(6.0).reshape(3, 2))


def product_in_one_branch(a, x):
    """grad(grad(f)), vjp(grad(f)): the second derivative through the branch taken was
    wrong, through the other the code read a value that branch never made."""
    if a > 5.0:
        y = np.sin(x) * x
    else:
        y = x * 2.0
    return np.sum(y)


def carried_values_swapped(a, b, c):
    """grad(f), also on main: the backward loop hands on ``(dc, da) = (0, dc)``; assigned one
    after the other, ``da`` read the new ``dc``."""
    c = b[0] * c
    for i in range(2):
        c = np.sum(b ** 2) * 0.1 + a
        a = b @ b * 0.2
        a = np.sum(b ** 2) * 0.1 + a
    return np.sum(np.tanh(b) * np.array([0.62, 0.91, 1.3])) + a * 0.56 + c * 1.47


def merged_value_read_after_a_backward_loop(a, b, c):
    """grad(grad(f)): the backward loop carried its popped values under the printed name of
    the branch's merged ``a``, which the second reverse reads after that loop."""
    if a > -0.72:
        for i in range(2):
            a = c / (1.0 + c ** 2)
    v = np.sin(b) * 0.8 + b * a
    return np.sum(np.tanh(v) * np.array([1.1, 1.32])) + c * 1.37
