"""``diffc check``: the one command that runs the user's model.

It imports the model file (so a model that runs a script at import time does so: the
help says it), calls the function once on the example arguments, then compares
diffc's gradient in each of its modes with central differences through
``diffc.testing.check_grads`` and prints a table per argument. An exception raised by
the user's code (the model or a module beside it) becomes a located ``DiffcError``
pointing at the user's line; anything else is diffc's bug.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import sys
import traceback

import numpy as np

import diffc
from diffc import cache, testing
from diffc.cli import targets
from diffc.cli.targets import UsageError
from diffc.core import trees
from diffc.errors import DiffcError
from diffc.frontend import source


def run(args):
    """``diffc check MODEL.py:FUNCTION --arg ...``: the exit code (0 agree, 1 mismatch)."""
    path, name = targets.split_target(args.target)
    src = targets.function_source(path, name)          # read statically first: located errors
    values = targets.examples(src, args.arg, np.random.default_rng(args.seed), required=True)
    modes = _check_modes(args.mode)
    fn = _import_function(path, name)
    primal = getattr(fn, "primal", fn)
    try:
        primal(*values)                                 # the user's own errors first, located
    except Exception as e:
        raise _user_exception(e, path, name) from None
    wrt, skipped = _check_wrt(src, fn, args.wrt, values)
    print(f"diffc check {name} ({os.path.basename(path)}:{src.node.lineno}), seed {args.seed}: "
          f"{' and '.join(modes)} mode against central differences")
    return _compare(primal, values, wrt, modes, args, path, skipped)


def _compare(primal, values, wrt, modes, args, path, skipped=()):
    """Run the gradient checker and print its table, then what was not compared and why.

    ``skipped``: ``(name, why, holds_floats)`` for each parameter left out. One that holds
    floats (a dict with an integer entry) could have a derivative nobody checked: the
    verdict is then INCOMPLETE (exit 1), never "all agree"."""
    options = dict(rtol=args.rtol, atol=args.atol, eps=args.eps)
    if "modes" in inspect.signature(testing.check_grads).parameters:
        options["modes"] = (*modes, "numeric")
    name = primal.__name__
    try:
        reports = testing.check_grads(primal, values, wrt, **options)
    except AssertionError as e:
        if not _raised_in(e, testing.__file__):
            raise _user_exception(e, path, name) from None
        print(str(e).split("\n", 1)[-1])      # the checker's own table of every comparison
        print("MISMATCH: diffc's gradient disagrees with central differences")
        return 1
    except DiffcError as e:
        if "forward" in modes and "forward" in e.message:
            e.hint += "; or check reverse mode alone with --mode reverse"
        raise
    except Exception as e:
        raise _user_exception(e, path, name) from None
    print(_table(reports))
    for name, why, _ in skipped:
        print(f"not compared: {name} ({why})")
    unchecked = [name for name, _, holds_floats in skipped if holds_floats]
    if unchecked:
        print(f"INCOMPLETE: the {len(reports)} comparisons made agree, but "
              f"{', '.join(unchecked)} {'holds' if len(unchecked) == 1 else 'hold'} floats "
              f"that were not compared (diffc differentiates dicts, lists and tuples of "
              f"floats only): give every entry a float example, or leave it out with --wrt")
        return 1
    print(f"ok: all {len(reports)} comparisons agree ({_compared(reports)})")
    return 0


def _compared(reports):
    """``params: 4 entries, x``: what the comparisons covered."""
    entries = {}
    for r in reports:
        entries.setdefault(r.name.partition("[")[0], set()).add(r.name)
    return ", ".join(f"{arg}: {len(names)} entries" if any("[" in n for n in names) else arg
                     for arg, names in entries.items())


def _check_modes(choice):
    """The modes to check: ``--mode``, by default every mode diffc has."""
    has_forward = hasattr(diffc, "jvp") and "modes" in inspect.signature(testing.check_grads).parameters
    if choice in ("forward", "both") and not has_forward:
        raise UsageError("this diffc has no forward mode to check", hint="use --mode reverse")
    if choice == "both" or (choice is None and has_forward):
        return ("reverse", "forward")
    return (choice or "reverse",)


def _table(reports):
    """One row per argument (or container entry) and mode: shape, worst absolute and
    relative error, verdict."""
    width = max([12] + [len(r.name) for r in reports])
    rows = [f"{'argument':>{width}} {'shape':>12} {'mode':>8}  {'max abs err':>11}  {'max rel err':>11}  result"]
    order = {}
    for r in reports:
        order.setdefault(r.name, len(order))
    for r in sorted(reports, key=lambda r: order[r.name]):
        rows.append(f"{r.name:>{width}} {str(tuple(r.shape)):>12} {r.mode:>8}  "
                    f"{r.max_abs_error:11.2e}  {r.max_rel_error:11.2e}  {'ok' if r.ok else 'MISMATCH'}")
    return "\n".join(rows)


def _check_wrt(src, fn, wrt_text, values):
    """The parameter indices to check, and ``(name, why, holds_floats)`` for each other one.

    ``--wrt``, else the decorator's ``wrt``, else every argument of floats: an array or a
    number, or a dict, list or tuple of them (nested)."""
    names = targets.param_names(src)
    wrt = targets.wrt_option(wrt_text) if wrt_text else getattr(fn, "wrt", None)
    if wrt is not None:
        indices = targets.wrt_indices(src, wrt if isinstance(wrt, (tuple, list)) else (wrt,))[0]
        why = "not in --wrt" if wrt_text else "not in the decorator's wrt"
        return indices, [(names[i], why, False) for i in range(len(values)) if i not in indices]
    indices = tuple(i for i, v in enumerate(values) if testing.is_float(v))
    if not indices:
        raise UsageError(f"{src.name} has no float argument to check",
                         hint="give a float example, e.g. --arg x=3x4 or --arg x=2.0")
    skipped = [(names[i], _not_float(v), _holds_floats(v))
               for i, v in enumerate(values) if i not in indices]
    return indices, skipped


def _not_float(value):
    """Why a value is not differentiated: ``an int64 array``, ``a dict with int64 entries``."""
    kinds = sorted({_kind(leaf) for _, leaf in trees.leaves(value) if not testing.is_float(leaf)})
    if trees.is_container(value):
        return f"a {type(value).__name__} with {' and '.join(kinds) or 'no'} entries"
    return kinds[0]


def _kind(leaf):
    if isinstance(leaf, np.ndarray):
        return f"{leaf.dtype} array"
    return type(leaf).__name__


def _holds_floats(value):
    return any(testing.is_float(leaf) for _, leaf in trees.leaves(value))


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
    """An exception raised by the user's code (the model or a module beside it), as a
    located error; re-raised when no user frame is involved (then it is diffc's bug).
    diffc's package and its cache of generated modules are never the user's code."""
    home = os.path.dirname(os.path.abspath(path))
    not_users = (os.path.dirname(os.path.abspath(__file__)), os.path.abspath(cache.cache_dir()))
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if _inside(f.filename, home) and not any(_inside(f.filename, d) for d in not_users)]
    if not frames:
        raise error
    loc = _frame_loc(frames[-1])
    what = f"{name} raised" if name else f"importing {os.path.basename(path)} raised"
    return UsageError(f"{what} {type(error).__name__}: {error}", loc,
                      "diffc check runs your function on random inputs of the --arg shapes; "
                      "check the shapes, or give values as literals")


def _inside(filename, directory):
    return os.path.abspath(filename).startswith(directory + os.sep)


def _frame_loc(frame):
    """The ``Loc`` of a traceback frame: its line, and the failing expression's columns."""
    module = source.module_of_file(frame.filename)
    text = module.lines[frame.lineno - 1] if 0 < frame.lineno <= len(module.lines) else ""
    col = getattr(frame, "colno", None)
    col = len(text) - len(text.lstrip()) if col is None else col
    same_line = getattr(frame, "end_lineno", frame.lineno) == frame.lineno
    end = getattr(frame, "end_colno", None) if same_line else None
    node = ast.Pass(lineno=frame.lineno, col_offset=col, end_lineno=frame.lineno, end_col_offset=end)
    return module.loc(node)
