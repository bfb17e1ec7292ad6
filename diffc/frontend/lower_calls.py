"""What a call reaches: a random draw, an array method, a list or dict method
(``lower_containers``), a builtin the compile can evaluate, a primitive (one equation), a
function of the user's (``lower_inline``), a nested function, a diffc transform, an
object's ``__call__``; and an object's members (``obj.attr``: a stored value, a method,
a property, a static method; ``super()``).
"""
from __future__ import annotations

import dataclasses
import sys

import numpy as np

from diffc.frontend import bindings, declared, lower_names, lower_objects, lower_random, lower_static, static
from diffc.core import primitives
from diffc.errors import NameResolutionError, UnsupportedSyntax
from diffc.core.ir import Const, Eqn, Var, VarKind
from diffc.frontend.source import from_function as source_from_function, user_function
from diffc.frontend.lower_scope import Method, NestedFunction, Ref, SelfRef, TransformCall, UserFunction, user_error
from diffc.frontend.lower_emit import emit, record
from diffc.frontend.lower_inline import defining_frame, inline_call
from diffc.frontend.lower_containers import container_call, item_getter, static_call


def call_value(scope, callee, args, kwargs, node, hint):
    """Call what ``callee`` lowered to with lowered ``args`` (``node``: the call, for
    locations)."""
    drawn = _random_draw(scope, callee, args, kwargs, node, hint)
    if drawn is not None:
        return drawn
    if isinstance(callee, Method):
        _no_function_operands(scope, args, kwargs, node)
        return _method_call(scope, callee, args, kwargs, node, hint)
    callee = _resolved(scope, callee, node)
    if isinstance(callee, TransformCall):
        _no_function_operands(scope, args, kwargs, node)
        return callee.transform.__diffc_lower_call__(scope, args, kwargs, node, hint)
    if isinstance(callee, UserFunction):
        if callee.bound is not None:
            args = (callee.bound,) + args
        return inline_call(scope, callee.src, args, kwargs, node, hint)
    if isinstance(callee, NestedFunction):
        outer = defining_frame(scope, callee)
        if outer is None:
            raise UnsupportedSyntax(f"calling {callee.src.name}() outside the function that "
                                    "defines it is not supported", scope.loc(node),
                                    "define it at module level and pass it what it reads")
        # inlined in place (never a call of its own: it reads the frame's values directly)
        return inline_call(scope, callee.src, args, kwargs, node, hint, False, outer)
    if isinstance(callee, Ref) and callee.qualname == "builtins.super":
        return super_of(scope, node)
    if isinstance(callee, Ref):
        done = static_call(scope, callee.qualname, args, kwargs, node)
        if done is not NotImplemented:
            return done
        _no_function_operands(scope, args, kwargs, node)
        return emit(scope, callee.qualname, args, kwargs, node, hint, call=node.func)
    raise UnsupportedSyntax("calling a value is not supported", scope.loc(node.func),
                            "call NumPy functions or array methods")


def _no_function_operands(scope, args, kwargs, node):
    """A library function passed by name is an argument only of the user's own functions
    (``layer(x, W, np.tanh)``), never an operand of a library call."""
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, Ref):
            raise NameResolutionError(f"{value.qualname} is not a value diffc can use here",
                                      scope.loc(node), "call it, or pass it to a function of your own")


def _random_draw(scope, callee, args, kwargs, node, hint):
    """A draw from a generator (``rng.normal(...)``) or from ``np.random``, else None."""
    if isinstance(callee, Method) and (isinstance(static.example(scope, callee.receiver), lower_random.GENERATORS)
                                       or scope.state is not None and id(callee.receiver) in scope.state.generators):
        if callee.attr == "shuffle":
            raise UnsupportedSyntax("shuffle writes into its argument, which is not supported",
                                    scope.loc(node), "index with a permutation: "
                                    "x = x[rng.permutation(len(x))]")
        operands = lower_random.positional(scope, callee.attr, args, kwargs, node)
        return emit(scope, "primitive.draw", (callee.receiver, Const(callee.attr), *operands),
                    {}, node, hint or callee.attr)
    if isinstance(callee, Ref) and callee.qualname.startswith("numpy.random.") \
            and callee.qualname.count(".") == 2:
        method = callee.qualname.rsplit(".", 1)[1]
        if method == "shuffle":
            raise UnsupportedSyntax("np.random.shuffle writes into its argument, which is not "
                                    "supported", scope.loc(node), "index with a permutation: "
                                    "x = x[np.random.permutation(len(x))]")
        operands = lower_random.positional(scope, method, args, kwargs, node)
        return emit(scope, "primitive.draw_global", (Const(method), *operands), {}, node,
                    hint or method)
    if isinstance(callee, Ref) and callee.qualname.startswith("random.") and callee.qualname.count(".") == 1:
        method = callee.qualname.rsplit(".", 1)[1]
        if method == "shuffle":
            raise UnsupportedSyntax("random.shuffle writes into its argument, which is not "
                                    "supported", scope.loc(node), "draw a shuffled copy: "
                                    "items = random.sample(items, len(items))")
        if kwargs:
            raise UnsupportedSyntax(f"keyword arguments to random.{method}() are not supported",
                                    scope.loc(node), "pass them by position")
        return emit(scope, "primitive.draw_python", (Const(method), *args), {}, node, hint or method)
    return None


def _method_call(scope, callee, args, kwargs, node, hint):
    """``value.attr(...)``: a list or dict method, a method of a str or number the compile
    knows (run now), else an array method (one equation)."""
    if callee.attr == "astype" and "copy" in kwargs:
        # the same values either way; whether the result may share memory with the array is
        # the fence's concern (it treats `astype(..., copy=...)` as a possible view)
        kwargs = {k: v for k, v in kwargs.items() if k != "copy"}
    done = container_call(scope, callee, args, kwargs, node)
    if done is not NotImplemented:
        return done
    receiver = static.known(scope, callee.receiver)
    if receiver is not static.UNKNOWN and isinstance(receiver, (str, bytes, int, float, tuple)) \
            and hasattr(receiver, callee.attr):
        value = lower_static.evaluate(scope, getattr(receiver, callee.attr), args, kwargs)
        if value is not static.UNKNOWN:          # "W1".startswith("W"), "{}".format(i)
            return lower_static.lift(value)
        if isinstance(receiver, str) and callee.attr == "format" and not kwargs:
            return emit(scope, "primitive.format_text", (Const(receiver), *args), {}, node,
                        hint or "text")          # "loss {:.3f}".format(loss), at each call
    return emit(scope, f"ndarray.{callee.attr}", (callee.receiver, *args), kwargs, node, hint,
                call=node.func)


def _resolved(scope, callee, node):
    """What a call reaches: a function a user gave a rule (``@diffc.primitive``), read from
    its module or imported, is that primitive; a function of the user's read from another
    module is inlined; a value held in a variable is the function it holds, or its object's
    ``__call__``."""
    if isinstance(callee, Ref):
        user_prim = _user_primitive(callee.qualname)
        if user_prim is not None:
            callee = Ref(f"primitive.{user_prim.name}")
    if isinstance(callee, Ref) and not primitives.lookup(callee.qualname) \
            and not callee.qualname.startswith(("numpy.", "builtins.", "primitive.", "math.", "functools.", "itertools.")):
        found = user_function(scope.fn, callee.qualname)
        if found is not None:       # read, not imported: its @diffc.primitive is read too
            prim = declared.primitive_of(found, callee.qualname.rpartition(".")[0])
            callee = Ref(f"primitive.{prim.name}") if prim else UserFunction(found)
    if isinstance(callee, SelfRef):                  # self(x) in a method: its __call__
        member = callee.method(scope.fn, "__call__")
        if member is None or member[0] != "method":
            raise UnsupportedSyntax("this object is not callable: its class defines no "
                                    "__call__ method", scope.loc(node.func), "call one of its methods")
        callee = UserFunction(member[1], callee)
    if isinstance(callee, (Var, Const)):
        held = static.example(scope, callee)
        if lower_objects.is_object(held):             # layer(x): its class's __call__
            kind, found = lower_objects.member(held, "__call__")
            if kind != "method":
                raise UnsupportedSyntax(f"a {type(held).__name__} object is not callable",
                                        scope.loc(node.func), "call one of its methods")
            callee = UserFunction(source_from_function(found), callee)
        elif held is not static.UNKNOWN and callable(held) and not isinstance(held, type):
            callee = _callable(scope, held, node.func)
    return callee


def object_member(scope, base, obj, node, hint):
    """``obj.attr`` for an object the compile knows (``lower_objects``)."""
    name = node.attr
    stored = scope.state.read(obj, name)
    if stored is not None:
        return stored
    kind, found = lower_objects.member(obj, name)
    if kind == "method":
        return _method_of(obj, name, found, base)
    if kind == "property":
        return inline_call(scope, source_from_function(found), (base,), {}, node, hint or name)
    if kind == "static":
        return _callable(scope, found, node)
    if kind == "missing":
        raise user_error(scope, node, AttributeError(
            f"{type(obj).__name__!r} object has no attribute {name!r}"))
    if kind == "classmethod":
        raise UnsupportedSyntax("calling a classmethod is not supported", scope.loc(node),
                                "make it a static method or a module-level function")
    if callable(found) and not lower_objects.is_object(found) and not isinstance(found, np.ndarray):
        return _callable(scope, found, node)        # self.activation = np.tanh
    if bindings.is_scalar_constant(found) and (isinstance(base, Const) or not isinstance(found, float)):
        return Const(found)     # in the signature by value, or of an object made while compiling
    same = lower_objects.alias(scope.state, found, item_getter(scope, node))
    if same is not None:
        return same                                 # a weight that is an input's entry
    out = scope.namer.var(hint or name, VarKind.USER if hint else VarKind.TEMP)
    record(scope, Eqn((out,), "attribute", (base, Const(name)), {}, scope.loc(node)))
    if isinstance(found, lower_random.GENERATORS):   # its draws are draws wherever it is read
        scope.state.generators[id(out)] = found
    return out


def _method_of(obj, name, found, self_atom, after=None):
    """A method of ``obj``'s class, to inline with ``self`` bound to ``self_atom``."""
    src = source_from_function(found)
    klass = next((k for k in type(obj).__mro__ if vars(k).get(name) is found), None)
    return UserFunction(dataclasses.replace(src, defining_class=klass), self_atom)


def super_member(scope, sup, node, hint):
    """``super().attr``: a method, property or static method of a class after the one in ``sup``."""
    kind, found = lower_objects.member(sup.obj, node.attr, after=sup.klass)
    if kind == "method":
        return _method_of(sup.obj, node.attr, found, sup.self_atom)
    if kind == "property":
        return inline_call(scope, source_from_function(found), (sup.self_atom,), {}, node,
                           hint or node.attr)
    if kind == "static":
        return _callable(scope, found, node)
    raise UnsupportedSyntax(f"super().{node.attr} is not a method diffc can call",
                            scope.loc(node), "call a method of the base class")


def super_of(scope, node):
    """``super()`` (no arguments) in a method of an object's class."""
    klass = scope.fn.defining_class
    params = scope.fn.node.args.posonlyargs + scope.fn.node.args.args
    self_atom = scope.env.get(params[0].arg) if params else None
    obj = lower_objects.reaches_object(scope, self_atom) if self_atom is not None else None
    if klass is None or obj is None or node.args or node.keywords:
        raise UnsupportedSyntax("this use of super() is not supported", scope.loc(node),
                                "call super() without arguments in a method of an object "
                                "the function is given")
    return lower_objects.Super(self_atom, obj, klass)


def _callable(scope, value, node):
    """A function held in a value (a default, an attribute, an entry of a table), called:
    resolved as a free name holding it would be (a library function by its rule, or
    refused by its name; the user's inlined), never read from a library's own source."""
    found = lower_names.function_value(value)
    if found is None:
        raise UnsupportedSyntax(f"calling {getattr(value, '__name__', type(value).__name__)} "
                                "held in a value is not supported", scope.loc(node),
                                "call NumPy or SciPy functions, or functions of your own")
    return found


def _user_primitive(qualname):
    """A primitive a user registered, reached as ``module.name`` (module already imported)."""
    module, _, attr = qualname.rpartition(".")
    obj = getattr(sys.modules.get(module), attr, None) if module else None
    return obj if isinstance(obj, primitives.Primitive) else None
