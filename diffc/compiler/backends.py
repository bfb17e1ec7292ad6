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
import dataclasses
import functools
import hashlib
import os

import numpy as np

from diffc.backend import load, namespaces, portable, printer
from diffc.compiler import pipeline
from diffc.optimize import passes


def compile_portable(src, wrt, args, target, *, with_value=False, single=False):
    """``(Compiled, the rewritten def, whether it needs math)`` for ``args`` on ``target``
    (``args``: the call's arguments, or NumPy examples from the command line)."""
    values, varying = namespaces.stand_ins(args)
    stand_ins = _StandIns(values)       # diffc compile's examples say if their sizes vary
    stand_ins.sizes_vary = varying or getattr(args, "sizes_vary", False)
    try:
        return _compile_portable(src, wrt, args, target, stand_ins, with_value, single, varying)
    except portable.BackendUnsupported:
        if not target.in_place:
            raise
    # an in-place form the namespace has no counterpart for (``out=`` of a NumPy-only
    # function): the form without writes into arrays' own memory, as for other namespaces
    target = dataclasses.replace(target, in_place=False)
    return _compile_portable(src, wrt, args, target, stand_ins, with_value, single, varying)


def _compile_portable(src, wrt, args, target, stand_ins, with_value, single, varying):
    form = "in place" if target.in_place else "at updates" if not target.writes else None
    with passes.portable(form):
        compiled = pipeline.compile_gradient(src, wrt, stand_ins, with_value=with_value, single=single,
                                             sizes_vary=stand_ins.sizes_vary)
    if compiled.functions or compiled.helpers or compiled.user_modules:
        what = "calls to functions it keeps whole or to helper functions"
        raise portable.BackendUnsupported(
            f"the gradient of {src.name} needs {what}, which diffc's array-API form does not "
            f"emit yet", src.loc(), "call the gradient with NumPy arrays")
    arrays = [e for p, a in zip(_param_names(compiled.function_def), args) for e in _arrays_of(p, a)]
    scalars = [p for p, a in zip(_param_names(compiled.function_def), args)
               if isinstance(a, (int, float, complex)) and not isinstance(a, bool)]
    try:
        fdef, uses_math = portable.rewrite_function(compiled.function_def, target, arrays, scalars)
    except portable.BackendUnsupported as e:
        if e.loc is not None:
            raise
        raise portable.BackendUnsupported(e.message, _line_loc(src, e.line), e.hint) from None
    if varying:
        _add_to_docstring(fdef, "The arrays had too many rows to run the function on while "
                                "compiling: it ran on a few, and the code holds for any number.")
    return compiled, fdef, uses_math


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
    """Example arguments, and whether the code must hold for other sizes (``sizes_vary``)."""
    sizes_vary = False


def _arrays_of(name, value):
    """The arguments of ``array_namespace`` for parameter ``name``: ``[W]``,
    ``[*params.values()]`` for a dict of arrays, ``[*Ws]`` for a list or tuple of them, the
    array entries of a dict of settings and arrays (``[bn_param['running_mean'], ...]``);
    ``[]`` for no array."""
    def is_array(v):
        return isinstance(v, np.ndarray) or (not isinstance(v, (dict, list, tuple))
                                             and bool(namespaces.foreign_arrays([v])))

    load = ast.Name(name, ast.Load())
    if isinstance(value, dict) and value and all(is_array(v) for v in value.values()):
        return [ast.Starred(ast.Call(ast.Attribute(load, "values", ast.Load()), [], []), ast.Load())]
    if isinstance(value, dict):
        return [ast.Subscript(load, ast.Constant(k), ast.Load()) for k, v in value.items()
                if isinstance(k, str) and is_array(v)]
    if isinstance(value, (list, tuple)) and value and all(is_array(v) for v in value):
        return [ast.Starred(load, ast.Load())]
    return [load] if is_array(value) else []


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
    imports = (ast.parse("import math").body if uses_math else []) + \
        ast.parse("from array_api_compat import array_namespace").body
    return printer.print_module(header, imports + list(fdefs))


def load_portable(gradient, compiled, fdef, uses_math, target, src):
    """The loaded function (under ``torch.no_grad()`` for PyTorch: no tape)."""
    made_by = f"diffc.{'value_and_grad' if gradient.with_value else 'grad'}({gradient.__qualname__})"
    text = module_text(src.module.path, [fdef], target.name, uses_math=uses_math, made_by=made_by)
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
