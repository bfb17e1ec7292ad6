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
import copy
import inspect

import numpy as np

from diffc import rules
from diffc.errors import InternalError
from diffc.instantiate import template_of
from diffc.ir import Const, Pack, Var, atoms_in
from diffc.naming import RESERVED, Namer, adjoint_hint


def expr_of_const(value):
    """An expression for a constant: literals as themselves, NumPy types as ``np.float32``."""
    if isinstance(value, type) and issubclass(value, np.generic):
        return ast.Attribute(ast.Name("np", ast.Load()), value.__name__, ast.Load())
    if value is Ellipsis:
        return ast.Constant(Ellipsis)
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
        return copy.deepcopy(target)

    def visit_Call(self, node):
        node.args = list(node.args)
        while node.args and isinstance(node.args[-1], ast.Name) and node.args[-1].id in self.dropped:
            node.args.pop()
        node.keywords = [k for k in node.keywords
                         if not (isinstance(k.value, ast.Name) and k.value.id in self.dropped)]
        self.generic_visit(node)
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
        return ast.Tuple(items, ast.Load()) if atom.kind == "tuple" else ast.List(items, ast.Load())
    raise InternalError(f"cannot emit the atom {atom!r}")


def _impl_parts(prim):
    """(statements before the return, the returned expression) of a primal template."""
    node = template_of(prim.impl).node
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not body or not isinstance(body[-1], ast.Return):
        raise InternalError(f"primitive {prim.name} must end with a return")
    return body[:-1], body[-1].value


def is_single_expression(prim):
    return prim.helper or not _impl_parts(prim)[0]


def instantiate_primal(eqn, names, folded, fresh):
    """The statements computing ``eqn``; the last assigns its output's name.

    Returns ``(statements, expression)``: when the primitive is one expression, the
    statements are empty and the expression is what the output is assigned (or folded).
    """
    prim = rules.get(eqn.prim)
    if prim.helper:
        args = [_atom_expr(a, names, folded) for a in eqn.args]
        kwargs = [ast.keyword(k, _atom_expr(a, names, folded)) for k, a in eqn.kwargs.items()]
        return [], ast.Call(ast.Name(prim.name, ast.Load()), args, kwargs)
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
    stmts, ret = _impl_parts(prim)
    out_name = names.get(eqn.outs[0])
    if stmts:
        local_names = {t.id for s in stmts for t in ast.walk(s)
                       if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
        for local in sorted(local_names):
            if isinstance(ret, ast.Name) and ret.id == local:
                mapping[local] = out_name
            else:
                mapping[local] = fresh(local)
    sub = _Substitute(mapping, dropped)
    new_stmts = [sub.visit(copy.deepcopy(s)) for s in stmts]
    expr = sub.visit(copy.deepcopy(ret))
    for s in new_stmts:
        ast.fix_missing_locations(s)
    return new_stmts, expr


def plan_folding(func):
    """The temporaries that are folded into their single reader: ``{var: reader_index}``."""
    uses = func.uses()
    readers = {}
    for i, eqn in enumerate(func.body):
        for v in eqn.inputs():
            readers.setdefault(v, i)
    results = {v for r in func.results for v in atoms_in(r)}
    foldable = set()
    for eqn in func.body:
        out = eqn.outs[0]
        if out.kind == "temp" and uses.get(out, 0) == 1 and out not in results \
                and is_single_expression(rules.get(eqn.prim)):
            foldable.add(out)
    return foldable


def read_positions(func, folded_vars):
    """Where each equation's result is really read: a folded one where its reader is."""
    reader = {}
    for i, eqn in enumerate(func.body):
        for v in eqn.inputs():
            reader.setdefault(v, i)
    position = list(range(len(func.body)))
    for i in range(len(func.body) - 1, -1, -1):
        out = func.body[i].outs[0]
        if out in folded_vars:
            position[i] = position[reader[out]]
    return position


def assign_names(func, folded_vars, taken):
    """Printed names: each value's hint, suffixed only while another live value holds it."""
    position = read_positions(func, folded_vars)
    last_use = {}
    for i, eqn in enumerate(func.body):
        for v in eqn.inputs():
            last_use[v] = max(last_use.get(v, -1), position[i])
    end = len(func.body)
    for r in func.results:
        for v in atoms_in(r):
            last_use[v] = end
    names = {}
    holders: dict = {}        # printed name -> var currently holding it
    for p in func.params:
        names[p] = p.name
        holders[p.name] = p
        last_use[p] = end     # parameters keep their values to the end
    for i, eqn in enumerate(func.body):
        out = eqn.outs[0]
        if out in folded_vars:
            continue
        single = is_single_expression(rules.get(eqn.prim))
        base = out.hint if out.hint.isidentifier() else "t"
        candidate, k = base, 0
        while True:
            holder = holders.get(candidate)
            if candidate not in taken and candidate not in RESERVED and (
                    holder is None or last_use.get(holder, -1) < i or
                    (single and last_use.get(holder, -1) == i and holder not in func.params)):
                break
            k += 1
            candidate = f"{base}_{k}"
        names[out] = candidate
        holders[candidate] = out
    return names


def _comment_for(eqn, previous_loc):
    """``model.py:7  out = q * z  (multiply: ...)``; the line's text only once per line."""
    loc = eqn.loc
    gate = rules.get(eqn.origin.prim).gate if eqn.origin is not None else ""
    if loc is None:
        return gate
    same_line = previous_loc is not None and (previous_loc.file, previous_loc.line) == (loc.file, loc.line)
    where = loc.short if same_line or not loc.text else f"{loc.short}  {loc.text.strip()}"
    return f"{where}  ({gate})" if gate else where


def emit_function(func, name, doc, returns):
    """``def name(params): ...`` for ``func``; ``returns`` builds the return expression
    from the list of result expressions. Returns ``(FunctionDef, helper primitives used)``."""
    helpers = {e.prim for e in func.body if rules.get(e.prim).helper}
    taken = set(helpers) | {"np"}
    folded_vars = plan_folding(func)
    names = assign_names(func, folded_vars, taken)
    namer = Namer(taken=set(names.values()) | taken)
    folded, body, last_origin, last_loc = {}, [], None, None
    for eqn in func.body:
        pre, expr = instantiate_primal(eqn, names, folded, namer.fresh)
        out = eqn.outs[0]
        if out in folded_vars:
            folded[out] = expr
            continue
        block = list(pre)
        if not (pre and isinstance(expr, ast.Name) and expr.id == names[out]):
            block.append(ast.Assign([ast.Name(names[out], ast.Store())], expr, lineno=0))
        if eqn.role == "primal" and eqn.loc is not None:
            block[-1].diffc_after = eqn.loc.short
        elif eqn.role in ("adjoint", "accumulate", "unbroadcast") and eqn.origin is not last_origin:
            block[0].diffc_before = [_comment_for(eqn, last_loc)]
            last_origin, last_loc = eqn.origin, eqn.loc
        elif eqn.role == "zero":
            block[0].diffc_before = [f"{out.hint[1:]} does not affect the result: its gradient is zero"]
        body.extend(block)
    result_exprs = []
    live_results = {names.get(v) for r in func.results for v in atoms_in(r)}
    for atom, want in zip(func.results, getattr(func, "result_names", [None] * len(func.results))):
        expr = _atom_expr(atom, names, folded)
        if want and not (isinstance(expr, ast.Name) and expr.id == want) and \
                (want not in live_results and want not in taken and want not in names.values()
                 or isinstance(atom, Const)):
            body.append(ast.Assign([ast.Name(want, ast.Store())], expr, lineno=0))
            expr = ast.Name(want, ast.Load())
        result_exprs.append(expr)
    body.append(ast.Return(returns(result_exprs)))
    if doc:
        body.insert(0, ast.Expr(ast.Constant(doc)))
    params = [ast.arg(names[p]) for p in func.params]
    defaults = getattr(func, "defaults", {})
    arguments = ast.arguments(posonlyargs=[], args=params, kwonlyargs=[], kw_defaults=[],
                              defaults=[copy.deepcopy(defaults[p.name]) for p in func.params
                                        if p.name in defaults])
    fdef = ast.FunctionDef(name, arguments, body, [], None, lineno=0)
    return ast.fix_missing_locations(fdef), helpers


def helper_definition(prim_name):
    """The module-level ``def`` of a helper primitive, copied from its template."""
    node = copy.deepcopy(template_of(rules.get(prim_name).impl).node)
    node.decorator_list = []
    return node
