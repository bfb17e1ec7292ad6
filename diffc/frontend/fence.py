"""The fence: reject, before any transformation, what diffc does not differentiate.

Input: a ``SourceFunction``. Output: nothing, or an ``UnsupportedSyntax`` error pointing
at the first offending node, with a hint of what to write instead. Everything that
passes the fence is handled by lowering; lowering may still reject what depends on
names (an unknown function, a call with no rule), never on syntax.

Three checks run in order:

1. *syntax*: every statement and expression is one lowering handles. Each rejection
   is a ``Banned`` entry in one of the tables below (the tables also generate the
   list in ``docs/unsupported.md``);
2. *scoping*: a name read before the function assigns it. Python raises
   ``UnboundLocalError`` there; diffc would silently read a module-level name;
3. *aliasing*: writing into an array (``z[i] = v``, ``z += v``) that another name still
   read afterwards also refers to (``z = y``, ``z = y[1:]``). Python changes both;
   diffc's writes are functional (a new array), so the other name would keep the old
   values and the gradient would be wrong.

Control flow, ``break``, ``continue`` and early returns included, passes (``lower_jumps``
rewrites the jumps before lowering); what remains rejected of it is in one marked section
(``_check_jumps`` and ``_check_returns``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from diffc.errors import UnsupportedSyntax
from diffc.frontend import fence_flow
from diffc.frontend.fence_rules import EXPRESSIONS, OTHER, STATEMENTS, Banned, fail


# --------------------------------------------------------------------------------------
# CONTROL FLOW: if/elif/else, conditional expressions, for and while loops, `break`,
# `continue` and early returns are supported (lower_jumps.py rewrites the jumps into
# structured code before lowering). What is still rejected is below, in _check_jumps and
# _check_returns. Everything else in this file already handles control flow: bodies are
# fenced recursively, conditions may use `and`/`or`/`not`, scoping and aliasing merge
# branches and iterate loops, and nothing after a `return`/`break`/`continue` runs.
# --------------------------------------------------------------------------------------
RETURN_IN_LOOP = Banned("a `return` inside a loop", "set a variable and `break`, then "
                        "return after the loop", "for i in range(n):\n    return x")
LOOP_ELSE = Banned("`else` after a loop", "set a flag before the loop, set it where you "
                   "`break`, and test it with an `if` after the loop",
                   "for i in range(n):\n    y = x\nelse:\n    y = x")
JUMP_OUTSIDE_LOOP = Banned("`{name}` outside a loop", "Python rejects it too: `{name}` "
                           "belongs in a `for` or `while` loop; to skip the rest of the "
                           "function, put it in an `if`/`else`", "break", (("name", "break"),))
NO_RETURN = Banned("a function that does not end by returning a value", "end the "
                   "function with `return <loss>`", "y = x")


def _check_jumps(ctx, body, in_loop=False):
    """``return`` outside loops, ``break``/``continue`` inside one, no ``else`` after a loop."""
    for stmt in body:
        if isinstance(stmt, ast.Return) and in_loop:
            fail(ctx, stmt, RETURN_IN_LOOP)
        elif isinstance(stmt, (ast.Break, ast.Continue)) and not in_loop:
            fail(ctx, stmt, JUMP_OUTSIDE_LOOP, name=type(stmt).__name__.lower())
        elif isinstance(stmt, ast.If):
            _check_jumps(ctx, stmt.body, in_loop)
            _check_jumps(ctx, stmt.orelse, in_loop)
        elif isinstance(stmt, (ast.For, ast.While)):
            if stmt.orelse:
                fail(ctx, stmt.orelse[0], LOOP_ELSE)
            _check_jumps(ctx, stmt.body, True)


def _check_returns(ctx, body):
    """Every path ends with ``return <value>``: the last statement returns, or is an ``if``
    whose branches all end so (statements after a ``return`` never run). A function the
    differentiated one calls may instead have no ``return`` at all (``layer.forward(x)``
    keeping its output on ``self``): it returns None, as in Python."""
    if not ctx.entry and not any(isinstance(n, ast.Return) for s in body for n in ast.walk(s)):
        return
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Return) and node.value is None:
                fail(ctx, node, NO_RETURN)
    if not _always_returns(body):
        last = body[-1] if body else ctx.fn.node
        message = "some paths through this `if` reach the end of the function without a " \
            "`return`" if isinstance(last, ast.If) else None
        fail(ctx, last, NO_RETURN, message)


def _always_returns(body):
    return any(isinstance(s, ast.Return) or isinstance(s, ast.If) and _always_returns(s.body)
               and _always_returns(s.orelse) for s in body)
# ---------------------------------- end of control flow -------------------------------


@dataclass
class _Context:
    fn: object                 # the SourceFunction
    params: tuple              # parameter names
    local_names: frozenset     # names the function binds (parameters included)
    entry: bool                # the function differentiated (not one it calls)


def check(fn, *, entry=True) -> None:
    """Raise ``UnsupportedSyntax`` at the first construct diffc cannot differentiate.

    ``entry=False`` for a function called by the differentiated one: writing into its
    parameters would change the caller's arrays, which is rejected.
    """
    node = fn.node
    a = node.args
    params = tuple(p.arg for p in a.posonlyargs + a.args + [a.vararg] + a.kwonlyargs + [a.kwarg]
                   if p is not None)
    body = _without_docstring(node.body)
    ctx = _Context(fn, params, frozenset(params) | _stored_names(body), entry)
    _check_signature(ctx, node)
    _check_block(ctx, body)
    _check_jumps(ctx, body)
    _check_returns(ctx, body)
    fence_flow.check_scoping(ctx, body)
    fence_flow.check_aliasing(ctx, body)


def _without_docstring(body):
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def stored_names(body):
    """The names a function body binds (not those of comprehensions or nested defs)."""
    return _stored_names(body)


def _stored_names(body):
    names = set()
    for stmt in body:
        for node in fence_flow.walk_scope(stmt):
            if isinstance(node, ast.FunctionDef):
                names.add(node.name)
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
    return frozenset(names)


def _check_signature(ctx, node):
    if isinstance(node, ast.AsyncFunctionDef):
        fail(ctx, node, OTHER["async def"])
    args = node.args
    if ctx.fn.live is not None:
        return      # *args are bound to the call's arguments, defaults to their live values
    if (args.vararg or args.kwarg) and ctx.entry:
        fail(ctx, args.vararg or args.kwarg, OTHER["*args"])
    for default in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
        if not _is_literal_default(ctx, default):
            fail(ctx, default, OTHER["default"])


def _is_literal_default(ctx, node):
    """A literal (``2.0``, ``(0, 1)``, ``None``) or ``np.<name>``: what the generated module
    can repeat verbatim."""
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id == "np" and \
        ctx.fn.module.aliases.get("np") == "numpy" and "np" not in ctx.local_names


def _check_block(ctx, body):
    for stmt in body:
        rule = STATEMENTS.get(type(stmt))
        if rule is not None:
            fail(ctx, stmt, rule)
        _check_statement(ctx, stmt)


def _check_statement(ctx, stmt):
    if isinstance(stmt, (ast.If, ast.While)):
        _check_expr(ctx, stmt.test, condition=True)
        _check_block(ctx, stmt.body)
        _check_block(ctx, stmt.orelse)
    elif isinstance(stmt, ast.For):
        _check_target(ctx, stmt.target)
        _check_expr(ctx, stmt.iter)
        _check_block(ctx, stmt.body)
        _check_block(ctx, stmt.orelse)
    elif isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        _check_assignment(ctx, stmt)
    elif isinstance(stmt, ast.Expr):
        _check_expression_statement(ctx, stmt)
    elif isinstance(stmt, ast.Assert):
        _check_expr(ctx, stmt.test, condition=True)
        if stmt.msg is not None:
            _check_expr(ctx, stmt.msg)
    elif isinstance(stmt, ast.Return):
        _check_return(ctx, stmt)
    elif isinstance(stmt, ast.Raise):
        for part in (stmt.exc, stmt.cause):
            if part is not None:
                _check_expr(ctx, part)
    elif isinstance(stmt, ast.With):           # lowering keeps np.errstate, refuses the rest
        for item in stmt.items:
            _check_expr(ctx, item.context_expr)
        _check_block(ctx, stmt.body)
    elif isinstance(stmt, ast.FunctionDef):
        if stmt.decorator_list:
            fail(ctx, stmt.decorator_list[0], OTHER["nested decorator"])
        # its body is checked where it is called (lowering inlines each call)
    elif not isinstance(stmt, (ast.Pass, ast.Break, ast.Continue)):
        fail(ctx, stmt, OTHER["statement"], name=type(stmt).__name__)


def _check_assignment(ctx, stmt):
    """``x = ...``, ``x += ...`` (not into an attribute: ``self.W -= ...`` writes into the
    array), ``x: T = ...`` (not a bare annotation)."""
    if isinstance(stmt, ast.Assign):
        _check_expr(ctx, stmt.value)
        for target in stmt.targets:
            _check_target(ctx, target)
        return
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Attribute):
        fail(ctx, stmt.target, OTHER["attribute target"])
    if isinstance(stmt, ast.AnnAssign) and stmt.value is None:
        fail(ctx, stmt, OTHER["bare annotation"])
    _check_target(ctx, stmt.target)
    _check_expr(ctx, stmt.value)


def _check_return(ctx, stmt):
    """``return value``; with ``has_aux``, ``return value, aux`` (the auxiliary output is
    returned as it is)."""
    value = stmt.value
    if ctx.fn.aux and isinstance(value, ast.Tuple) and len(value.elts) == 2:
        _check_expr(ctx, value.elts[0])
        _check_aux(ctx, value.elts[1])
    elif value is not None:
        _check_expr(ctx, value)


def _check_aux(ctx, node):
    """The auxiliary output of ``return loss, aux`` (``has_aux=True``) is returned as it is,
    never differentiated: dicts with constant keys are allowed in it, nested in tuples and
    lists too."""
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            if not isinstance(key, ast.Constant):
                fail(ctx, key if key is not None else value, OTHER["aux key"])
            _check_aux(ctx, value)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for item in node.elts:
            _check_aux(ctx, item)
    else:
        _check_expr(ctx, node)


def _check_expression_statement(ctx, stmt):
    if isinstance(stmt.value, ast.Constant):
        return                                  # a docstring-like string, or `...`
    _check_expr(ctx, stmt.value)      # lowering keeps container methods, refuses the rest


def _check_banned(ctx, node):
    """Reject ``node`` when its kind of expression is banned (a dict is allowed only in the
    aux output of ``has_aux=True``, checked by ``_check_aux``)."""
    rule = EXPRESSIONS.get(type(node))
    if rule is not None and isinstance(node, ast.Dict) and ctx.fn.aux:
        raise UnsupportedSyntax("a dict is not supported here: with has_aux=True, only the "
                                "returned aux may hold dicts", ctx.fn.loc(node),
                                "build the dict in the return statement: return loss, "
                                "{'accuracy': acc}")
    if rule is not None:
        fail(ctx, node, rule)
    if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
        walrus = next((n for n in ast.walk(node) if isinstance(n, ast.NamedExpr)), None)
        if walrus is not None:          # it would bind in the function, not the comprehension
            fail(ctx, walrus, OTHER["walrus in comprehension"])


def _check_expr(ctx, node, condition=False):
    """Reject banned expressions in ``node``. ``condition``: the node is tested for truth
    (an ``if``/``while``/``assert`` test), where ``and``/``or``/``not`` mean what
    np.logical_and/or/not mean."""
    _check_banned(ctx, node)
    # `and`/`or`/`not`, chains, `is` and `in`: lowering decides them in Python on the
    # values a compile fixes, and refuses (located) only those the data decides
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check_expr(ctx, value, condition=True)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check_expr(ctx, node.operand, condition=True)
        return
    if isinstance(node, ast.IfExp):
        _check_expr(ctx, node.test, condition=True)
        _check_expr(ctx, node.body)
        _check_expr(ctx, node.orelse)
        return
    if isinstance(node, ast.Call):
        _check_call(ctx, node)
        # ``f(*args, **kwargs)``: lowering spreads what has a fixed length and keys, and
        # rejects the rest with the same rules
        _check_expr(ctx, node.func)
        for arg in node.args:
            _check_expr(ctx, arg.value if isinstance(arg, ast.Starred) else arg)
        for keyword in node.keywords:
            _check_expr(ctx, keyword.value)
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.keyword):
            child = child.value
        if isinstance(child, ast.expr):
            _check_expr(ctx, child)


DYNAMIC = frozenset({"exec", "eval", "compile", "globals", "locals", "vars", "getattr",
                     "setattr", "delattr", "hasattr", "__import__"})
SIDE_EFFECTS = frozenset({"input", "open", "breakpoint"})     # print: lowering refuses it where it runs


def _check_call(ctx, node):
    func = node.func
    if isinstance(func, ast.Name) and func.id not in ctx.local_names \
            and func.id not in ctx.fn.module.aliases:
        if func.id in DYNAMIC:
            fail(ctx, node, OTHER["dynamic"], name=func.id)
        if func.id in SIDE_EFFECTS:
            fail(ctx, node, OTHER["side effect"], name=func.id)
    for keyword in node.keywords:
        if keyword.arg == "out":
            fail(ctx, keyword, OTHER["out="])


def _check_target(ctx, target):
    if isinstance(target, ast.Name):
        return
    if isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:          # `*rest`: lowering splits a sequence it can
            _check_target(ctx, elt.value if isinstance(elt, ast.Starred) else elt)
        return
    if isinstance(target, ast.Attribute):
        _check_expr(ctx, target.value)
        return          # an object's attribute: lowering makes the assignment (or refuses it)
    if isinstance(target, ast.Subscript):
        base = target.value
        if isinstance(base, ast.Name):
            _check_expr(ctx, target.slice)
            return
        if isinstance(base, ast.Subscript) and isinstance(base.value, ast.Name):
            _check_expr(ctx, base.slice)    # an entry of a local dict or list: lowering decides
            _check_expr(ctx, target.slice)
            return
        if isinstance(base, ast.Subscript):
            fail(ctx, target, OTHER["nested subscript"])
        if isinstance(base, ast.Attribute):
            fail(ctx, target, OTHER["view target"], base=ast.unparse(base))
    fail(ctx, target, OTHER["target"])


def sections():
    """The documented tables: ``(title, [(construct, example, what to write instead)])``."""
    def rows(rules):
        return [r.documented() for r in rules if r.example]
    other = [OTHER[k] for k in ("and/or", "not", "chained", "is/in", "dynamic", "side effect",
                                "**kwargs call", "out=", "unused call", "no effect",
                                "walrus in comprehension")]
    targets = [OTHER[k] for k in ("bare annotation", "attribute target", "nested subscript",
                                  "view target", "star target")]
    names = [OTHER[k] for k in ("unbound", "write global", "write argument", "write alias",
                                "write alias in place")]
    return [("Statements", rows(STATEMENTS.values())),
            ("Expressions", rows(list(EXPRESSIONS.values()) + other)),
            ("Assignment", rows(targets)),
            ("Names and arrays", rows(names)),
            ("Control flow", rows([RETURN_IN_LOOP, LOOP_ELSE, JUMP_OUTSIDE_LOOP]))]


def markdown_tables():
    """The tables of ``docs/unsupported.md``, generated from the rules above."""
    out = []
    for title, rows in sections():
        out += [f"### {title}", "", "| construct | example | write instead |", "|---|---|---|"]
        for what, example, hint in rows:
            code = "<br>".join(f"`{line}`" for line in example.splitlines()).replace("|", "\\|")
            out.append(f"| {what} | {code} | {hint.replace('|', chr(92) + '|')} |")
        out.append("")
    return "\n".join(out)


BEGIN = "<!-- BEGIN tables generated by diffc.frontend.fence.update_docs -->"
END = "<!-- END generated tables -->"


def update_docs(path):
    """Rewrite the generated tables between ``BEGIN`` and ``END`` in the docs page."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{head}{BEGIN}\n\n{markdown_tables()}\n{END}{tail}")

