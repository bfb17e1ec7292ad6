"""Binding times: which values a compile knows, and Python evaluated on them while lowering.

A call's *signature* (array shapes and dtypes, Python scalar types, the values of int,
bool, str and None arguments, the keys of dicts and the lengths of lists and tuples) is
fixed for the code compiled for it, and so is everything computed only from it and from
constants: a label, a flag, a setting, ``len(params)``, ``x.shape[0]``, ``y is None``,
``"l2" in config``. Those values are *static*: lowering evaluates the Python that depends
only on them, with Python's own semantics, and keeps only what depends on the values of
the arrays (*dynamic*) as IR. The example arguments' facts (``core.facts``) say which
values are static: those in ``facts.value_static``, and constants.

``known(scope, atom)`` is the one question lowering asks: the static Python value of an
atom, or ``UNKNOWN``. Everything here is pure: no IR is made.
"""
from __future__ import annotations

import operator

import numpy as np

from diffc.core.ir import Const, Pack, Var

UNKNOWN = object()


def _literal(scope, atom, value_of):
    """A constant's value, or a literal container's built from its items' (``value_of``)."""
    if isinstance(atom, Const):
        return atom.value
    items = [value_of(scope, a) for a in atom.items]
    if any(i is UNKNOWN for i in items):
        return UNKNOWN
    if atom.kind == "slice":
        return slice(*items)
    if atom.kind == "dict":
        return dict(zip(items[::2], items[1::2]))
    if atom.kind == "tuple":
        named = scope.state.records.get(id(atom))
        return named[1]._make(items) if named and named[0] is atom else tuple(items)
    return list(items)


def known(scope, atom):
    """The Python value of ``atom`` when the compiled signature fixes it, else ``UNKNOWN``."""
    if isinstance(atom, (Const, Pack)):
        return _literal(scope, atom, known)
    facts = scope.facts
    if isinstance(atom, Var) and facts is not None and facts.enabled and atom in facts.values \
            and atom in facts.value_static:
        if getattr(facts, "sizes_vary", False) and atom in facts.from_shape:
            return UNKNOWN          # a size the generated code must read (``--arg X=Nx64``)
        return facts.values[atom]
    return UNKNOWN


def example(scope, atom):
    """The example value of ``atom`` (known or not), or ``UNKNOWN``: only its *type* and
    structure may be used, which the signature fixes for every value lowering has run."""
    if isinstance(atom, (Const, Pack)):
        return _literal(scope, atom, example)
    facts = scope.facts
    if isinstance(atom, Var) and facts is not None and facts.enabled and atom in facts.values:
        return facts.values[atom]
    return UNKNOWN


def type_known(scope, atom):
    """The Python type of ``atom``'s value when the signature fixes it, else ``UNKNOWN``."""
    value = example(scope, atom)
    return UNKNOWN if value is UNKNOWN else type(value)


COMPARE = {"Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le,
           "Gt": operator.gt, "GtE": operator.ge, "Is": operator.is_, "IsNot": operator.is_not,
           "In": lambda a, b: a in b, "NotIn": lambda a, b: a not in b}


def is_plain(value):
    """A value a condition may be decided on: not an array (whose truth NumPy refuses
    unless it has one element, and whose elements are data)."""
    return not isinstance(value, np.ndarray)
