"""Which array namespace a call's arguments belong to, and NumPy stand-ins for them.

A call whose arrays are all NumPy's (or that has none) takes the NumPy form, as it
always has, and nothing here imports more than NumPy. A call with arrays of another
library (PyTorch, JAX, Dask, array-api-strict, ...) takes the array-API form
(``portable``) for the namespace ``array_api_compat.array_namespace`` gives; the
compiler runs the function on NumPy stand-ins of the same shapes and dtypes (the
arrays' own values where NumPy can read them without a copy to the host or a
computation, seeded made-up values otherwise: a JAX tracer has none, a Dask array has
them only once computed), as the code is specialised to shapes and dtypes, never to
array values.
"""
from __future__ import annotations

import ast

import numpy as np

from diffc.backend.portable import Target

_PLAIN = (np.ndarray, np.generic, float, int, bool, complex, str, bytes, type(None))


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def foreign_arrays(args):
    """The arrays among ``args`` (nested in lists, tuples, dicts) that are not NumPy's."""
    candidates = [a for a in _leaves(args) if not isinstance(a, _PLAIN)
                  and hasattr(a, "shape") and hasattr(a, "dtype")]
    if not candidates:
        return []
    try:
        import array_api_compat
    except ImportError:
        return []                  # without array-api-compat, only NumPy arrays are arrays
    return [a for a in candidates if array_api_compat.is_array_api_obj(a)]


def array_arguments(name, value):
    """The arguments of ``array_namespace`` for a parameter ``name`` holding ``value``:
    ``[W]``, ``[*params.values()]`` for a dict of arrays, ``[*Ws]`` for a list or tuple of
    them, the array entries of a dict of settings and arrays
    (``[bn_param['running_mean'], ...]``); ``[]`` for no array."""
    def is_array(v):
        return isinstance(v, np.ndarray) or (not isinstance(v, (dict, list, tuple))
                                             and bool(foreign_arrays([v])))

    load = ast.Name(name, ast.Load())
    if isinstance(value, dict) and value and all(is_array(v) for v in value.values()):
        return [ast.Starred(ast.Call(ast.Attribute(load, "values", ast.Load()), [], []), ast.Load())]
    found = [ast.Subscript(load, ast.Constant(k), ast.Load()) for k, v in value.items()
             if isinstance(k, str) and is_array(v)] if isinstance(value, dict) else []
    if isinstance(value, (list, tuple)) and value and all(is_array(v) for v in value):
        return [ast.Starred(load, ast.Load())]
    if is_array(value):
        return [load]
    path = found or _first_array(value, is_array)       # (nested: ``params[0][0]`` of [(W, b), ...])
    if path and not found:
        for key in path:
            load = ast.Subscript(load, ast.Constant(key), ast.Load())
        return [load]
    return found


def _first_array(value, is_array):
    """The keys leading to the first array in nested lists, tuples and dicts (string keys),
    or None: the code is specialised to their structure, so the path holds at each call."""
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, (list, tuple)) else ()
    for key, item in items:
        if isinstance(value, dict) and not isinstance(key, str):
            continue
        if is_array(item):
            return [key]
        below = _first_array(item, is_array)
        if below:
            return [key, *below]
    return None


def is_python_number(value):
    """Whether ``value`` is a Python number (not a bool): a scalar the array-API form keeps
    as one."""
    return isinstance(value, (int, float, complex)) and not isinstance(value, bool)


def target_for(args, wrt):
    """The ``Target`` for a call with ``args`` (None: the NumPy form)."""
    arrays = foreign_arrays(args)
    if not arrays:
        return None
    import array_api_compat as compat

    namespace = compat.array_namespace(*arrays)
    floating = [a for i in wrt if i < len(args) for a in _leaves(args[i]) if _is_float_array(a)] + \
        [a for a in arrays if _is_float_array(a)]
    precision = numpy_dtype(floating[0].dtype).name if floating else "float64"
    is_torch, is_jax, is_dask = (compat.is_torch_namespace(namespace), compat.is_jax_namespace(namespace),
                                 compat.is_dask_namespace(namespace))
    extended = is_torch or is_jax or is_dask or compat.is_cupy_namespace(namespace)
    return Target(namespace, _library_name(namespace), writes=not is_jax, torch=is_torch,
                  precision=precision, extended=extended, in_place=is_torch)


def _library_name(namespace):
    name = namespace.__name__
    for prefix in ("array_api_compat.",):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


def _is_float_array(a):
    return hasattr(a, "dtype") and hasattr(a, "shape") and not isinstance(a, (np.ndarray, np.generic)) \
        and numpy_dtype(a.dtype).kind in "fc"


def numpy_dtype(dtype):
    """NumPy's dtype of the same name as another library's (``torch.float32`` → float32)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype(str(dtype).rsplit(".", 1)[-1])


def stand_ins(args, memo=None):
    """``(stand-ins for args, whether sizes vary)``. Arrays with no values here and too
    many entries to make values up for (a Dask array of millions of rows) have their
    large size (the number of rows) replaced by a small one no other axis has, and the
    code is compiled as ``diffc compile`` compiles for a size named by a letter: for any
    value of it (``sizes_vary``). It is used only for the calls of that signature."""
    lazy = [a for a in foreign_arrays(args) if len(a.shape) and _values_of(a) is None
            and np.prod([int(n) for n in a.shape], dtype=float) > _MADE_UP]
    rows = {int(a.shape[0]) for a in lazy}
    memo = {} if memo is None else memo      # (id -> (value, stand-in): shared with later reads)
    if not rows:
        return tuple(stand_in(a, memo) for a in args), False
    sizes = {int(n) for a in _leaves(args) for n in getattr(a, "shape", ())}
    small = next(p for p in _SMALL_SIZES if p not in sizes)
    shrunk = {n: small + k for k, n in enumerate(sorted(rows))}

    def shrink(value):
        if isinstance(value, dict):
            return {k: shrink(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return _same_kind(value, [shrink(v) for v in value])
        if foreign_arrays([value]) and _values_of(value) is None:
            shape = tuple(shrunk.get(int(n), int(n)) for n in value.shape)
            return stand_in(_Described(shape, value.dtype), memo)
        return stand_in(value, memo)
    return tuple(shrink(a) for a in args), True


_SMALL_SIZES = (997, 991, 983, 977, 971, 967, 953, 947, 941, 937)


def _same_kind(container, items):
    """A list or tuple of ``items`` of ``container``'s type (a named tuple's fields by position)."""
    if hasattr(container, "_fields"):
        return type(container)(*items)
    return type(container)(items)


class _Described:
    """Only a shape and a dtype."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype


def _values_of(value):
    try:
        return np.from_dlpack(value)
    except (TypeError, BufferError, RuntimeError, ValueError, AttributeError):
        # a tracer, a lazy array or one on a device: no values NumPy can read here
        return None


def stand_in(value, memo=None):
    """A NumPy array of ``value``'s shape and dtype (``value`` itself if it is not a
    foreign array): its values where NumPy can share them, made-up ones otherwise. In
    lists, tuples, dicts and the user's objects (a network holding its weights), each
    held the same; one array met twice has one stand-in (``memo``: id -> (value, its
    stand-in)), so what the code shares stays shared."""
    memo = {} if memo is None else memo
    if id(value) in memo:
        return memo[id(value)][1]
    if isinstance(value, dict):
        out = {k: stand_in(v, memo) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        out = _same_kind(value, [stand_in(v, memo) for v in value])
    elif _holds_foreign_arrays(value):
        try:
            out = object.__new__(type(value))
        except TypeError:                       # (a class made otherwise: read as it is)
            return value
        memo[id(value)] = (value, out)          # before its attributes: they may lead back
        vars(out).update({k: stand_in(v, memo) for k, v in vars(value).items()})
        return out
    elif isinstance(value, _PLAIN) or not (hasattr(value, "shape") and hasattr(value, "dtype")):
        return value
    else:
        out = _array_stand_in(value)
    memo[id(value)] = (value, out)
    return out


def holds_foreign_arrays(values):
    """Whether ``values`` (nested in lists, tuples, dicts and the user's objects) hold
    another library's arrays."""
    return bool(foreign_arrays(values)) or any(_holds_foreign_arrays(v) for v in _leaves(values))


def _holds_foreign_arrays(value, seen=None):
    """Whether ``value`` is an object of the user's (attributes in ``__dict__``, a class
    of its own) holding another library's arrays, maybe in lists, dicts or other objects."""
    if isinstance(value, (type, _PLAIN)) or not isinstance(getattr(value, "__dict__", None), dict) \
            or type(value).__module__.split(".")[0] in _NOT_USERS:
        return False
    seen = set() if seen is None else seen
    if id(value) in seen:
        return False
    seen.add(id(value))
    held = list(vars(value).values())
    return bool(foreign_arrays(held)) or any(_holds_foreign_arrays(v, seen) for v in _leaves(held))


# modules whose objects are not the user's own (a function, a tensor, a partial)
_NOT_USERS = ("builtins", "functools", "numpy", "torch", "jax", "jaxlib", "dask", "cupy",
              "array_api_strict")


def _array_stand_in(value):
    shared = _values_of(value)
    if shared is not None:
        return shared
    dtype = numpy_dtype(value.dtype)
    shape = tuple(int(s) for s in value.shape)
    if dtype.kind not in "fc":
        return np.broadcast_to(np.zeros((), dtype), shape)       # valid indices, no memory
    if np.prod(shape, dtype=float) > _MADE_UP:
        # data too large to make up (a Dask array of millions of rows): one value read
        # through every position, which takes no memory
        return np.broadcast_to(np.asarray(0.75, dtype), shape)
    return np.random.default_rng(0).uniform(0.5, 1.5, shape).astype(dtype)


_MADE_UP = 1 << 20      # entries of a stand-in with made-up values of its own


# ``diffc compile --backend NAME``: the library whose namespace the module is checked
# against (its functions must exist there), and the extra that installs it
BACKENDS = {"torch": ("array_api_compat.torch", "torch"), "jax": ("jax.numpy", "jax"),
            "cupy": ("array_api_compat.cupy", "cupy"), "dask": ("array_api_compat.dask.array", "dask"),
            "array-api": ("array_api_strict", "array-api")}


def target_named(name, args, wrt):
    """The ``Target`` of backend ``name`` (a key of ``BACKENDS``) for NumPy example
    ``args``; ImportError (naming the extra to install) when its library is missing."""
    import importlib

    module, extra = BACKENDS[name]
    try:
        namespace = importlib.import_module(module)
    except ImportError as e:
        raise ImportError(f"--backend {name} needs {module.split('.')[0]} and array-api-compat: "
                          f"pip install 'diffc[{extra}]'") from e
    floating = [a for i in wrt if i < len(args) for a in _leaves(args[i])
                if isinstance(a, np.ndarray) and a.dtype.kind in "fc"]
    return Target(namespace, name, writes=name != "jax", torch=name == "torch",
                  precision=floating[0].dtype.name if floating else "float64",
                  extended=name in ("torch", "jax", "cupy", "dask"), in_place=name == "torch")
