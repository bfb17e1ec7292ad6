"""The command line: ``diffc compile`` and ``diffc show``.

Both read the model file statically: it is parsed, never imported or executed.
Example shapes (``--arg W=784x30 --arg X=Nx784 --arg lr=0.1``) specialise the code
the way a call to ``diffc.grad`` does; a letter stands for any size other than 1.
Without them the code is general, and a rule that must know a shape says so.
"""
from __future__ import annotations

import argparse
import ast
import os
import sys

import numpy as np

from diffc import __version__, load, pipeline, source
from diffc.errors import DiffcError

EXAMPLES = {
    "compile": "diffc compile examples/apple_shopping.py\n"
               "  diffc compile model.py -f loss --wrt W,b --arg W=3x4 --arg b=4 --arg X=Nx3 -o -",
    "show": "diffc show model.py:loss --wrt W --arg W=3x4 --arg X=5x3\n  diffc show model.py:loss --ir",
}


def _parser():
    p = argparse.ArgumentParser(prog="diffc", description="Source-to-source automatic "
                                "differentiation for Python and NumPy: emits readable gradient code.")
    p.add_argument("--version", action="version", version=f"diffc {__version__}")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compile", help="write a standalone gradient module beside the model",
                       epilog="examples:\n  " + EXAMPLES["compile"],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("model", help="the model file (never executed)")
    c.add_argument("-f", "--function", action="append", default=[],
                   help="function to compile (repeatable); default: those decorated with @diffc.grad")
    _common(c)
    c.add_argument("-o", "--output", help="output path, or - for stdout (default: MODEL_grad.py)")
    c.add_argument("--force", action="store_true", help="overwrite a file diffc did not generate")
    c.add_argument("--check", action="store_true", help="exit 1 if the existing output is stale")
    s = sub.add_parser("show", help="print the generated gradient code (or the IR)",
                       epilog="examples:\n  " + EXAMPLES["show"],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("target", help="MODEL.py:FUNCTION")
    _common(s)
    s.add_argument("--ir", action="store_true", help="print the IR instead of Python")
    sub.add_parser("coverage", help="list every operation diffc has rules for")
    return p


def _common(p):
    p.add_argument("--wrt", help="comma-separated parameter names or indices (default: the "
                                 "decorator's wrt, else the first parameter)")
    p.add_argument("--arg", action="append", default=[], metavar="NAME=SHAPE|VALUE",
                   help="example argument: a shape like 3x4 or Nx784, 'scalar', or a Python literal")


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        return {"compile": _compile, "show": _show, "coverage": _coverage}[args.command](args)
    except DiffcError as e:
        if args.debug:
            raise
        print(e.render(), file=sys.stderr)
        return 2
    except (OSError, ValueError) as e:
        if args.debug:
            raise
        print(f"error: {e}", file=sys.stderr)
        return 2


# -- example arguments ---------------------------------------------------------------
_SYMBOL_SIZES = (7, 11, 13, 17, 19, 23, 29, 31)


def parse_example(text, symbols):
    """``3x4`` → array of that shape; ``Nx3`` → N is any size but 1; ``scalar`` → 1.0."""
    text = text.strip()
    if text in ("scalar", "float"):
        return 0.5
    if "x" in text or text.isidentifier() or text.isdigit():
        dims = []
        for d in text.split("x"):
            if d.isdigit():
                dims.append(int(d))
            elif d.isidentifier():
                dims.append(symbols.setdefault(d, _SYMBOL_SIZES[len(symbols) % len(_SYMBOL_SIZES)]))
            else:
                break
        else:
            rng = np.random.default_rng(0)
            return rng.standard_normal(tuple(dims))
    return ast.literal_eval(text)


def _examples(src, specs):
    if not specs:
        return None
    params = [a.arg for a in src.node.args.args]
    symbols, given = {}, {}
    for spec in specs:
        name, _, value = spec.partition("=")
        if name not in params:
            raise ValueError(f"--arg {name}: {src.name} has no parameter {name!r} (it has {params})")
        given[name] = parse_example(value, symbols)
    missing = [p for p in params if p not in given]
    if missing:
        raise ValueError(f"--arg missing for {', '.join(missing)}: give every argument an example")
    return tuple(given[p] for p in params)


# -- which functions, with respect to what ----------------------------------------------
def _decorated(module):
    """``{name: wrt}`` for functions decorated with ``@diffc.grad`` / ``@grad`` (read statically)."""
    found = {}
    for name, node in module.functions.items():
        for dec in node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            target = call.func if call else dec
            label = ast.unparse(target)
            if label.split(".")[-1] in ("grad", "value_and_grad") and label.split(".")[0] in ("diffc", "grad", "value_and_grad"):
                wrt = 0
                for kw in (call.keywords if call else []):
                    if kw.arg == "wrt":
                        wrt = ast.literal_eval(kw.value)
                found[name] = wrt
    return found


def _wrt_indices(src, wrt):
    params = [a.arg for a in src.node.args.args]
    items = wrt if isinstance(wrt, (tuple, list)) else [wrt]
    out = []
    for w in items:
        w = w.strip() if isinstance(w, str) else w
        if isinstance(w, str) and w.lstrip("-").isdigit():
            w = int(w)
        if isinstance(w, int):
            out.append(w % len(params))
        elif w in params:
            out.append(params.index(w))
        else:
            raise ValueError(f"--wrt {w}: {src.name} has no parameter {w!r} (it has {params})")
    return tuple(out), not isinstance(wrt, (tuple, list))


def _compile_one(path, name, wrt_text, default_wrt, specs):
    src = source.from_file(path, name)
    wrt = wrt_text.split(",") if wrt_text else default_wrt
    if isinstance(wrt, list) and len(wrt) == 1 and not wrt_text.endswith(","):
        wrt = wrt[0]
    indices, single = _wrt_indices(src, wrt)
    return pipeline.compile_gradient(src, indices, _examples(src, specs), single=single)


def _compile(args):
    module = source.module_of_file(args.model)
    decorated = _decorated(module)
    names = args.function or sorted(decorated, key=lambda n: module.functions[n].lineno)
    if not names:
        raise ValueError(f"{args.model} has no function decorated with @diffc.grad; name one with -f")
    compiled = [_compile_one(args.model, n, args.wrt, decorated.get(n, 0), args.arg) for n in names]
    text = pipeline.module_text(args.model, compiled, command=_command_line(args))
    out = args.output or os.path.splitext(args.model)[0] + "_grad.py"
    if out == "-":
        sys.stdout.write(text)
        return 0
    if args.check:
        current = open(out, encoding="utf-8").read() if os.path.exists(out) else None
        if current != text:
            print(f"{out} is stale: regenerate it with `{_command_line(args)}`", file=sys.stderr)
            return 1
        print(f"{out} is up to date")
        return 0
    if os.path.exists(out) and not args.force:
        with open(out, encoding="utf-8") as fh:
            if not fh.readline().startswith("# Generated by diffc"):
                raise ValueError(f"{out} exists and was not generated by diffc; use --force to overwrite")
    load.write_atomically(out, text)
    print(f"wrote {out} ({', '.join(c.name for c in compiled)})")
    return 0


def _command_line(args):
    parts = ["diffc compile", os.path.basename(args.model)]
    for f in args.function:
        parts.append(f"-f {f}")
    if args.wrt:
        parts.append(f"--wrt {args.wrt}")
    parts += [f"--arg {a}" for a in args.arg]
    return " ".join(parts)


def _show(args):
    path, _, name = args.target.rpartition(":")
    if not path:
        raise ValueError("give the target as MODEL.py:FUNCTION")
    module = source.module_of_file(path)
    compiled = _compile_one(path, name, args.wrt, _decorated(module).get(name, 0), args.arg)
    if args.ir:
        print(compiled.stages["optimized"])
        return 0
    text = pipeline.module_text(path, [compiled])
    print(_highlight(text) if sys.stdout.isatty() else text, end="")
    return 0


def _coverage(args):
    from diffc import rules
    print(coverage_table(rules))
    return 0


def coverage_table(rules):
    """A Markdown table: each source-level name, its primitive, and which rules it has."""
    rows = ["| name | primitive | reverse | forward |", "|---|---|---|---|"]
    for name in rules.source_names():
        prim = rules.lookup(name)
        if not prim.differentiable:
            rev = fwd = "not differentiable"
        elif prim.reverse_rule is None:
            rev = fwd = "zero gradient"
        else:
            rev = "yes"
            fwd = "yes" if prim.forward_rule else "no"
        rows.append(f"| `{name}` | {prim.name} | {rev} | {fwd} |")
    return "\n".join(rows)


def _highlight(text):
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return text
    return highlight(text, PythonLexer(), TerminalFormatter())


if __name__ == "__main__":
    sys.exit(main())
