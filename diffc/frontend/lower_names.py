"""Names: what a name the function reads is, as Python resolves it.

A local first (the scope's bindings; a name only some paths assign is a located error),
then, in a nested function, what its definer reads. In a live function the rest is read
from the running program (a closure cell, the globals, the builtins), each read recorded
in ``bindings`` as a guard or, for arrays, as a free input (``live_value``). Read
statically, the module's imports, its literal constants, the primitives of a rule
template's module, its functions (a ``@diffc.primitive`` read by ``declared``), the
builtins. A value is a ``Ref`` (a module or a library function), a constant, a function of
the user's, or a free input; anything else is refused with the name's location.
"""
from __future__ import annotations

import ast
import builtins
import copy
import functools
import inspect
import itertools
import random
import sys

import numpy as np

from diffc.frontend import bindings, declared, fence, library_values, lower_objects, lower_random, lower_static, source
from diffc.core import primitives
from diffc.errors import NameResolutionError, UnsupportedSyntax
from diffc.core.ir import Const
from diffc.frontend.source import SourceFunction, from_function as source_from_function
from diffc.frontend.lower_scope import NestedFunction, Ref, TransformCall, UserFunction


_LOCALS = {}


def _local_names(fn):
    """The names ``fn``'s body binds (its locals, for Python), parameters included."""
    key = id(fn.node)
    found = _LOCALS.get(key)
    if found is None or found[0] is not fn.node:
        a = fn.node.args
        params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
        params |= {p.arg for p in (a.vararg, a.kwarg) if p is not None}
        found = _LOCALS[key] = (fn.node, fence.stored_names(fn.node.body) | params)
    return found[1]


def nested_function(scope, fdef):
    """A ``def`` or lambda inside the function being lowered (its calls are inlined)."""
    src = SourceFunction(fdef, scope.fn.module, scope.fn.runtime_globals, enclosing=scope.fn)
    return NestedFunction(src, scope.fn)


def lookup(scope, node):
    """What the name ``node`` reads, as Python resolves it (see the module's docstring)."""
    name = node.id
    if name in scope.env:
        return scope.env[name]
    if scope.outer is not None and name in scope.outer:
        return scope.outer[name]
    fn = scope.fn
    if name in _local_names(fn):          # Python's UnboundLocalError, located
        rule = fence.OTHER["maybe unbound"]
        raise UnsupportedSyntax(f"`{name}` may not be assigned here: only some paths (or "
                                "later loop steps) assign it before this line", scope.loc(node),
                                rule.hint.format(name=name))
    if fn.enclosing is not None:          # a nested function: the rest as its definer reads it
        scope.fn = fn.enclosing
        try:
            return lookup(scope, node)
        finally:
            scope.fn = fn
    if fn.live is not None:
        return _live_lookup(scope, node)
    return _static_lookup(scope, node)


def _static_lookup(scope, node):
    """A free name of a function read from its file (not running): the module's imports,
    a closure's or the runtime globals' value given with the source, a literal constant,
    a primitive of a rule template's module, a function of the module, a builtin."""
    name, fn = node.id, scope.fn
    if name in fn.module.aliases:
        return Ref(fn.module.aliases[name])
    if name in fn.closure:
        return _runtime_value(scope, name, fn.closure[name], node)
    if name in fn.module.constants:
        bindings.current().bake(name, fn.module.constants[name], fn.module.path)
        return Const(fn.module.constants[name])
    if fn.runtime_globals is not None and name in fn.runtime_globals:
        return _runtime_value(scope, name, fn.runtime_globals[name], node)
    prim = _template_primitive(fn, name)
    if prim is not None:
        return Ref(f"primitive.{prim.name}")
    if name in fn.module.functions:
        return _module_function(scope, node)
    if hasattr(builtins, name):
        return Ref(f"builtins.{name}")
    if any(isinstance(stmt, ast.ClassDef) and stmt.name == name for stmt in fn.module.tree.body):
        raise UnsupportedSyntax(
            f"{name} is a class of the module, and reading the file without running it "
            f"cannot make its objects", scope.loc(node),
            "use the Python API (diffc.grad imports the module and reads the class)")
    if _assigned_a_diffc_call(fn.module, name):
        raise UnsupportedSyntax(
            f"{name} is made by a diffc transform at module level, and reading the file "
            f"without running it cannot call one", scope.loc(node),
            "use the Python API (diffc.grad imports the module), as for a gradient penalty")
    raise NameResolutionError(f"name {name!r} is not defined", scope.loc(node),
                              "define it in the function, pass it as an argument, "
                              "or make it a module-level constant")


def _module_function(scope, node):
    """A function ``def``ined in the module read: its ``@diffc.primitive`` (read by
    ``declared``), else the function, to inline; a diffc transform cannot be read."""
    name, fn = node.id, scope.fn
    node_def = fn.module.functions[name]
    if any("grad" in ast.unparse(d) or "jvp" in ast.unparse(d) or "hessian" in ast.unparse(d)
           for d in node_def.decorator_list):
        raise UnsupportedSyntax(
            f"{name} is a diffc transform (it is decorated), and reading the file without "
            f"running it cannot call one", scope.loc(node),
            "compile through the Python API (diffc.grad imports the module), or call the "
            "undecorated function")
    found = SourceFunction(node_def, fn.module, fn.runtime_globals)
    prim = declared.primitive_of(found, declared.module_name(fn.module.path))
    return Ref(f"primitive.{prim.name}") if prim else UserFunction(found)


def _live_lookup(scope, node):
    """A free name of a live function, read as Python reads it: its closure cell, else its
    globals, else the builtins. Each read is recorded in ``bindings``."""
    name = node.id
    live = scope.fn.live
    code = live.__code__
    if name in code.co_freevars:
        cell = live.__closure__[code.co_freevars.index(name)]
        fetch = bindings.Fetch("closure", cell, name, name)
        value = fetch.read()
        if value is bindings.MISSING:
            raise NameResolutionError(f"free variable {name!r} has no value yet", scope.loc(node),
                                      f"assign {name} in the enclosing function before calling")
        return live_value(scope, name, value, fetch, node)
    namespace = live.__globals__
    fetch = bindings.Fetch("global", namespace, name, name)
    if name in namespace:
        return live_value(scope, name, namespace[name], fetch, node)
    builtins_ns = namespace.get("__builtins__", builtins)
    if name in (builtins_ns if isinstance(builtins_ns, dict) else vars(builtins_ns)):
        bindings.current().absent(fetch)
        return Ref(f"builtins.{name}")
    raise NameResolutionError(f"name {name!r} is not defined", scope.loc(node),
                              "define it in the function, pass it as an argument, "
                              "or define it at module level before calling")


_LIBRARIES = ("numpy", "scipy", "math", "builtins", "diffc")


def live_module_member(scope, ref, node):
    """``module.name`` for a module of the user's (not a library diffc has rules for): the
    live member, read from the module at each call."""
    if ref.qualname.split(".")[0] in _LIBRARIES or ref.qualname.startswith("primitive.") \
            or primitives.lookup(f"{ref.qualname}.{node.attr}"):
        return None          # a library's, or a function the user gave a rule by its name
    module = sys.modules.get(ref.qualname)
    if module is None or not hasattr(module, node.attr):
        return None
    value = getattr(module, node.attr)
    if inspect.ismodule(value):
        return Ref(value.__name__)
    fetch = bindings.Fetch("attribute", module, node.attr, f"{ref.qualname}.{node.attr}")
    return live_value(scope, node.attr, value, fetch, node)


def live_value(scope, name, value, fetch, node):
    """What a free name read from the running program is to the compile, with its guard:
    a module or a library function (a ``Ref``), a function of the user's (inlined), a
    number or string (a constant), an array or a container of arrays (a free input)."""
    record = bindings.current()
    if inspect.ismodule(value):
        return Ref(value.__name__)          # an import binds a module once: not guarded
    alias = scope.fn.module.aliases.get(name) if fetch.kind == "global" else None
    if alias is not None and _resolves_to(alias, value):
        record.same(fetch, value)
        return Ref(alias)
    if bindings.is_scalar_constant(value):
        record.value(fetch, value)
        return Const(value)
    if bindings.holds_arrays(value):
        return _free_input(scope, fetch, value, name)
    record.same(fetch, value)
    found = function_value(value)
    if found is not None:
        return found
    return _held_value(scope, name, value, fetch, node)


def function_value(value):
    """A function read from the running program: a diffc transform, a primitive, a function
    of the user's (inlined, or the rule the user gave it by its name), a class of the user's
    (a constant: a call makes an object), a library function diffc has rules for; None for
    anything else."""
    if hasattr(type(value), "__diffc_lower_call__"):
        return TransformCall(value)
    if isinstance(value, primitives.Primitive):
        return Ref(f"primitive.{value.name}")
    if inspect.isfunction(value) and not (value.__module__ or "").startswith(("numpy", "scipy", "diffc")):
        named = f"{value.__module__}.{value.__qualname__}"
        if source.in_standard_library(inspect.getsourcefile(value) or ""):
            return Ref(named)                       # copy.deepcopy: its rule, or refused by name
        if primitives.lookup(named):              # the user gave it a rule by its name
            return Ref(named)
        return UserFunction(source_from_function(value))
    if value is functools.reduce:
        return Ref("functools.reduce")              # written out over its items
    if getattr(value, "__module__", None) == "itertools" and getattr(itertools, getattr(value, "__name__", ""), None) is value:
        return Ref(f"itertools.{value.__name__}")   # itertools.combinations(...): written out
    if lower_objects.is_user_class(value):   # called, it makes an object (lower_construct)
        return Const(value)
    if getattr(value, "__self__", None) is getattr(random, "_inst", None) is not None:
        return Ref(f"random.{value.__name__}")      # random.randint: a draw, made at each call
    qual = _numpy_qualname(value) or _library_qualname(value) or _library_instance(value) \
        or library_values.bound_method_qualname(value, _library_instance) \
        or library_values.public_name(value)
    return Ref(qual) if qual else None


def _held_value(scope, name, value, fetch, node):
    """A random generator, an object or a list of them (free inputs, read at each call),
    or a table of settings or functions (a constant, guarded by a copy)."""
    record = bindings.current()
    if isinstance(value, lower_random.GENERATORS):   # read at each call: its draws go on
        return _free_input(scope, fetch, value, name)
    if lower_objects.is_object(value):    # a settings object, a model: read at each call,
        record.structure(fetch, value)    # compiled again when its attributes change
        return _free_input(scope, fetch, value, name)
    if type(value) in (list, tuple) and any(lower_objects.is_object(v) for v in value):
        record.structure(fetch, value)    # a list of layer specifications
        return _free_input(scope, fetch, value, name)
    if static_container(value):          # a table of settings or of functions
        record.value(fetch, copy.deepcopy(value))     # a copy: a change is seen
        return lower_static.lift(value)
    raise NameResolutionError(
        f"{name!r} refers to a {type(value).__name__} defined outside the function",
        scope.loc(node), f"pass {name} to the function as an argument")


def static_container(value, depth=0):
    """A dict, list or tuple of numbers, strings, None and functions (no arrays)."""
    if depth > 8:
        return False
    if type(value) is dict:
        return all(static_container(k, depth + 1) and static_container(v, depth + 1)
                   for k, v in value.items())
    if type(value) in (list, tuple):
        return all(static_container(v, depth + 1) for v in value)
    return bindings.is_scalar_constant(value) or value is None or \
        inspect.isfunction(value) or isinstance(value, np.ufunc) or \
        (depth > 0 and callable(value) and _numpy_qualname(value) is not None)


def _free_input(scope, fetch, value, name):
    """The parameter through which the generated function reads an array from a free name."""
    found = scope.free.get(fetch)
    if found is None:
        found = bindings.FreeInput(fetch, scope.namer.var(name.split(".")[-1]), value)
        scope.free[fetch] = found
        if scope.facts is not None:         # (read as NumPy's where the call's arrays are another's)
            scope.facts.bind_param(found.var, scope.facts.stand_in(value) if scope.facts.stand_in else value)
    return found.var


def _resolves_to(qualname, value):
    """Whether the dotted ``qualname`` (an import's target) names ``value`` in the running
    program (``numpy.exp`` is ``np.exp``)."""
    parts = qualname.split(".")
    for k in range(len(parts), 0, -1):
        obj = sys.modules.get(".".join(parts[:k]))
        if obj is not None:
            for p in parts[k:]:
                obj = getattr(obj, p, bindings.MISSING)
            return obj is value
    return False


def _library_qualname(value):
    """``scipy.special.expit`` for that object: a function of a library diffc has rules
    for, found where its module says it lives."""
    module = getattr(value, "__module__", None) or ""
    name = getattr(value, "__name__", None)
    if isinstance(value, np.ufunc) and not module and "scipy.special" in sys.modules:
        module = "scipy.special"      # SciPy's ufuncs (expit, gammaln) carry no module name
    if not name or module.split(".")[0] not in _LIBRARIES:
        return None
    for prefix in (module, module.rsplit(".", 1)[0] if "." in module else None):
        if prefix and _resolves_to(f"{prefix}.{name}", value) and primitives.lookup(f"{prefix}.{name}"):
            return f"{prefix}.{name}"
    return None


def _library_instance(value):
    """``scipy.stats.norm`` for that object: an object a library exposes under a public
    name (a distribution), found in a public package its class comes from, when diffc
    has rules for its methods."""
    parts = (type(value).__module__ or "").split(".")
    if parts[0] not in _LIBRARIES:
        return None
    for k in range(1, len(parts) + 1):
        if parts[k - 1].startswith("_"):
            break
        package = sys.modules.get(".".join(parts[:k]))
        for attr, member in vars(package).items() if package else ():
            qual = f"{package.__name__}.{attr}"
            if member is value and not attr.startswith("_") and \
                    any(n.startswith(qual + ".") for n in primitives.source_names()):
                return qual
    return None


def _assigned_a_diffc_call(module, name):
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets) \
                and isinstance(stmt.value, ast.Call):
            target = ast.unparse(stmt.value.func)
            if module.aliases.get(target.split(".")[0], "").startswith("diffc"):
                return True
    return False


def _template_primitive(fn, name):
    """In a rule template, a primitive defined in the same template module, or imported
    from a sibling one (``from .special_functions import digamma``)."""
    defined = name in fn.module.functions
    if not defined and name not in _relative_imports(fn.module.tree):
        return None
    try:
        prim = primitives.get(name)
    except KeyError:
        return None
    if not defined:
        return None if prim.user else prim
    code = getattr(prim.impl, "__code__", None)
    return prim if code is not None and code.co_filename == fn.module.path else None


def _relative_imports(tree):
    """The names a module imports with ``from .sibling import name``."""
    return {a.asname or a.name for stmt in tree.body if isinstance(stmt, ast.ImportFrom)
            and stmt.level > 0 for a in stmt.names}


def _runtime_value(scope, name, value, node):
    if inspect.ismodule(value):
        return Ref(value.__name__)
    if hasattr(type(value), "__diffc_lower_call__"):
        return TransformCall(value)
    if isinstance(value, primitives.Primitive):
        return Ref(f"primitive.{value.name}")
    if inspect.isfunction(value) and not (value.__module__ or "").startswith(("numpy", "scipy", "diffc")):
        return function_value(value)
    if isinstance(value, (bool, int, float, complex, str, type(None))):
        return Const(value)
    qual = _numpy_qualname(value)
    if qual:
        return Ref(qual)
    raise NameResolutionError(
        f"{name!r} refers to a {type(value).__name__} defined outside the function",
        scope.loc(node), f"pass {name} to the function as an argument")


def _numpy_qualname(value):
    """``numpy.exp`` for the object ``np.exp`` (so runtime-only aliases still resolve)."""
    name = getattr(value, "__name__", None)
    module = getattr(value, "__module__", None) or ""
    if name and (module.startswith("numpy") or isinstance(value, np.ufunc)):
        for prefix in ("numpy", "numpy.linalg"):
            obj = np if prefix == "numpy" else np.linalg
            if getattr(obj, name, None) is value:
                return f"{prefix}.{name}"
    return None


def constant_ref(scope, ref, node):
    """A non-called reference such as ``np.pi``, ``np.newaxis`` or ``np.float32``: a constant."""
    if ref.qualname in ("builtins.float", "builtins.int", "builtins.bool", "builtins.complex"):
        return Const(getattr(builtins, ref.qualname.split(".")[1]))   # a dtype: x.astype(float)
    found, obj = _resolve_object(ref.qualname)
    if found and (obj is None or isinstance(obj, (bool, int, float, type))):
        return Const(obj)                   # a class: isinstance(W, np.ndarray), a dtype
    if ref.qualname.startswith("builtins.") and isinstance(getattr(builtins, ref.qualname[9:], None), type):
        return Const(getattr(builtins, ref.qualname[9:]))      # isinstance(reg, dict)
    raise NameResolutionError(f"{ref.qualname} is not a value diffc can use here",
                              scope.loc(node), "call it, or pass the value as an argument")


def _resolve_object(qualname):
    """(True, object) for a NumPy/math constant's qualified name, else (False, None)."""
    parts = qualname.split(".")
    roots = {"numpy": np, "math": __import__("math")}
    if parts[0] not in roots:
        return False, None
    obj = roots[parts[0]]
    for p in parts[1:]:
        if not hasattr(obj, p):
            return False, None
        obj = getattr(obj, p)
    return True, obj
