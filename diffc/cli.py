"""The command line: ``diffc compile | show | check | graph | coverage``.

``compile``, ``show`` and ``graph`` read the model file statically: it is parsed, never
imported or executed. ``check`` must run the user's function to compare its gradient
with central differences, so it imports the model. Example arguments (``--arg
W=784x30 --arg X=Nx784 --arg lr=0.1``) specialise the code the way a call to
``diffc.grad`` does; a letter stands for any size other than 1.

Exit codes: 0 success, 1 a failed ``check`` or a stale ``compile --check``, 2 an error
in the user's code or command line (printed as ``file:line:col: error: ...`` with the
line, a caret and a hint; no traceback unless ``--debug``), 3 a bug in diffc.
"""
from __future__ import annotations

import argparse
import ast
import copy
import difflib
import importlib.util
import inspect
import os
import shlex
import sys
import tempfile
import traceback
from dataclasses import dataclass

import numpy as np

from diffc import __version__, pipeline, source
from diffc.errors import DiffcError

EXAMPLES = {
    "compile": "diffc compile model.py                 # @diffc.grad functions -> model_grad.py\n"
               "  diffc compile model.py -f loss --wrt W,b --arg W=3x4 --arg b=4 --arg X=Nx3 -o -\n"
               "  diffc compile model.py --check         # exit 1 if model_grad.py is stale",
    "show": "diffc show model.py:loss --wrt W --arg W=3x4 --arg X=5x3\n"
            "  diffc show model.py:loss --ir",
    "check": "diffc check model.py:loss --arg W=3x4 --arg b=4 --arg X=5x3 --seed 1",
    "graph": "diffc graph model.py:f --arg x=-2.0 --arg y=5.0 --arg z=-4.0 -o f.svg\n"
             "  diffc graph model.py:loss -o loss.dot      # structure only, no values",
    "coverage": "diffc coverage",
}
ARG_HELP = ("example argument: a shape such as 3x4 or Nx784 (random normal values), 5 (a "
            "length-5 vector), 'scalar', or a Python literal such as 2.0, +3, True, 'mean'")


class UsageError(DiffcError):
    """A mistake on the command line (a missing file, an unknown function, a bad --arg)."""


# -- the parser ---------------------------------------------------------------------------
def _parser():
    p = argparse.ArgumentParser(prog="diffc", description="Source-to-source automatic "
                                "differentiation for Python and NumPy: emits readable gradient code.")
    p.add_argument("--version", action="version", version=f"diffc {__version__}")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    c = _subparser(sub, "compile", "write a standalone gradient module beside the model "
                   "(never runs the model)")
    c.add_argument("model", help="the model file (parsed, never executed)")
    c.add_argument("-f", "--function", action="append", default=[], metavar="NAME",
                   help="function to compile (repeatable); default: those decorated with @diffc.grad")
    _wrt_and_args(c)
    c.add_argument("-o", "--output", help="output path, or - for stdout (default: MODEL_grad.py)")
    c.add_argument("--force", action="store_true", help="overwrite a file diffc did not generate")
    c.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if the output is missing or stale")
    s = _subparser(sub, "show", "print the generated gradient code, or the IR (never runs the model)")
    s.add_argument("target", help="MODEL.py:FUNCTION")
    _wrt_and_args(s)
    s.add_argument("--ir", action="store_true", help="print the IR instead of Python")
    s.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="syntax highlighting (auto: only on a terminal, and not when NO_COLOR is set)")
    k = _subparser(sub, "check", "compare diffc's gradient with central differences at random "
                   "inputs. This IMPORTS the model (it runs the function numerically)")
    k.add_argument("target", help="MODEL.py:FUNCTION")
    _wrt_and_args(k, wrt_default="every float argument")
    k.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    k.add_argument("--rtol", type=float, default=1e-5, help="relative tolerance (default 1e-5)")
    k.add_argument("--atol", type=float, default=1e-6, help="absolute tolerance (default 1e-6)")
    k.add_argument("--eps", type=float, default=1e-6, help="central-difference step (default 1e-6)")
    g = _subparser(sub, "graph", "draw the computational graph: values forward, gradients back "
                   "(never runs the model)")
    g.add_argument("target", help="MODEL.py:FUNCTION")
    _wrt_and_args(g, wrt_default="every float argument")
    g.add_argument("-o", "--output", default="-",
                   help="graph.svg, graph.png, graph.pdf (need Graphviz) or graph.dot; "
                        "default: DOT on stdout")
    _subparser(sub, "coverage", "list every operation diffc has rules for")
    return p


def _subparser(sub, name, help_text):
    p = sub.add_parser(name, help=help_text, description=help_text + ".",
                       epilog="example:\n  " + EXAMPLES[name],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show Python tracebacks")
    return p


def _wrt_and_args(p, wrt_default="the decorator's wrt, else the first parameter"):
    p.add_argument("--wrt", help=f"comma-separated parameter names or indices (default: {wrt_default})")
    p.add_argument("--arg", action="append", default=[], metavar="NAME=SHAPE|VALUE", help=ARG_HELP)


# -- running a command ----------------------------------------------------------------------
def main(argv=None):
    """Run the ``diffc`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    command = {"compile": _compile, "show": _show, "check": _check, "graph": _graph,
               "coverage": _coverage}[args.command]
    try:
        return command(args)
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
        return 0
    except DiffcError as e:
        if args.debug:
            raise
        print(_render(e), file=sys.stderr)
        return 2
    except Exception as e:
        if args.debug:
            raise
        print(f"internal error in diffc (this is a bug in diffc, not in your code; run again "
              f"with --debug for the traceback and please report it): {type(e).__name__}: {e}",
              file=sys.stderr)
        return 3


def _render(error):
    """The error's text, with its file shown relative to the working directory."""
    loc = error.loc
    if loc is None or not os.path.isabs(loc.file):
        return error.render()
    shown = copy.copy(error)
    relative = os.path.relpath(loc.file)
    shown.loc = type(loc)(relative if not relative.startswith("..") else loc.file,
                          loc.line, loc.col, loc.text, loc.end_col)
    return shown.render()


# -- reading the model statically ----------------------------------------------------------
def _module(path):
    if not os.path.isfile(path):
        raise UsageError(f"{path}: no such file", hint="give the path of a Python model file")
    return source.module_of_file(path)


def _split_target(target):
    path, _, name = target.rpartition(":")
    if not path or not name:
        raise UsageError(f"{target!r} does not name a function",
                         hint="give the target as MODEL.py:FUNCTION, e.g. model.py:loss")
    return path, name


def _source_function(path, name):
    module = _module(path)
    if name not in module.functions and "." not in name:
        close = difflib.get_close_matches(name, module.functions, n=1)
        known = ", ".join(module.functions) or "none"
        hint = (f"did you mean {close[0]!r}? " if close else "") + f"functions in {path}: {known}"
        raise UsageError(f"{path} has no function {name!r}", hint=hint)
    return source.from_file(path, name)


@dataclass
class Decoration:
    """What ``@diffc.grad(wrt=...)`` / ``@diffc.value_and_grad`` on a function asks for."""
    wrt: object = 0
    with_value: bool = False


def decorations(module):
    """``{name: Decoration}`` for functions decorated with diffc's grad (read statically)."""
    found = {}
    for name, node in module.functions.items():
        for dec in node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            kind = _diffc_decorator(module, call.func if call else dec)
            if kind:
                found[name] = Decoration(_decorator_wrt(module, call), kind == "value_and_grad")
    return found


def _diffc_decorator(module, target):
    """``"grad"`` / ``"value_and_grad"`` when ``target`` names diffc's decorator."""
    text = ast.unparse(target)
    head, _, rest = text.partition(".")
    full = module.aliases.get(head, head) + ("." + rest if rest else "")
    last = full.rsplit(".", 1)[-1]
    if last not in ("grad", "value_and_grad"):
        return None
    if full.startswith("diffc.") or (full == last and last not in module.functions):
        return last
    return None


def _decorator_wrt(module, call):
    for kw in (call.keywords if call else []):
        if kw.arg != "wrt":
            continue
        if isinstance(kw.value, ast.Name) and kw.value.id in module.constants:
            return module.constants[kw.value.id]
        try:
            return ast.literal_eval(kw.value)
        except ValueError:
            raise UsageError("diffc compile reads wrt= without running the file, and this is "
                             "not a literal", module.loc(kw.value),
                             "write wrt as a literal such as ('W', 'b'), or pass --wrt W,b") from None
    return 0


def _params(src):
    a = src.node.args
    return [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]


def _wrt_indices(src, wrt):
    """Parameter indices for ``wrt`` (a name, an index, or a tuple/list of them), and
    whether one gradient (not a tuple) is wanted."""
    params = _params(src)
    single = not isinstance(wrt, (tuple, list))
    indices = []
    for w in ([wrt] if single else wrt):
        w = w.strip() if isinstance(w, str) else w
        if isinstance(w, str) and w.lstrip("-").isdigit():
            w = int(w)
        if isinstance(w, int) and -len(params) <= w < len(params):
            indices.append(w % len(params))
        elif isinstance(w, str) and w in params:
            indices.append(params.index(w))
        else:
            raise UsageError(f"--wrt {w}: {src.name} has no parameter {w!r}",
                             hint=f"its parameters are {', '.join(params)}")
    return tuple(indices), single


def _wrt_option(text):
    """``W,b`` → ("W", "b"); ``W`` → "W" (one gradient); ``W,`` → ("W",)."""
    if text is None:
        return None
    items = [t for t in text.split(",") if t.strip()]
    return tuple(items) if "," in text else text


# -- example arguments ------------------------------------------------------------------------
_SYMBOL_SIZES = (7, 11, 13, 17, 19, 23, 29, 31)


def parse_example(text, symbols, rng=None):
    """``3x4`` → array of that shape; ``Nx3`` → N is any size but 1; ``scalar`` → a float;
    anything else is a Python literal. ``rng`` draws the values (default: seed 0)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    text = text.strip()
    if text in ("scalar", "float"):
        return float(rng.standard_normal())
    dims = []
    for d in text.split("x") if text else ["?"]:
        if d.isdigit():
            dims.append(int(d))
        elif d.isidentifier():
            dims.append(symbols.setdefault(d, _SYMBOL_SIZES[len(symbols) % len(_SYMBOL_SIZES)]))
        else:
            break
    else:
        return rng.standard_normal(tuple(dims))
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise UsageError(f"cannot read the example value {text!r}", hint=ARG_HELP) from None


def examples(src, specs, rng=None, required=False):
    """The example arguments given by ``--arg NAME=VALUE`` specs, in parameter order, or None."""
    if not specs and not required:
        return None
    params = _params(src)
    defaults = _literal_defaults(src)
    symbols, given = {}, {}
    for spec in specs:
        name, eq, value = spec.partition("=")
        if not eq or name not in params:
            raise UsageError(f"--arg {spec}: {src.name} has no parameter {name!r}",
                             hint=f"write --arg NAME=SHAPE|VALUE; its parameters are {', '.join(params)}")
        given[name] = parse_example(value, symbols, rng)
    missing = [p for p in params if p not in given and p not in defaults]
    if missing:
        raise UsageError(f"no example argument for {', '.join(missing)}",
                         hint="give every parameter one, e.g. " +
                              " ".join(f"--arg {m}=3x4" for m in missing))
    return tuple(given[p] if p in given else defaults[p] for p in params)


def _literal_defaults(src):
    """Parameters whose default is a literal, with its value (read statically)."""
    a = src.node.args
    positional = a.posonlyargs + a.args
    pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults))
    pairs += [(k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
    out = {}
    for arg, node in pairs:
        try:
            out[arg.arg] = ast.literal_eval(node)
        except ValueError:
            pass
    return out


# -- compile and show ----------------------------------------------------------------------------
def _compile_function(path, name, args, deco=None):
    src = _source_function(path, name)
    deco = deco or decorations(src.module).get(name) or Decoration()
    wrt = _wrt_option(args.wrt) if args.wrt else deco.wrt
    indices, single = _wrt_indices(src, wrt)
    return pipeline.compile_gradient(src, indices, examples(src, args.arg),
                                     with_value=deco.with_value, single=single)


def _compile(args):
    module = _module(args.model)
    found = decorations(module)
    names = args.function or sorted(found, key=lambda n: module.functions[n].lineno)
    if not names:
        raise UsageError(f"no function in {args.model} is decorated with @diffc.grad",
                         hint="decorate the loss with @diffc.grad(wrt=...), or name it: -f NAME")
    out = args.output or os.path.splitext(args.model)[0] + "_grad.py"
    if args.check and out == "-":
        raise UsageError("--check compares a file with what compile would write; give -o PATH")
    # every function compiles before anything is written: a failure leaves no partial file
    compiled = [_compile_function(args.model, n, args, found.get(n)) for n in names]
    text = pipeline.module_text(args.model, compiled, command=_command_line(args))
    if out == "-":
        sys.stdout.write(text)
        return 0
    if args.check:
        return _check_fresh(out, text, args)
    _refuse_overwrite(args.model, out, args.force)
    write_atomically(out, text)
    print(f"wrote {out} ({', '.join(c.name for c in compiled)})")
    return 0


def _check_fresh(out, text, args):
    if not os.path.exists(out):
        print(f"{out} does not exist: generate it with `{_command_line(args)}`", file=sys.stderr)
        return 1
    with open(out, encoding="utf-8", errors="replace") as fh:
        if fh.read() != text:
            print(f"{out} is stale: regenerate it with `{_command_line(args)}`", file=sys.stderr)
            return 1
    print(f"{out} is up to date")
    return 0


def _refuse_overwrite(model, out, force):
    if _same_file(model, out):
        raise UsageError(f"-o {out} is the model itself", hint="write the gradient module elsewhere")
    if os.path.isdir(out):
        raise UsageError(f"-o {out} is a directory", hint="give a file path such as model_grad.py")
    if os.path.exists(out) and not force and not _is_generated(out):
        raise UsageError(f"{out} exists and was not generated by diffc",
                         hint="choose another path with -o, or pass --force to overwrite it")


def _is_generated(path):
    with open(path, "rb") as fh:
        return fh.readline().startswith(b"# Generated by diffc")


def write_atomically(path, text):
    """Write ``text`` to ``path`` via a temporary file and a rename: readers see the old
    file or the new one, never a partial one. Keeps an existing file's permissions."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".diffc-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _command_line(args):
    """The command recorded in the generated header, run from the model's directory."""
    parts = ["diffc", "compile", os.path.basename(args.model)]
    for f in args.function:
        parts += ["-f", f]
    if args.wrt:
        parts += ["--wrt", args.wrt]
    for a in args.arg:
        parts += ["--arg", a]
    default = os.path.splitext(args.model)[0] + "_grad.py"
    if args.output not in (None, "-") and os.path.abspath(args.output) != os.path.abspath(default):
        parts += ["-o", os.path.relpath(args.output, os.path.dirname(os.path.abspath(args.model)))]
    return shlex.join(parts)


def _show(args):
    path, name = _split_target(args.target)
    compiled = _compile_function(path, name, args)
    if args.ir:
        sys.stdout.write(f"{compiled.stages['optimized']}\n")
        return 0
    text = pipeline.module_text(path, [compiled])
    sys.stdout.write(_highlight(text) if _use_color(args.color) else text)
    return 0


def _use_color(choice):
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _highlight(text):
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return text
    return highlight(text, PythonLexer(), TerminalFormatter())


# -- check: the user's function, run ---------------------------------------------------------------
def _check(args):
    from diffc import testing

    path, name = _split_target(args.target)
    src = _source_function(path, name)          # read statically first: located syntax errors
    fn = _import_function(path, name)
    primal = getattr(fn, "primal", fn)
    values = examples(src, args.arg, np.random.default_rng(args.seed), required=True)
    wrt = _wrt_option(args.wrt) if args.wrt else getattr(fn, "wrt", None)
    if wrt is not None:
        wrt = _wrt_indices(src, wrt if isinstance(wrt, (tuple, list)) else (wrt,))[0]
    elif not any(testing._is_float(v) for v in values):
        raise UsageError(f"{name} has no float argument to check",
                         hint="give a float example, e.g. --arg x=3x4 or --arg x=2.0")
    print(f"diffc check {name} ({os.path.basename(path)}:{src.node.lineno}), seed {args.seed}: "
          f"{' and '.join(_modes(testing))} mode against central differences")
    options = dict(rtol=args.rtol, atol=args.atol, eps=args.eps)
    if "modes" in inspect.signature(testing.check_grads).parameters:
        options["modes"] = _modes(testing)
    try:
        reports = testing.check_grads(primal, values, wrt, **options)
    except AssertionError as e:
        if not _raised_in(e, testing.__file__):
            raise _user_exception(e, path, name) from None
        print(_table(getattr(e, "reports", None)) or str(e).split("\n", 1)[-1])
        print("MISMATCH: diffc's gradient disagrees with central differences")
        return 1
    except DiffcError:
        raise
    except Exception as e:
        raise _user_exception(e, path, name) from None
    print(_table(reports))
    print(f"ok: {len(reports)} gradient{'s' * (len(reports) != 1)} agree")
    return 0


def _modes(testing):
    import diffc
    forward = hasattr(diffc, "jvp") and "modes" in inspect.signature(testing.check_grads).parameters
    return ("reverse", "forward") if forward else ("reverse",)


def _table(reports):
    if not reports:
        return ""
    rows = [f"{'argument':>12} {'shape':>12}  {'max abs err':>11}  {'max rel err':>11}  result"]
    for r in reports:
        mode = f" ({r.mode})" if getattr(r, "mode", None) else ""
        rows.append(f"{r.name:>12} {str(tuple(r.shape)):>12}  {r.max_abs_error:11.2e}  "
                    f"{r.max_rel_error:11.2e}  {'ok' if r.ok else 'MISMATCH'}{mode}")
    return "\n".join(rows)


def _import_function(path, name):
    """Import the model file (running it) and return its ``name``."""
    path = os.path.abspath(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit as e:
        raise UsageError(f"{os.path.basename(path)} called sys.exit({e.code!r}) while being imported",
                         hint="guard the script part with `if __name__ == '__main__':`") from None
    except DiffcError:
        raise
    except Exception as e:
        raise _user_exception(e, path, None) from None
    return getattr(module, name)


def _raised_in(error, filename):
    """True when ``error`` was raised by the code of ``filename`` itself."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and _same_file(frames[-1].filename, filename)


def _same_file(a, b):
    return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)


def _user_exception(error, path, name):
    """An exception raised by the user's code, as a located error (or re-raised: a bug)."""
    path = os.path.abspath(path)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if _same_file(f.filename, path)]
    if not frames:
        raise error
    frame = frames[-1]
    module = source.module_of_file(path)
    loc = module.loc(ast.Pass(lineno=frame.lineno, col_offset=0))
    what = f"{name} raised" if name else f"importing {os.path.basename(path)} raised"
    return UsageError(f"{what} {type(error).__name__}: {error}", loc,
                      "diffc check runs your function on random inputs of the --arg shapes; "
                      "check the shapes, or give values as literals")


# -- graph and coverage --------------------------------------------------------------------------
def _graph(args):
    from diffc.graph import graph_of

    path, name = _split_target(args.target)
    src = _source_function(path, name)
    wrt = None
    if args.wrt:
        wrt = _wrt_indices(src, _wrt_option(args.wrt))[0]
    g = graph_of(src, examples(src, args.arg), wrt)
    for note in g.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.output == "-":
        sys.stdout.write(g.dot)
        return 0
    g.save(args.output)
    print(f"wrote {args.output}")
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


if __name__ == "__main__":
    sys.exit(main())
