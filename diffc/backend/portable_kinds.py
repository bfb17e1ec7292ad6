"""What the array-API rewrite (``portable``) knows of each name of a generated ``def``
without running it: whether it holds a Python number, a mask (a comparison of arrays), a
shape (a tuple of sizes), a Python list or dict, or a loop's tape of Python numbers, at each
point of the code.

Contract: ``Kinds`` is told each assignment in order (``assigned``) and answers of an
expression (``is_scalar``, ``is_mask``, ``is_shape``, ``is_container``). Every answer but
``is_mask`` errs on the side of "an array": a name is a number, a shape or a container after a
loop or branch only if every path through it left it so (``state``/``meet``), so the
rewrite never turns an array into a number, a tuple or a container (a mask is cast to floats
where arithmetic reads it, which leaves floats as they are). ``axis_lists`` finds the
names of ``np.arange`` results read only as axis numbers (Python tuples in this form);
``number_tapes`` the lists that may hold numbers (their items popped are numbers while only
numbers were appended); ``without_name`` renames a user's name the rewrite binds itself (``xp``).
"""
from __future__ import annotations

import ast
import copy


def numpy_path(node):
    """``"linalg.solve"`` for ``np.linalg.solve``, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "np" and parts:
        return ".".join(reversed(parts))
    return None


class Kinds:
    """The kinds of the names at the current point of the code."""

    def __init__(self, scalar_params, container_params=()):
        self.current = set(scalar_params)     # names holding Python numbers
        self.masks = set()
        self.shapes = set()
        self.lists = set(container_params)    # names holding Python lists or dicts
        self.tapes = frozenset()              # ``number_tapes``: may be one of the next
        self.numbers = set()                  # tapes holding Python numbers only
        self.maybe = set()                    # names a number on some path but not on all

    def is_scalar(self, e):
        if isinstance(e, ast.Constant):
            return isinstance(e.value, (int, float, complex, bool))
        if isinstance(e, ast.Name):
            return e.id in self.current
        if isinstance(e, ast.BinOp):
            return self.is_scalar(e.left) and self.is_scalar(e.right)
        if isinstance(e, ast.UnaryOp):
            return self.is_scalar(e.operand)
        if isinstance(e, ast.Subscript):       # X.shape[0], np.shape(X)[0], shape[1]
            return self.is_shape(e.value) and not isinstance(e.slice, ast.Slice)
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name):
            return e.func.id in ("len", "int", "float")
        if isinstance(e, ast.Call) and _is_list_call(e, "pop"):
            return e.func.value.id in self.numbers
        if isinstance(e, ast.Call):
            return numpy_path(e.func) in ("ndim", "size")
        return False

    def may_be_scalar(self, e):
        """A number on some path to here, an array on another (``acc = 0.0`` before a loop
        adding arrays to it): arithmetic of such names and numbers."""
        if isinstance(e, ast.Name):
            return e.id in self.maybe
        if isinstance(e, ast.BinOp):
            sides = (e.left, e.right)
            return all(self.is_scalar(v) or self.may_be_scalar(v) for v in sides) \
                and any(self.may_be_scalar(v) for v in sides)
        return isinstance(e, ast.UnaryOp) and self.may_be_scalar(e.operand)

    def is_mask(self, e):
        if isinstance(e, ast.Name):
            return e.id in self.masks
        if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
            return self.is_mask(e.left) or self.is_mask(e.right)       # (a & b of masks)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Invert):
            return self.is_mask(e.operand)
        return isinstance(e, ast.Compare) and not all(self.is_scalar(o) for o in [e.left] + e.comparators)

    def is_shape(self, e):
        """``X.shape``, ``np.shape(X)``, a name holding one, a slice of one, a sum of them
        or a tuple of numbers."""
        if isinstance(e, ast.Attribute):
            return e.attr == "shape"
        if isinstance(e, ast.Call):
            return numpy_path(e.func) == "shape"
        if isinstance(e, ast.Name):
            return e.id in self.shapes
        if isinstance(e, ast.Subscript):
            return isinstance(e.slice, ast.Slice) and self.is_shape(e.value)
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            return self.is_shape(e.left) and self.is_shape(e.right)
        return isinstance(e, ast.Tuple) and all(self.is_scalar(i) for i in e.elts)

    def is_container(self, e):
        """A Python list or dict: ``[...]``, ``{...}``, ``list(...)``, ``dict(...)``, a
        copy or a slice of one, ``[None] * n``, a name holding one."""
        if isinstance(e, ast.Name):
            return e.id in self.lists
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Mult):
            return self.is_container(e.left) or self.is_container(e.right)
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name):
            return e.func.id in ("list", "dict")
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == "copy":
            return self.is_container(e.func.value)
        if isinstance(e, ast.Subscript) and isinstance(e.slice, ast.Slice):      # inputs[1:] of a list
            return self.is_container(e.value)
        return isinstance(e, (ast.List, ast.ListComp, ast.Dict, ast.DictComp))

    def assigned(self, name, value):
        """``name`` now holds ``value`` (None: something unknown)."""
        if name in self.tapes and isinstance(value, ast.List) and not value.elts:
            self.numbers.add(name)
        else:
            self.numbers.discard(name)
        for kind, test in ((self.current, self.is_scalar), (self.masks, self.is_mask),
                           (self.shapes, self.is_shape), (self.lists, self.is_container),
                           (self.maybe, self.may_be_scalar)):
            if value is not None and test(value):
                kind.add(name)
            else:
                kind.discard(name)

    def effect(self, e):
        """``e``, an expression statement, after noting what it does: an array appended
        to a tape of numbers makes it a tape of anything."""
        if _is_list_call(e, "append") and not (len(e.args) == 1 and self.is_scalar(e.args[0])):
            self.numbers.discard(e.func.value.id)
        return e

    def appends_maybe_scalar(self, e):
        """``tape.append(v)`` of a ``v`` that may be a number or an array: what is popped
        from the tape must be an array of one kind (the rewrite makes ``v`` one)."""
        return _is_list_call(e, "append") and len(e.args) == 1 and self.may_be_scalar(e.args[0])

    def forget(self, names):
        """``names`` may hold anything but a mask they held (a loop's body assigns them)."""
        self.maybe |= self.current & set(names)
        for kind in (self.current, self.shapes, self.lists, self.numbers):
            kind -= set(names)

    def state(self):
        return tuple(set(kind) for kind in (self.current, self.masks, self.shapes, self.lists, self.numbers,
                                            self.maybe))

    def restore(self, state):
        self.current, self.masks, self.shapes, self.lists, self.numbers, self.maybe = (set(kind) for kind in state)

    def meet(self, *states):
        """What holds after paths that ended in ``states``: a name is a number, a shape or
        a container only if it is on each; a mask if it is on one and a number on none;
        maybe a number if it may be or is one on some path and is not one on all."""
        scalars, masks, shapes, lists, numbers, _ = (set.intersection(*kinds) for kinds in zip(*states))
        masks = set.union(*(state[1] for state in states)) - scalars
        maybe = set.union(*(state[0] | state[5] for state in states)) - scalars
        self.restore((scalars, masks, shapes, lists, numbers, maybe))


def _is_list_call(e, method):
    """``name.append(...)`` (``method`` "append") or ``name.pop(...)``."""
    return isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == method \
        and isinstance(e.func.value, ast.Name)


def number_tapes(body):
    """The names bound to ``[]`` and read only as ``name.append(v)`` and ``name.pop()`` (a
    loop's tape): what is popped from one is what was appended, nothing else reaches it."""
    module = ast.Module(list(body), [])
    receivers = {id(n.func.value) for n in ast.walk(module)
                 if _is_list_call(n, "append") and len(n.args) == 1 or _is_list_call(n, "pop") and not n.args}
    bound = {id(n.targets[0]): n.targets[0].id for n in ast.walk(module)
             if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
             and isinstance(n.value, ast.List) and not n.value.elts}
    names = set(bound.values())
    for n in ast.walk(module):
        if isinstance(n, ast.Name) and id(n) not in receivers and id(n) not in bound:
            names.discard(n.id)
    return frozenset(names)


# NumPy functions whose arguments at these positions (or these keywords) are axis numbers
_AXIS_ARGUMENTS = {"moveaxis": (1, 2), "tensordot": (2,), "transpose": (1,), "sum": (1,), "mean": (1,),
                   "max": (1,), "min": (1,), "prod": (1,), "expand_dims": (1,), "squeeze": (1,)}


def axis_lists(body):
    """Names bound to ``np.arange(...)`` that are read only as axis numbers (a rule's
    ``free_b = np.arange(axes - np.ndim(b), 0)`` for ``np.tensordot(..., (free_b, free_b))``):
    they are Python tuples in the array-API form, never arrays on a device."""
    aranges, as_axes, reads = set(), {}, {}
    module = ast.Module(list(body), [])
    for n in ast.walk(module):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) \
                and isinstance(n.value, ast.Call) and numpy_path(n.value.func) == "arange":
            aranges.add(n.targets[0].id)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            reads[n.id] = reads.get(n.id, 0) + 1
        if isinstance(n, ast.Call):
            path = numpy_path(n.func)
            axis_args = [a for i, a in enumerate(n.args) if i in _AXIS_ARGUMENTS.get(path, ())] + \
                [k.value for k in n.keywords if k.arg in ("axis", "axes", "source", "destination")]
            for a in axis_args:
                for m in ast.walk(a):
                    if isinstance(m, ast.Name):
                        as_axes[m.id] = as_axes.get(m.id, 0) + 1
    return {name for name in aranges if reads.get(name) and as_axes.get(name) == reads[name]}


def without_name(node, name, new_name=None):
    """``(a copy of node, the new name)``: ``node`` with ``name`` (a parameter or a variable)
    renamed ``new_name``, by default ``name_1`` (or the first free of ``name_2``...), so that
    the rewrite can bind ``name`` itself; ``(node, None)`` when it has no ``name``."""
    taken = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(node)
                                                                         if isinstance(a, ast.arg)}
    if name not in taken:
        return node, None
    new_name = new_name or next(f"{name}_{k}" for k in range(1, len(taken) + 2) if f"{name}_{k}" not in taken)
    new = copy.deepcopy(node)
    for n in ast.walk(new):
        if isinstance(n, ast.Name) and n.id == name:
            n.id = new_name
        elif isinstance(n, ast.arg) and n.arg == name:
            n.arg = new_name
    return new, new_name
