"""Ports: the small functions a user writes to hand a test's checked function to diffc.

diffc compiles Python source. When a test checks a function written in the test file
(``def fun(x): return np.dot(x, y)``), diffc gets that function itself. When it checks a
library function (``combo_check(np.sum, [0])(..., axis=[None, 0])``,
``stats.norm.pdf``), a user porting the test would write a one-line wrapper; so does the
runner: ``def numpy_sum(a0, axis): return numpy.sum(a0, axis=axis)`` in a module file of
its own, with a docstring naming the test line it ports, so that diffc's errors point at
a real line.

For second derivatives the runner also writes the function's projection on a cotangent
``dout`` (``numpy.sum(out * dout)``, leaf by leaf for a tuple result), a scalar function
whose gradient is the vector-Jacobian product.

Every module is built as ``ast`` nodes and printed with ``ast.unparse``.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import itertools
import keyword
import os
import sys
import types

from benchmarks.autograd_suite import trees

# where a library function a test checks may live, searched in this order
NAMESPACES = ("numpy", "numpy.linalg", "numpy.fft", "scipy.special", "scipy.stats",
              "scipy.signal", "scipy.linalg", "scipy.integrate")

_counter = itertools.count(1)


def library_path(fn):
    """``("scipy.stats", "scipy.stats.norm.pdf")``: the module to import and the dotted
    name of ``fn`` in the first of ``NAMESPACES`` that has it, or None."""
    owner = getattr(fn, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        found = _find(owner)            # a method of a library object (a distribution)
        name = getattr(fn, "__name__", None)
        return (found[0], f"{found[1]}.{name}") if found and name else None
    return _find(fn)


def _find(obj):
    for module_name in NAMESPACES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name, value in vars(module).items():
            if value is obj and not name.startswith("_"):
                return module_name, f"{module_name}.{name}"
    return None


class PortDir:
    """The directory the ports are written to, and the modules loaded from it."""

    def __init__(self, path):
        self.path = path
        self.modules = []

    def load(self, tree, stem, bindings):
        """Write ``tree`` (an ``ast.Module``) to ``<stem>.py``, import it, set the global
        ``bindings`` (name -> value) in it and return it."""
        number = next(_counter)
        filename = os.path.join(self.path, f"port_{number:04d}_{stem}.py")
        with open(filename, "w", encoding="utf-8") as f:
            f.write(ast.unparse(ast.fix_missing_locations(tree)) + "\n")
        name = f"autograd_suite_port_{number:04d}"
        spec = importlib.util.spec_from_file_location(name, filename)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        vars(module).update(bindings)
        self.modules.append(name)
        return module

    def unload(self):
        for name in self.modules:
            sys.modules.pop(name, None)
        self.modules.clear()


class Port:
    """What diffc differentiates for one checked function called with ``n_args``
    positional arguments and keyword arguments named ``kw_names``, returning values
    shaped like ``value``: ``target`` (the function itself, or a wrapper) and
    ``projection``, in one module written on demand."""

    def __init__(self, port_dir, fn, n_args, kw_names, value, where, test_dir):
        self.port_dir = port_dir
        self.fn = fn
        self.n_args = n_args
        self.kw_names = tuple(kw_names)
        self.value = value
        self.where = where
        self.direct = _defined_in(fn, test_dir)
        self.library = None if self.direct else library_path(fn)
        self.stem = _identifier(self.library[1].replace(".", "_") if self.library
                                else getattr(fn, "__name__", "tested"))
        self._module = None

    def describe(self):
        if self.library:
            return f"the library function {self.library[1]}"
        return repr(getattr(self.fn, "__qualname__", self.fn))

    @property
    def target(self):
        """The function given to diffc for first derivatives."""
        return self.fn if self.direct else getattr(self.module, self.stem)

    @property
    def projection(self):
        """``<stem>_projected(a0, ..., dout, kw...)``: the sum over the leaves of the
        result of ``numpy.sum(out_leaf * dout_leaf)``."""
        return getattr(self.module, f"{self.stem}_projected")

    @property
    def module(self):
        if self._module is None:
            body = [_docstring(f"Port of {self.where}: {self.describe()}, called as the test "
                               "calls it, and its projection on a cotangent dout."),
                    _import("numpy")]
            if self.library and self.library[0] != "numpy":
                body.append(_import(self.library[0]))
            if not self.direct:
                body.append(self._wrapper())
            body.append(self._projection_def(f"{self.stem}_projected"))
            bindings = {} if self.library else {self._global(): self.fn}
            self._module = self.port_dir.load(ast.Module(body, []), self.stem, bindings)
        return self._module

    def _global(self):
        """The global name by which the port calls the tested function itself."""
        name = _identifier(getattr(self.fn, "__name__", "tested"))
        reserved = ("numpy", "dout", "out", self.stem) + self.kw_names
        return name + "_" if name in reserved or _is_param(name) else name

    def _callee(self):
        return ast.Name(self._global() if self.direct else self.stem, ast.Load())

    def _params(self, extra=()):
        names = [f"a{i}" for i in range(self.n_args)] + list(extra) + list(self.kw_names)
        return ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in names], vararg=None,
                             kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])

    def _call(self, func):
        return ast.Call(func, [ast.Name(f"a{i}", ast.Load()) for i in range(self.n_args)],
                        [ast.keyword(k, ast.Name(k, ast.Load())) for k in self.kw_names])

    def _wrapper(self):
        func = _dotted(self.library[1]) if self.library else ast.Name(self._global(), ast.Load())
        return ast.FunctionDef(self.stem, self._params(), [ast.Return(self._call(func))], [],
                               None, None, **_type_params())

    def _projection_def(self, name):
        body = [ast.Assign([ast.Name("out", ast.Store())], self._call(self._callee()))]
        terms = []
        for path in trees.paths(self.value):
            out, dout = ast.Name("out", ast.Load()), ast.Name("dout", ast.Load())
            for index in path:
                out = ast.Subscript(out, ast.Constant(index), ast.Load())
                dout = ast.Subscript(dout, ast.Constant(index), ast.Load())
            terms.append(ast.Call(_dotted("numpy.sum"), [ast.BinOp(out, ast.Mult(), dout)], []))
        total = terms[0]
        for term in terms[1:]:
            total = ast.BinOp(total, ast.Add(), term)
        body.append(ast.Return(total))
        return ast.FunctionDef(name, self._params(extra=("dout",)), body, [], None, None,
                               **_type_params())


def _defined_in(fn, directory):
    """Whether ``fn`` is a Python function written in a file under ``directory``."""
    code = getattr(fn, "__code__", None)
    if code is None or not inspect.isfunction(fn):
        return False
    path = os.path.realpath(code.co_filename)
    return path.startswith(os.path.realpath(directory) + os.sep)


def _is_param(name):
    return name[:1] == "a" and name[1:].isdigit()


def _identifier(text):
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in str(text)) or "tested"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = "f_" + name
    return name


def _dotted(name):
    parts = name.split(".")
    node = ast.Name(parts[0], ast.Load())
    for part in parts[1:]:
        node = ast.Attribute(node, part, ast.Load())
    return node


def _import(module_name):
    return ast.Import([ast.alias(module_name)])


def _docstring(text):
    return ast.Expr(ast.Constant(text))


def _type_params():
    """``FunctionDef``'s ``type_params`` field exists from Python 3.12 on."""
    return {"type_params": []} if "type_params" in ast.FunctionDef._fields else {}
