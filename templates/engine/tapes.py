"""The tape: what a forward loop saves for its backward loop, in a plain Python list
(``h_tape.append(h)`` forwards, ``h = h_tape.pop()`` backwards)."""
from diffc.extend import primitive


@primitive(differentiable=False, effect="tape")
def new_tape():
    return []


@primitive(differentiable=False, effect="tape")
def push(tape, value):
    tape.append(value)


@primitive(differentiable=False, effect="tape")
def pop(tape):
    return tape.pop()
