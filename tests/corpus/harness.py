"""Run the corpus of real-code idioms through diffc's public API and classify each case.

Each module in ``tests/corpus/programs/`` is a small program written the way people write
NumPy models (course assignments, textbook layer objects, published autodiff examples,
notebook cells). It defines

* ``IDIOM``: a short label for the table (what Python usage it exercises);
* ``EXPECT``: ``"right"`` (a gradient is the goal) or ``"refused"`` (the program does
  something that must stay refused with a located error: writing into the caller's arrays,
  mutating globals, generators, ``try``, file I/O in the differentiated path);
* ``make()``: a list of cases, each a dict with
  ``name``, ``fn`` (what the user hands to diffc: a function, lambda, bound method,
  ``functools.partial``...), ``args`` (a tuple), and optionally ``kwargs`` (a dict),
  ``wrt`` (as ``diffc.grad``'s; default 0; a bound method's attribute may be named),
  ``api`` (``"grad"`` default, ``"value_and_grad"``, ``"grad_aux"`` for ``has_aux=True``,
  ``"jacobian"``, ``"vjp"``, ``"jvp"``), ``before`` (called before every evaluation of
  ``fn``, by diffc and by the reference alike: re-seeds a generator the loss draws from, so
  the function is the same function at every call), ``variants`` (a list of
  ``(label, change)``: ``change(case)`` alters a global, a closure cell, an object's setting
  between calls; the same diffc object is then called again and checked again) and ``rtol``.
  ``make()`` builds fresh objects at every call (and resets any global a variant changes), so
  diffc and the reference never share mutable state.

The reference is central differences on the user's own function, independent of diffc
(``oracle.py``): every float array among the differentiated values is perturbed *in place*,
so every alias of it sees the perturbation, as in Python. Outcomes, best first: ``right``; ``refused`` (a ``diffc.DiffcError`` that is not
an internal error, whose message starts ``file:line:col: error:`` at a line of the user's
file, then that line and a caret); ``crash`` (an internal error, any other exception, or an
unlocated refusal); ``accepted`` (a program that must be refused got a result: its reference
means little, since such a program changes what it reads); ``wrong`` (numbers that differ
from the reference, in the gradient, the value, a second call, or in the caller's arguments,
which diffc's call must leave as a call of the function leaves them).

    python -m tests.corpus.harness                 # the markdown table and totals
    python -m tests.corpus.harness --only NAME -v  # one program, with every case's detail
    python -m tests.corpus.harness --causes        # refusals and crashes grouped by cause
    python -m tests.corpus.harness --write-manifest  # record today's outcomes (the ratchet)
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import pkgutil
import re
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):           # run as a script: python tests/corpus/harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import diffc  # noqa: E402
from tests.corpus.oracle import (  # noqa: E402
    Mismatch, ProgramBug, bind_arguments, call_function, check_result, reference, same_values,
    snapshot, wrt_entries)

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
MANIFEST = HERE / "expected.json"

OUTCOMES = ("wrong", "accepted", "crash", "refused", "right")       # worst first
RANK = {name: i for i, name in enumerate(OUTCOMES)}
APIS = ("grad", "value_and_grad", "grad_aux", "jacobian", "vjp", "jvp")
CASE_KEYS = {"name", "fn", "args", "kwargs", "wrt", "api", "before", "variants", "rtol"}

_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: ")


@dataclass
class CaseResult:
    name: str
    outcome: str
    detail: str = ""


@dataclass
class ProgramResult:
    name: str
    idiom: str
    expect: str
    cases: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def outcome(self):
        return min((c.outcome for c in self.cases), key=RANK.__getitem__)

    @property
    def first_problem(self):
        """The detail of the first case with the program's (worst) outcome."""
        for c in self.cases:
            if c.outcome == self.outcome:
                return c
        return None


# ---------------------------------------------------------------------------------------
# diffc, called as a user would


def transform(case):
    fn, api = case["fn"], case.get("api", "grad")
    wrt = case.get("wrt", 0)
    if api == "grad":
        return diffc.grad(fn, wrt=wrt)
    if api == "value_and_grad":
        return diffc.value_and_grad(fn, wrt=wrt)
    if api == "grad_aux":
        return diffc.grad(fn, wrt=wrt, has_aux=True)
    if api == "jacobian":
        return diffc.jacobian(fn, wrt=wrt)
    if api == "vjp":
        return diffc.vjp(fn, wrt=wrt)
    if api == "jvp":
        return diffc.jvp(fn, wrt=wrt)
    raise ProgramBug(f"unknown api {api!r}")


def call_diffc(case, transformed, ref):
    before = case.get("before")
    if before is not None:
        before()
    args, kwargs = case["args"], case.get("kwargs", {})
    with contextlib.redirect_stdout(io.StringIO()):
        if case.get("api", "grad") == "jvp":
            _, single = wrt_entries(case)
            t = ref["tangents"][0] if single else tuple(ref["tangents"])
            return transformed(*args, tangents=t, **kwargs)
        return transformed(*args, **kwargs)


# ---------------------------------------------------------------------------------------
# Classifying


def classify_error(exc, user_files):
    """``refused`` for a located DiffcError pointing into one of ``user_files``, else ``crash``."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, diffc.InternalError) or not isinstance(exc, diffc.DiffcError):
        return "crash", f"{type(exc).__name__}: {first}"
    why = _unlocated(str(exc), user_files)
    if why:
        return "crash", f"{type(exc).__name__} without a location ({why}): {first}"
    return "refused", f"{type(exc).__name__}: {first}"


def _unlocated(text, user_files):
    lines = text.splitlines()
    m = _LOCATED.match(lines[0]) if lines else None
    if not m:
        return "no file:line:col"
    file, line, col = m["file"], int(m["line"]), int(m["col"])
    source = _user_source(file, user_files)
    if source is None:
        return f"points at {file}, not at the program"
    if not 1 <= line <= len(source):
        return f"line {line} is outside {file}"
    if len(lines) < 3 or lines[1].strip() != source[line - 1].strip():
        return "the quoted line is not the file's line"
    caret = lines[2]
    if "^" not in caret or caret.index("^") - 4 != col - 1:
        return "no caret under the column"
    return ""


def _user_source(file, user_files):
    import linecache
    for f in user_files:
        if f == file or (os.path.exists(f) and os.path.exists(file) and os.path.samefile(f, file)):
            lines = linecache.getlines(f)
            return [line.rstrip("\n") for line in lines] if lines else None
    return None


def run_case(module, index, verbose=False):
    """Run case ``index`` of ``module``: reference first on one set of objects, then diffc on
    fresh ones (``make()`` again), and classify."""
    result = _run_case(module, index, verbose)
    if module.EXPECT == "refused" and result.outcome in ("right", "wrong"):
        return CaseResult(result.name, "accepted",
                          f"diffc returned a result for code that must be refused ({result.outcome} "
                          f"against the reference){': ' + result.detail if result.detail else ''}")
    return result


def _run_case(module, index, verbose):
    ref_case = module.make()[index]
    _validate(module, ref_case)
    name = ref_case["name"]
    try:
        refs = [reference(ref_case)]
        for _, change in ref_case.get("variants", ()):
            change(ref_case)
            refs.append(reference(ref_case))
    except ProgramBug:
        raise
    except Exception as e:         # the user's own function fails: the program is broken
        raise ProgramBug(f"{module.__name__}:{name}: the reference failed: "
                         f"{type(e).__name__}: {e}") from e
    python_after = _arguments_after_a_call(module.make()[index])
    case = module.make()[index]
    user_files = [module.__file__] + list(getattr(module, "USER_FILES", ()))
    labels = ["first call"] + [label for label, _ in case.get("variants", ())]
    changes = [None] + [change for _, change in case.get("variants", ())]
    try:
        transformed = transform(case)
        for label, change, ref in zip(labels, changes, refs):
            if change is not None:
                change(case)
            for attempt in ("", ", called again"):
                result = call_diffc(case, transformed, ref)
                if change is None and not attempt and not same_values(python_after, _arguments(case)):
                    return CaseResult(name, "wrong", "diffc's call left the caller's arguments different "
                                                     "from what a call of the function leaves")
                try:
                    check_result(case, result, ref)
                except Mismatch as m:
                    return CaseResult(name, "wrong", f"{label}{attempt}: {m}")
    except Exception as e:
        outcome, detail = classify_error(e, user_files)
        if verbose and outcome == "crash":
            detail += "\n" + "".join(traceback.format_exception(e))
        return CaseResult(name, outcome, detail)
    return CaseResult(name, "right")


def _arguments(case):
    return snapshot((case["args"], case.get("kwargs", {})))


def _arguments_after_a_call(case):
    """The case's arguments after one plain call of its function (a function may write into
    them: diffc's call must leave them the same way)."""
    call_function(case, bind_arguments(case["fn"], case["args"], case.get("kwargs", {})))
    return _arguments(case)


def _validate(module, case):
    unknown = set(case) - CASE_KEYS
    if unknown or not {"name", "fn", "args"} <= set(case):
        raise ProgramBug(f"{module.__name__}: a case has keys {sorted(case)}")
    if case.get("api", "grad") not in APIS:
        raise ProgramBug(f"{module.__name__}: unknown api {case['api']!r}")


# ---------------------------------------------------------------------------------------
# Programs, the table, the manifest


def program_names():
    return sorted(m.name for m in pkgutil.iter_modules([str(PROGRAMS)]) if not m.name.startswith("_"))


def load_program(name):
    module = importlib.import_module(f"tests.corpus.programs.{name}")
    for attr in ("IDIOM", "EXPECT", "make"):
        if not hasattr(module, attr):
            raise ProgramBug(f"{name} defines no {attr}")
    if module.EXPECT not in ("right", "refused"):
        raise ProgramBug(f"{name}: EXPECT must be 'right' or 'refused'")
    return module


def run_program(name, verbose=False):
    module = load_program(name)
    start = time.perf_counter()
    result = ProgramResult(name, module.IDIOM, module.EXPECT)
    for index in range(len(module.make())):
        result.cases.append(run_case(module, index, verbose))
    result.seconds = time.perf_counter() - start
    return result


def run_all(names=None, verbose=False):
    return [run_program(n, verbose) for n in (names or program_names())]


def totals(results):
    by_program = {o: sum(r.outcome == o for r in results) for o in OUTCOMES}
    by_case = {o: sum(c.outcome == o for r in results for c in r.cases) for o in OUTCOMES}
    return by_program, by_case


def markdown(results):
    rows = ["| program | idiom | expect | outcome | cases (right/refused/crash/accepted/wrong) | first error |",
            "|---|---|---|---|---|---|"]
    for r in results:
        counts = "/".join(str(sum(c.outcome == o for c in r.cases)) for o in reversed(OUTCOMES))
        problem = r.first_problem
        first = "" if r.outcome == "right" else (
            f"{problem.name}: {problem.detail.splitlines()[0]}" if problem.detail else problem.name)
        first = first.replace(str(PROGRAMS) + os.sep, "").replace("|", "\\|")
        if len(first) > 160:
            first = first[:157] + "..."
        rows.append(f"| {r.name} | {r.idiom} | {r.expect} | **{r.outcome}** | {counts} | {first} |")
    by_program, by_case = totals(results)
    n, m = len(results), sum(len(r.cases) for r in results)
    rows.append("")
    rows.append(f"Programs ({n}): " + ", ".join(f"{by_program[o]} {o}" for o in reversed(OUTCOMES))
                + (f" ({100 * by_program['right'] / n:.0f}% right)" if n else ""))
    rows.append(f"Cases ({m}): " + ", ".join(f"{by_case[o]} {o}" for o in reversed(OUTCOMES)))
    return "\n".join(rows)


def cause(detail):
    """The kind of a refusal or crash: its first line without the location and the user's names."""
    text = detail.splitlines()[0] if detail else ""
    text = re.sub(r"^(\w+)(?: without a location \([^)]*\))?: ", r"\1: ", text)
    text = re.sub(r"\S+:\d+:\d+: error: |(?<=: )error: ", "", text)
    text = re.sub(r"functools\.partial\(.*", "functools.partial(…)", text)
    text = re.sub(r"'[^'\s]*'", "'…'", text)
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    return text[:140]


def causes(results, outcomes=("crash", "refused", "accepted")):
    """Counts of causes over the cases with these outcomes, most common first, with programs."""
    groups = {}
    for r in results:
        for c in r.cases:
            if c.outcome in outcomes:
                groups.setdefault((c.outcome, cause(c.detail)), set()).add(r.name)
    counts = {}
    for r in results:
        for c in r.cases:
            if c.outcome in outcomes:
                key = (c.outcome, cause(c.detail))
                counts[key] = counts.get(key, 0) + 1
    return sorted(((o, text, counts[(o, text)], sorted(progs)) for (o, text), progs in groups.items()),
                  key=lambda item: (-len(item[3]), -item[2], item[0], item[1]))


def read_manifest(path=MANIFEST):
    if not path.exists():
        return {}
    return json.loads(path.read_text())["programs"]


def write_manifest(results, path=MANIFEST):
    data = {
        "about": "Outcome of each corpus program on the code this file was last written against "
                 "(python -m tests.corpus.harness --write-manifest). tests/test_corpus.py fails "
                 "when a program does worse (right > refused > crash; wrong never passes); a "
                 "program that does better is reported so this file can be tightened.",
        "programs": {r.name: r.outcome for r in results},
    }
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.corpus.harness", description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", help="run only this program (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="every case's outcome and detail")
    parser.add_argument("--causes", action="store_true",
                        help="the refusals and crashes grouped by cause, most programs first")
    parser.add_argument("--write-manifest", action="store_true",
                        help=f"record the outcomes in {MANIFEST.relative_to(HERE.parent.parent)}")
    args = parser.parse_args(argv)
    os.environ.setdefault("DIFFC_CACHE_DIR", tempfile.mkdtemp(prefix="diffc-corpus-"))
    start = time.perf_counter()
    results = run_all(args.only, args.verbose)
    print(markdown(results))
    print(f"\n({time.perf_counter() - start:.1f} s)")
    if args.causes:
        print("\n| outcome | cause | cases | programs |\n|---|---|---|---|")
        for outcome, text, n, programs in causes(results):
            text = text.replace("|", "\\|")
            print(f"| {outcome} | {text} | {n} | {len(programs)}: {', '.join(programs)} |")
    if args.verbose:
        for r in results:
            print(f"\n## {r.name} ({r.seconds:.2f} s)")
            for c in r.cases:
                print(f"- {c.name}: {c.outcome} {c.detail}")
    if args.write_manifest:
        if args.only:
            manifest = read_manifest()
            manifest.update({r.name: r.outcome for r in results})
            results_all = [ProgramResult(n, "", "", [CaseResult("", o)]) for n, o in sorted(manifest.items())]
            write_manifest(results_all)
        else:
            write_manifest(results)
        print(f"wrote {MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
