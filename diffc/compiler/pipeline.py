"""The recipe: source → fence → IR → reverse → optimize → emit → load.

``compile_gradient`` runs the stages in order; ``stages`` collects what each stage
produced (the IR after lowering, after the reverse transform, after optimization, the
generated source), which ``diffc show --ir`` and the tests read.
"""
from __future__ import annotations

import ast
import copy
import gc
import hashlib
import os
import textwrap
from dataclasses import dataclass, field

import numpy as np

from diffc.ad.reverse import Backward, activity
from diffc.backend import expressions, functions, printer
from diffc.compiler import staging
from diffc.compiler.call_pairs import reverse, uses_generated
from diffc.compiler.lowering import Compiled, check_args, lower, lower_with_examples, user_modules, with_free
from diffc.core import primitives
from diffc.core.facts import Facts
from diffc.core.ir import Const, Eqn, Pack, Role, Var, all_names, walk
from diffc.core.naming import Namer, adjoint_hint
from diffc.core.verify import checked
from diffc.errors import DiffcError, NonScalarOutput
from diffc.frontend import source
from diffc.frontend.jumps import last_return
from diffc.optimize import passes


def compile_gradient(src, wrt, args=None, **options):
    """The gradient of ``src`` w.r.t. parameter indices ``wrt``, as an emitted ``def``.

    ``args``: example arguments to specialise for (None: general code for any shapes).
    ``sizes_vary``: a size of ``args`` stands for any size (``diffc compile --arg x=Nx3``).
    ``single``: return one gradient rather than a tuple.

    Python's cyclic garbage collector is paused while compiling: the compiler makes many
    short-lived trees and no cycles worth collecting, and a collection in the middle walks
    every object alive (SymPy's included), a third of a compile's time on deep models.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _compile_gradient(src, wrt, args, **options)
    finally:
        if paused:
            gc.enable()


def _compile_gradient(src, wrt, args=None, *, with_value=False, single=False, name=None,
                      sizes_vary=False, instance=None):
    stages = {}
    facts = Facts(args is not None, sizes_vary=sizes_vary or getattr(args, "sizes_vary", False))
    facts.stand_in = getattr(args, "stand_in", None)     # (``backends``: NumPy's for other arrays)
    func = _lowered(src, wrt, args, facts, instance)
    stages["ir"] = func
    checked(func, facts, "lowering")
    namer = Namer(taken=all_names(func))
    func = checked(staging.expand_calls(func, facts, namer), facts, "expand_calls")
    grad = checked(reverse(func, wrt, facts, namer, with_value=with_value), facts, "reverse")
    stages["reverse"] = grad
    if os.environ.get("DIFFC_NO_OPTIMIZE") != "1":
        grad = passes.optimize(grad, facts)
    else:
        grad = checked(passes.dead_code(grad, facts), facts, "dead_code")     # the bare transform, only pruned
    stages["optimized"] = grad
    grad.result_names = ((None,) if with_value else ()) + tuple(adjoint_hint(func.params[i].hint)
                                                            for i in wrt)
    fname = name or (("value_and_grad_" if with_value else "grad_") + func.name)
    doc = _docstring(func, wrt, args, with_value)

    def returns(exprs):
        grads = exprs[1:] if with_value else exprs
        g = grads[0] if single else ast.Tuple(grads, ast.Load())
        return ast.Tuple([exprs[0], g], ast.Load()) if with_value else g

    fdef, helpers = functions.emit_function(grad, fname, doc, returns)
    pairs, helpers, namespaces = _generated_functions(fdef, helpers, {p.name for p in func.params} | {fname})
    return Compiled(fname, fdef, helpers, stages, pairs, func.free,
                    fast_def=_dispatcher_copy(grad, facts, fname, doc, returns),
                    user_modules=user_modules(grad), pair_namespaces=namespaces)


def _lowered(src, wrt, args, facts, instance):
    """Lowered ``src``, its example ``args`` recorded in ``facts`` as each line is lowered
    (checked: floats where differentiated, a scalar result), or general code (``args``
    None; checked: not a tuple)."""
    if args is not None:
        check_args(src, wrt, args, getattr(args, "names", None))
    func = lower_with_examples(src, facts, args, instance)
    if args is not None:
        _check_scalar(src, func, facts)
    else:
        _check_not_a_tuple(src, func)
    return func


def _docstring(func, wrt, args, with_value):
    """The generated gradient's docstring: what it computes, for which arguments."""
    wrt_names = ", ".join(func.params[i].name for i in wrt)
    doc = f"{'Value and gradient' if with_value else 'Gradient'} of {func.name} ({func.loc.short}) " \
          f"with respect to {wrt_names}."
    if args is not None:
        doc += "\n\n" + _describe_signature(func, with_free(func, args), getattr(args, "labels", {}))
    return doc + describe_free(func.free)


def describe_free(free):
    """A docstring paragraph naming the parameters read from free names, or ''."""
    if not free:
        return ""
    parts = [f.var.name if f.var.name == f.fetch.label else f"{f.var.name} ({f.fetch.label})"
             for f in free]
    return ("\n\n" + ", ".join(parts) + (" are" if len(parts) > 1 else " is")
            + " read from the running program at each call.")


def _dispatcher_copy(grad, facts, fname, doc, returns):
    """The ``def`` the dispatcher inlines when it differs from the printed one: a small
    gradient with the seed's products by scalars folded (``passes.scalar_units``)."""
    if not facts.enabled or len(grad.body) > _SMALL or any(not isinstance(s, Eqn) for s in grad.body):
        return None
    folded = checked(passes.scalar_units(grad, facts), facts, "scalar_units")
    if len(folded.body) == len(grad.body):
        return None
    return functions.emit_function(checked(passes.dead_code(folded, facts), facts, "dead_code"),
                                   fname, doc, returns)[0]


_SMALL = 60      # equations: the dispatcher inlines only short gradients anyway


def _generated_functions(fdef, helpers, taken):
    """The generated pairs ``fdef`` calls (and those they call), named for printing.

    Returns ``(defs, template helpers, namespaces)``: each pair gets its plain names in
    order of first call (``affine_forward``/``affine_backward``; ``affine_forward_2``...
    for a second specialisation), and every call to it is renamed to match;
    ``namespaces`` maps each printed name to what its array-API form asks
    ``array_namespace`` about (``Generated.portable``).
    """
    helpers = {(h, a) for h, a in helpers if h not in primitives.GENERATED}
    forwards = []

    def visit(node):
        for prim in uses_generated(node):
            if prim.backward is not None and prim not in forwards:
                for inner in (prim, prim.backward):      # the pairs a pair calls come first
                    visit(inner.definition)
                forwards.append(prim)
    visit(fdef)
    taken = set(taken) | {a for _, a in helpers} | {"np"}
    names, defs = {}, []
    for prim in forwards:
        suffix, k = "", 2
        while prim.emit_name + suffix in taken or prim.backward.emit_name + suffix in taken:
            suffix, k = f"_{k}", k + 1
        for half in (prim, prim.backward):
            names[half.name] = half.emit_name + suffix
            taken.add(names[half.name])
            helpers |= half.helpers
    for prim in forwards:
        defs += [_renamed(prim.definition, names), _renamed(prim.backward.definition, names)]
    namespaces = {names[half.name]: getattr(half, "portable", None)
                  for prim in forwards for half in (prim, prim.backward)}
    for n in ast.walk(fdef) if names else ():
        if isinstance(n, ast.Name) and n.id in names:
            n.id = names[n.id]
    return defs, helpers, namespaces


def module_text(src_path, compiled_list, *, command=None, made_by=None, baked=None):
    """The text of a standalone module holding the compiled functions.

    ``command``: the ``diffc compile`` line that regenerates it; ``made_by``: instead, the
    Python call that made it (a run-time compile, specialised to its arguments).
    ``baked``: module-level values read from the source text (``Bindings.baked``), named
    in the header."""
    digest = hashlib.sha256(source.source_bytes(src_path)).hexdigest()
    base = os.path.basename(src_path)
    how = f"Made by {made_by} at run time (the docstring says for which arguments)." \
        if made_by else f"Regenerate with `{command or 'diffc compile ' + base}`."
    helpers = sorted({h for c in compiled_list for h in c.helpers})
    helper_defs = [expressions.helper_definition(*h) for h in helpers]
    header = [f"Generated by diffc from {base} (sha256 {digest[:16]}): do not edit.",
              f"{how} " + _needs(compiled_list, helper_defs)]
    if baked:
        values = ", ".join(f"{k.split(' ')[0]} = {v!r}" for k, v in sorted(baked.items()))
        header += textwrap.wrap(f"Module-level values read from the source text of {base} "
                                f"(it was not run) and compiled in: {values}.", 88)
    imports = ast.parse("import numpy as np").body + expressions.user_imports(
        {m for c in compiled_list for m in c.user_modules})
    pairs, mains = _merged_functions(compiled_list)
    nodes = imports + helper_defs + pairs + mains
    return printer.print_module(header, nodes)


def _needs(compiled_list, helper_defs):
    """What the module needs besides the standard library: NumPy, the libraries its helpers
    import when called (SciPy for ``solve_triangular``), the user's modules of extra rules."""
    libraries = sorted({_SHOWN.get(alias.name.split(".")[0], alias.name.split(".")[0]) for node in helper_defs for n in ast.walk(node)
                        if isinstance(n, (ast.Import, ast.ImportFrom))
                        for alias in (n.names if isinstance(n, ast.Import) else [ast.alias(n.module or "")])
                        if alias.name.split(".")[0] not in ("numpy", "") + _STANDARD})
    if any(c.user_modules for c in compiled_list):
        return "Needs NumPy" + "".join(f", {m}" for m in libraries) + " and the modules whose rules it calls."
    if libraries:
        return "Needs NumPy and " + " and ".join(libraries) + " (imported by its helpers)."
    return "Needs only NumPy."


_SHOWN = {"scipy": "SciPy"}
_STANDARD = ("math", "random", "functools", "itertools", "operator", "builtins", "warnings")


def _merged_functions(compiled_list):
    """``(pairs, main defs)``: the generated pairs of every compiled function, each once
    (a name two different pairs share gets a suffix in the second function's code)."""
    pairs, by_name, mains = [], {}, []
    for c in compiled_list:
        renames = {}
        for d in c.functions:
            d = _renamed(d, renames)
            name, k = d.name, 2
            while name in by_name and ast.dump(by_name[name]) != ast.dump(_renamed(d, {d.name: name})):
                name, k = f"{d.name}_{k}", k + 1
            if name != d.name:
                renames[d.name] = name
                d = _renamed(d, renames)
            if name not in by_name:
                by_name[name] = d
                pairs.append(d)
        mains.append(_renamed(c.function_def, renames) if renames else c.function_def)
    return pairs, mains


def _renamed(fdef, renames):
    """A copy of ``fdef`` with the names (of functions it defines or calls) in ``renames``."""
    node = copy.deepcopy(fdef)
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id in renames:
            n.id = renames[n.id]
        elif isinstance(n, ast.FunctionDef) and n.name in renames:
            n.name = renames[n.name]
    return node


def _describe_signature(func, args, labels=None):
    """``Specialised to arguments W: float64[3, 4], X: float64[N, 3].``: a size the
    command line gave as a letter (``--arg X=Nx3``: ``labels`` maps parameter indices to
    their sizes as given) is named by it, as the code works for any value of it."""
    labels = labels or {}
    parts = []
    for i, (var, value) in enumerate(zip(func.params, args)):
        if isinstance(value, np.ndarray):
            sizes = labels.get(i)
            if sizes is None or len(sizes) != value.ndim:
                sizes = value.shape
            parts.append(f"{var.name}: {value.dtype}[{', '.join(map(str, sizes))}]")
        else:
            parts.append(f"{var.name}: {type(value).__name__}")
    return "Specialised to arguments " + ", ".join(parts) + "."


def _check_not_a_tuple(src, func):
    """A function returning a tuple or list has no gradient (without example values, its
    general code was all zeros)."""
    result = func.results[0] if func.results else None
    if isinstance(result, Pack) and result.kind in ("tuple", "list"):
        raise NonScalarOutput(
            f"grad needs a scalar output, but {func.name} returns a {result.kind}",
            src.loc(last_return(src.node).value),
            "return one scalar (a loss); for several outputs use diffc.jacobian, or "
            "has_aux=True when the rest is auxiliary")


def _check_scalar(src, func, facts):
    _check_not_a_tuple(src, func)
    result = func.results[0]
    value = facts.values.get(result) if isinstance(result, Var) else \
        result.value if isinstance(result, Const) else None
    if np.iscomplexobj(value):
        ret = last_return(src.node)
        raise NonScalarOutput(
            f"grad needs a real scalar output, but {func.name} returns a complex value",
            src.loc(ret.value), "return its real part, its absolute value or its squared magnitude")
    shape = facts.shape(result)
    if shape is None or np.prod(shape) == 1:      # one entry: its gradient, as autograd's
        return
    ret = last_return(src.node)
    raise NonScalarOutput(
        f"grad needs a scalar output, but {func.name} returns an array of shape {shape}",
        src.loc(ret.value),
        "reduce it to a scalar, e.g. np.sum(...) or np.mean(...)")


# -- inspection: every value and every gradient, for ``diffc.graph`` -------------------
@dataclass
class Trace:
    """A function's IR evaluated on example arguments, forward and backward.

    ``facts.values`` holds the value of every primal and adjoint Var. ``adjoints`` maps
    each primal Var to its adjoint (the total gradient reaching it); ``contributions``
    maps ``(var, id(eqn))`` to the gradients ``eqn`` sent back to ``var``, one per use,
    before fan-out summed them.
    """
    func: object
    facts: Facts
    adjoints: dict = field(default_factory=dict)
    contributions: dict = field(default_factory=dict)
    forward: dict = field(default_factory=dict)   # values after the forward pass: inside a
    # loop, its last iteration's (the reverse pass rebinds them as it walks back)


def evaluate(func, args):
    """``Facts`` holding the value of every Var of IR ``func`` run on ``args``."""
    facts = Facts(True, exact=True)      # the graph prints every value
    for var, value in zip(func.params, with_free(func, args)):
        facts.bind_param(var, value)
    for eqn in func.body:
        try:
            facts.run(eqn)
        except (ArithmeticError, ValueError, TypeError, IndexError) as e:
            raise DiffcError(f"evaluating this line on the example arguments failed: {e}", eqn.loc,
                             "check the example arguments' shapes and values") from None
    return facts


def trace(src, args, wrt):
    """Lower ``src``, run it on ``args``, then run the reverse transform with respect to
    parameter indices ``wrt`` on the same ``Facts`` (empty ``wrt``: forward only).

    Gradients are traced only for a scalar result (its gradient is seeded with 1).
    """
    func = lower(src)
    facts = evaluate(func, args)
    forward = dict(facts.values)
    result = func.results[0] if func.results else None
    wrt_vars = [func.params[i] for i in wrt]
    active = activity(func, wrt_vars)
    if not isinstance(result, Var) or result not in active or np.ndim(facts.value(result)) != 0:
        return Trace(func, facts, forward=forward)
    taken = {v.name for e in func.body for v in e.outs} | {p.name for p in func.params}
    back = _RecordingBackward(facts, Namer(taken=taken), active)
    seed = back.emit("constant", (Const(1.0),), {}, adjoint_hint(result.hint), func.loc, Role.SEED, None)
    back.adjoints[result] = seed
    for eqn in reversed(func.body):
        back.backprop(eqn)
    return Trace(func, facts, back.adjoints, back.contributions, forward)


class _RecordingBackward(Backward):
    """The reverse pass, also recording the gradient each use of a value sends back."""

    def __init__(self, facts, namer, active):
        super().__init__(facts, namer, active)
        self.contributions = {}

    def accumulate(self, var, grad, eqn):
        self.contributions.setdefault((var, id(eqn)), []).append(grad)
        super().accumulate(var, grad, eqn)
