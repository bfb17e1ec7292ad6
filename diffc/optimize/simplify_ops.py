"""The operations the simplifier works with (their NumPy names, their costs, which are
transcendental) and its limits, shared by its parts; SymPy, imported when first needed.
"""
from __future__ import annotations

from diffc.core import primitives


# op key -> the NumPy name of its primitive (the primitive's IR name comes from the registry)
_NUMPY_NAMES = {
    "add": "numpy.add", "sub": "numpy.subtract", "mul": "numpy.multiply", "div": "numpy.divide",
    "neg": "numpy.negative", "pos": "numpy.positive", "pow": "numpy.power", "square": "numpy.square",
    "recip": "numpy.reciprocal", "sqrt": "numpy.sqrt", "exp": "numpy.exp", "log": "numpy.log",
    "tanh": "numpy.tanh", "sinh": "numpy.sinh", "cosh": "numpy.cosh", "sin": "numpy.sin",
    "cos": "numpy.cos",
}


_BINARY = frozenset({"add", "sub", "mul", "div", "pow"})


_FUNCTIONS = ("exp", "log", "tanh", "sinh", "cosh", "sin", "cos")


_TRANSCENDENTAL = frozenset(_FUNCTIONS) | {"sqrt"}


_ALGEBRAIC = frozenset({"div", "recip", "pow", "square"})


_COST = {"add": 1, "sub": 1, "mul": 1, "neg": 1, "pos": 0, "square": 1, "div": 4, "recip": 4, "sqrt": 8}


_MAX_CHAIN = 32          # equations in one chain


_MAX_CLOSURE = 48        # values in a chain and the expansions of its forward leaves


_CHECKED_ENTRIES = 256   # a rewrite is checked on this many entries of large arrays


_sympy_module = None


_tables = None


def _sympy():
    global _sympy_module
    if _sympy_module is None:
        import sympy
        _sympy_module = sympy
    return _sympy_module


def _ops():
    """(primitive name -> op key, op key -> primitive name), looked up in the registry."""
    global _tables
    if _tables is None:
        by_prim, by_op = {}, {}
        for op, source in _NUMPY_NAMES.items():
            prim = primitives.lookup(source)
            by_prim[prim.name] = op
            by_op[op] = prim.name
        _tables = (by_prim, by_op)
    return _tables


def _weight(op, args, scalar=False):
    """An operation's cost: an array operation ten times its weight, one on scalars
    (a 0-d value, a Python number) its weight: next to arrays, almost free."""
    if op == "pow":
        n = args[1][2]
        w = {2: 1, 3: 2}.get(n, 4) if type(n) is int else 8
    else:
        w = _COST.get(op, 16)
    return w if scalar else 10 * w


class _Unsupported(Exception):
    """A candidate the emitter cannot write as NumPy operations (or may not: a divisor
    that could vanish)."""
