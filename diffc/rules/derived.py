"""Forward rules derived from reverse rules, so that an elementwise rule is written once.

An elementwise primitive's Jacobian with respect to each operand is diagonal (entry ``i``
of the result depends only on entry ``i`` of the operand, after broadcasting), so it is
its own transpose: the reverse rule's map ``dout -> dx`` *is* the forward map
``dx -> dout``. The forward rule is therefore the reverse rule read with the tangent in
place of the cotangent:

* one gradient (``tanh``: ``dx = dout * (1 - out ** 2)``): the reverse body with ``dout``
  and ``dx`` swapped (``dout = dx * (1 - out ** 2)``);
* several, each one assignment (``maximum``: ``dx = dout * a``, ``dy = dout * b``): the sum
  of those right-hand sides, each with its own tangent for ``dout``
  (``dout = dx * a + dy * b``).

A derived rule is a real function (built as ``ast``, compiled, run as plain Python by
``tests/test_rules.py``), and its ``ast`` is what ``instantiate`` splices, as for a
written rule. Not derivable (a reverse body of several statements per gradient): the
primitive keeps needing a written forward rule.
"""
from __future__ import annotations

import ast
import copy

from diffc.frontend.source import SourceFunction

_TEMPLATES: dict = {}       # derived rule function -> its SourceFunction


def template(fn):
    """The ``SourceFunction`` of a derived rule, or None for a written one."""
    return _TEMPLATES.get(fn)


def forward_from_reverse(prim, reverse: SourceFunction):
    """The forward rule of elementwise ``prim`` read off its reverse rule (whose parsed
    ``def`` is ``reverse``), or None when the reverse body is not of a derivable form."""
    node = reverse.node
    body = node.body[1:] if _docstring(node) else node.body
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return None
    *stmts, ret = body
    items = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
    if not all(isinstance(i, ast.Name) or isinstance(i, ast.Constant) and i.value is None for i in items):
        return None
    grads = [i.id for i in items if isinstance(i, ast.Name)]
    params = [a.arg for a in node.args.args]
    if not grads or params[:2] != ["out", "dout"] or any(g[1:] not in params[2:] for g in grads):
        return None
    if len(grads) == 1:
        derived = _swapped(stmts, grads[0])
    else:
        derived = _summed(stmts, grads)
    if derived is None:
        return None
    return _function(prim, reverse, node, derived, grads)


def _docstring(node):
    first = node.body[0] if node.body else None
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
        and isinstance(first.value.value, str)


def _swapped(stmts, grad):
    """The reverse body with ``dout`` and ``grad`` exchanged, returning ``dout``."""
    swapped = [_Renamed({"dout": grad, grad: "dout"}).visit(copy.deepcopy(s)) for s in stmts]
    return swapped + [ast.Return(ast.Name("dout", ast.Load()))]


def _summed(stmts, grads):
    """``dout = <dx's expression, dout -> dx> + ...``, when each gradient is one assignment."""
    exprs = {}
    for s in stmts:
        if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
                and s.targets[0].id in grads and s.targets[0].id not in exprs):
            return None
        exprs[s.targets[0].id] = s.value
    if set(exprs) != set(grads) or any(isinstance(n, ast.Name) and n.id in grads
                                       for e in exprs.values() for n in ast.walk(e)):
        return None         # (``dy = -dx * out`` reuses dx: not one map per gradient)
    terms = [_Renamed({"dout": g}).visit(copy.deepcopy(exprs[g])) for g in grads]
    total = terms[0]
    for term in terms[1:]:
        total = ast.BinOp(total, ast.Add(), term)
    return [ast.Assign([ast.Name("dout", ast.Store())], total),
            ast.Return(ast.Name("dout", ast.Load()))]


class _Renamed(ast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Name(self, node):
        if node.id in self.names:
            node.id = self.names[node.id]
        return node


def _function(prim, reverse, node, body, grads):
    """The forward rule ``<name>_forward(out, <params>, *, d<param>...)``, compiled in the
    reverse rule's module (so the names its body reads are the reverse rule's)."""
    fdef = copy.deepcopy(node)       # every line is the reverse rule's (errors point there)
    fdef.name = f"{prim.impl.__name__}_forward"
    fdef.decorator_list = []
    fdef.args.args = [fdef.args.args[0]] + fdef.args.args[2:]     # (out, dout, x...) -> (out, x...)
    fdef.args.kwonlyargs += [ast.arg(g) for g in grads]
    fdef.args.kw_defaults += [None] * len(grads)
    fdef.body = body
    ast.fix_missing_locations(fdef)
    module = ast.Module([fdef], [])
    namespace = {}
    exec(compile(module, reverse.module.path, "exec"), prim.reverse_rule.__globals__, namespace)
    fn = namespace[fdef.name]
    _TEMPLATES[fn] = SourceFunction(fdef, reverse.module)
    return fn
