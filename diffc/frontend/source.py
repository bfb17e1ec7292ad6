"""Quoting: find a function's source and the module context its names resolve in.

Nothing here executes the user's file: a module is parsed with ``ast`` and its imports
and literal constants are read statically (``import numpy as np``, ``SCALE = 2.0``), which
is how ``diffc compile`` resolves names. A live function (given to ``diffc.grad``) is
*live*: its names resolve to the running program's values (its globals, closure cells and
defaults, read through ``bindings``), never to the text, and its source must be the code
that runs: a file edited since the function was defined is an error.
"""
from __future__ import annotations

import ast
import collections
import inspect
import linecache
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache

from diffc.errors import (Loc, NameResolutionError, SourceSyntaxError, SourceUnavailable,
                          UnsupportedSyntax)


@dataclass
class Module:
    """A parsed user module: its tree, lines, import aliases and literal constants."""
    path: str
    tree: ast.Module
    lines: list
    aliases: dict = field(default_factory=dict)    # local name -> "numpy", "numpy.exp", ...
    constants: dict = field(default_factory=dict)  # NAME -> literal value
    functions: dict = field(default_factory=dict)  # name -> ast.FunctionDef (module level)

    def loc(self, node) -> Loc:
        line = getattr(node, "lineno", 1)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        end = getattr(node, "end_col_offset", None) if getattr(node, "end_lineno", line) == line else None
        return Loc(self.path, line, getattr(node, "col_offset", 0), text, end)


@dataclass
class SourceFunction:
    """A function to compile: its ``def`` node inside its module."""
    node: ast.FunctionDef
    module: Module
    runtime_globals: dict | None = None
    closure: dict = field(default_factory=dict)
    method: bool = False       # a method: its first parameter is ``self``
    live: object = None        # the running function object (None: read statically)
    owner: object = None       # a method's live class: ``self.f`` resolves through its MRO
    through_class: object = None   # read statically as ``Cls.method``: the ``ast.ClassDef`` of Cls
    aux: bool = False          # returns ``(loss, aux)`` (has_aux): aux is never differentiated
    enclosing: object = None   # a ``def`` or lambda inside another function: that function
    defining_class: object = None  # a method of an object's class: that class (for super())

    @property
    def name(self):
        return self.node.name

    def loc(self, node=None) -> Loc:
        return self.module.loc(node if node is not None else self.node)

    def live_parameters(self):
        """The parameter names the running function's signature shows (a wrapper's are
        those of the function it wraps), ``*args``/``**kwargs`` left out."""
        return [p.name for p in inspect.signature(self.live).parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _read_imports(tree: ast.Module) -> dict:
    aliases = {}
    for stmt in _top_level_statements(tree.body):
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
            for a in stmt.names:
                if a.name != "*":
                    aliases[a.asname or a.name] = f"{stmt.module}.{a.name}"
    return aliases


def _top_level_statements(body):
    """Module statements, looking inside ``try``/``if`` blocks where imports often hide."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.Try):
            yield from _top_level_statements(stmt.body)
            for h in stmt.handlers:
                yield from _top_level_statements(h.body)
        elif isinstance(stmt, ast.If):
            yield from _top_level_statements(stmt.body)
            yield from _top_level_statements(stmt.orelse)


def _read_constants(tree: ast.Module) -> dict:
    constants = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            try:
                constants[stmt.targets[0].id] = ast.literal_eval(stmt.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                constants.pop(stmt.targets[0].id, None)
    return constants


def parse_module(path: str, text: str | None = None) -> Module:
    """Parse a module file (or the given text) without executing it."""
    if text is None:
        text = _read_text(path)
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        lines = text.splitlines()
        line = e.lineno or 1
        end = e.end_offset - 1 if e.end_offset and e.end_lineno == line and e.end_offset > e.offset else None
        loc = Loc(path, line, max(0, (e.offset or 1) - 1),
                  lines[line - 1] if 0 < line <= len(lines) else "", end)
        raise SourceSyntaxError(f"the file does not parse: {e.msg}", loc,
                                "fix the syntax error; diffc reads the file as Python source") from None
    functions = {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef)}
    return Module(path, tree, text.splitlines(), _read_imports(tree), _read_constants(tree), functions)


@lru_cache(maxsize=256)
def _cached_module(path: str, mtime: float, size: int) -> Module:
    return parse_module(path)


def _read_text(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def module_of_file(path: str) -> Module:
    """The parsed module at ``path``: a file, or a notebook cell (see ``cell_text``)."""
    if not os.path.exists(path):
        text = cell_text(path)
        if text is not None:
            return _cached_cell(path, text)
    st = os.stat(path)
    return _cached_module(os.path.abspath(path), st.st_mtime, st.st_size)


def cell_text(path):
    """The source of a notebook cell or other code Python's ``linecache`` holds for a
    ``path`` that is not a file (IPython registers each cell it runs there, under a
    name such as ``/tmp/ipykernel_123/456.py``); None when it holds none."""
    entry = linecache.cache.get(path)
    if entry is None or len(entry) != 4 or entry[2] is None or os.path.exists(path):
        return None
    return "".join(entry[2])


def source_bytes(path):
    """The bytes of the file (or the notebook cell's text) a function was read from."""
    text = cell_text(path)
    if text is not None:
        return text.encode("utf-8")
    with open(path, "rb") as fh:
        return fh.read()


@lru_cache(maxsize=64)
def _cached_cell(path: str, text: str) -> Module:
    return parse_module(path, text)


def _statements(body):
    """Every statement in ``body`` and the bodies nested in it, breadth first (the order of
    ``ast.walk``, without visiting expressions: a ``def`` is always a statement)."""
    queue = collections.deque(body)
    while queue:
        stmt = queue.popleft()
        yield stmt
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            nested = getattr(stmt, field, None)
            if isinstance(nested, list):
                queue.extend(nested)


def find_function(module: Module, qualname: str, firstlineno: int | None = None) -> ast.FunctionDef:
    """The ``def`` for ``qualname`` (``f``, ``Cls.method``, ``outer.<locals>.inner``)."""
    name = qualname.rsplit(".", 1)[-1]
    candidates = [n for n in _statements(module.tree.body)
                  if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if firstlineno is not None:
        def first_line(n):
            return n.decorator_list[0].lineno if n.decorator_list else n.lineno
        exact = [n for n in candidates if first_line(n) == firstlineno or n.lineno == firstlineno]
        if exact:
            return exact[0]
        if candidates:
            raise SourceUnavailable(
                f"{module.path} has changed since {qualname} was defined: its `def` is no "
                f"longer on line {firstlineno}", hint="reload the module (or restart) so that "
                "the function diffc reads is the one that runs")
    if candidates and firstlineno is None:
        top = [n for n in module.tree.body if n in candidates]
        return top[-1] if top else candidates[0]       # the definition Python keeps
    raise NameResolutionError(f"cannot find the definition of {qualname!r} in {module.path}",
                              hint="diffc compiles functions defined with `def` in a file")


def from_function(fn) -> SourceFunction:
    """Locate a live function's source. Never executes anything.

    The code that runs is what is read: for a function a decorator made (``functools.wraps``
    sets ``__wrapped__``), that is the wrapper, never the function it wraps; and the file
    must still hold that code (a file edited after the function was defined is an error,
    wherever the edit is)."""
    code = getattr(fn, "__code__", None)
    if getattr(fn, "__name__", "") == "<lambda>":
        return _from_lambda(fn)
    if code is None:
        raise SourceUnavailable(f"{fn!r} is not a Python function",
                                hint="diffc compiles Python functions written with `def`")
    path = code.co_filename
    in_cell = cell_text(path) is not None if path else False
    if not path or path.startswith("<") or not (os.path.exists(path) or in_cell):
        raise SourceUnavailable(
            f"the source of {fn.__name__!r} is not in a file (it was defined in {path or 'memory'})",
            hint="define the function in a .py file; diffc reads source files and cannot "
                 "see code typed at a prompt or made with exec")
    module = module_of_file(path)
    qualname = getattr(code, "co_qualname", None) or code.co_name
    node = find_function(module, qualname, code.co_firstlineno)
    check_current(module, code, qualname)
    func = getattr(fn, "__func__", fn)
    method = inspect.ismethod(fn) or _defined_in_class(module, node)
    closure = {}
    if func.__closure__:
        closure = {n: c.cell_contents for n, c in zip(code.co_freevars, func.__closure__)
                   if _cell_is_set(c)}
    return SourceFunction(node, module, func.__globals__, closure, method, live=func)


def check_current(module, code, qualname):
    """Raise unless ``module``'s file, compiled now, gives the code object ``code`` runs
    (the same bytecode, constants, names and positions): the text diffc differentiates
    is the code Python runs."""
    if any(_same_code(c, code) for c in _code_objects(module.path)):
        return
    raise SourceUnavailable(
        f"{module.path} has changed since {qualname} was defined: the function in the file "
        f"is no longer the code that runs",
        hint="reload the module (or restart) so that the function diffc reads is the one "
             "that runs")


def _same_code(a, b):
    return a.co_name == b.co_name and a.co_firstlineno == b.co_firstlineno and a == b


def _code_objects(path):
    text = cell_text(path)
    if text is not None:
        return _code_objects_of(path, text)
    st = os.stat(path)
    return _compiled_code_objects(os.path.abspath(path), st.st_mtime, st.st_size)


@lru_cache(maxsize=64)
def _compiled_code_objects(path, mtime, size):
    """Every function's code object in the file at ``path``, compiled as an import would
    (never run)."""
    return _code_objects_of(path, _read_text(path))


@lru_cache(maxsize=64)
def _code_objects_of(path, text):
    try:
        top = compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return ()
    found, stack = [], [top]
    while stack:
        code = stack.pop()
        for const in code.co_consts:
            if inspect.iscode(const):
                found.append(const)
                stack.append(const)
    return tuple(found)


def as_function(node: ast.Lambda, name="lambda_") -> ast.FunctionDef:
    """``lambda args: body`` as the ``def`` it means, at the lambda's position."""
    ret = ast.copy_location(ast.Return(node.body), node.body)
    ret.end_lineno, ret.end_col_offset = node.body.end_lineno, node.body.end_col_offset
    fdef = ast.FunctionDef(name, node.args, [ret], [], None, type_params=[]) \
        if sys.version_info >= (3, 12) else ast.FunctionDef(name, node.args, [ret], [], None)
    return ast.copy_location(fdef, node)


def _from_lambda(fn):
    """A lambda's source: the one ``lambda`` on its line whose body holds the code's first
    position (Python records where each instruction came from)."""
    code = fn.__code__
    loc = _lambda_loc(code)
    if loc is None:
        raise SourceUnavailable("cannot differentiate a lambda whose source is not in a file",
                                hint="define the function with `def` in a .py file so diffc "
                                     "can read its source")
    module = module_of_file(code.co_filename)
    lambdas = [n for n in ast.walk(module.tree)
               if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno]
    spans = {(line, col) for line, _, col, _ in code.co_positions() if line is not None and col is not None}
    found = [n for n in lambdas if any((n.body.lineno, n.body.col_offset) <= p <=
                                       (n.body.end_lineno, n.body.end_col_offset) for p in spans)]
    if len(found) != 1:
        raise SourceUnavailable("cannot tell which lambda on this line is being differentiated",
                                loc, hint="write one lambda per line, or define it with `def`")
    check_current(module, code, "<lambda>")
    closure = {}
    if fn.__closure__:
        closure = {n: c.cell_contents for n, c in zip(code.co_freevars, fn.__closure__)
                   if _cell_is_set(c)}
    return SourceFunction(as_function(found[0]), module, fn.__globals__, closure, False, live=fn)


def _lambda_loc(code):
    """Where a lambda was written, if its file can be read."""
    path = code.co_filename
    if not path or (path.startswith("<") or not os.path.exists(path)) and cell_text(path) is None:
        return None                     # a notebook cell's source is in linecache
    try:
        module = module_of_file(path)
    except (OSError, UnicodeDecodeError, SourceSyntaxError):
        return None
    found = [n for n in ast.walk(module.tree)
             if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno]
    found.sort(key=lambda n: n.col_offset)
    return module.loc(found[0]) if found else None


def _defined_in_class(module, node):
    """True for a ``def`` in a class body whose first parameter is ``self``."""
    args = node.args.posonlyargs + node.args.args
    if not args or args[0].arg != "self":
        return False
    return any(isinstance(c, ast.ClassDef) and any(s is node for s in c.body) for c in ast.walk(module.tree))


def _cell_is_set(cell):
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def from_file(path: str, qualname: str) -> SourceFunction:
    """Locate a function in a file, statically (for the command line). ``Cls.method`` is
    looked up as Python would on an object of class ``Cls``: in ``Cls``, then in its
    bases defined in the file (so an inherited method's ``self.f`` is ``Cls``'s ``f``)."""
    module = module_of_file(path)
    owner, _, name = qualname.rpartition(".")
    cls = _class_named(module, owner) if owner and "." not in owner else None
    if cls is not None:
        for c in static_mro(module, cls):
            node = next((s for s in c.body if isinstance(s, ast.FunctionDef) and s.name == name), None)
            if node is not None:
                return SourceFunction(node, module, method=_defined_in_class(module, node),
                                      through_class=cls)
    node = find_function(module, qualname)
    return SourceFunction(node, module, method=_defined_in_class(module, node))


def static_mro(module, cls):
    """``cls`` (an ``ast.ClassDef``) and its bases defined in ``module``, depth first, each
    once: the classes a method is looked up in when the file is read without running it."""
    order, queue = [], [cls]
    while queue:
        c = queue.pop(0)
        if c is None or c in order:
            continue
        order.append(c)
        bases = [_class_named(module, b.id) for b in c.bases if isinstance(b, ast.Name)]
        queue = [b for b in bases if b is not None] + queue
    return order


def _class_named(module, name):
    found = [s for s in module.tree.body if isinstance(s, ast.ClassDef) and s.name == name]
    return found[-1] if found else None




def in_standard_library(path):
    """Whether ``path`` is a file of Python's standard library (never read as the user's
    code: its functions have rules of diffc's or are refused by their names)."""
    import sysconfig
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    real = os.path.realpath(path)
    return real.startswith(stdlib + os.sep) and "site-packages" not in real.split(os.sep)


def _module_file(module_name, roots):
    """The ``.py`` file of ``module_name`` under one of ``roots``, found without importing
    anything (``importlib.util.find_spec`` would run a package's ``__init__``)."""
    parts = module_name.split(".")
    for root in roots:
        base = os.path.join(root, *parts)
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(candidate):
                return candidate
    return None


def user_function(caller: SourceFunction, qualname: str):
    """The ``SourceFunction`` for ``mylib.helper`` called from ``caller``, found statically.

    ``qualname`` is the resolved import path (``mylib.helper`` for ``from mylib import
    helper`` or ``import mylib`` then ``mylib.helper``). The module file is located
    beside the caller's file or on ``sys.path`` without being imported. None if it is
    not a function in a Python source file.
    """
    import sys

    module_name, _, func_name = qualname.rpartition(".")
    if not module_name:
        return None
    directory = os.path.dirname(os.path.abspath(caller.module.path))
    path = _module_file(module_name, [directory] + [p or os.getcwd() for p in sys.path])
    if path is None or in_standard_library(path):
        return None              # copy.deepcopy: a rule of its own, or refused by its name
    module = module_of_file(path)
    node = module.functions.get(func_name)
    if node is None:
        return None
    live = sys.modules.get(module_name)
    return SourceFunction(node, module, vars(live) if live is not None else None)
