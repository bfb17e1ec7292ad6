"""How diffc's compile time grows with the size of the model.

    python -m benchmarks.compile_scaling                 # 100, 1,000 and 10,000 lines (~1 min)
    python -m benchmarks.compile_scaling --sizes 100,1000 --repeat 5
    python -m benchmarks.compile_scaling --no-gc         # Python's garbage collector off
    python -m benchmarks.compile_scaling --models        # the benchmark models, by stage

It writes synthetic NumPy models of about 100, 1,000 and 10,000 source lines to a
temporary directory as real ``.py`` modules, imports each and compiles its loss with
``diffc.grad`` from source: a fresh gradient object every time, with the caches that
remember one model emptied (every compile reads and parses the file), specialised to
small example arguments so that compile time is the compiler's own work and not
NumPy's. It prints the median over ``--repeat`` compiles (one compile from 5,000
lines), split by stage, and the time per source line: flat means linear growth.

The models (``generate_model``) read like a long hand-written network: matrix products
through ``tanh`` layers, elementwise arithmetic, ``exp``/``log``/``sin``/``sqrt``,
row/column reductions and a softmax, a Gram matrix, a few ``for`` loops and
``if training:`` branches, and a running loss. Every value stays within [-1, 1] or so,
so the gradient is well conditioned at any size (``tests`` checks it against central
differences at the small size).

Stages (their sum is nearly the whole compile, from the source file to the loaded function):

* parse: reading and parsing the file, finding the function
* lower: fencing and lowering to the IR
* facts: evaluating the primal IR on the example arguments
* reverse: the reverse transform (including the facts of adjoint values)
* optimize: the optimizer passes
* emit: IR to a Python ``def`` (names, folding, templates)
* print: the module text (``ast.unparse`` and comments)
* load: writing and importing the generated module
* dispatch: building the gradient object's fast ``__call__`` for the new signature
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import os
import random
import statistics
import sys
import tempfile
import time

import numpy as np

SIZES = (100, 1000, 10_000)
WIDTH, BATCH = 4, 3           # small arrays: the compiler's work, not NumPy's
N_LAYERS = 8                  # weight matrices W1..W8 and biases b1..b8, reused


# ======================================================================================
# the synthetic models
# ======================================================================================
class _Writer:
    """Appends statements to the body; ``pool`` holds the recent (BATCH, WIDTH) values."""

    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.pool = ["h0", "h1"]
        self.count = 2

    def new(self, prefix="h"):
        name = f"{prefix}{self.count}"
        self.count += 1
        return name

    def pick(self, k=1):
        recent = self.pool[-6:]
        return [self.rng.choice(recent) for _ in range(k)]

    def layer(self):
        return self.rng.randint(1, N_LAYERS)

    def emit(self, text, indent=1):
        self.lines.append("    " * indent + text)

    def statement(self):
        """One piece of model code (1-5 lines), chosen at random."""
        r = self.rng
        kind = r.choices(
            ["dense", "product", "mix", "trig", "ratio", "gauss", "center", "relu", "logsq",
             "sqrt", "colscale", "softmax", "gram", "loss", "loop", "branch"],
            weights=[6, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 2, 1, 1])[0]
        a, b, c = self.pick(3)
        out = self.new()
        k = self.layer()
        if kind == "dense":
            self.emit(f"{out} = np.tanh({a} @ W{k} + b{k})")
        elif kind == "product":
            self.emit(f"{out} = {a} * {b}")
        elif kind == "mix":
            self.emit(f"{out} = 0.5 * {a} - 0.25 * {b} + 0.1")
        elif kind == "trig":
            self.emit(f"{out} = 0.5 * (np.sin({a}) + np.cos({b}))")
        elif kind == "ratio":
            self.emit(f"{out} = {a} / (1.0 + {b} * {b})")
        elif kind == "gauss":
            self.emit(f"{out} = np.exp(-{a} * {a})")
        elif kind == "center":
            self.emit(f"{out} = 0.5 * ({a} - np.mean({a}, axis=1, keepdims=True))")
        elif kind == "relu":
            self.emit(f"{out} = 0.5 * np.maximum({a}, 0.0) + 0.5 * {b}")
        elif kind == "logsq":
            self.emit(f"{out} = np.log(1.0 + {a} * {a})")
        elif kind == "sqrt":
            self.emit(f"{out} = np.sqrt(1.0 + {a} * {a}) - 1.0")
        elif kind == "colscale":
            m = self.new("m")
            self.emit(f"{m} = np.mean({a}, axis=0)")
            self.emit(f"{out} = {b} * {m}")
        elif kind == "softmax":
            e = self.new("e")
            self.emit(f"{e} = np.exp({a} - np.max({a}, axis=1, keepdims=True))")
            self.emit(f"{out} = {e} / np.sum({e}, axis=1, keepdims=True)")
        elif kind == "gram":
            g = self.new("G")
            self.emit(f"{g} = np.tanh({a}.T @ {b}) / {WIDTH}")
            self.emit(f"{out} = np.tanh({c} @ {g})")
        elif kind == "loss":
            self.emit(f"total = total + 0.01 * np.sum({a} * {b})")
            return
        elif kind == "loop":
            self.emit(f"{out} = {a}")
            self.emit("for i in range(2):")
            self.emit(f"{out} = 0.5 * np.tanh({out} @ W{k} + b{k}) + 0.5 * {b}", 2)
        elif kind == "branch":
            self.emit("if training:")
            self.emit(f"{out} = 0.9 * {a}", 2)
            self.emit("else:")
            self.emit(f"{out} = {a}", 2)
        self.pool.append(out)


def generate_model(lines, seed=0):
    """The source of a module of about ``lines`` lines defining ``loss``.

    ``loss(W1, b1, ..., W8, b8, X, Y, training)``: Wk (WIDTH, WIDTH), bk (WIDTH,),
    X and Y (BATCH, WIDTH), ``training`` a bool; returns a float.
    """
    w = _Writer(random.Random(seed))
    params = ", ".join(f"W{k}, b{k}" for k in range(1, N_LAYERS + 1))
    head = ['"""A synthetic model for diffc\'s compile-time scaling study '
            f'(benchmarks/compile_scaling.py, {lines} lines, seed {seed})."""',
            "import numpy as np",
            "",
            "",
            f"def loss({params}, X, Y, training):",
            "    n = X.shape[0]",
            "    total = 0.0",
            "    h0 = np.tanh(X @ W1 + b1)",
            "    h1 = np.tanh(h0 @ W2 + b2)"]
    tail_len = 2
    while len(head) + len(w.lines) + tail_len < lines:
        if len(w.lines) % 25 == 0:
            w.emit(f"# block {len(w.lines) // 25 + 1}")
        w.statement()
    last = w.pool[-1]
    tail = [f"    total = total + np.mean(({last} - Y) ** 2)",
            "    return total / n"]
    return "\n".join(head + w.lines + tail) + "\n"


def model_args(seed=0):
    """Example arguments for ``loss``: a list, in parameter order."""
    rng = np.random.default_rng(seed)
    args = []
    for _ in range(N_LAYERS):
        args.append(rng.standard_normal((WIDTH, WIDTH)) / np.sqrt(WIDTH))
        args.append(0.1 * rng.standard_normal(WIDTH))
    args.append(rng.standard_normal((BATCH, WIDTH)))
    args.append(np.tanh(rng.standard_normal((BATCH, WIDTH))))
    args.append(True)
    return args


WRT = tuple(range(2 * N_LAYERS + 1))      # every weight, bias and X


def write_model(directory, lines, seed=0):
    """Write the model to ``directory``; returns ``(module, path, source lines)``."""
    text = generate_model(lines, seed)
    name = f"synthetic_{lines}_{seed}"
    path = os.path.join(directory, name + ".py")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path, text.count("\n")


# ======================================================================================
# timing, by stage
# ======================================================================================
STAGES = ("parse", "lower", "facts", "reverse", "optimize", "emit", "print", "load", "dispatch")


@contextlib.contextmanager
def stage_timer():
    """Time diffc's stages while inside: yields a dict stage -> seconds (accumulated).

    Wraps the functions ``pipeline.compile_gradient`` and ``GradientFunction`` call
    (restored on exit); "facts" is what ``compile_gradient`` spends outside the other
    stages (evaluating the primal IR on the example arguments, checking them)."""
    from diffc.backend import dispatch
    from diffc.backend import load
    from diffc.compiler import pipeline
    from diffc.frontend import source

    times = dict.fromkeys(STAGES + ("compile_gradient",), 0.0)
    patches = [(source, "from_function", "parse"), (pipeline, "lower", "lower"),
               (pipeline, "reverse", "reverse"), (pipeline.passes, "optimize", "optimize"),
               (pipeline.functions, "emit_function", "emit"),
               (pipeline, "_generated_functions", "emit"), (pipeline, "module_text", "print"),
               (load, "load_source", "load"), (dispatch, "install", "dispatch"),
               (pipeline, "compile_gradient", "compile_gradient")]
    if hasattr(pipeline.staging, "expand_calls"):
        patches.append((pipeline.staging, "expand_calls", "lower"))
    saved = []

    def timed(fn, stage):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[stage] += time.perf_counter() - start
        return wrapper

    for owner, attr, stage in patches:
        original = getattr(owner, attr)
        saved.append((owner, attr, original))
        setattr(owner, attr, timed(original, stage))
    for attr in ("PASSES", "EMIT_PASSES"):                # each optimizer pass too
        passes = getattr(pipeline.passes, attr, None)
        if passes is None:
            continue
        saved.append((pipeline.passes, attr, passes))
        setattr(pipeline.passes, attr, tuple(timed(p, f"pass:{p.__name__}") for p in passes))
        for p in passes:
            times[f"pass:{p.__name__}"] = 0.0
    try:
        yield times
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)
        inner = sum(times[s] for s in ("lower", "reverse", "optimize", "emit"))
        times["facts"] = max(times.pop("compile_gradient") - inner, 0.0)


def _forget_generated(keep=()):
    """Drop the generated modules from ``sys.modules`` (but those in ``keep``), so that
    the next compile loads its module again (from the file in the cache directory, as a
    new process would)."""
    for name in [m for m in sys.modules if m.startswith("diffc_generated_") and m not in keep]:
        del sys.modules[name]


def _clear_model_caches():
    """Empty what remembers one model between compiles in a process (its file's parse,
    the symbolic pass's recipes, keyed by the shape of each chain, and SymPy's cache), so
    that a repeated compile does the work of the first compile of that model."""
    parsed = getattr(sys.modules.get("diffc.source"), "_cached_module", None)
    if hasattr(parsed, "cache_clear"):
        parsed.cache_clear()
    recipes = getattr(sys.modules.get("diffc.simplify"), "_CACHE", None)
    if isinstance(recipes, dict):
        recipes.clear()
    sympy = sys.modules.get("sympy")
    if sympy is not None:
        sympy.core.cache.clear_cache()


def time_compile(fn, args, wrt, repeat, collect=True):
    """Median seconds of a fresh ``diffc.grad(fn, wrt)`` compile for ``args``, by stage,
    and the first gradient it returned. ``collect=False``: with Python's cyclic garbage
    collector off during each compile (to see what it costs)."""
    from diffc.api.gradients import GradientFunction

    runs, result = [], None
    loaded_before = set(sys.modules)
    for _ in range(repeat):
        _forget_generated(keep=loaded_before)
        _clear_model_caches()
        gc.collect()
        was_enabled = gc.isenabled()
        if not collect:
            gc.disable()
        try:
            with stage_timer() as times:
                start = time.perf_counter()
                g = GradientFunction(fn, wrt)
                compiled = g._compile(tuple(args))
                total = time.perf_counter() - start
        finally:
            if was_enabled:
                gc.enable()
        if result is None:
            result = compiled(*args)
        times["total"] = total
        runs.append(dict(times))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}, result


def _format_row(label, lines, t, passes=False):
    cells = [f"{label:>20}", f"{lines:>7,}", f"{t['total'] * 1e3:>10.1f}",
             f"{t['total'] / lines * 1e6:>9.1f}" if lines else f"{'':>9}"]
    cells += [f"{t[s] * 1e3:>8.1f}" for s in STAGES]
    row = "  ".join(cells)
    if passes:
        row += "\n" + " " * 22 + "optimizer passes: " + ", ".join(
            f"{k[5:]} {v * 1e3:.1f}" for k, v in t.items() if k.startswith("pass:"))
    return row


def _header(first="model"):
    head = [f"{first:>20}", f"{'lines':>7}", f"{'total ms':>10}", f"{'µs/line':>9}"]
    head += [f"{s:>8}" for s in STAGES]
    return "  ".join(head)


def warm_up():
    """One small compile first: one-time costs (imports, template parsing) not counted."""
    import diffc
    from benchmarks.workloads import warmup_loss
    diffc.grad(warmup_loss, wrt=0)(3.0)


def run_scaling(sizes, repeat, collect=True, log=print, repeat_large=1, passes=False):
    rows = []
    with tempfile.TemporaryDirectory(prefix="diffc-scaling-") as tmp, \
            _cache_dir(os.path.join(tmp, "cache")):
        warm_up()
        args = model_args()
        for lines in sizes:
            module, path, count = write_model(tmp, lines)
            reps = repeat if lines < 5000 else repeat_large
            t, _ = time_compile(module.loss, args, WRT, reps, collect)
            rows.append((count, t))
            log(_format_row("synthetic" if collect else "synthetic, no gc", count, t, passes))
    return rows


@contextlib.contextmanager
def _cache_dir(path):
    """Generated modules go to ``path`` (not the user's cache) while inside."""
    old = os.environ.get("DIFFC_CACHE_DIR")
    os.environ["DIFFC_CACHE_DIR"] = path
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("DIFFC_CACHE_DIR", None)
        else:
            os.environ["DIFFC_CACHE_DIR"] = old


def run_models(repeat, collect=True, log=print, passes=False):
    """The benchmark models' compile times by stage, at the benchmark sizes."""
    import inspect
    from benchmarks.workloads import WORKLOADS, make_args

    warm_up()
    for w in WORKLOADS:
        args = make_args(w)
        w.grad(*args)                         # BLAS warm, as in benchmarks.run
        t, _ = time_compile(w.loss, args, w.wrt, repeat, collect)
        lines = len(inspect.getsource(w.loss).splitlines())
        log(_format_row(w.name, lines, t, passes))


def main(argv=None):
    # every compile cold: no SymPy recipe read back from the cache directory, where the
    # first compile of a model wrote it (this process only)
    os.environ["DIFFC_NO_RECIPE_CACHE"] = "1"
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compile_scaling",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)),
                    help="comma-separated model sizes in lines (default 100,1000,10000)")
    ap.add_argument("--repeat", type=int, default=5,
                    help="compiles per size (below 5,000 lines); the median is shown (default 5)")
    ap.add_argument("--repeat-large", type=int, default=1,
                    help="compiles per size from 5,000 lines (default 1: one takes 20-40 s)")
    ap.add_argument("--models", action="store_true",
                    help="time the benchmark models (benchmarks/models.py) instead")
    ap.add_argument("--no-gc", action="store_true",
                    help="switch Python's cyclic garbage collector off during each compile")
    ap.add_argument("--passes", action="store_true",
                    help="also show the time of each optimizer pass (ms)")
    opts = ap.parse_args(argv)
    large = "" if opts.models else f", of {opts.repeat_large} from 5,000 lines"
    print(f"diffc compile time in ms, median of {opts.repeat}{large} (µs/line = total / lines)"
          + ("; garbage collector off" if opts.no_gc else ""), flush=True)
    if opts.models:
        print(_header("workload"), flush=True)
        run_models(opts.repeat, not opts.no_gc, log=lambda s: print(s, flush=True),
                   passes=opts.passes)
        return 0
    print(_header(), flush=True)
    rows = run_scaling([int(s) for s in opts.sizes.split(",")], opts.repeat, not opts.no_gc,
                       log=lambda s: print(s, flush=True), repeat_large=opts.repeat_large,
                       passes=opts.passes)
    if len(rows) > 1:
        (l0, t0), (l1, t1) = rows[0], rows[-1]
        ratio = (t1["total"] / l1) / (t0["total"] / l0)
        print(f"time per line, {l1:,} vs {l0:,} lines: {ratio:.2f}x (1.0 = linear growth)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
