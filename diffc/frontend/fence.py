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


@dataclass(frozen=True)
class Banned:
    """One unsupported construct: what it is, what to write instead, and an example."""
    what: str          # "a lambda": the message is "<what> is not supported"
    hint: str
    example: str       # lines of a function body showing it (docs and tests)
    fields: tuple = () # (name, value) pairs filling {name} in what/hint for the docs

    def documented(self):
        """(construct, example, hint) as the docs show them."""
        values = dict(self.fields)
        return self.what.format(**values), self.example, self.hint.format(**values)


def _stmt(name):
    return getattr(ast, name, None)


STATEMENTS = {kind: rule for kind, rule in {
    _stmt("Try"): Banned("`try`", "remove the try/except: a differentiated function cannot "
                         "catch exceptions; check inputs before calling it",
                         "try:\n    y = np.log(x)\nexcept ValueError:\n    y = x"),
    _stmt("TryStar"): Banned("`try`/`except*`", "remove the try/except: a differentiated "
                             "function cannot catch exceptions",
                             "try:\n    y = np.log(x)\nexcept* ValueError:\n    y = x"),
    _stmt("AsyncWith"): Banned("`async with`", "use a plain function",
                               "async with lock:\n    y = x"),
    _stmt("AsyncFor"): Banned("`async for`", "use a plain function",
                              "async for t in stream:\n    y = x"),
    _stmt("AsyncFunctionDef"): Banned("a nested `async def`", "define plain helper functions "
                                      "at module level", "async def helper(t):\n    return t\ny = x"),
    _stmt("ClassDef"): Banned("a class definition", "define classes outside the "
                              "differentiated function", "class State:\n    pass\ny = x"),
    _stmt("Global"): Banned("`global`", "pass the value in as an argument and return what "
                            "you compute", "global counter\ny = x"),
    _stmt("Nonlocal"): Banned("`nonlocal`", "pass the value in as an argument and return "
                              "what you compute", "nonlocal counter\ny = x"),
    _stmt("Delete"): Banned("`del`", "remove the `del`: values are freed when the gradient "
                            "function returns", "y = x * 2.0\ndel y"),
    _stmt("Import"): Banned("an `import` inside the function", "import at module level",
                            "import math\ny = x"),
    _stmt("ImportFrom"): Banned("an `import` inside the function", "import at module level",
                                "from math import pi\ny = x"),
    _stmt("Match"): Banned("`match`", "compute each case and select with np.where",
                           "match n:\n    case 1:\n        y = x"),
    _stmt("TypeAlias"): Banned("a `type` alias", "declare type aliases at module level",
                               "type Vec = list\ny = x"),
}.items() if kind is not None}

EXPRESSIONS = {
    ast.SetComp: Banned("a set comprehension", "sets are not differentiable; use arrays",
                        "ys = {t for t in x}"),
    ast.Await: Banned("`await`", "use a plain function", "y = await x"),
    ast.Yield: Banned("`yield`", "a generator is not differentiable; return the value",
                      "yield x"),
    ast.YieldFrom: Banned("`yield from`", "a generator is not differentiable; return the "
                          "value", "yield from x"),
    ast.NamedExpr: Banned("the walrus operator `:=`", "assign with `=` on its own line",
                          "y = (z := x * 2.0) + z"),
    ast.Set: Banned("a set literal", "sets are not differentiable; use a tuple or an array",
                    "s = {x, y}"),
    ast.Starred: Banned("star-unpacking `*x`", "pass and build values explicitly: "
                        "f(a, b) rather than f(*args)", "y = np.maximum(*x)"),
}

OTHER = {
    "aux key": Banned("a computed key in the auxiliary output", "write each key of the aux "
                      "dict as a constant, such as 'accuracy'", ""),
    "async def": Banned("an `async def` function", "differentiate a plain `def`", ""),
    "*args": Banned("a `*args`/`**kwargs` parameter", "name each parameter explicitly",
                    ""),
    "default": Banned("a default value that is not a literal", "write the value itself "
                      "(`scale=2.0`, `axis=None`), or pass it explicitly", ""),
    "with": Banned("`with`", "move the `with` block outside the differentiated function "
                   "(`with np.errstate(...)` is fine: it only silences warnings)",
                   "with open('log.txt') as f:\n    y = x"),
    "nested decorator": Banned("a decorator on a function defined inside the differentiated "
                               "function", "define the decorated function at module level", ""),
    "and/or": Banned("`and`/`or` on values the data decides", "use np.logical_and / "
                     "np.logical_or, or np.where(cond, a, b) to select a value", "y = x and 2.0"),
    "not": Banned("`not` on a value the data decides", "use np.logical_not(c), or compare: "
                  "c == 0", "flag = not x"),
    "chained": Banned("a chained comparison of values the data decides", "compare two values "
                      "at a time and combine with np.logical_and(a < x, x < b)",
                      "inside = 0.0 < x < 1.0"),
    "is/in": Banned("`{op}` on a value the data decides", "compare values with == or !=, or "
                    "test membership outside the differentiated function", "found = 1.0 in x",
                    (("op", "in"),)),
    "dynamic": Banned("`{name}()`", "diffc differentiates the source it can read; write the "
                      "code out in the function instead of building it at run time",
                      "y = eval('x * 2.0')", (("name", "eval"),)),
    "side effect": Banned("`{name}()`", "remove it: reading input, files or the debugger "
                          "is not part of a function diffc differentiates; do it before "
                          "calling it", "y = x * float(input())", (("name", "input"),)),
    "**kwargs call": Banned("passing `**kwargs` to a call", "pass each keyword explicitly",
                            "y = np.clip(x, **limits)"),
    "out=": Banned("writing into an existing array with `out=`", "assign the result "
                   "instead: y = np.exp(x)", "y = np.exp(x, out=x)"),
    "unused call": Banned("a call whose result is not used", "diffc does not track "
                          "in-place changes: compute a new value and assign it "
                          "(y = ..., or x[i] = v)", "x.fill(0.0)"),
    "no effect": Banned("an expression whose value is not used", "assign it to a name, or "
                        "remove the line", "x * 2.0"),
    "bare annotation": Banned("an annotation without a value", "annotate where you assign: "
                              "y: float = x * 2.0, or remove the line", "y: float"),
    "attribute target": Banned("assignment to an attribute", "assign to a local name and "
                               "return it", "x.data = 1.0"),
    "nested subscript": Banned("assignment into an indexed expression `a[i][j] = v`",
                               "index once with a tuple: a[i, j] = v", "y = x * 2.0\ny[0][1] = 2.0"),
    "view target": Banned("assignment into `{base}[...]`", "assign into the array itself "
                          "with an equivalent index (x[j, i] = v rather than x.T[i, j] = v), "
                          "or into a local copy (a = {base}.copy(), then a[...] = v)",
                          "x.T[0] = 2.0", (("base", "x.T"),)),
    "star target": Banned("star-unpacking in an assignment", "index explicitly: a = x[0], "
                          "rest = x[1:]", "a, *rest = x"),
    "target": Banned("this assignment target", "assign to a name, a tuple of names, or "
                     "name[index]", "(y for y in x)[0] = 1.0"),
    "statement": Banned("a `{name}` statement", "rewrite it as assignments and a return", ""),
    "unbound": Banned("reading a name before the function assigns it",
                      "Python makes `{name}` local to the whole function because the "
                      "function assigns it, so this read raises UnboundLocalError; assign "
                      "it before reading it, or rename the local variable",
                      "y = x * K\nK = 2.0", (("name", "K"),)),
    "maybe unbound": Banned("reading a name that only some paths assign",
                            "assign `{name}` before the `if` (or the loop), or in every "
                            "branch", "", (("name", "t"),)),
    "write global": Banned("writing into a module-level array",
                           "assigning into `{name}[...]` changes a module-level array; "
                           "pass `{name}` in as an argument, copy it (`{name} = "
                           "{name}.copy()`) and write into the copy",
                           "W[0] = x", (("name", "W"),)),
    "write alias": Banned("writing into an array that another name, read later, shares",
                          "if `{other}` should see the change, write into `{other}` itself; "
                          "if not, copy before writing: `{name} = {name}.copy()`",
                          "a = x * 2.0\nz = a\nz[0] = 2.0\ny = a",
                          (("name", "z"), ("other", "a"))),
    "write alias in place": Banned("changing in place (`+=`) a value another name, read "
                                   "later, shares", "`{name} += ...` changes the array in "
                                   "place; to make a new value write `{name} = {name} + ...`, "
                                   "or, if `{other}` should see the change, change `{other}`",
                                   "a = x * 2.0\ns = a[0]\ns += 1.0\ny = a",
                                   (("name", "s"), ("other", "a"))),
    "write argument": Banned("writing into an argument's array",
                             "Python would change the caller's array, which diffc's compiled "
                             "code does not do; write into a copy (`{name} = {name}.copy()`) "
                             "and, if the caller needs the change, return it",
                             "x[0] = 2.0", (("name", "x"),)),
    "write parameter": Banned("writing into a parameter of a called function",
                              "this function is called by the one being "
                              "differentiated, so the caller's array would change; write "
                              "into a copy (`{name} = {name}.copy()`) and return it", "",
                              (("name", "a"),)),
}

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
            _fail(ctx, stmt, RETURN_IN_LOOP)
        elif isinstance(stmt, (ast.Break, ast.Continue)) and not in_loop:
            _fail(ctx, stmt, JUMP_OUTSIDE_LOOP, name=type(stmt).__name__.lower())
        elif isinstance(stmt, ast.If):
            _check_jumps(ctx, stmt.body, in_loop)
            _check_jumps(ctx, stmt.orelse, in_loop)
        elif isinstance(stmt, (ast.For, ast.While)):
            if stmt.orelse:
                _fail(ctx, stmt.orelse[0], LOOP_ELSE)
            _check_jumps(ctx, stmt.body, True)


def _check_returns(ctx, body):
    """Every path ends with ``return <value>``: the last statement returns, or is an ``if``
    whose branches all end so (statements after a ``return`` never run)."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Return) and node.value is None:
                _fail(ctx, node, NO_RETURN)
    if not _always_returns(body):
        last = body[-1] if body else ctx.fn.node
        message = "some paths through this `if` reach the end of the function without a " \
            "`return`" if isinstance(last, ast.If) else None
        _fail(ctx, last, NO_RETURN, message)


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
    params = tuple(a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs)
    body = _without_docstring(node.body)
    ctx = _Context(fn, params, frozenset(params) | _stored_names(body), entry)
    _check_signature(ctx, node)
    _check_block(ctx, body)
    _check_jumps(ctx, body)
    _check_returns(ctx, body)
    from diffc.frontend import fence_flow
    fence_flow.check_scoping(ctx, body)
    fence_flow.check_aliasing(ctx, body)


def _fail(ctx, node, rule, message=None, **fields):
    text = message or f"{rule.what.format(**fields)} is not supported"
    raise UnsupportedSyntax(text, ctx.fn.loc(node), rule.hint.format(**fields))


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
    from diffc.frontend.fence_flow import walk_scope
    for stmt in body:
        for node in walk_scope(stmt):
            if isinstance(node, ast.FunctionDef):
                names.add(node.name)
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
    return frozenset(names)


def _check_signature(ctx, node):
    if isinstance(node, ast.AsyncFunctionDef):
        _fail(ctx, node, OTHER["async def"])
    args = node.args
    if ctx.fn.live is not None:
        return      # *args are bound to the call's arguments, defaults to their live values
    if (args.vararg or args.kwarg) and ctx.entry:
        _fail(ctx, args.vararg or args.kwarg, OTHER["*args"])
    for default in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
        if not _is_literal_default(ctx, default):
            _fail(ctx, default, OTHER["default"])


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
            _fail(ctx, stmt, rule)
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
    elif isinstance(stmt, ast.Assign):
        _check_expr(ctx, stmt.value)
        for target in stmt.targets:
            _check_target(ctx, target)
    elif isinstance(stmt, ast.AugAssign):
        if isinstance(stmt.target, ast.Attribute):     # `self.W -= ...` writes into the array
            _fail(ctx, stmt.target, OTHER["attribute target"])
        _check_target(ctx, stmt.target)
        _check_expr(ctx, stmt.value)
    elif isinstance(stmt, ast.AnnAssign):
        if stmt.value is None:
            _fail(ctx, stmt, OTHER["bare annotation"])
        _check_target(ctx, stmt.target)
        _check_expr(ctx, stmt.value)
    elif isinstance(stmt, ast.Expr):
        _check_expression_statement(ctx, stmt)
    elif isinstance(stmt, ast.Assert):
        _check_expr(ctx, stmt.test, condition=True)
        if stmt.msg is not None:
            _check_expr(ctx, stmt.msg)
    elif isinstance(stmt, ast.Return):
        value = stmt.value
        if ctx.fn.aux and isinstance(value, ast.Tuple) and len(value.elts) == 2:
            _check_expr(ctx, value.elts[0])
            _check_aux(ctx, value.elts[1])
        elif value is not None:
            _check_expr(ctx, value)
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
            _fail(ctx, stmt.decorator_list[0], OTHER["nested decorator"])
        # its body is checked where it is called (lowering inlines each call)
    elif not isinstance(stmt, (ast.Pass, ast.Break, ast.Continue)):
        _fail(ctx, stmt, OTHER["statement"], name=type(stmt).__name__)


def _check_aux(ctx, node):
    """The auxiliary output of ``return loss, aux`` (``has_aux=True``) is returned as it is,
    never differentiated: dicts with constant keys are allowed in it, nested in tuples and
    lists too."""
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            if not isinstance(key, ast.Constant):
                _fail(ctx, key if key is not None else value, OTHER["aux key"])
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


def _check_expr(ctx, node, condition=False):
    """Reject banned expressions in ``node``. ``condition``: the node is tested for truth
    (an ``if``/``while``/``assert`` test), where ``and``/``or``/``not`` mean what
    np.logical_and/or/not mean."""
    rule = EXPRESSIONS.get(type(node))
    if rule is not None and isinstance(node, ast.Dict) and ctx.fn.aux:
        raise UnsupportedSyntax("a dict is not supported here: with has_aux=True, only the "
                                "returned aux may hold dicts", ctx.fn.loc(node),
                                "build the dict in the return statement: return loss, "
                                "{'accuracy': acc}")
    if rule is not None:
        _fail(ctx, node, rule)
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
            _fail(ctx, node, OTHER["dynamic"], name=func.id)
        if func.id in SIDE_EFFECTS:
            _fail(ctx, node, OTHER["side effect"], name=func.id)
    for keyword in node.keywords:
        if keyword.arg == "out":
            _fail(ctx, keyword, OTHER["out="])


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
            _fail(ctx, target, OTHER["nested subscript"])
        if isinstance(base, ast.Attribute):
            _fail(ctx, target, OTHER["view target"], base=ast.unparse(base))
    _fail(ctx, target, OTHER["target"])


def sections():
    """The documented tables: ``(title, [(construct, example, what to write instead)])``."""
    def rows(rules):
        return [r.documented() for r in rules if r.example]
    other = [OTHER[k] for k in ("and/or", "not", "chained", "is/in", "dynamic", "side effect",
                                "**kwargs call", "out=", "unused call", "no effect")]
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

