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

from diffc.backend import expressions
from diffc.frontend import fence
from diffc.frontend import source
from diffc.optimize import passes
from diffc.backend import printer
from diffc.core import primitives
from diffc.compiler import staging
from diffc.errors import DiffcError, NonDifferentiableInput, NonScalarOutput
from diffc.core.facts import Facts
from diffc.core.ir import Const, Eqn, Pack, Role, Var, all_names, walk
from diffc.frontend.lower import lower_function
from diffc.frontend.jumps import last_return
from diffc.core.naming import Namer, adjoint_hint
from diffc.core.verify import checked
from diffc.ad.reverse import _Backward, activity, reverse


@dataclass
class Compiled:
    """One compiled gradient: its generated source, function name and IR stages."""
    name: str
    function_def: ast.FunctionDef
    helpers: set
    stages: dict = field(default_factory=dict)
    functions: list = field(default_factory=list)    # generated forward/backward pairs
    free: tuple = ()          # bindings.FreeInput: the trailing parameters read at each call
    # the ``def`` the fast-call dispatcher inlines, when it differs from ``function_def`` (a
    # small gradient with the seed's products by scalars folded), else None
    fast_def: ast.FunctionDef | None = None
    # the modules of the users' rules the code calls (the generated module imports them)
    user_modules: set = field(default_factory=set)


def lower(src, calls=False, facts=None, args=None, instance=None, preread=()):
    """Fence and lower a ``SourceFunction`` (``calls``: keep calls whole, see ``lower``);
    with example ``args``, ``facts`` records their values as lowering makes each line
    (a method's: those after ``self``, and ``instance`` the object)."""
    fence.check(src)
    return lower_function(src, method=src.method, calls=calls, facts=facts, args=args,
                          instance=instance, preread=preread)


class LayoutChanged(Exception):
    """A method read other attributes of its object than those its inputs were gathered
    for (its static values decided other branches): gather them again and compile."""

    def __init__(self, attributes):
        super().__init__(attributes)
        self.attributes = attributes


def lower_with_examples(src, facts, args, instance=None, calls=True):
    """Lower ``src`` with its example ``args`` (a method's: its attributes' values, in the
    order of ``args.attributes``, then its own arguments; ``instance`` the object)."""
    if args is None or (src.method and instance is None):
        func = lower(src, calls=calls)
        if args is not None:              # no object: the example values run afterwards
            facts.run_function(func, with_free(func, args))
        return func
    if not src.method:
        return lower(src, calls=calls, facts=facts, args=args)
    expected = tuple(getattr(args, "attributes", ()))
    func = lower(src, calls=calls, facts=facts, args=args[len(expected):], instance=instance,
                 preread=expected)
    if tuple(func.attributes) != expected:
        raise LayoutChanged(tuple(func.attributes))
    return func


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
    if args is not None:
        check_args(src, wrt, args, getattr(args, "names", None))
    func = lower_with_examples(src, facts, args, instance)
    stages["ir"] = func
    if args is not None:
        _check_scalar(src, func, facts)
    else:
        _check_not_a_tuple(src, func)
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
    wrt_names = ", ".join(func.params[i].name for i in wrt)
    doc = f"{'Value and gradient' if with_value else 'Gradient'} of {func.name} ({func.loc.short}) " \
          f"with respect to {wrt_names}."
    if args is not None:
        doc += "\n\n" + _describe_signature(func, with_free(func, args), getattr(args, "labels", {}))
    doc += describe_free(func.free)

    def returns(exprs):
        grads = exprs[1:] if with_value else exprs
        g = grads[0] if single else ast.Tuple(grads, ast.Load())
        return ast.Tuple([exprs[0], g], ast.Load()) if with_value else g

    fdef, helpers = expressions.emit_function(grad, fname, doc, returns)
    functions, helpers = _generated_functions(fdef, helpers, {p.name for p in func.params} | {fname})
    return Compiled(fname, fdef, helpers, stages, functions, func.free,
                    fast_def=_dispatcher_copy(grad, facts, fname, doc, returns),
                    user_modules=user_modules(grad))


def user_modules(func):
    """The modules of the users' rules that IR ``func`` calls."""
    return {primitives.get(s.prim).call_path[0] for s in walk(func.body)
            if isinstance(s, Eqn) and primitives.get(s.prim).call_path}


def with_free(func, args):
    """The example arguments of lowered ``func``: ``args`` and then the values its free
    inputs had when it was lowered."""
    return tuple(args) + tuple(f.value for f in func.free)


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
    return expressions.emit_function(checked(passes.dead_code(folded, facts), facts, "dead_code"),
                                     fname, doc, returns)[0]


_SMALL = 60      # equations: the dispatcher inlines only short gradients anyway


def _generated_functions(fdef, helpers, taken):
    """The generated pairs ``fdef`` calls (and those they call), named for printing.

    Returns ``(defs, template helpers)``: each pair gets its plain names in order of
    first call (``affine_forward``/``affine_backward``; ``affine_forward_2``... for a
    second specialisation), and every call to it is renamed to match.
    """
    from diffc.ad.reverse_calls import uses_generated
    helpers = {(h, a) for h, a in helpers if h not in primitives._GENERATED}
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
    for n in ast.walk(fdef) if names else ():
        if isinstance(n, ast.Name) and n.id in names:
            n.id = names[n.id]
    return defs, helpers


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
    header = [f"Generated by diffc from {base} (sha256 {digest[:16]}): do not edit.",
              f"{how} "
              + ("Needs NumPy and the modules whose rules it calls." if any(
                  c.user_modules for c in compiled_list) else "Needs only NumPy.")]
    if baked:
        values = ", ".join(f"{k.split(' ')[0]} = {v!r}" for k, v in sorted(baked.items()))
        header += textwrap.wrap(f"Module-level values read from the source text of {base} "
                                f"(it was not run) and compiled in: {values}.", 88)
    imports = ast.parse("import numpy as np").body + expressions.user_imports(
        {m for c in compiled_list for m in c.user_modules})
    helpers = sorted({h for c in compiled_list for h in c.helpers})
    pairs, mains = _merged_functions(compiled_list)
    nodes = imports + [expressions.helper_definition(*h) for h in helpers] + pairs + mains
    return printer.print_module(header, nodes)


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


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def check_args(src, wrt, args, names=None):
    """Every differentiated argument holds floats (a located error otherwise), checked
    before anything runs on the examples. ``names``: the compiled function's parameter
    names (default: the function's own, for a function that is not a method)."""
    if names is None:
        a = src.node.args
        names = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
        if a.vararg or a.kwarg:
            names = list(src.live_parameters())
        if src.method:      # self's attributes read, then the parameters after self
            attributes = getattr(args, "attributes", None)
            if attributes is None:
                return      # not known before lowering: checked by the caller
            names = list(attributes) + names[1:]
    _check_args(src, names, wrt, args)


class MethodExamples(tuple):
    """A method's example inputs: the values of the attributes it reads (``attributes``,
    in that order), then its own arguments."""

    def __new__(cls, items, attributes):
        out = super().__new__(cls, items)
        out.attributes = tuple(attributes)
        return out


def _check_args(src, names, wrt, args):
    for i in wrt:
        bad = [leaf for leaf in _leaves(args[i]) if not _is_float_leaf(leaf)]
        if not bad:
            continue
        value = bad[0]
        dtype = getattr(value, "dtype", None)
        is_int = isinstance(value, (bool, int, np.integer, np.bool_)) or \
            (dtype is not None and dtype.kind in "biu")
        if is_int or (dtype is None and not isinstance(value, (float, complex, np.floating))):
            param = names[i]
            what = _kind_of(value)
            raise NonDifferentiableInput(
                f"cannot differentiate with respect to {param!r}: it is {what}",
                src.loc(src.node.args.args[i] if i < len(src.node.args.args) else src.node),
                f"pass {param} as floats (e.g. np.asarray({param}, dtype=float)), "
                f"or leave it out of wrt")


def _kind_of(value):
    """``the integer 5``, ``an integer array (int64)``, ``the bool True``, ``a str``."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and np.ndim(value) > 0:
        return f"an integer array ({dtype})" if dtype.kind in "iu" else f"a {dtype} array"
    if isinstance(value, (bool, np.bool_)):
        return f"the bool {bool(value)}"
    if isinstance(value, (int, np.integer)):
        return f"the integer {int(value)}"
    return f"a {type(value).__name__}"


def _is_float_leaf(value):
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return dtype.kind in "fc"
    return isinstance(value, (float, complex))


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
    if shape is None or shape == ():
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


class _RecordingBackward(_Backward):
    """The reverse pass, also recording the gradient each use of a value sends back."""

    def __init__(self, facts, namer, active):
        super().__init__(facts, namer, active)
        self.contributions = {}

    def accumulate(self, var, grad, eqn):
        self.contributions.setdefault((var, id(eqn)), []).append(grad)
        super().accumulate(var, grad, eqn)
