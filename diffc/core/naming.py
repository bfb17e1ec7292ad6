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

from diffc.core.ir import Var, VarKind, all_names

RESERVED = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"np", "numpy"}


class Namer:
    def __init__(self, taken=()):
        self.taken = set(taken)
        self._next = {}          # base -> the first k that may be free for base_k

    def fresh(self, hint):
        base = hint or "t"
        if base not in self.taken and base not in RESERVED:
            self.taken.add(base)
            return base
        # ``taken`` only grows, so every base_k below the last one handed out is still
        # taken: start there (the lowest free suffix, without rescanning 1, 2, ...)
        i = self._next.get(base, 1)
        while f"{base}_{i}" in self.taken:
            i += 1
        name = f"{base}_{i}"
        self.taken.add(name)
        self._next[base] = i + 1
        return name

    def var(self, hint, kind=VarKind.USER):
        return Var(self.fresh(hint), hint or "t", kind)


def adjoint_hint(hint):
    """The gradient's name for a value named ``hint``: ``W`` → ``dW``, ``out`` → ``dout``."""
    return "d" + hint


def fresh_namer(func, facts):
    """A ``Namer`` whose names are new to IR ``func`` and to every value ``facts`` knows (the
    stages of grad-of-grad share one ``facts``: a reused name would overwrite a value)."""
    known = {v.name for v in facts.values if isinstance(v, Var)} if facts is not None else set()
    return Namer(taken=all_names(func) | known)
