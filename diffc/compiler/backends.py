"""Compiling a gradient for arrays of another namespace (PyTorch, JAX, Dask, ...).

The recipe is the NumPy one (``pipeline.compile_gradient``) run on NumPy stand-ins of
the arguments (``namespaces.stand_in``) with NumPy's own emitted forms switched off
(``passes.portable()``), then the emitted ``def`` rewritten to array-API calls on the
arguments' namespace (``portable.rewrite_function``) and loaded like any generated
module. The module imports ``array_api_compat`` (and ``math`` where it needs it), never
NumPy, so it runs on tensors on any device without a copy to the host.
"""
from __future__ import annotations

import ast
import copy
import dataclasses
import functools
import hashlib
import os

from diffc.backend import expressions, load, namespaces, portable, portable_forms, printer
from diffc.compiler import pipeline, staging
from diffc.core import primitives
from diffc.optimize import passes


def compile_portable(src, wrt, args, target, *, with_value=False, single=False, instance=None,
                     has_aux=False):
    """``(Compiled, the rewritten defs, whether they need math)`` for ``args`` on
    ``target`` (``args``: the call's arguments, or NumPy examples from the command line;
    a method's: its ``MethodExamples``, and ``instance`` its object). The defs are the
    helpers the gradient calls, its forward/backward pairs and, last, the gradient itself.
    ``has_aux``: the function returns ``(loss, aux)``, staged as ``diffc.grad`` stages it."""
    memo = {}
    values, varying = namespaces.stand_ins(args if instance is None else (instance, *args), memo)
    if instance is not None:            # the object's arrays and the inputs' stand in together
        instance, values = values[0], values[1:]
    stand_ins = _StandIns(values)       # diffc compile's examples say if their sizes vary
    stand_ins.sizes_vary = varying or getattr(args, "sizes_vary", False)
    stand_ins.attributes = getattr(args, "attributes", ())
    # what the code reads from globals and closures (a tensor W): a stand-in too, the same
    # one where it is also an argument
    stand_ins.stand_in = functools.partial(namespaces.stand_in, memo=memo)
    try:
        return _compile_portable(src, wrt, args, target, stand_ins, (with_value, single, has_aux), varying,
                                 instance)
    except portable.BackendUnsupported:
        if not target.in_place:
            raise
    # an in-place form the namespace has no counterpart for (``out=`` of a NumPy-only
    # function): the form without writes into arrays' own memory, as for other namespaces
    target = dataclasses.replace(target, in_place=False)
    return _compile_portable(src, wrt, args, target, stand_ins, (with_value, single, has_aux), varying, instance)


def _compile_portable(src, wrt, args, target, stand_ins, how, varying, instance):
    with_value, single, has_aux = how
    form = "in place" if target.in_place else "at updates" if not target.writes else None
    with passes.portable(form):
        if has_aux:
            compiled = _staged_with_aux(src, wrt, stand_ins, with_value, single)
        else:
            compiled = pipeline.compile_gradient(src, wrt, stand_ins, with_value=with_value, single=single,
                                                 sizes_vary=stand_ins.sizes_vary, instance=instance)
    own = _own_functions(compiled, target)
    _check_emittable(src, compiled, own)
    # the calls whose Python-number arguments are made arrays: the helpers (but those computing
    # with Python numbers only) and backward halves (the gradient of the result; pairs: fwd, bwd)
    helpers = sorted(alias for h, alias in compiled.helpers if primitives.get(h).array_api_helper != "python") \
        + [bwd.name for bwd in compiled.functions[1::2]]
    arrays = [e for p, a in zip(_param_names(compiled.function_def), args) for e in namespaces.array_arguments(p, a)]
    scalars = [p for p, a in zip(_param_names(compiled.function_def), args) if namespaces.is_python_number(a)]
    containers = [p for p, a in zip(_param_names(compiled.function_def), args) if type(a) in (list, dict)]
    try:
        defs, uses_math = _called_functions(src, compiled, target, helpers, own)
        fdef, math = portable.rewrite_function(compiled.function_def, target, arrays, scalars, containers,
                                               helpers=helpers)
        _calling_own([fdef] + defs, own)
        uses_math |= math
    except portable.BackendUnsupported as e:
        if e.loc is not None:
            raise
        raise portable.BackendUnsupported(e.message, _line_loc(src, e.line), e.hint) from None
    defs, math = _with_forms(defs + [fdef], target, src)
    uses_math |= math
    if varying:
        _add_to_docstring(fdef, "The arrays had too many rows to run the function on while "
                                "compiling: it ran on a few, and the code holds for any number.")
    return compiled, defs, uses_math


# helpers computing what a namespace may have a function of its own for (PyTorch's erf,
# lgamma...), called as that function where it has one; JAX has them in jax.scipy.special
_OWN = {"erf": "erf", "gammaln": "lgamma", "digamma": "digamma", "polygamma": "polygamma"}
_JAX_SPECIAL = "jax.scipy.special"


def _own_functions(compiled, target):
    """``{a helper's name in the code: the function computing it, "xp.lgamma"}`` for the
    helpers ``target``'s library has a function of its own for."""
    own = {}
    for h, alias in compiled.helpers:
        if h in _OWN and hasattr(target.namespace, _OWN[h]):
            own[alias] = f"xp.{_OWN[h]}"
        elif h in _OWN and getattr(target.namespace, "__name__", "") == "jax.numpy" \
                and "jax" not in {n.id for n in ast.walk(compiled.function_def) if isinstance(n, ast.Name)}:
            own[alias] = f"{_JAX_SPECIAL}.{h}"
    return own


def _calling_own(fdefs, own):
    """Calls of the helpers ``own`` (their names in the code -> the functions, dotted) as
    those functions, an integer argument (polygamma's order) as it is."""
    for n in (n for d in fdefs for n in ast.walk(d)):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in own:
            path = own[n.func.id].split(".")
            n.func = ast.Name(path[0], ast.Load())
            for part in path[1:]:
                n.func = ast.Attribute(n.func, part, ast.Load())
            n.args = [a.args[0] if isinstance(a, ast.Call) and ast.unparse(a.func) == "xp.asarray"
                      and isinstance(a.args[0], ast.Constant) and type(a.args[0].value) is int else a
                      for a in n.args]


def _check_emittable(src, compiled, own):
    """Refuse, at the function, a gradient calling what the array-API form cannot emit."""
    if compiled.user_modules:
        raise portable.BackendUnsupported(
            f"the gradient of {src.name} calls rules of the user's own modules, which diffc's "
            f"array-API form does not emit yet", src.loc(), "call the gradient with NumPy arrays")
    others = sorted(h for h, alias in compiled.helpers if not (primitives.get(h).array_api_helper
                                                              or primitives.get(h).array_api_impl or alias in own))
    if others:
        raise portable.BackendUnsupported(
            f"the gradient of {src.name} calls the helper{'s' if len(others) > 1 else ''} "
            f"{', '.join(others)}, which diffc's array-API form does not emit yet", src.loc(),
            "call the gradient with NumPy arrays")


def _staged_with_aux(src, wrt, args, with_value, single):
    """The ``Compiled`` gradient of ``src`` returning ``(loss, aux)``, staged (as
    ``GradientFunction._compile_staged`` stages it) on the NumPy stand-ins ``args``."""
    staged = staging.stage_source(src, args)
    staging.check_float_args(staged, wrt, args, "grad")
    params = [p.name for p in staged.func.params]
    staged = staging.gradient(staged, wrt, with_value=with_value, has_aux=True, single=single)
    doc = f"Computes {staged.what} ({src.loc().short}), with respect to {', '.join(params[i] for i in wrt)}." \
          f"\n\nSpecialised to arguments {staging.describe_args(staged.func, args)}." + \
        pipeline.describe_free(staged.free)
    compiled = staging.emit_staged(staged, ("value_and_grad_" if with_value else "grad_") + staged.func.name, doc)
    compiled.free = staged.free
    return compiled


def _with_forms(defs, target, src):
    """``(defs after the helpers the rewrite itself calls, whether those use math)``:
    ``split_along`` for ``np.split``, and the helpers those call (``pad_interior``)."""
    def called(ds):
        return {n.func.id for d in ds for n in ast.walk(d) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    names = {n.id for d in defs for n in ast.walk(d) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    names |= {a.arg for d in defs for a in ast.walk(d) if isinstance(a, ast.arg)}
    defined = {d.name for d in defs}
    pending = sorted(portable_forms.helpers() & called(defs) - defined)
    extra, uses_math = [], False
    while pending:
        name = pending.pop(0)
        if name in names:
            raise portable.BackendUnsupported(f"the gradient of {src.name} names a value {name}, as "
                                              f"diffc's array-API form names a helper", src.loc(),
                                              "rename it, or call the gradient with NumPy arrays")
        local = primitives.get(name).array_api_helper == "leaves"
        new, math = portable.rewrite_function(expressions.helper_definition(name), target, [], local=True,
                                              helpers=[name] if local else [])
        extra.append(new)
        defined.add(name)
        uses_math |= math
        pending += sorted(portable_forms.array_api_helpers() & called([new]) - defined - set(pending))
    return extra + defs, uses_math


def _called_functions(src, compiled, target, helpers, own=()):
    """``(defs, whether they use math)``: the helpers (but the namespace's ``own``) and pairs
    the gradient calls, rewritten."""
    defs, uses_math = [], False
    for name, alias in sorted(h for h in compiled.helpers if h[1] not in own):
        helper = expressions.helper_definition(name, alias, portable=True)
        local = primitives.get(name).array_api_helper in ("leaves", "python")
        params = [] if local else [ast.Name(a.arg, ast.Load()) for a in helper.args.args]
        new, math = portable.rewrite_function(helper, target, params, helpers=helpers, local=local)
        defs.append(new)
        uses_math |= math
    for pair in compiled.functions:
        found = compiled.pair_namespaces.get(pair.name)
        if found is None or not found[0]:
            raise portable.BackendUnsupported(
                f"the gradient of {src.name} calls {pair.name}, whose array arguments diffc "
                f"could not tell from the call's values (or that reads no array)", src.loc(),
                "call the gradient with NumPy arrays")
        pair_arrays, pair_scalars, pair_containers, at = found
        new, math = portable.rewrite_function(pair, target, copy.deepcopy(pair_arrays), pair_scalars,
                                              pair_containers, at=at, helpers=helpers)
        defs.append(new)
        uses_math |= math
    return defs, uses_math


def _add_to_docstring(fdef, paragraph):
    doc = fdef.body[0] if fdef.body else None
    if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str):
        doc.value = ast.Constant(f"{doc.value.value}\n\n{paragraph}")


def _line_loc(src, line):
    """The location of the first statement of the user's function on ``line`` (the
    function itself when there is none)."""
    for node in ast.walk(src.node):
        if isinstance(node, ast.stmt) and node is not src.node and node.lineno == line:
            return src.loc(node)
    return src.loc()


class _StandIns(tuple):
    """Example arguments, whether the code must hold for other sizes (``sizes_vary``), a
    method's attributes they begin with (``attributes``) and the stand-in of a value the
    code reads from the running program (``stand_in``)."""
    sizes_vary = False
    attributes = ()
    stand_in = None


def _param_names(fdef):
    return [a.arg for a in fdef.args.args]


def module_text(src_path, fdefs, target_name, *, uses_math, command=None, made_by=None):
    """The text of a module holding the rewritten ``fdefs`` for ``target_name``."""
    with open(src_path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    base = os.path.basename(src_path)
    how = f"Made by {made_by} at run time (the docstring says for which arguments)." \
        if made_by else f"Regenerate with `{command or 'diffc compile ' + base}`."
    header = [f"Generated by diffc from {base} (sha256 {digest[:16]}): do not edit.",
              f"{how} For arrays of {target_name}: array API calls on the arguments' namespace; "
              f"needs array-api-compat."]
    names_jax = any(isinstance(n, ast.Attribute) and ast.unparse(n) == _JAX_SPECIAL for d in fdefs for n in ast.walk(d))
    imports = (ast.parse("import math").body if uses_math else []) + \
        (ast.parse(f"import {_JAX_SPECIAL}").body if names_jax else []) + \
        ast.parse("from array_api_compat import array_namespace").body
    return printer.print_module(header, imports + _each_once(fdefs))


def _each_once(fdefs):
    """``fdefs`` without repeats (two gradients of one module calling the same helper or
    pair); two different defs of one name are refused."""
    kept = {}
    for d in fdefs:
        if d.name in kept and ast.dump(kept[d.name]) != ast.dump(d):
            raise portable.BackendUnsupported(
                f"two gradients of this module call different functions named {d.name}, which "
                f"diffc's array-API form cannot put in one module yet", None,
                "compile the functions one at a time (-f NAME -o PATH)")
        kept.setdefault(d.name, d)
    return list(kept.values())


def load_portable(gradient, compiled, fdefs, uses_math, target, src):
    """The loaded function (under ``torch.no_grad()`` for PyTorch: no tape)."""
    made_by = f"diffc.{'value_and_grad' if gradient.with_value else 'grad'}({gradient.__qualname__})"
    text = module_text(src.module.path, fdefs, target.name, uses_math=uses_math, made_by=made_by)
    module = load.load_source(text, f"{gradient.primal.__name__}_{target.name.replace('.', '_')}")
    fn = getattr(module, compiled.name)
    if target.torch:
        fn = _without_tape(fn)
    fn.diffc_source = text
    fn.diffc_stages = compiled.stages
    return fn


def _without_tape(fn):
    import torch

    @functools.wraps(fn)
    def no_tape(*args):
        with torch.no_grad():
            return fn(*args)
    return no_tape
