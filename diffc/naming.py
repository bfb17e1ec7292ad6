"""Names: every name diffc invents is made here, deterministically.

``Namer`` hands out unique SSA names for IR values from a hint (the user's variable
name, ``dW`` for an adjoint, ``exp`` for a temporary). The emitter later maps them to
the printed names with ``assign_names`` so that the generated code reads like a
person's: the user's names, ``d`` + name for gradients, suffixes only when two live
values would otherwise share a name.
"""
from __future__ import annotations

import builtins
import keyword

from diffc.ir import Var

RESERVED = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"np", "numpy"}


class Namer:
    def __init__(self, taken=()):
        self.taken = set(taken)

    def fresh(self, hint):
        base = hint or "t"
        if base not in self.taken and base not in RESERVED:
            self.taken.add(base)
            return base
        i = 1
        while f"{base}_{i}" in self.taken:
            i += 1
        name = f"{base}_{i}"
        self.taken.add(name)
        return name

    def var(self, hint, kind="user"):
        return Var(self.fresh(hint), hint or "t", kind)


def adjoint_hint(hint):
    """The gradient's name for a value named ``hint``: ``W`` → ``dW``, ``out`` → ``dout``."""
    return "d" + hint
