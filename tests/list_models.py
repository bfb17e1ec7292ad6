"""Lists and tuples built and read by the user's code: grown in a loop (``out = out +
[v]``, the rewrite of ``.append``), joined, sliced, nested, read back by index."""
import numpy as np


def hstack_grown(x):
    out = []
    for h in range(2):
        out = out + [x * (h + 1.0)]
    return np.sum(np.hstack(out) ** 2)


def concatenate_grown(x):
    out = []
    for h in range(3):
        out = out + [np.sin(x) * (h + 1.0)]
    return np.sum(np.concatenate(out) ** 2 * np.arange(1.0, 7.0))


def vstack_grown(x):
    out = []
    for h in range(3):
        out = out + [x ** (h + 1)]
    return np.sum(np.vstack(out) * np.arange(6.0).reshape(3, 2))


def stack_grown_in_place(x):
    out = []
    for h in range(3):
        out += [np.tanh(x * (h + 0.5))]
    return np.sum(np.stack(out) ** 3)


def array_of_grown(x):
    out = []
    for h in range(3):
        out = out + [x * h + x ** 2]
    return np.sum(np.array(out) * np.arange(6.0).reshape(3, 2))


def tuple_grown(x):
    out = ()
    for h in range(3):
        out = out + (x * (h + 1.0),)
    return np.sum(np.stack(out) ** 2 * np.arange(6.0).reshape(3, 2))


def prepended(x):
    out = []
    for h in range(3):
        out = [x * (h + 1.0)] + out
    return np.sum(np.hstack(out) * np.arange(6.0))


def grown_by_two(x):
    out = []
    for h in range(2):
        out = out + [x, np.sin(x) * h]
    return np.sum(np.stack(out) ** 2 * np.arange(8.0).reshape(4, 2))


def started_with_one(x):
    out = [x]
    for h in range(3):
        out = out + [np.sin(out[-1]) * 1.5]
    return np.sum(np.hstack(out) ** 2)


def started_with_a_constant(x):
    out = [np.ones(2)]
    for h in range(2):
        out = out + [x * (h + 2.0)]
    return np.sum(np.vstack(out) ** 2 * np.arange(6.0).reshape(3, 2))


def read_by_index_after(x):
    out = []
    for h in range(3):
        out = out + [x * (h + 1.0)]
    return np.sum(out[1] ** 3) + np.sum(out[2] * out[0]) + np.sum(out[-1])


def read_in_a_loop_after(x):
    out = []
    for h in range(3):
        out = out + [np.sin(x * (h + 1.0))]
    s = 0.0
    for i in range(3):
        s = s + np.sum(out[i] ** 2) * (i + 1.0)
    return s


def read_by_index_inside(x):
    out = [x, x * 2.0]
    for h in range(3):
        out = out + [out[h] * out[h + 1]]
    return np.sum(out[-1]) + np.sum(out[3])


def sliced_after(x):
    out = []
    for h in range(4):
        out = out + [x * (h + 1.0)]
    head = out[0:2]
    rest = out[2:]
    return np.sum(head[0] ** 2) + np.sum(head[1] * 3.0) + np.sum(np.stack(rest) ** 3) + np.sum(out[0])


def pairs_grown(x):
    out = []
    for h in range(3):
        out = out + [(x * h, np.cos(x) * (h + 1.0))]
    s = 0.0
    for a, b in out:
        s = s + np.sum(a * b)
    return s


def nested_grown(x):
    rows = []
    for i in range(2):
        row = []
        for j in range(3):
            row = row + [x * (i + 1.0) + j]
        rows = rows + [row]
    return np.sum(np.array(rows) ** 2 * np.arange(12.0).reshape(2, 3, 2))


def nested_read_by_index(x):
    rows = []
    for i in range(2):
        row = []
        for j in range(3):
            row = row + [x * (i + 1.0) + j]
        rows = rows + [row]
    return np.sum(rows[1][0] ** 2) + np.sum(rows[0][2] * rows[1][1])


def grown_in_a_while_loop(x):
    out = []
    s = x
    while np.sum(s) < 6.0:
        s = s * 1.5
        out = out + [s]
    return np.sum(np.concatenate(out) ** 2)


def grown_until_break(x):
    out = []
    for h in range(5):
        if len(out) >= 2:
            break
        out = out + [x * (h + 1.0)]
    return np.sum(np.hstack(out) ** 2)


def grown_in_each_outer_step(x):
    total = 0.0
    for i in range(2):
        out = []
        for j in range(i + 2):
            out = out + [x * (j + 1.0)]
        total = total + np.sum(np.hstack(out) ** 2)
    return total


def joined_literals(x):
    a = [x, 2.0 * x]
    b = [x ** 2]
    c = a + b
    return np.sum(np.stack(c) * np.arange(6.0).reshape(3, 2))


def grown_then_joined(x):
    a = []
    for h in range(2):
        a = a + [x * (h + 1.0)]
    b = [np.sin(x)] + a
    c = a + b
    return np.sum(np.stack(c) ** 2 * np.arange(10.0).reshape(5, 2))


def branch_of_lists(x):
    if np.sum(x) > 0:
        pair = [x, x ** 2]
    else:
        pair = [x ** 2, x]
    return np.sum(pair[0] * 3.0 + pair[1] * np.arange(1.0, 3.0))


def joined_in_a_branch(x):
    out = [x]
    if np.sum(x) > 10.0:
        out = out + [x * 2.0]
    return np.sum(np.stack(out) ** 2)


def negative_index_of_a_literal(x):
    out = [x, 2.0 * x, x ** 2]
    return np.sum(out[-1]) + np.sum(out[-3] ** 2)


def scalars_grown(x):
    out = []
    s = np.sum(x)
    for h in range(3):
        s = s * 1.2 + 0.1
        out = out + [s]
    return np.sum(np.array(out) ** 2)


CASES = [hstack_grown, concatenate_grown, vstack_grown, stack_grown_in_place, array_of_grown,
         tuple_grown, prepended, grown_by_two, started_with_one, started_with_a_constant,
         read_by_index_after, read_in_a_loop_after, read_by_index_inside, sliced_after,
         pairs_grown, nested_grown, nested_read_by_index, grown_in_a_while_loop,
         grown_until_break, grown_in_each_outer_step, joined_literals, grown_then_joined,
         branch_of_lists, joined_in_a_branch, negative_index_of_a_literal, scalars_grown]


def repeated(x):
    out = [x * 2.0] * 3
    return np.sum(np.stack(out) * np.arange(6.0).reshape(3, 2))


def vstack_of_rows(ws):
    return np.sum(np.vstack(ws) * np.arange(6.0).reshape(3, 2))
