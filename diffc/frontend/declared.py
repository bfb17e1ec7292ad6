"""A user's ``@diffc.primitive`` read from its module's source, without importing it.

The run-time API finds a user's primitive as a live object (its module is imported).
The command line never imports anything, so a call into another module whose function
is decorated with ``@diffc.primitive(...)`` would be read as an ordinary function and
differentiated through its body, ignoring the user's rule. ``primitive_of(src)``
recognises the decorator statically and registers the same primitive the import would
have made: same name (``helpers.round_ste``), same source names and options, its
``@f.reverse`` / ``@f.forward`` rules found in the same module. The generated code then
calls it exactly as run-time compiled code does (``import helpers as user_helpers``,
``user_helpers.round_ste(x)``, ``user_helpers.round_ste.reverse_rule(out, dout, x)``).

Each function registered stands in for the user's: it has the user's signature, its
``__code__`` points at the user's ``def`` (so ``instantiate.template_of`` reads the
rule's source, as for every template), and calling it evaluates the user's body through
diffc's own IR on example values (``--arg``), never by running the user's code.
"""
from __future__ import annotations

import ast
import copy
import os

from diffc.core import primitives
from diffc.core.facts import Facts
from diffc.errors import DiffcError
from diffc.frontend import fence, source
from diffc.frontend import lower_entry

_OPTIONS = ("nondiff", "broadcasting", "data_dependent_shape", "differentiable", "shape_only")
_MADE: dict = {}            # (module name, path, line, text) -> the Primitive registered


def primitive_of(src, module_name):
    """The primitive ``src`` declares with ``@diffc.primitive(...)``, registered under the
    name its module is imported by (``module_name``); None for an ordinary function."""
    module, node = src.module, src.node
    call = _primitive_decorator(module, node)
    if call is None:
        return None
    key = (module_name, module.path, node.lineno, "\n".join(module.lines))
    made = _MADE.get(key)
    if made is not None and _registered(made.name) is made:
        return made
    names, options = _decorator_arguments(module, call)
    prim = primitives.primitive(*names, **options)(_stand_in(module, node, module_name))
    for rule in module.tree.body:
        kind = _rule_kind(module, rule, node.name)
        if kind is not None:
            getattr(prim, kind)(_stand_in(module, rule, module_name))
    _MADE[key] = prim
    return prim


def _registered(name):
    try:
        return primitives.get(name)
    except KeyError:
        return None


def module_name(path):
    """The name a module beside the generated one imports ``path`` by: its file's stem."""
    return os.path.splitext(os.path.basename(path))[0]


def _primitive_decorator(module, node):
    """The ``diffc.primitive(...)`` call decorating ``node`` (a bare ``@diffc.primitive``
    as the call without arguments), or None."""
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        text = ast.unparse(target)
        head, _, rest = text.partition(".")
        full = module.aliases.get(head, head) + ("." + rest if rest else "")
        if full in ("diffc.primitive", "diffc.core.primitives.primitive"):
            return dec if isinstance(dec, ast.Call) else ast.copy_location(ast.Call(dec, [], []), dec)
    return None


def _decorator_arguments(module, call):
    try:
        names = [ast.literal_eval(a) for a in call.args]
        options = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except ValueError:
        raise DiffcError("diffc reads @diffc.primitive(...) without importing its module, and "
                         "its arguments are not literals", module.loc(call),
                         "write the source names and options as literals") from None
    unknown = [k for k in options if k not in _OPTIONS]
    if unknown or not all(isinstance(n, str) for n in names):
        raise DiffcError(f"@diffc.primitive takes source names (strings) and the options "
                         f"{', '.join(_OPTIONS)}", module.loc(call),
                         "write it as @diffc.primitive('mylib.f', nondiff=('n',))")
    return names, options


def _rule_kind(module, node, prim_name):
    """``"reverse"`` / ``"forward"`` for a ``def`` decorated ``@<prim_name>.reverse``."""
    if not isinstance(node, ast.FunctionDef):
        return None
    for dec in node.decorator_list:
        if isinstance(dec, ast.Attribute) and isinstance(dec.value, ast.Name) \
                and dec.value.id == prim_name and dec.attr in ("reverse", "forward"):
            return dec.attr
    return None


def _stand_in(module, node, module_name):
    """A function with ``node``'s signature and location whose call evaluates its body."""
    if node.args.vararg or node.args.kwarg:
        raise DiffcError(f"diffc reads {node.name} without importing its module, and cannot "
                         f"yet take *args or **kwargs there", module.loc(node),
                         "name each parameter")
    args = copy.deepcopy(node.args)
    for a in args.posonlyargs + args.args + args.kwonlyargs:
        a.annotation = None                 # annotations may name what only an import defines
    fields = dict(name=node.name, args=args, body=[ast.Return(_forwarding_call(args))],
                  decorator_list=[], returns=None,
                  lineno=node.decorator_list[0].lineno if node.decorator_list else node.lineno,
                  col_offset=node.col_offset, end_lineno=node.end_lineno,
                  end_col_offset=node.end_col_offset)
    if "type_params" in ast.FunctionDef._fields:
        fields["type_params"] = []
    stub = ast.FunctionDef(**fields)
    tree = ast.fix_missing_locations(ast.Module([stub], type_ignores=[]))
    namespace = {"__name__": module_name, "_evaluate": _Evaluator(module, node)}
    try:
        exec(compile(tree, module.path, "exec"), namespace)      # a signature only: no user code
    except (NameError, SyntaxError):
        raise DiffcError(f"the defaults of {node.name} must be literals for diffc to read them "
                         "without importing the module", module.loc(node)) from None
    fn = namespace[node.name]
    fn.__doc__ = ast.get_docstring(node)
    return fn


def _forwarding_call(args):
    """``_evaluate(x, y, k)``: every parameter, in the IR's order (positional, keyword-only)."""
    return ast.Call(ast.Name("_evaluate", ast.Load()),
                    [ast.Name(a.arg, ast.Load()) for a in args.posonlyargs + args.args + args.kwonlyargs], [])


class _Evaluator:
    """The user's function run on example values through diffc's IR (for ``Facts``)."""

    def __init__(self, module, node):
        self.src = source.SourceFunction(node, module)
        self.func = None

    def __call__(self, *args):
        if self.func is None:
            fence.check(self.src)
            self.func = lower_entry.function(self.src, method=self.src.method)
        facts = Facts(True, exact=True)
        facts.run_function(self.func, args)
        results = [facts.value(r) for r in self.func.results]
        return results[0] if len(results) == 1 else tuple(results)
