"""PyTorch's own kernels where the array-API form would run several, or a slow one.

Contract: takes the ``def`` that ``portable.rewrite_function`` made for a PyTorch target
and returns it with these expressions replaced, each by one that computes the same
values with fewer or cheaper kernels (measured on float64 CPU tensors, 256x256):

* ``1 / (1 + xp.exp(-z))``, the logistic sigmoid as the user wrote it, is
  ``xp.sigmoid(z)``: one kernel instead of four (negate, exp, add, divide), and
  no overflow of ``exp`` for very negative ``z``;
* ``a ** 2`` and ``xp.square(a, out=o)`` are ``a * a`` and ``xp.multiply(a, a, out=o)``:
  PyTorch computes a power through its general ``pow`` kernel, several times slower than
  a product.

Nothing else changes; names, comments and the order of statements are the input's.
"""
from __future__ import annotations

import ast

from diffc.backend.expressions import copy_ast


def _is_xp(node, name):
    return isinstance(node, ast.Attribute) and node.attr == name and \
        isinstance(node.value, ast.Name) and node.value.id == "xp"


def _is_one(node):
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == 1


def _sigmoid_argument(node):
    """``z`` when ``node`` is ``1 / (1 + xp.exp(-z))`` (either order of the sum; ``-z``
    possibly inside ``xp.asarray(..., dtype=...)``, as a Python number is given), else None."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _is_one(node.left)):
        return None
    total = node.right
    if not (isinstance(total, ast.BinOp) and isinstance(total.op, ast.Add)):
        return None
    exp = total.right if _is_one(total.left) else total.left if _is_one(total.right) else None
    if not (isinstance(exp, ast.Call) and _is_xp(exp.func, "exp") and len(exp.args) == 1 and not exp.keywords):
        return None
    inner = exp.args[0]
    if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub):
        return inner.operand
    if isinstance(inner, ast.Call) and _is_xp(inner.func, "asarray") and len(inner.args) == 1 \
            and isinstance(inner.args[0], ast.UnaryOp) and isinstance(inner.args[0].op, ast.USub):
        return ast.Call(inner.func, [inner.args[0].operand], inner.keywords)
    return None


class _Kernels(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        z = _sigmoid_argument(node)
        if z is not None:
            return ast.Call(ast.Attribute(ast.Name("xp", ast.Load()), "sigmoid", ast.Load()), [z], [])
        if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant) \
                and node.right.value == 2 and isinstance(node.left, ast.Name):
            return ast.BinOp(node.left, ast.Mult(), ast.Name(node.left.id, ast.Load()))
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if _is_xp(node.func, "square") and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
            a = node.args[0]
            if not node.keywords:
                return ast.BinOp(a, ast.Mult(), ast.Name(a.id, ast.Load()))
            multiply = ast.Attribute(ast.Name("xp", ast.Load()), "multiply", ast.Load())
            return ast.Call(multiply, [a, ast.Name(a.id, ast.Load())], node.keywords)
        return node


def rewrite(fdef):
    """``fdef`` (a rewritten ``def`` for PyTorch) with PyTorch's cheaper kernels."""
    return _Kernels().visit(copy_ast(fdef))
