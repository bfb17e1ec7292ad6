"""Expressions: constants, names, attributes, operators, comparisons (decided in Python on
static operands, IR on the data), ``and``/``or``/``not``, displays, subscripts, calls
and their arguments (``*args``, ``**kwargs``), f-strings, comprehensions, ``a if c else b``,
lambdas. ``lower_node`` returns what an expression is (an atom, or a ``Ref``, ``Method`` or
function awaiting a call); ``lower_expr`` makes it an atom.
"""
from __future__ import annotations

import ast

import numpy as np

from diffc.frontend import fence, index_tricks, lower_construct, lower_control, lower_objects, lower_static, static
from diffc.frontend import source as source_module
from diffc.errors import NameResolutionError, UnsupportedSyntax
from diffc.core.ir import Const, Pack, Var, VarKind
from diffc.frontend.lower_scope import Method, NestedFunction, Ref, SelfRef, UserFunction, user_error
from diffc.frontend.lower_emit import emit
from diffc.frontend.lower_names import constant_ref, live_module_member, lookup, nested_function
from diffc.frontend.lower_inline import inline_call
from diffc.frontend.lower_calls import call_value, object_member, super_member
from diffc.frontend.lower_containers import (fixed_item, fixed_sequence, item_getter, lower_comprehension,
                                             lower_dict)


_OPERATORS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv", ast.Pow: "pow",
    ast.MatMult: "matmul", ast.FloorDiv: "floordiv", ast.Mod: "mod",
    ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert", ast.Not: "not_",
    ast.Gt: "gt", ast.Lt: "lt", ast.GtE: "ge", ast.LtE: "le", ast.Eq: "eq", ast.NotEq: "ne",
    ast.BitAnd: "and_", ast.BitOr: "or_", ast.BitXor: "xor",
}


def lower_expr(scope, node, hint=""):
    """Lower an expression to an atom, appending equations to the scope's body."""
    value = lower_node(scope, node, hint)
    if isinstance(value, Method):
        return emit(scope, f"ndarray.{value.attr}", (value.receiver,), {}, node, hint)
    if isinstance(value, Ref):
        return constant_ref(scope, value, node)
    return value


def lower_node(scope, node, hint=""):
    """What the expression ``node`` is: an atom, or a ``Ref``, ``Method`` or function of the
    user's awaiting a call (its equations appended to the scope's body)."""
    lowering = _BY_NODE.get(type(node))
    if lowering is None:
        raise UnsupportedSyntax(f"{type(node).__name__} expressions are not supported",
                                scope.loc(node), "rewrite it with arithmetic and NumPy calls")
    return lowering(scope, node, hint)


def _attribute(scope, node, hint):
    """``base.attr``: a member of ``self`` or of an object the compile knows, a module's
    member, a function's ``__name__``; else an array method or attribute (``Method``)."""
    base = lower_node(scope, node.value)
    if isinstance(base, SelfRef):
        return _self_member(scope, base, node, hint)
    if isinstance(base, Ref):
        if scope.fn.live is not None:
            found = live_module_member(scope, base, node)
            if found is not None:
                return found
        return Ref(f"{base.qualname}.{node.attr}")
    if isinstance(base, Method):
        base = lower_expr(scope, node.value)
    if isinstance(base, lower_objects.Super):
        return super_member(scope, base, node, hint)
    if isinstance(base, (UserFunction, NestedFunction)) and node.attr in ("__name__", "__doc__"):
        fn_node = base.src.node                  # print("calling", fn.__name__)
        return Const(fn_node.name if node.attr == "__name__" else ast.get_docstring(fn_node))
    if isinstance(base, Pack):
        field = lower_construct.record_field(scope, base, node)   # p.W of a namedtuple
        if field is not None:
            return field
    obj = lower_objects.reaches_object(scope, base)
    if obj is not None:
        return object_member(scope, base, obj, node, hint)
    fields = getattr(static.example(scope, base), "_fields", None)
    if isinstance(fields, tuple) and node.attr in fields:     # params.W of a namedtuple
        index = Const(fields.index(node.attr))
        return fixed_item(scope, base, index) or \
            emit(scope, "operator.getitem", (base, index), {}, node, hint or node.attr)
    return Method(base, node.attr)


def _self_member(scope, self_ref, node, hint):
    """``self.attr`` in a differentiated method: an input, a method, or a property's value."""
    member = self_ref.method(scope.fn, node.attr)
    if member is None:
        return self_ref.attribute(node.attr)
    kind, src = member
    if kind == "property":
        return inline_call(scope, src, (self_ref,), {}, node, hint or node.attr)
    return UserFunction(src, self_ref if kind == "method" else None)


def _unary(scope, node, hint):
    if isinstance(node.op, ast.Not):
        return _lower_not(scope, node, hint, condition=False)
    operand = lower_expr(scope, node.operand)
    if isinstance(operand, Const) and isinstance(node.op, (ast.USub, ast.UAdd)) \
            and isinstance(operand.value, (int, float)):
        return Const(-operand.value if isinstance(node.op, ast.USub) else operand.value)
    return emit(scope, f"operator.{_OPERATORS[type(node.op)]}", (operand,), {}, node, hint)


def _object_item(scope, node, obj, base, index, hint):
    """``obj[index]`` for an object of the user's: its class's ``__getitem__``, inlined."""
    method = ast.copy_location(ast.Attribute(node.value, "__getitem__", ast.Load()), node)
    if lower_objects.member(obj, "__getitem__")[0] != "method":
        raise UnsupportedSyntax(f"a {type(obj).__name__} object cannot be indexed here: its "
                                "class defines no __getitem__ method", scope.loc(node),
                                "index the dict or list it holds")
    name = index.value if isinstance(index, Const) and isinstance(index.value, str) \
        and index.value.isidentifier() else "item"
    return call_value(scope, object_member(scope, base, obj, method, ""), (index,), {}, node,
                      hint or name)


def _users_object(scope, atom):
    """An instance of a class of the user's that ``atom`` holds (not a class, not one of
    diffc's own values such as a symbolic zero), or None."""
    obj = lower_objects.reaches_object(scope, atom)
    if obj is None or isinstance(obj, type) or \
            (type(obj).__module__ or "").split(".")[0] in ("diffc", "templates"):
        return None
    if hasattr(type(obj), "shape") and hasattr(type(obj), "dtype"):
        return None             # another library's array (a torch tensor), not the user's object
    return obj


_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
            ast.MatMult: "@", ast.FloorDiv: "//", ast.Mod: "%", ast.BitAnd: "&", ast.BitOr: "|",
            ast.BitXor: "^"}


def _binary(scope, node, hint):
    left = lower_expr(scope, node.left)
    right = lower_expr(scope, node.right)
    name = _OPERATORS[type(node.op)]
    for obj_node, obj_atom, other, dunder in ((node.left, left, right, f"__{name.rstrip('_')}__"),
                                              (node.right, right, left, f"__r{name.rstrip('_')}__")):
        obj = _users_object(scope, obj_atom)
        if obj is not None and dunder.startswith("__r") and isinstance(
                static.example(scope, other), (np.ndarray, np.generic)) \
                and getattr(type(obj), "__array_ufunc__", 0) is not None:
            obj = None          # NumPy's operator runs first, as in Python (it does not defer)
        if obj is not None and not isinstance(obj, type):     # x @ layer: the class's method
            if lower_objects.member(obj, dunder)[0] != "method":
                raise UnsupportedSyntax(f"a {type(obj).__name__} object as an operand of "
                                        f"`{_SYMBOLS.get(type(node.op), name)}` is not supported: "
                                        f"its class defines no {dunder} method",
                                        scope.loc(node), "call one of its methods")
            method = ast.copy_location(ast.Attribute(obj_node, dunder, ast.Load()), node)
            return call_value(scope, object_member(scope, obj_atom, obj, method, ""), (other,), {},
                              node, hint)
    return emit(scope, f"operator.{name}", (left, right), {}, node, hint)


def _sequence_display(scope, node, hint):
    kind = "tuple" if isinstance(node, ast.Tuple) else "list"
    return Pack(kind, tuple(_argument(scope, e) for e in node.elts))   # [np.tanh, np.square] too


def _subscript(scope, node, hint):
    """``base[index]``: an entry of a dict or literal made here, or of an argument the
    signature fixes, is no operation; ``np.r_[...]``/``np.c_[...]`` the concatenation it
    stands for (``index_tricks``); anything else one ``getitem``."""
    if index_tricks.is_index_trick(node) and (call := index_tricks.rewrite(node, lower_node(scope, node.value), scope.loc)):
        return lower_node(scope, call, hint)
    base = lower_expr(scope, node.value)
    index = lower_index(scope, node.slice)
    obj = _users_object(scope, base)
    if obj is not None:                                      # store["W"]: its __getitem__
        return _object_item(scope, node, obj, base, index, hint)
    if isinstance(base, Pack) and base.kind == "dict":
        key = lower_static.known_key(scope, index, node)
        for k, v in zip(base.items[::2], base.items[1::2]):
            if k.value == key:
                return v              # an entry of a dict made here: no operation
        raise user_error(scope, node, KeyError(key))
    if isinstance(base, Pack) and base.kind in ("tuple", "list") and isinstance(index, Const) \
            and type(index.value) is int and -len(base.items) <= index.value < len(base.items):
        return base.items[index.value]       # an element of a literal: no operation
    written = _written_entry(scope, base, index)
    if written is not None:
        return written                       # assigned earlier in this call
    if isinstance(base, Var) and isinstance(static.example(scope, base), dict):
        scope.state.was_read(static.example(scope, base))
    fixed = fixed_item(scope, base, index)
    if fixed is not None:
        return fixed
    if isinstance(base, Pack) and base.kind in ("tuple", "list"):
        # a literal read at a position known only at run time (``pairs[i]`` in a loop): the
        # literal becomes a list of its own, whose gradient is a list added to entry by entry
        base = emit(scope, "primitive.container", (base,), {}, node,
                    node.value.id if isinstance(node.value, ast.Name) else "items")
    if not hint and isinstance(index, Const) and isinstance(index.value, str) and index.value.isidentifier():
        return emit(scope, "operator.getitem", (base, index), {}, node, index.value, kind=VarKind.TEMP)
    return emit(scope, "operator.getitem", (base, index), {}, node, hint)


def _named(scope, node):
    """``(n := x.shape[0])``: the value, also bound to the name (in the function's scope)."""
    value = lower_expr(scope, node.value, node.target.id)
    scope.env[node.target.id] = value
    return value


def _joined_string(scope, node, hint):
    """An f-string: its text when the compile knows every value (a label, a size), else the
    same text formatted at each call (``'loss={:.3f}'.format(loss)``, for a print)."""
    pieces, values = [], []
    for value in node.values:
        if isinstance(value, ast.Constant):
            pieces.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            continue
        values.append(lower_expr(scope, value.value))
        spec = "" if value.format_spec is None else \
            lower_static.joined_string(scope, value.format_spec, lower_expr).value
        conversion = {-1: "", 115: "!s", 114: "!r", 97: "!a"}[value.conversion]
        pieces.append("{" + conversion + (":" + spec if spec else "") + "}")
    template = "".join(pieces)
    known = [static.known(scope, v) for v in values]
    if static.UNKNOWN not in known:
        return Const(template.format(*known))
    return emit(scope, "primitive.format_text", (Const(template), *values), {}, node, hint or "text")


def _written_entry(scope, base, index):
    """``d[k]`` of a dict the call is given, where this call assigned ``d[k]`` earlier."""
    if not isinstance(base, Var):
        return None
    seen = static.example(scope, base)
    written = scope.state.written(seen) if isinstance(seen, dict) else {}
    key = static.known(scope, index) if written else static.UNKNOWN
    if key is static.UNKNOWN or isinstance(key, (list, dict, set, np.ndarray, slice)):
        return None
    return written.get(key)


_BY_NODE = {
    ast.Constant: lambda scope, node, hint: Const(node.value),
    ast.Name: lambda scope, node, hint: lookup(scope, node),
    ast.Attribute: _attribute,
    ast.BoolOp: lambda scope, node, hint: _lower_boolop(scope, node, hint, condition=False),
    ast.UnaryOp: _unary,
    ast.BinOp: _binary,
    ast.Compare: lambda scope, node, hint: _lower_compare(scope, node, hint),
    ast.Tuple: _sequence_display,
    ast.List: _sequence_display,
    ast.Dict: lambda scope, node, hint: lower_dict(scope, node),
    ast.Subscript: _subscript,
    ast.Call: lambda scope, node, hint: lower_call(scope, node, hint),
    ast.JoinedStr: lambda scope, node, hint: _joined_string(scope, node, hint),
    ast.NamedExpr: lambda scope, node, hint: _named(scope, node),
    ast.ListComp: lambda scope, node, hint: lower_comprehension(scope, node),
    ast.GeneratorExp: lambda scope, node, hint: lower_comprehension(scope, node),
    ast.DictComp: lambda scope, node, hint: lower_comprehension(scope, node),
    ast.IfExp: lambda scope, node, hint: lower_control.lower_ifexp(scope, node, hint),
    ast.Lambda: lambda scope, node, hint: nested_function(scope, source_module.as_function(node)),
}


def lower_condition(scope, node, hint="cond"):
    """An ``if``/``while``/``assert`` test: ``and``, ``or`` and ``not`` on values the data
    decides mean ``np.logical_and``/``or``/``not`` there; on static values, Python's."""
    if isinstance(node, ast.BoolOp):
        return _lower_boolop(scope, node, hint, condition=True)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _lower_not(scope, node, hint, condition=True)
    return lower_expr(scope, node, hint)


def _lower_boolop(scope, node, hint, condition):
    """``a and b``/``a or b``: Python's short circuit while the operands are static (the
    value is the operand that decides, as in Python); past the first operand the data
    decides, element-wise logic in a condition, an error elsewhere."""
    is_and = isinstance(node.op, ast.And)
    lower_operand = lower_condition if condition else lower_expr
    value = None
    for k, operand_node in enumerate(node.values):
        operand = lower_operand(scope, operand_node, "")
        if value is None:
            decided = static.known(scope, operand)
            if decided is not static.UNKNOWN and static.is_plain(decided):
                if k == len(node.values) - 1 or bool(decided) != is_and:
                    return operand           # `a and b`: a if a is false, else b
                continue
            if not condition:
                rule = fence.OTHER["and/or"]
                raise UnsupportedSyntax(f"{rule.what} is not supported",
                                        scope.loc(operand_node), rule.hint)
            value = operand
            continue
        name = "numpy.logical_and" if is_and else "numpy.logical_or"
        value = emit(scope, name, (value, operand), {}, node, hint)
    return value


def _lower_not(scope, node, hint, condition):
    operand = (lower_condition if condition else lower_expr)(scope, node.operand, "")
    decided = static.known(scope, operand)
    if decided is not static.UNKNOWN and static.is_plain(decided):
        return Const(not decided)
    if not condition:
        rule = fence.OTHER["not"]
        raise UnsupportedSyntax(f"{rule.what} is not supported",
                                scope.loc(node), rule.hint)
    return emit(scope, "numpy.logical_not", (operand,), {}, node, hint)


_IDENTITY_TESTS = (ast.Is, ast.IsNot, ast.In, ast.NotIn)


def _lower_compare(scope, node, hint):
    """A comparison. Static operands are compared in Python (a chain as Python chains it);
    ``is`` and ``in`` need static operands, except that whether a value is None (or True,
    False) is fixed by its type; comparisons of values the data decides are IR."""
    left = lower_expr(scope, node.left)
    results = []
    for op, right_node in zip(node.ops, node.comparators):
        right = lower_expr(scope, right_node)
        decided = _static_compare(scope, op, left, right)
        if decided is not static.UNKNOWN:
            if not decided and len(node.ops) > 1:
                return Const(False)      # a chain stops at its first false link
            results.append(Const(decided))
        elif isinstance(op, _IDENTITY_TESTS):
            word = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}[type(op)]
            rule = fence.OTHER["is/in"]
            raise UnsupportedSyntax(f"`{word}` on a value the data decides is not supported",
                                    scope.loc(node), rule.hint.format(op=word))
        elif len(node.ops) > 1:
            rule = fence.OTHER["chained"]
            raise UnsupportedSyntax(f"{rule.what} is not supported",
                                    scope.loc(node), rule.hint)
        else:
            return emit(scope, f"operator.{_OPERATORS[type(op)]}", (left, right), {}, node, hint)
        left = right
    return results[-1] if len(results) == 1 else Const(True)


_SINGLETONS = (None, True, False)


def _static_compare(scope, op, left, right):
    """The comparison's Python value when static, else ``UNKNOWN``."""
    a, b = static.known(scope, left), static.known(scope, right)
    fn = static.COMPARE[type(op).__name__]
    if a is not static.UNKNOWN and b is not static.UNKNOWN:
        if isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) or \
                (static.is_plain(a) and static.is_plain(b)):
            result = fn(a, b)
            return bool(result) if isinstance(result, (bool, np.bool_)) else static.UNKNOWN
        return static.UNKNOWN
    if isinstance(op, (ast.Is, ast.IsNot)):
        # `x is None`: the signature fixes whether a value is None, True or False
        for value, other in ((a, right), (b, left)):
            if value is not static.UNKNOWN and any(value is s for s in _SINGLETONS):
                seen = static.example(scope, other)
                if seen is not static.UNKNOWN:
                    return fn(seen, value) if other is right else fn(value, seen)
    if isinstance(op, (ast.In, ast.NotIn)) and a is not static.UNKNOWN:
        seen = static.example(scope, right)
        if isinstance(seen, dict):                  # a dict's keys are in the signature
            scope.state.was_read(seen)
            return fn(a, seen.keys() | scope.state.written(seen).keys())
    return static.UNKNOWN


def lower_index(scope, node):
    """A subscript's index: a slice or a tuple of them as a ``Pack``; ``range(n)`` as ``np.arange(n)``."""
    if isinstance(node, ast.Slice):
        parts = [Const(None) if p is None else lower_expr(scope, p)
                 for p in (node.lower, node.upper, node.step)]
        return Pack("slice", tuple(parts))
    if isinstance(node, ast.Tuple):
        return Pack("tuple", tuple(lower_index(scope, e) for e in node.elts))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" \
            and "range" not in scope.env and not node.keywords and \
            isinstance(lookup(scope, node.func), Ref) and lookup(scope, node.func).qualname == "builtins.range":
        # S[range(N), y] picks the same entries as S[np.arange(N), y]
        return emit(scope, "numpy.arange", tuple(lower_expr(scope, a) for a in node.args), {},
                    node, "arange")
    return lower_expr(scope, node)


def lower_call(scope, node, hint):
    """A call: its callee and arguments lowered, then ``lower_calls.call_value``."""
    callee = lower_node(scope, node.func)
    args, kwargs = call_arguments(scope, node)
    return call_value(scope, callee, args, kwargs, node, hint)


def _argument(scope, node):
    """A call's argument, as ``lower_expr``; but a library function passed by name
    (``layer(x, W, np.tanh)``) stays a ``Ref``, which a function of the user's that is
    called with it calls (``lower_calls`` refuses it as an operand of anything else)."""
    value = lower_node(scope, node)
    if isinstance(value, Ref):
        try:
            return constant_ref(scope, value, node)
        except NameResolutionError:
            return value
    if isinstance(value, Method):
        return emit(scope, f"ndarray.{value.attr}", (value.receiver,), {}, node, "")
    return value


def call_arguments(scope, node):
    """A call's lowered arguments: ``(args, kwargs)``. ``f(*args, **kwargs)`` spreads a
    tuple or list of fixed length and a dict with fixed keys (as a decorator's wrapper
    passes its arguments on)."""
    args = []
    for a in node.args:
        if not isinstance(a, ast.Starred):
            args.append(_argument(scope, a))
            continue
        value = lower_expr(scope, a.value)
        if not isinstance(value, Pack):             # *x.shape, *sizes: fixed here
            value = fixed_sequence(scope, value, a)
        if not (isinstance(value, Pack) and value.kind in ("tuple", "list")):
            rule = fence.EXPRESSIONS[ast.Starred]
            raise UnsupportedSyntax(f"{rule.what} of a value whose length is not fixed here is "
                                    "not supported", scope.loc(a), rule.hint)
        args.extend(value.items)
    kwargs = {}
    for k in node.keywords:
        if k.arg is not None:
            kwargs[k.arg] = _argument(scope, k.value)
            continue
        value = lower_expr(scope, k.value)
        if not isinstance(value, Pack):
            value = lower_static.structure(scope, value, k, item_getter(scope, k)) or value
        keys = value.items[::2] if isinstance(value, Pack) and value.kind == "dict" else None
        if keys is None or not all(isinstance(key, Const) and isinstance(key.value, str) for key in keys):
            rule = fence.OTHER["**kwargs call"]
            raise UnsupportedSyntax(f"{rule.what} whose keys are not fixed here is not supported",
                                    scope.loc(k), rule.hint)
        kwargs.update({key.value: v for key, v in zip(keys, value.items[1::2])})
    return tuple(args), kwargs
