"""The fence: reject, before any transformation, what diffc does not differentiate.

Input: a ``SourceFunction``. Output: nothing, or an ``UnsupportedSyntax`` error pointing
at the first offending node with a hint of what to write instead. Everything that
passes the fence is handled by lowering; lowering may still reject what depends on
names (an unknown function), never on syntax.
"""
from __future__ import annotations

import ast

from diffc.errors import UnsupportedSyntax

_STATEMENT_HINTS = {
    ast.If: "diffc differentiates straight-line code for now; compute both branches and "
            "select with np.where(cond, a, b)",
    ast.For: "diffc differentiates straight-line code for now; write the steps out",
    ast.While: "diffc differentiates straight-line code for now; write the steps out",
    ast.Try: "remove the try/except: a differentiated function cannot catch exceptions",
    ast.With: "move the `with` block outside the differentiated function",
    ast.AsyncFor: "async code is not differentiable; use a plain function",
    ast.AsyncWith: "async code is not differentiable; use a plain function",
    ast.FunctionDef: "define helper functions at module level",
    ast.AsyncFunctionDef: "async code is not differentiable; use a plain function",
    ast.ClassDef: "define classes outside the differentiated function",
    ast.Global: "pass the value in as an argument instead of using `global`",
    ast.Nonlocal: "pass the value in as an argument instead of using `nonlocal`",
    ast.Delete: "remove the `del`: values are freed when the gradient function returns",
    ast.Import: "import at module level",
    ast.ImportFrom: "import at module level",
    ast.Raise: "raise errors before calling the differentiated function",
    ast.Match: "use np.where to select between values",
}

_EXPRESSION_HINTS = {
    ast.Lambda: "define a module-level function instead of a lambda",
    ast.ListComp: "write the list out, or use a NumPy operation on the whole array",
    ast.SetComp: "sets are not differentiable; use arrays",
    ast.DictComp: "write the dict out",
    ast.GeneratorExp: "use a NumPy reduction such as np.sum over an array",
    ast.Await: "async code is not differentiable",
    ast.Yield: "generators are not differentiable; return an array",
    ast.YieldFrom: "generators are not differentiable; return an array",
    ast.NamedExpr: "assign with `=` on its own line",
    ast.JoinedStr: "strings are not differentiable; remove the f-string",
    ast.Set: "sets are not differentiable; use a tuple or an array",
    ast.IfExp: "use np.where(cond, a, b) to select between values",
    ast.Starred: "pass arguments explicitly instead of unpacking with *",
}


def check(fn) -> None:
    """Raise ``UnsupportedSyntax`` at the first construct diffc cannot differentiate."""
    node = fn.node
    if isinstance(node, ast.AsyncFunctionDef):
        raise UnsupportedSyntax("async functions are not differentiable", fn.loc(node),
                                "use a plain `def`")
    args = node.args
    if args.vararg or args.kwarg:
        bad = args.vararg or args.kwarg
        raise UnsupportedSyntax("*args/**kwargs parameters are not supported", fn.loc(bad),
                                "name each parameter explicitly")
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    for i, stmt in enumerate(body):
        _check_statement(fn, stmt, last=(i == len(body) - 1))
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        where = body[-1] if body else node
        raise UnsupportedSyntax("the function must end by returning a value", fn.loc(where),
                                "end the function with `return <loss>`")


def _check_statement(fn, stmt, last):
    for kind, hint in _STATEMENT_HINTS.items():
        if isinstance(stmt, kind):
            word = type(stmt).__name__.lower()
            raise UnsupportedSyntax(f"`{word}` statements are not supported", fn.loc(stmt), hint)
    if isinstance(stmt, ast.Return) and not last:
        raise UnsupportedSyntax("a `return` before the end of the function is not supported",
                                fn.loc(stmt), "compute the result and return it on the last line")
    if isinstance(stmt, ast.Expr):
        if isinstance(stmt.value, ast.Constant):
            return
        raise UnsupportedSyntax("an expression statement has no effect on the result "
                                "(or mutates a value, which diffc does not track)", fn.loc(stmt),
                                "assign the result to a name, or remove the line")
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            _check_target(fn, target)
    elif isinstance(stmt, ast.AugAssign):
        _check_target(fn, stmt.target)
    elif isinstance(stmt, ast.AnnAssign):
        if stmt.value is None:
            return
        _check_target(fn, stmt.target)
    elif not isinstance(stmt, (ast.Return, ast.Pass, ast.Assert)):
        raise UnsupportedSyntax(f"`{type(stmt).__name__}` statements are not supported",
                                fn.loc(stmt), "rewrite it as assignments and a return")
    for child in ast.walk(stmt):
        for kind, hint in _EXPRESSION_HINTS.items():
            if isinstance(child, kind):
                raise UnsupportedSyntax(f"{_describe(child)} is not supported", fn.loc(child), hint)
        if isinstance(child, ast.BoolOp) and not isinstance(stmt, ast.Assert):
            raise UnsupportedSyntax("`and`/`or` on values are not supported", fn.loc(child),
                                    "use np.logical_and / np.logical_or on arrays")


def _check_target(fn, target):
    if isinstance(target, ast.Name):
        return
    if isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            _check_target(fn, elt)
        return
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        return
    if isinstance(target, ast.Attribute):
        raise UnsupportedSyntax("assignment to an attribute is not supported", fn.loc(target),
                                "assign to a local variable and return it")
    raise UnsupportedSyntax("this assignment target is not supported", fn.loc(target),
                            "assign to a plain name, a tuple of names, or name[index]")


def _describe(node):
    names = {ast.Lambda: "a lambda", ast.ListComp: "a list comprehension",
             ast.SetComp: "a set comprehension", ast.DictComp: "a dict comprehension",
             ast.GeneratorExp: "a generator expression", ast.Await: "`await`",
             ast.Yield: "`yield`", ast.YieldFrom: "`yield from`",
             ast.NamedExpr: "the walrus operator `:=`", ast.JoinedStr: "an f-string",
             ast.Set: "a set literal", ast.IfExp: "a conditional expression `a if c else b`",
             ast.Starred: "star-unpacking `*x`"}
    return names.get(type(node), type(node).__name__)
