"""The layout of ``diffc/``: layers that import only downward, small modules, short functions.

The subpackages are layers; each imports only from the layers below it (read bottom-up,
this is the pipeline source → fence → IR → reverse/forward → optimize → emit → load, then
the entry points built on it):

    errors, cache          located user errors; the user's private cache directory
    core                   IR nodes and traversal, names, facts, the primitive registry, trees
    frontend               source, fence, lowering to IR, jumps, bindings of free names
    rules                  template instantiation (a rule is lowered like the user's code),
                           forward rules derived from reverse rules
    extend                 the public interface rule modules import (``diffc.extend``)
    ad                     reverse and forward transforms, control flow, containers
    optimize               passes from IR to IR (the simplifier's disk store uses ``cache``)
    backend                expressions, functions, printing, loading, dispatch
    compiler               the stages in order, staged nested transforms, call pairs
    api, tools             grad/value_and_grad/jvp/...; graph and symbolic
    testing                the gradient checker users run (built on api and tools)
    diffc                  the package's public namespace (``diffc/__init__.py``)
    cli                    the ``diffc`` command, a client of the package like any user
    __main__               ``python -m diffc``

The rule library (top-level ``templates/``, importable as ``diffc.templates``) is not a
layer of ``diffc/``: it registers itself into ``core.primitives`` (through ``diffc.extend``),
which loads it by name (``importlib``) on the first lookup of a primitive; imports of it
are not checked here.

Checked here, on the source text (no import runs): no import cycle between modules; no
import upward or sideways between subpackages; no ``_private`` name of one subpackage used
in another; no import of a diffc module inside a function (a hidden import dodges a cycle
instead of removing it); no module over 500 lines; no function over 80 lines and at most
10 over 40 (a function's lines are those of its ``def`` through the end of its body).
"""
import ast
import collections
from pathlib import Path

import pytest

import diffc

PACKAGE = Path(diffc.__file__).resolve().parent
RULE_LIBRARY = "diffc.templates"

LAYERS = [
    {"errors", "cache"},
    {"core"},
    {"frontend"},
    {"rules"},
    {"extend"},
    {"ad"},
    {"optimize"},
    {"backend"},
    {"compiler"},
    {"tools"},
    {"api"},
    {"testing"},
    {"diffc"},
    {"cli"},
    {"__main__"},
]

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
LONG_FUNCTION_LINES = 40
MAX_LONG_FUNCTIONS = 10


def _modules():
    """{dotted name: (path, ast.Module)} for every module under diffc/."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return out


MODULES = _modules()


def _unit(module):
    """The layer unit of a module: its subpackage, or its own name for a top-level module."""
    parts = module.split(".")
    return "diffc" if len(parts) == 1 else parts[1]


def _layer(unit):
    return next(k for k, units in enumerate(LAYERS) if unit in units)


def _imports(tree):
    """(node, target module, imported name or None) for each import of a diffc module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "diffc":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full == RULE_LIBRARY or node.module.startswith(RULE_LIBRARY):
                    continue
                if full in MODULES:
                    yield node, full, None
                else:
                    yield node, node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "diffc" and not alias.name.startswith(RULE_LIBRARY):
                    yield node, alias.name, None


def _local_import_nodes(tree):
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    found.add(id(inner))
    return found


def _edges():
    edges = collections.defaultdict(set)
    for name, (_, tree) in MODULES.items():
        for _, target, _ in _imports(tree):
            if target in MODULES and target != name:
                edges[name].add(target)
    return edges


def test_every_subpackage_has_a_layer():
    units = {_unit(m) for m in MODULES}
    placed = set().union(*LAYERS)
    assert units <= placed, f"subpackages with no layer in LAYERS: {sorted(units - placed)}"


def test_no_import_cycles():
    """Tarjan's strongly connected components of the module import graph are all single."""
    edges = _edges()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(MODULES):
        if v not in index:
            visit(v)
    assert not cycles, f"modules that import each other: {cycles}"


def test_imports_only_downward():
    wrong = []
    for name, (path, tree) in MODULES.items():
        for node, target, _ in _imports(tree):
            here, there = _unit(name), _unit(target)
            if here != there and _layer(there) >= _layer(here):
                wrong.append(f"{path.name}:{node.lineno} {name} imports {target}")
    assert not wrong, "imports that do not go down a layer:\n" + "\n".join(wrong)


def _bound_modules(tree):
    """{local name: diffc module} for the names a module binds to diffc modules."""
    bound = {}
    for node, target, name in _imports(tree):
        if name is None and target in MODULES:
            for alias in node.names:
                full = f"{node.module}.{alias.name}" if isinstance(node, ast.ImportFrom) else alias.name
                if full == target and (alias.asname or isinstance(node, ast.ImportFrom)):
                    bound[alias.asname or alias.name] = target
    return bound


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_private_names_across_subpackages():
    wrong = []
    for name, (path, tree) in MODULES.items():
        uses = [(node.lineno, target, imported) for node, target, imported in _imports(tree)
                if imported is not None and _private(imported)]
        bound = _bound_modules(tree)
        uses += [(node.lineno, bound[node.value.id], node.attr) for node in ast.walk(tree)
                 if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                 and node.value.id in bound and _private(node.attr)]
        for line, target, private in uses:
            if _unit(target) != _unit(name):
                wrong.append(f"{path.name}:{line} {name} uses {target}.{private}")
    assert not wrong, "private names used across subpackages:\n" + "\n".join(sorted(wrong))


def test_no_function_local_imports_of_diffc():
    wrong = []
    for name, (path, tree) in MODULES.items():
        local = _local_import_nodes(tree)
        for node, target, _ in _imports(tree):
            if id(node) in local:
                wrong.append(f"{path.name}:{node.lineno} {name} imports {target} inside a function")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_no_module_over_500_lines():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines())
             for name, (path, _) in MODULES.items()}
    big = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines: {big}"


def _function_lengths():
    """(lines, qualified name, module) of every function, nested ones included."""
    out = []

    def visit(node, prefix, module):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = f"{prefix}.{child.name}"
                if not isinstance(child, ast.ClassDef):
                    out.append((child.end_lineno - child.lineno + 1, qualname, module))
                visit(child, qualname, module)
            else:
                visit(child, prefix, module)

    for name, (_, tree) in MODULES.items():
        visit(tree, name, name)
    return sorted(out, reverse=True)


def test_no_function_over_80_lines():
    long = [(n, f) for n, f, _ in _function_lengths() if n > MAX_FUNCTION_LINES]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_at_most_10_functions_over_40_lines():
    """Counted over all of diffc/, with no exception: a function over 40 lines is asking
    for a helper."""
    long = [(n, f) for n, f, _ in _function_lengths() if n > LONG_FUNCTION_LINES]
    assert len(long) <= MAX_LONG_FUNCTIONS, \
        f"{len(long)} functions over {LONG_FUNCTION_LINES} lines (at most {MAX_LONG_FUNCTIONS}): {long}"


@pytest.mark.parametrize("name", ["ir", "graph", "symbolic"])
def test_no_function_shadows_a_module(name):
    """``diffc.ir`` etc. must not be a function hiding a same-named module of the package."""
    shadowed = [m for m in MODULES if m.split(".")[-1] == name and m.count(".") == 1]
    assert not (shadowed and callable(getattr(diffc, name, None))
                and not isinstance(getattr(diffc, name), type(diffc))), \
        f"diffc.{name} is a function shadowing module {shadowed}"
