"""What compiled code is specialised to, computed from a call's values (see
``api.gradients._signature``): array shapes and dtypes, Python scalar types, the values of
int/bool/str/None, the keys and items of containers, each object's class and attributes
(recursively), which function or class a value is, and which arrays are the same array."""
from __future__ import annotations

import functools
import types

import numpy as np

_BY_VALUE = (int, bool, str, type(None))
_ndarray = np.ndarray


FOREIGN = set()        # types of other libraries' arrays met before (torch.Tensor, ...)


class Signature:
    _DEPTH = 12

    def __init__(self):
        self.arrays = {}            # id -> index of the array's first appearance
        self.objects = {}           # id -> index: an object met twice, or a cycle

    def of(self, values, depth=0):
        return tuple(self.one(v, depth) for v in values)

    def one(self, a, depth):
        t = type(a)
        if t is _ndarray:
            seen = self.arrays.setdefault(id(a), len(self.arrays))
            return (a.shape, a.dtype.char, seen)
        if t in _BY_VALUE:
            return (t, a)
        if t in FOREIGN:
            return (t, tuple(a.shape), str(a.dtype))
        if depth > self._DEPTH:
            return t
        if isinstance(a, dict):
            return (t, tuple(a), self.of(tuple(a.values()), depth + 1))
        if isinstance(a, (list, tuple)):
            return (t, self.of(a, depth + 1))
        if hasattr(a, "shape") and hasattr(a, "dtype") and not isinstance(a, np.generic):
            if hasattr(t, "shape") and hasattr(t, "dtype"):     # the class's, not one object's
                FOREIGN.add(t)
            return (t, tuple(a.shape), str(a.dtype))     # another library's array
        if is_user_object(a):
            if id(a) in self.objects:
                return ("same object", self.objects[id(a)])
            self.objects[id(a)] = len(self.objects)
            attributes = vars(a)
            return (t, tuple(attributes), self.of(tuple(attributes.values()), depth + 1))
        if callable(a) and t is not float:
            return (t, id(a))             # a function, a class, a ufunc: which one
        return t


def is_user_object(value):
    """An instance of a class of the user's: attributes in ``__dict__``, not a function,
    class or module."""
    return hasattr(value, "__dict__") and not isinstance(
        value, (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                types.ModuleType, np.ufunc, functools.partial))


def of(value):
    """The signature of one value."""
    return Signature().of((value,))
