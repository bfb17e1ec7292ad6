"""The table of constructs the fence rejects: each a ``Banned`` entry, with what to write
instead and an example. The tables drive the fence's messages (``fail``), the list in
``docs/unsupported.md`` (``fence.update_docs``) and the tests that every entry is rejected.
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
    ast.Set: Banned("a set literal", "sets are not differentiable; use a tuple or an array",
                    "s = {x, y}"),
    ast.Starred: Banned("star-unpacking `*x`", "pass and build values explicitly: "
                        "f(a, b) rather than f(*args)", "y = np.maximum(*x)"),
}

OTHER = {
    "walrus in comprehension": Banned("the walrus operator `:=` inside a comprehension",
                                      "assign with `=` before the comprehension",
                                      "ys = [(y := t * t) for t in x]"),
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


def fail(ctx, node, rule, message=None, **fields):
    """Raise ``UnsupportedSyntax`` for ``rule`` (a ``Banned``) at ``node``."""
    text = message or f"{rule.what.format(**fields)} is not supported"
    raise UnsupportedSyntax(text, ctx.fn.loc(node), rule.hint.format(**fields))
