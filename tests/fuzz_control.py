"""Random programs with control flow, as source text, for the higher-order fuzzer.

``program(seed)`` builds a ``fuzz_programs.Program``: a module defining ``fuzzed(a, b,
c)`` (``a``, ``c`` Python floats, ``b`` a float array of 2 or 3 entries) and, sometimes,
helper functions it calls, with

* ``for`` loops over ``range`` carrying values, ``while`` loops on a data-dependent
  condition (with a bound on the steps), nested loops;
* ``if``/``else`` on data, ``break`` on data, ``continue`` on the loop index;
* calls of helper functions (one of which may loop itself), inside loops too;
* lists grown in a loop (``out = out + [v]``) and stacked after it.

Every operation is smooth (``tanh``, ``sin``, products, quotients by ``1 + v ** 2`` ...)
and every data-dependent test is kept away from its threshold: the program is run once,
instrumented (each comparison records how far its two sides are apart), and a program
whose closest test is nearer than ``MARGIN``, or whose values overflow, is drawn again
from the next seed. So the program is smooth at the arguments (no branch or trip count
changes within the central differences' steps), and any disagreement between diffc's
derivatives and the differences is a bug in diffc.
"""
from __future__ import annotations

import numpy as np

from tests.fuzz_programs import Program

MARGIN = 1e-2            # distance kept between the two sides of every data test
LIMIT = 50.0             # largest magnitude a value may reach

SCALAR_FORMS = ["np.tanh({s})", "{s} * {t}", "np.sin({s}) * 0.8 + {t}", "{s} ** 2 * 0.3 - {t}",
                "{s} / (1.0 + {t} ** 2)", "np.cos({s} * 0.7) * {t}", "np.exp(0.5 * np.tanh({s}))",
                "{s} * {k} + 0.1", "np.sum({v} * {w}) * 0.3", "np.mean(np.tanh({v}))", "{v}[0] * {s}",
                "{v} @ {w} * 0.2", "np.sum({v} ** 2) * 0.1 + {s}"]
VECTOR_FORMS = ["np.tanh({v} * {s})", "{v} * {s} + {w}", "np.sin({v}) * 0.8 + {w} * {t}",
                "{v}[::-1] * 0.5 + {w}", "{v} ** 2 * 0.3 - {w}", "{v} / (1.0 + {w} ** 2)",
                "np.cos({v}) * {s}", "np.exp(0.5 * np.tanh({v}))", "{v} * {k} - {w} * 0.2",
                "np.tanh({v} + {w} * {s})"]
SCALAR_TESTS = ["{s} > {c}", "{s} < {c}", "np.sum({v}) > {c}", "np.mean({v} * {w}) < {c}"]


class _Writer:
    """One function's text, built line by line, with the kind (``"s"`` scalar, ``"v"``
    array) of every name and the names readable at each point."""

    def __init__(self, rng, names, indent=1):
        self.rng = rng
        self.kinds = dict(names)
        self.lines = []
        self.indent = indent
        self.count = 0
        self.index_names = []          # loop indices in scope (ints)

    def choose(self, items):
        return items[int(self.rng.integers(len(items)))]

    def line(self, text):
        self.lines.append("    " * self.indent + text)

    def fresh(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def of(self, kind):
        return [n for n, k in self.kinds.items() if k == kind]

    def expr(self, kind):
        """An expression of ``kind`` over names in scope."""
        s, t = self.choose(self.of("s")), self.choose(self.of("s"))
        v, w = self.choose(self.of("v")), self.choose(self.of("v"))
        k = f"({self.choose(self.index_names)} + 1.0)" if self.index_names else \
            str(self.choose([0.5, 1.5, -0.75]))
        form = self.choose(SCALAR_FORMS if kind == "s" else VECTOR_FORMS)
        return form.format(s=s, t=t, v=v, w=w, k=k)

    def test(self):
        s, v, w = self.choose(self.of("s")), self.choose(self.of("v")), self.choose(self.of("v"))
        c = round(float(self.rng.uniform(-1.0, 1.0)), 2)
        return self.choose(SCALAR_TESTS).format(s=s, v=v, w=w, c=c)

    def block(self, emit):
        self.indent += 1
        kinds = dict(self.kinds)
        emit()
        self.kinds = kinds             # names made inside a block are not read after it
        self.indent -= 1


def _statement(w, depth, helpers, in_loop):
    """One random statement (or compound statement) at the writer's position."""
    kinds = ["assign", "assign", "update", "update"]
    if depth < 2:
        kinds += ["for", "for", "if", "while", "list"]
    if helpers:
        kinds += ["call"]
    kind = w.choose(kinds)
    if kind == "assign":
        k = w.choose(["s", "v"])
        name = w.fresh(k)
        w.line(f"{name} = {w.expr(k)}")
        w.kinds[name] = k
    elif kind == "update":
        name = w.choose(list(w.kinds))
        w.line(f"{name} = {w.expr(w.kinds[name])}")
    elif kind == "call":
        helper, (p, q), out = w.choose(helpers)
        name = w.fresh(out)
        w.line(f"{name} = {helper}({w.choose(w.of(p))}, {w.choose(w.of(q))})")
        w.kinds[name] = out
    elif kind == "if":
        targets = list(w.kinds)
        w.line(f"if {w.test()}:")
        w.block(lambda: _updates(w, targets, depth, helpers, in_loop))
        w.line("else:")
        w.block(lambda: _updates(w, targets, depth, helpers, in_loop))
    elif kind == "for":
        _for_loop(w, depth, helpers)
    elif kind == "while":
        counter = w.fresh("n")
        w.line(f"{counter} = 0")
        w.line(f"while {w.test()} and {counter} < {int(w.rng.integers(1, 5))}:")

        def body():
            _updates(w, list(w.kinds), depth + 1, helpers, True)
            w.line(f"{counter} = {counter} + 1")
        w.block(body)
    else:
        _grown_list(w)


def _updates(w, targets, depth, helpers, in_loop):
    """1 to 3 statements, the first updating one of ``targets`` (a name read after)."""
    name = w.choose(targets)
    w.line(f"{name} = {w.expr(w.kinds[name])}")
    for _ in range(int(w.rng.integers(0, 3))):
        _statement(w, depth + 1, helpers, in_loop)


def _for_loop(w, depth, helpers):
    index = w.fresh("i")
    w.line(f"for {index} in range({int(w.rng.integers(1, 4))}):")

    def body():
        w.index_names.append(index)
        jump = w.choose([None, None, "break", "continue"])
        if jump == "continue":
            w.line(f"if {index} == 1:")
            w.block(lambda: w.line("continue"))
        _updates(w, list(w.kinds), depth + 1, helpers, True)
        if jump == "break":
            w.line(f"if {w.test()}:")
            w.block(lambda: w.line("break"))
            _updates(w, list(w.kinds), depth + 1, helpers, True)
        w.index_names.pop()
    w.block(body)


def _grown_list(w):
    """``out = [v]``, grown in a loop, then stacked into a new name."""
    out, index = w.fresh("out"), w.fresh("i")
    w.line(f"{out} = [{w.choose(w.of('v'))}]")
    w.line(f"for {index} in range({int(w.rng.integers(1, 4))}):")

    def body():
        w.index_names.append(index)
        name = w.choose(list(w.kinds))
        w.line(f"{name} = {w.expr(w.kinds[name])}")
        w.line(f"{out} = {out} + [{w.expr('v')}]")
        w.index_names.pop()
    w.block(body)
    name = w.fresh("v")
    w.line(f"{name} = {w.choose(['np.mean(np.stack({0}), axis=0)', 'np.stack({0})[-1] * 0.5', 'np.sum(np.stack({0}) ** 2, axis=0) * 0.1']).format(out)}")
    w.kinds[name] = "v"


def _helper(rng, k, n):
    """``def helper{k}(p, q)``: a few statements, maybe a loop; returns a scalar or an array
    (of ``n`` entries, like ``b``)."""
    p, q = str(rng.choice(["s", "v"])), str(rng.choice(["s", "v"]))
    w = _Writer(rng, {"p": p, "q": q})
    if "s" not in (p, q):
        w.line("r = np.sum(p * q) * 0.2")
        w.kinds["r"] = "s"
    if "v" not in (p, q):
        entries = ["p", "q * 0.5", "p - q"][:n]
        w.line(f"r = np.array([{', '.join(entries)}])")
        w.kinds["r"] = "v"
    for _ in range(int(rng.integers(1, 3))):
        _statement(w, 1, [], False)
    out = str(rng.choice(["s", "v"]))
    w.line(f"return {w.expr(out)}")
    name = f"helper{k}"
    return name, (p, q), out, f"def {name}(p, q):\n" + "\n".join(w.lines) + "\n"


def _source(rng, n):
    helpers, texts = [], []
    for k in range(int(rng.integers(0, 3))):
        name, params, out, text = _helper(rng, k, n)
        helpers.append((name, params, out))
        texts.append(text)
    w = _Writer(rng, {"a": "s", "b": "v", "c": "s"})
    for _ in range(int(rng.integers(2, 6))):
        _statement(w, 0, helpers, False)
    scalars, vectors = w.of("s"), w.of("v")
    terms = [f"np.sum(np.tanh({v}) * np.array({np.round(rng.uniform(0.5, 1.5, n), 2).tolist()}))"
             for v in vectors[-2:]] + [f"{s} * {round(float(rng.uniform(0.5, 1.5)), 2)}" for s in scalars[-2:]]
    w.line(f"return {' + '.join(terms)}")
    body = "\n".join(w.lines)
    return "import numpy as np\n\n\n" + "\n\n".join(texts + [f"def fuzzed(a, b, c):\n{body}\n"])


def _instrumented(source):
    """The source with each comparison ``x > y`` / ``x < y`` made ``_cmp(x, y, ">")``, which
    records how far apart the sides were (``gaps``)."""
    import ast

    class Wrap(ast.NodeTransformer):
        def visit_Compare(self, node):
            self.generic_visit(node)
            if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Gt, ast.Lt)):
                return node
            op = ">" if isinstance(node.ops[0], ast.Gt) else "<"
            return ast.Call(ast.Name("_cmp", ast.Load()),
                            [node.left, node.comparators[0], ast.Constant(op)], [])

    tree = Wrap().visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree))


def _acceptable(source, args):
    """Whether the program runs on ``args`` with bounded values and every test far from a tie."""
    gaps = []

    def _cmp(x, y, op):
        gaps.append(abs(float(x) - float(y)))
        return x > y if op == ">" else x < y

    namespace = {"np": np, "_cmp": _cmp}
    try:
        with np.errstate(all="raise"):
            exec(compile(_instrumented(source), "<fuzz>", "exec"), namespace)
            value = namespace["fuzzed"](*args)
    except (FloatingPointError, ValueError, ZeroDivisionError, OverflowError, IndexError, TypeError):
        return False
    return bool(np.isfinite(value)) and abs(float(value)) < LIMIT and min(gaps, default=1.0) > MARGIN


def program(seed):
    """A control-flow ``Program`` from ``seed`` (the first acceptable one from ``seed`` on)."""
    while True:
        rng = np.random.default_rng(seed)
        n = int(rng.integers(2, 4))
        args = (float(rng.uniform(0.3, 1.2) * rng.choice([-1.0, 1.0])),
                rng.uniform(0.3, 1.2, n) * rng.choice([-1.0, 1.0], n),
                float(rng.uniform(0.3, 1.2) * rng.choice([-1.0, 1.0])))
        source = _source(rng, n)
        if _acceptable(source, args):
            return Program(source, args, (0, 1, 2))
        seed += 1_000_003
