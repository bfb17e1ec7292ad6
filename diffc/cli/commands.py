"""The command line: ``diffc compile | show | check | graph | coverage``.

``compile``, ``show`` and ``graph`` read the model file statically: it is parsed, never
imported or executed. ``check`` must run the user's function to compare its gradient
with central differences, so it imports the model. Example arguments (``--arg
W=784x30 --arg X=Nx784 --arg lr=0.1``) specialise the code the way a call to
``diffc.grad`` does; a letter stands for any size other than 1.

Exit codes: 0 success, 1 a failed ``check`` or a stale ``compile --check``, 2 an error
in the user's code or command line (printed as ``file:line:col: error: ...`` with the
line, a caret and a hint; no traceback unless ``--debug``), 3 a bug in diffc.

``targets.py`` reads what a command names (targets, decorators, ``--wrt``, ``--arg``);
``check.py`` is ``check``; ``graph.py`` draws the graph.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import os
import re
import shlex
import sys
import tempfile

from diffc import __version__
from diffc.backend import namespaces
from diffc.cli import check, targets
from diffc.cli.targets import UsageError
from diffc.compiler import backends, pipeline, staging
from diffc.core import primitives
from diffc.errors import DiffcError, InternalError, NoRuleError, from_user_code
from diffc.frontend import bindings
from diffc.tools.graph import graph_of

EXAMPLES = {
    "compile": "diffc compile model.py                 # @diffc.grad functions -> model_grad.py\n"
               "  diffc compile model.py -f loss --wrt W,b --arg W=3x4 --arg b=shape:4 --arg X=Nx3 -o -\n"
               "  diffc compile model.py --check         # exit 1 if model_grad.py is stale",
    "show": "diffc show model.py:loss --wrt W --arg W=3x4 --arg X=5x3\n"
            "  diffc show model.py:loss --ir",
    "check": "diffc check model.py:loss --arg W=3x4 --arg b=shape:4 --arg X=5x3 --seed 1",
    "graph": "diffc graph model.py:f --arg x=-2.0 --arg y=5.0 --arg z=-4.0 -o f.svg\n"
             "  diffc graph model.py:loss -o loss.dot      # structure only, no values",
    "coverage": "diffc coverage",
}


# -- the parser ---------------------------------------------------------------------------
def _parser():
    p = argparse.ArgumentParser(prog="diffc", description="Source-to-source automatic "
                                "differentiation for Python and NumPy: emits readable gradient code.")
    p.add_argument("--version", action="version", version=f"diffc {__version__}")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _compile_parser(sub)
    _show_parser(sub)
    _check_parser(sub)
    _graph_parser(sub)
    _subparser(sub, "coverage", "list every operation diffc has rules for")
    return p


def _compile_parser(sub):
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
    c.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                   help="reverse: grad_NAME returns the gradient; forward: jvp_NAME(params..., "
                        "d<param>...) returns the value and the directional derivative")
    c.add_argument("--backend", choices=("numpy",) + tuple(namespaces.BACKENDS), default="numpy",
                   help="the arrays the module takes: numpy (default), or array API calls on the "
                        "arguments' namespace for torch, jax, cupy, dask or any array-api library")


def _show_parser(sub):
    s = _subparser(sub, "show", "print the generated gradient code, or the IR (never runs the model)")
    s.add_argument("target", help="MODEL.py:FUNCTION")
    _wrt_and_args(s)
    s.add_argument("--ir", action="store_true", help="print the IR instead of Python")
    s.set_defaults(mode="reverse")      # shows reverse mode (``_compile_function`` reads it)
    s.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="syntax highlighting (auto: only on a terminal, and not when NO_COLOR is set)")


def _check_parser(sub):
    k = _subparser(sub, "check", "compare diffc's gradient with central differences at random "
                   "inputs. This IMPORTS the model (it runs the function numerically). Exit 0 "
                   "when all agree, 1 on a mismatch, 2 on a mistake in the model or command")
    k.add_argument("target", help="MODEL.py:FUNCTION")
    _wrt_and_args(k, wrt_default="the decorator's wrt, else every float argument")
    k.add_argument("--mode", choices=("reverse", "forward", "both"),
                   help="which of diffc's modes to check (default: every mode it has)")
    k.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    k.add_argument("--rtol", type=float, default=1e-5, help="relative tolerance (default 1e-5)")
    k.add_argument("--atol", type=float, default=1e-6, help="absolute tolerance (default 1e-6)")
    k.add_argument("--eps", type=float, default=1e-6, help="central-difference step (default 1e-6)")


def _graph_parser(sub):
    g = _subparser(sub, "graph", "draw the computational graph: values forward, gradients back "
                   "(never runs the model)")
    g.add_argument("target", help="MODEL.py:FUNCTION")
    _wrt_and_args(g, wrt_default="the decorator's wrt, else every float argument")
    g.add_argument("-o", "--output", default="-",
                   help="graph.svg, graph.png, graph.pdf (need Graphviz) or graph.dot; "
                        "default: DOT on stdout")


def _subparser(sub, name, help_text):
    p = sub.add_parser(name, help=help_text, description=help_text + ".",
                       epilog="example:\n  " + EXAMPLES[name],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show Python tracebacks")
    return p


def _wrt_and_args(p, wrt_default="the decorator's wrt, else the first parameter"):
    p.add_argument("--wrt", help=f"comma-separated parameter names or indices (default: {wrt_default})")
    p.add_argument("--arg", action="append", default=[], metavar="NAME=SHAPE|VALUE", help=targets.ARG_HELP)


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
    except KeyboardInterrupt:
        return 130
    except DiffcError as e:
        if args.debug:
            raise
        print(_render(e), file=sys.stderr)
        targets.notes_on_numbers(args)
        return 2
    except OSError as e:
        if args.debug:
            raise
        print(f"error: {e.filename or ''}{': ' if e.filename else ''}{e.strerror or e}", file=sys.stderr)
        return 2
    except Exception as e:
        if args.debug:
            raise
        located = targets.examples_error(e, args)
        if located is None:
            print(_internal(e), file=sys.stderr)
            return 3
        print(_render(located), file=sys.stderr)
        targets.notes_on_numbers(args)
        return 2


def _internal(error):
    if isinstance(error, InternalError):
        return f"{error} (run again with --debug for the traceback)"
    return (f"internal error in diffc (this is a bug in diffc, not in your code; run again with "
            f"--debug for the traceback and please report it): {type(error).__name__}: {error}")


def _render(error):
    """The error's text, with its file shown relative to the working directory."""
    loc = error.loc
    if loc is None or not os.path.isabs(loc.file):
        return error.render()
    relative = os.path.relpath(loc.file)
    if relative.startswith(".."):
        return error.render()
    shown = copy.copy(error)
    shown.loc = dataclasses.replace(loc, file=relative)
    return shown.render()


# -- compile and show ----------------------------------------------------------------------------
def _compile_function(path, name, args, strict=True):
    src = targets.function_source(path, name)
    deco = targets.decoration(src.module, name)
    wrt = targets.wrt_option(args.wrt) if args.wrt else deco.wrt
    indices, single = targets.wrt_indices(src, wrt)
    examples = targets.examples(src, args.arg, strict=strict)
    if _backend(args) != "numpy":
        return _compile_for_backend(src, indices, single, examples, deco, args)
    if getattr(args, "mode", "reverse") == "forward":
        staged = staging.jvp(staging.stage_source(src, examples), indices,
                             tuple(examples[i] for i in indices) if examples is not None else None)
        names = ", ".join(targets.param_names(src)[i] for i in indices)
        return staging.emit_staged(staged, f"jvp_{src.name}",
                                   f"Value of {src.name} and its directional derivative along "
                                   f"tangents of {names} (forward mode).")
    return pipeline.compile_gradient(src, indices, examples, with_value=deco.with_value, single=single,
                                     sizes_vary=examples is not None and examples.sizes_vary)


def _backend(args):
    return getattr(args, "backend", "numpy")


def _compile_for_backend(src, indices, single, examples, deco, args):
    """``(Compiled, its def for the backend, whether it needs math)``."""
    if getattr(args, "mode", "reverse") == "forward":
        raise UsageError(f"--backend {args.backend} makes gradients (reverse mode) only",
                         hint="leave out --mode forward, or compile for NumPy")
    if examples is None:
        raise UsageError(f"--backend {args.backend} needs example shapes for the arrays",
                         hint="give each array parameter's shape: --arg NAME=SHAPE")
    try:
        target = namespaces.target_named(args.backend, examples, indices)
    except ImportError as e:
        raise UsageError(str(e), hint="install it, or compile for NumPy (leave out --backend)") from None
    return backends.compile_portable(src, indices, examples, target, with_value=deco.with_value, single=single)


def _compile_or_ask(path, name, args, strict):
    """``_compile_function``; when general code (no ``--arg``) is impossible because a
    rule needs its operands' shapes, an error naming the ``--arg``s to give, with an
    example command that compiles."""
    try:
        return _compile_function(path, name, args, strict)
    except NoRuleError as e:
        if args.arg or "not fixed here" not in e.message:
            raise
        example = _working_example(path, name, args, e.loc)
        what = f"`{e.loc.text[e.loc.col:e.loc.end_col].strip()}`" \
            if e.loc is not None and e.loc.end_col else "this line"
        hint = (f"give example arguments, e.g. `{example}` (that compiles; put in your own "
                f"shapes)" if example else
                f"give example arguments: {targets.param_list_hint(targets.function_source(path, name))}")
        raise UsageError(f"without --arg, diffc compile makes code for any shapes, and {what} has "
                         f"none: its gradient depends on the shapes of its operands", e.loc, hint) from None


_EXAMPLE_TRIALS = 40       # compiles tried at most for a working example (an error's hint)


def _working_example(path, name, args, loc):
    """A ``diffc compile`` command with example arguments for ``name`` that compiles, or
    None. Tried in turn: the operands of a failing ``A @ B`` get matching shapes (Nx3,
    3x4) and every other parameter a scalar, or a vector; then every parameter 4x4, with
    at most one of them integer labels (an index) and one a number."""
    src = targets.function_source(path, name)
    needed = targets.params_without_defaults(src)
    matmul = targets.matmul_operands(loc, needed)
    candidates = [{p: matmul.get(p, rest) for p in needed} for rest in ("scalar", "shape:4")]
    candidates += [{p: "4x4" for p in needed}]
    candidates += [{p: "4:int" if p == labels else "4x4" for p in needed} for labels in needed]
    candidates += [{p: "4:int" if p == labels else "scalar" if p == number else "4x4" for p in needed}
                   for labels in needed for number in needed if number != labels]
    for chosen in candidates[:_EXAMPLE_TRIALS]:
        specs = [f"{p}={shape}" for p, shape in chosen.items()]
        trial = copy.copy(args)
        trial.arg = specs
        try:
            _compile_function(path, name, trial)
        except DiffcError:
            continue
        except Exception as e:            # the user's line fails on these shapes: next ones
            if not from_user_code(e):
                raise
            continue
        parts = ["diffc", "compile", args.model, "-f", name]
        if args.wrt:
            parts += ["--wrt", args.wrt]
        for spec in specs:
            parts += ["--arg", spec]
        return shlex.join(parts)
    return None


def _compile(args):
    if args.check:
        args = _with_recorded_options(args)
    module = targets.read_module(args.model)
    names = args.function or targets.decorated(module)
    if not names:
        raise UsageError(f"no function in {args.model} is decorated with @diffc.grad",
                         hint="decorate the loss with @diffc.grad(wrt=...), or name it: -f NAME")
    out = args.output or os.path.splitext(args.model)[0] + "_grad.py"
    if args.check and out == "-":
        raise UsageError("--check compares a file with what compile would write; give -o PATH")
    # every function compiles before anything is written: a failure leaves no partial file
    with bindings.recording() as read:
        compiled = [_compile_or_ask(args.model, n, args, strict=len(names) == 1) for n in names]
    if _backend(args) != "numpy":
        text = backends.module_text(args.model, [d for c in compiled for d in c[1]], _backend(args),
                                    uses_math=any(c[2] for c in compiled), command=_command_line(args))
        compiled = [c[0] for c in compiled]
    else:
        text = pipeline.module_text(args.model, compiled, command=_command_line(args), baked=read.baked)
    if out == "-":
        sys.stdout.write(text)
        return 0
    if args.check:
        return _check_fresh(out, text, args)
    _refuse_overwrite(args.model, out, args.force)
    write_atomically(out, text)
    print(f"wrote {out} ({', '.join(c.name for c in compiled)})")
    return 0


def _with_recorded_options(args):
    """``compile --check`` with no -f/--wrt/--arg/--mode: the options the output file's
    header records (``# Regenerate with `diffc compile ...```), so a file compiled with
    example arguments is checked against the same ones."""
    if args.arg or args.function or args.wrt or args.mode != "reverse":
        return args
    out = args.output or os.path.splitext(args.model)[0] + "_grad.py"
    if out == "-" or not os.path.isfile(out):
        return args
    with open(out, encoding="utf-8", errors="replace") as fh:
        recorded = re.search(r"^# Regenerate with `(diffc compile .*?)`", fh.read(4096), re.M)
    if recorded is None:
        return args
    try:
        words = shlex.split(recorded.group(1))[1:]
        given = _parser().parse_args(words)
    except (ValueError, SystemExit):
        return args                       # a header edited by hand: compare as given
    if given.model != os.path.basename(args.model):
        return args
    merged = copy.copy(args)
    merged.arg, merged.function, merged.wrt, merged.mode = given.arg, given.function, given.wrt, given.mode
    return merged


def _check_fresh(out, text, args):
    if not os.path.exists(out):
        print(f"{out} does not exist: generate it with `{_command_line(args)}`", file=sys.stderr)
        return 1
    with open(out, encoding="utf-8", errors="replace") as fh:
        current = fh.read()
    if current == text:
        print(f"{out} is up to date")
        return 0
    print(f"{out} is stale: regenerate it with `{_command_line(args)}`", file=sys.stderr)
    recorded = re.search(r"^# Regenerate with `(.*?)`", current, re.M)
    if recorded and recorded.group(1) != _command_line(args):
        print(f"note: {out} records a different command, `{recorded.group(1)}`: check with "
              f"the same options", file=sys.stderr)
    return 1


def _refuse_overwrite(model, out, force):
    if _same_file(model, out):
        raise UsageError(f"-o {out} is the model itself", hint="write the gradient module elsewhere")
    if os.path.isdir(out):
        raise UsageError(f"-o {out} is a directory", hint="give a file path such as model_grad.py")
    if not os.path.isdir(os.path.dirname(os.path.abspath(out))):
        raise UsageError(f"-o {out}: the directory {os.path.dirname(out)} does not exist",
                         hint="create it first, or write the module elsewhere")
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
    if args.mode != "reverse":
        parts += ["--mode", args.mode]
    if _backend(args) != "numpy":
        parts += ["--backend", args.backend]
    for a in args.arg:
        parts += ["--arg", a]
    default = os.path.splitext(args.model)[0] + "_grad.py"
    if args.output not in (None, "-") and os.path.abspath(args.output) != os.path.abspath(default):
        parts += ["-o", os.path.relpath(args.output, os.path.dirname(os.path.abspath(args.model)))]
    return shlex.join(parts)


def _show(args):
    path, name = targets.split_target(args.target)
    compiled = _compile_function(path, name, args)
    if args.ir:
        sys.stdout.write(f"{compiled.stages['optimized']}\n")
        return 0
    text = pipeline.module_text(path, [compiled])
    sys.stdout.write(_highlight(text) if _use_color(args.color) else text)
    return 0


COLOR_NEEDS = ("note: --color needs Pygments, which is not installed: the code is shown "
               "without colour (pip install pygments, or pip install \"diffc[color]\")")


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
        print(COLOR_NEEDS, file=sys.stderr)
        return text
    return highlight(text, PythonLexer(), TerminalFormatter())


def _check(args):
    return check.run(args)


def _same_file(a, b):
    return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)


# -- graph and coverage --------------------------------------------------------------------------
def _graph(args):
    path, name = targets.split_target(args.target)
    src = targets.function_source(path, name)
    wrt, decorated = None, False
    if args.wrt:
        wrt = targets.wrt_indices(src, targets.wrt_option(args.wrt))[0]
    elif targets.is_decorated(src.module, name):          # the gradient the decorator asks for
        wrt = targets.wrt_indices(src, targets.decoration(src.module, name).wrt)[0]
        decorated = True
    g = graph_of(src, targets.examples(src, args.arg), wrt, floats_only=decorated)
    for note in g.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.output == "-":
        sys.stdout.write(g.dot)
        return 0
    g.save(args.output)
    print(f"wrote {args.output}")
    return 0


def _coverage(args):
    print(coverage_table(primitives))
    return 0


def coverage_table(primitives):
    """A Markdown table: each source-level name, its primitive, and which rules it has."""
    rows = ["| name | primitive | reverse | forward |", "|---|---|---|---|"]
    for name in primitives.source_names():
        prim = primitives.lookup(name)
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
