"""Emission: an IR ``Function`` → an ``ast.FunctionDef`` a person would write.

Each equation becomes the body of its primitive's primal template with the operands
substituted (``np.sum(x, axis=axis, keepdims=keepdims)`` → ``np.sum(h, axis=0)``;
keywords left at their defaults are dropped). A temporary read exactly once is folded
back into the expression that reads it, so the user's own lines reappear. Printed
names come from ``naming.assign_names``; comments tie each line and each adjoint block
to the user's source line (see ``printer``). Helper primitives (``unbroadcast``) are
emitted as calls to functions defined once in the module.
"""
from __future__ import annotations

import ast
import inspect

import numpy as np

from diffc.core import primitives
from diffc.errors import InternalError
from diffc.rules.instantiate import template_of
from diffc.core.ir import Const, Pack, Var, atoms_in
from diffc.core.naming import RESERVED, Namer, adjoint_hint


def expr_of_const(value):
    """An expression for a constant: literals as themselves, NumPy types as ``np.float32``."""
    if isinstance(value, type) and issubclass(value, np.generic):
        name = value.__name__             # np.bool_ prints as np.bool_ (np.bool is NumPy 2 only)
        if getattr(np, name + "_", None) is value:
            name += "_"
        return ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load())
    if value is Ellipsis:
        return ast.Constant(Ellipsis)
    if value in (float, int, bool, complex):
        return ast.Name(value.__name__, ast.Load())
    if isinstance(value, tuple):
        return ast.Tuple([expr_of_const(v) for v in value], ast.Load())
    if isinstance(value, list):
        return ast.List([expr_of_const(v) for v in value], ast.Load())
    if isinstance(value, slice):
        return ast.Call(ast.Name("slice", ast.Load()),
                        [expr_of_const(v) for v in (value.start, value.stop, value.step)], [])
    if isinstance(value, float) and not np.isfinite(value):
        name = "inf" if value > 0 else "nan" if value != value else None
        node = ast.Attribute(ast.Name("np", ast.Load()), name or "inf", ast.Load())
        return node if name else ast.UnaryOp(ast.USub(), node)
    if isinstance(value, np.generic):
        return ast.Constant(value.item())
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None))):
        return ast.Constant(value)
    raise InternalError(f"cannot emit the constant {value!r}")


def copy_ast(node):
    """A deep copy of a syntax tree (or a list of them): every node and list is new, the
    leaves (names, constants, operator and context singletons) are shared, as they are
    never modified. Several times faster than ``copy.deepcopy``, which the emitter
    called for every statement it instantiated."""
    if isinstance(node, list):
        return [copy_ast(n) for n in node]
    if not isinstance(node, ast.AST) or not (node._fields or node._attributes):
        return node                     # a leaf: a str, number or None, or a Load() or Add() singleton
    new = node.__class__.__new__(node.__class__)
    new.__dict__.update({k: copy_ast(v) if isinstance(v, (ast.AST, list)) else v
                         for k, v in node.__dict__.items()})
    return new


class _Substitute(ast.NodeTransformer):
    """Replace a template's parameter names by operand expressions and rename its locals."""

    def __init__(self, mapping, dropped):
        self.mapping = mapping          # name -> ast expr (operands) or str (renamed local)
        self.dropped = dropped          # parameters left at their defaults

    def visit_Name(self, node):
        target = self.mapping.get(node.id)
        if target is None:
            return node
        if isinstance(target, str):
            return ast.copy_location(ast.Name(target, node.ctx), node)
        return copy_ast(target)

    def visit_Subscript(self, node):
        self.generic_visit(node)
        node.slice = _as_index(node.slice)
        return node

    def visit_IfExp(self, node):
        """``a if keepdims else b`` with ``keepdims`` given as ``False``: ``b``."""
        self.generic_visit(node)
        known = _known_truth(node.test)
        return node if known is None else node.body if known else node.orelse

    def visit_Call(self, node):
        spliced = []
        for a in node.args:              # f(*args) with a known tuple of operands: f(a, b)
            if isinstance(a, ast.Starred) and isinstance(a.value, ast.Name) and \
                    isinstance(self.mapping.get(a.value.id), ast.Tuple):
                spliced.extend(copy_ast(e) for e in self.mapping[a.value.id].elts)
            else:
                spliced.append(a)
        node.args = spliced
        while node.args and isinstance(node.args[-1], ast.Name) and node.args[-1].id in self.dropped:
            node.args.pop()
        node.keywords = [k for k in node.keywords
                         if not (isinstance(k.value, ast.Name) and k.value.id in self.dropped)]
        self.generic_visit(node)
        return node


_COMPARISONS = {ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
                ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}


def _known_truth(test):
    """Whether ``test`` (a template's, its parameters given) holds, when it is written with
    constants only (``False``, ``None is None``); None otherwise."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _known_truth(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _COMPARISONS \
            and isinstance(test.left, ast.Constant) and isinstance(test.comparators[0], ast.Constant):
        return _COMPARISONS[type(test.ops[0])](test.left.value, test.comparators[0].value)
    return None


def _is_slice_call(node):
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "slice" \
        and not node.keywords and 1 <= len(node.args) <= 3


def _as_index(node):
    """``slice(2, None, None)`` inside ``x[...]`` printed as ``2:``."""
    if _is_slice_call(node):
        parts = list(node.args) + [ast.Constant(None)] * (3 - len(node.args))
        if len(node.args) == 1:
            parts = [ast.Constant(None), node.args[0], ast.Constant(None)]
        lo, hi, step = [None if isinstance(p, ast.Constant) and p.value is None else p for p in parts]
        return ast.Slice(lo, hi, step)
    if isinstance(node, ast.Tuple) and node.elts:
        return ast.Tuple([_as_index(e) for e in node.elts], ast.Load())
    return node


def _atom_expr(atom, names, folded):
    if isinstance(atom, Var):
        if atom in folded:
            return folded[atom]
        return ast.Name(names[atom], ast.Load())
    if isinstance(atom, Const):
        return expr_of_const(atom.value)
    if isinstance(atom, Pack):
        items = [_atom_expr(i, names, folded) for i in atom.items]
        if atom.kind == "slice":
            return ast.Call(ast.Name("slice", ast.Load()), items, [])
        if atom.kind == "dict":
            return ast.Dict(items[::2], items[1::2])
        return ast.Tuple(items, ast.Load()) if atom.kind == "tuple" else ast.List(items, ast.Load())
    raise InternalError(f"cannot emit the atom {atom!r}")


def _impl_parts(prim):
    """(statements before the return, the returned expression or None for an effect)."""
    node = template_of(prim.impl).node
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not body:
        raise InternalError(f"primitive {prim.name} has an empty body")
    if not isinstance(body[-1], ast.Return):
        return body, None
    return body[:-1], body[-1].value


def _module_alias(module):
    """The name a generated module imports a user's module under."""
    return "user_" + module.replace(".", "_")


def user_imports(func_def_prims):
    """``import mymodel as user_mymodel`` for each user module whose rules are called."""
    return [ast.Import([ast.alias(m, _module_alias(m))]) for m in sorted(func_def_prims)]


def is_single_expression(prim):
    if prim.call_path or prim.helper:     # a call (a generated pair's too: it has no template)
        return True
    stmts, ret = _impl_parts(prim)
    return not stmts and ret is not None


def instantiate_primal(eqn, names, folded, fresh):
    """The statements computing ``eqn``; the last assigns its output's name.

    Returns ``(statements, expression)``: when the primitive is one expression, the
    statements are empty and the expression is what the output is assigned (or folded).
    """
    prim = primitives.get(eqn.prim)
    if prim.call_path:
        module, path = prim.call_path
        func = ast.Name(_module_alias(module), ast.Load())
        for part in path.split("."):
            func = ast.Attribute(func, part, ast.Load())
        args = [_atom_expr(a, names, folded) for a in eqn.args]
        kwargs = [ast.keyword(k, _atom_expr(a, names, folded)) for k, a in eqn.kwargs.items()]
        return [], ast.Call(func, args, kwargs)
    if prim.helper:
        args = [_atom_expr(a, names, folded) for a in eqn.args]
        kwargs = [ast.keyword(k, _atom_expr(a, names, folded)) for k, a in eqn.kwargs.items()]
        return [], ast.Call(ast.Name(prim.name, ast.Load()), args, kwargs)
    mapping, dropped = _parameter_exprs(prim, eqn, names, folded)
    stmts, ret = _impl_parts(prim)
    out_name = names.get(eqn.outs[0]) if eqn.outs else None
    if stmts:
        local_names = {t.id for s in stmts for t in ast.walk(s)
                       if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
        for local in sorted(local_names):
            if isinstance(ret, ast.Name) and ret.id == local:
                mapping[local] = out_name
            else:
                mapping[local] = fresh(local)
    sub = _Substitute(mapping, dropped)
    new_stmts = [sub.visit(copy_ast(s)) for s in stmts]
    expr = sub.visit(copy_ast(ret)) if ret is not None else None
    return new_stmts, expr


def _parameter_exprs(prim, eqn, names, folded):
    """``({parameter: its expression at this call}, {parameters left at their defaults})``."""
    explicit = prim.signature.bind(*eqn.args, **eqn.kwargs).arguments
    bound = prim.signature.bind(*eqn.args, **eqn.kwargs)
    bound.apply_defaults()
    mapping, dropped = {}, set()
    for name, value in bound.arguments.items():
        kind = prim.signature.parameters[name].kind
        if name not in explicit:
            dropped.add(name)
        if kind is inspect.Parameter.VAR_POSITIONAL:
            mapping[name] = ast.Tuple([_atom_expr(a, names, folded) for a in value], ast.Load())
        elif isinstance(value, (Var, Const, Pack)):
            mapping[name] = _atom_expr(value, names, folded)
        else:
            mapping[name] = expr_of_const(value)
    return mapping, dropped


def helper_definition(prim_name, alias=None, portable=False):
    """The module-level ``def`` of a helper primitive, copied from its template
    (defined as ``alias`` where a parameter of the user's has its name); ``portable``: its
    form with the array API standard's functions where it has one (``Primitive.array_api``)."""
    prim = primitives.get(prim_name)
    node = copy_ast(template_of(prim.array_api_impl if portable and prim.array_api_impl else prim.impl).node)
    node.decorator_list = []
    node.name = prim_name
    if alias and alias != prim_name:
        node.name = alias
        for call in ast.walk(node):      # a recursive helper calls itself by its new name
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == prim_name:
                call.func.id = alias
    return node
