"""Benchmark diffc's gradients against hand-written NumPy and peer AD systems.

    python -m benchmarks.run                  # full table (about 2-3 minutes)
    python -m benchmarks.run --quick          # rough numbers, well under 30 s
    python -m benchmarks.run --only rnn,svm_linear
    python -m benchmarks.run --markdown       # the same, as Markdown for the README
    python -m benchmarks.run --verify         # check the baselines by central differences
    python -m benchmarks.run --threads 1      # another thread count (default 2)

Every column is checked against the hand-written gradients (np.allclose) before it is
timed; a column that disagrees is reported as MISMATCH and not timed, and the run
exits with status 1.
"""
# --- thread settings: these must be in the environment before numpy (and its BLAS),
# --- torch or jaxlib are first imported, so they come before every other import.
import os
import sys

DEFAULT_THREADS = 2     # this project's machines have 2 cores; see README.md


def _threads_from_argv(argv):
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return DEFAULT_THREADS


THREADS = _threads_from_argv(sys.argv[1:])
_LATE_NUMPY = "numpy" in sys.modules          # imported before us: BLAS may ignore us
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = str(THREADS)
# XLA's CPU client sizes its intra-op pool to the core count; Eigen's multi-threading is
# switched off for a single thread. ("intra_op_parallelism_threads" is the customary
# companion token; XLA ignores tokens without a leading "--".)
_XLA = (f"--xla_cpu_multi_thread_eigen={'true' if THREADS > 1 else 'false'} "
        f"intra_op_parallelism_threads={THREADS}")
if "xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + _XLA).strip()

# --- everything else -------------------------------------------------------------------
import argparse                     # noqa: E402
import datetime                     # noqa: E402
import gc                           # noqa: E402
import math                         # noqa: E402
import platform                     # noqa: E402
import re                           # noqa: E402
import statistics                   # noqa: E402
import time                         # noqa: E402
import timeit                       # noqa: E402
import tracemalloc                  # noqa: E402

import numpy as np                  # noqa: E402

from benchmarks import peers as peer_mod        # noqa: E402
from benchmarks.peers import flatten            # noqa: E402
from benchmarks.workloads import BY_NAME, WORKLOADS, make_args   # noqa: E402

RTOL = 1e-6             # gradient agreement: np.allclose(got, ref, RTOL, ATOL * max|ref|)
ATOL = 1e-9


# ======================================================================================
# timing
# ======================================================================================
def calibrate(fn, min_time):
    """Calls per measurement so that one measurement takes at least ``min_time`` s."""
    fn()                                    # warm-up (JIT peers compiled already)
    timer = timeit.Timer(fn)
    number, elapsed = 1, timer.timeit(1)
    while elapsed < min_time / 10:
        number = max(2 * number, int(number * (min_time / 10) / max(elapsed, 1e-9)))
        elapsed = timer.timeit(number)
    return max(1, math.ceil(number * min_time / elapsed))


def measure(fns, min_time, repeat):
    """Median seconds per call of each callable in ``fns`` (a dict), timeit-style.

    Each callable gets a warm-up call and a calibrated number of back-to-back calls
    per measurement (at least ``min_time`` s, garbage collector off, as timeit does).
    The ``repeat`` measurements are taken round-robin over the callables, so that a
    burst of interference from the host (this is a 2-vCPU VM) lands on different
    columns rather than on all measurements of one. Returns {key: (median, samples)}.
    """
    numbers = {k: calibrate(fn, min_time) for k, fn in fns.items()}
    samples = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            samples[k].append(timeit.Timer(fn).timeit(numbers[k]) / numbers[k])
    return {k: (statistics.median(v), v) for k, v in samples.items()}


def peak_bytes(fn):
    """Peak bytes allocated (as tracemalloc sees them) during one call of ``fn``."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del result
    return peak


# ======================================================================================
# checking
# ======================================================================================
def compare(got, ref, rtol=RTOL, atol=ATOL):
    """None if the flat gradient lists agree, else a short description of the first miss."""
    if len(got) != len(ref):
        return f"{len(got)} gradients, expected {len(ref)}"
    for i, (a, b) in enumerate(zip(got, ref)):
        if a.shape != b.shape:
            return f"gradient {i}: shape {a.shape}, expected {b.shape}"
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        if not np.allclose(a, b, rtol=rtol, atol=atol * max(scale, 1e-300)):
            err = float(np.max(np.abs(a - b)))
            return f"gradient {i}: max abs err {err:.3g} (max |ref| {scale:.3g})"
    return None


def first_line(exc):
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {line}" if not _is_diffc_error(exc) else line


def _is_diffc_error(exc):
    return any(c.__name__ == "DiffcError" and c.__module__.startswith("diffc")
               for c in type(exc).__mro__)


def short_cell(message, width=46):
    """A table cell for an error line: drop a leading 'path:line:col: error: '."""
    m = re.match(r"^(.*?):(\d+):(\d+): (?:error: )?(.*)$", message)
    if m:
        message = f"{m.group(4)} ({os.path.basename(m.group(1))}:{m.group(2)})"
    return message if len(message) <= width else message[: width - 1] + "…"


# ======================================================================================
# diffc
# ======================================================================================
def load_diffc():
    """(module, None) if diffc.grad is usable, else (None, first line of the error)."""
    try:
        import diffc
        diffc.grad                          # noqa: B018  (the compiler may not be there yet)
        return diffc, None
    except Exception as exc:                # ImportError, AttributeError, ...
        return None, first_line(exc)


# ======================================================================================
# one workload
# ======================================================================================
NOISY = 0.25            # a cell whose repeats spread more than this (max-min)/median


class Row:
    def __init__(self, workload):
        self.workload = workload
        self.times = {}         # column -> median seconds
        self.noisy = set()      # columns whose repeats spread more than NOISY
        self.cells = {}         # column -> text when not a time
        self.notes = []
        self.compile_s = None
        self.mismatch = False
        self.diffc_grad = None  # kept for the memory section


def run_workload(workload, peers, diffc, diffc_error, opts, log):
    """Check every column against the hand-written gradients, then time them together."""
    row = Row(workload)
    args = make_args(workload)
    ref = flatten(workload.grad(*args))
    calls = {"fwd": lambda: workload.loss(*args), "hand": lambda: workload.grad(*args)}

    # diffc: compile = (construct + first call) - (a normal call)
    log(f"  {workload.name}: checking diffc")
    first = None
    if diffc is None:
        row.cells["diffc"] = short_cell(f"import error: {diffc_error}")
    else:
        try:
            start = time.perf_counter()
            grad = diffc.grad(workload.loss, wrt=workload.wrt)
            out = grad(*args)
            first = time.perf_counter() - start
            problem = compare(flatten(out), ref)
        except Exception as exc:
            msg = first_line(exc)
            row.cells["diffc"] = "unsupported: " + short_cell(msg, 34)
            row.notes.append(f"diffc: unsupported: {msg}")
        else:
            if problem:
                row.cells["diffc"] = "MISMATCH"
                row.notes.append(f"diffc: MISMATCH vs hand-written: {problem}")
                row.mismatch = True
            else:
                calls["diffc"] = lambda: grad(*args)
                row.diffc_grad = grad

    for peer in peers:
        log(f"  {workload.name}: checking {peer.name}")
        try:
            call = peer.prepare(workload, args)
            problem = compare(peer.to_numpy(call()), ref)   # first call: JIT compiles
        except Exception as exc:
            msg = first_line(exc)
            row.cells[peer.name] = "error: " + short_cell(msg, 38)
            row.notes.append(f"{peer.name}: error: {msg}")
            continue
        if problem:
            row.cells[peer.name] = "MISMATCH"
            row.notes.append(f"{peer.name}: MISMATCH vs hand-written: {problem}")
            row.mismatch = True
            continue
        calls[peer.name] = call

    log(f"  {workload.name}: timing {len(calls)} columns")
    for col, (median, samples) in measure(calls, opts.min_time, opts.repeat).items():
        row.times[col] = median
        if (max(samples) - min(samples)) / median > NOISY:
            row.noisy.add(col)
    if first is not None:
        row.compile_s = max(first - row.times["diffc"], 0.0)
    return row


# ======================================================================================
# output
# ======================================================================================
def fmt_us(seconds):
    us = seconds * 1e6
    if us >= 1000:
        return f"{us:,.0f}"
    if us >= 10:
        return f"{us:.1f}"
    return f"{us:.2f}"


def table(rows, peer_names):
    """Header and body cells (lists of strings) of the main table."""
    timed = ["diffc"] + list(peer_names)
    header = (["workload", "size", "forward µs", "hand-written µs"]
              + [f"{c} µs (×hand)" for c in timed]
              + ["diffc compile ms", "grad/fwd diffc (hand)"])
    body = []
    for row in rows:
        w, t = row.workload, row.times
        def us(col):
            return fmt_us(t[col]) + ("*" if col in row.noisy else "")
        cells = [w.name, w.size, us("fwd"), us("hand")]
        for col in timed:
            if col in t:
                cells.append(f"{us(col)} ({t[col] / t['hand']:.2f}×)")
            else:
                cells.append(row.cells.get(col, "n/a"))
        cells.append(f"{row.compile_s * 1e3:.1f}" if row.compile_s is not None else "–")
        hand_ratio = t["hand"] / t["fwd"]
        if "diffc" in t:
            cells.append(f"{t['diffc'] / t['fwd']:.2f} ({hand_ratio:.2f})")
        else:
            cells.append(f"– ({hand_ratio:.2f})")
        body.append(cells)
    return header, body


def render_plain(header, body):
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    numeric = [i >= 2 for i in range(len(header))]

    def line(cells):
        return "  ".join(c.rjust(w) if numeric[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in body]
    return "\n".join(out)


def render_markdown(header, body):
    align = ["---" if i < 2 else "---:" for i in range(len(header))]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in body]
    return "\n".join(out)


def environment_lines(peers, diffc, diffc_error, opts):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = ""
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f", BLAS {cfg.get('name', '?')} {cfg.get('version', '')}".rstrip()
    except Exception:
        pass
    if diffc is not None:
        diffc_v = getattr(diffc, "__version__", "?")
    else:
        diffc_v = f"not usable ({diffc_error})"
    peer_v = ", ".join(f"{p.name} {p.version()}" for p in peers
                       if not p.name.startswith("jax.jit"))
    missing = peer_mod.unavailable_notes()
    lines = [
        f"date: {now}",
        f"machine: {platform.system()} {platform.machine()}, {cpu}, "
        f"{os.cpu_count()} cores",
        f"threads: {THREADS} for everyone (OMP/OPENBLAS/MKL_NUM_THREADS={THREADS}, "
        f"torch.set_num_threads({THREADS}), XLA_FLAGS='{os.environ.get('XLA_FLAGS', '')}')",
        f"python {platform.python_version()}, numpy {np.__version__}{blas}, diffc {diffc_v}",
        f"peers: {peer_v or 'none importable'}",
    ]
    for name, why in missing.items():
        lines.append(f"peer skipped: {name} ({why})")
    lines.append(f"timing: median of {opts.repeat} measurements, each >= {opts.min_time:g} s "
                 f"of back-to-back calls (gc off) after a warm-up call; float64; "
                 f"every column checked against hand-written before timing"
                 + (" [--quick: rough]" if opts.quick else ""))
    if _LATE_NUMPY:
        lines.append("WARNING: numpy was imported before benchmarks.run set the thread "
                     "variables; the BLAS thread count may not be the one above")
    return lines


def memory_section(rows, peers, opts):
    """Peak memory of one RNN gradient call: diffc vs hand-written BPTT (and autograd)."""
    row = next((r for r in rows if r.workload.name == "rnn"), None)
    if row is None:
        return None
    w = row.workload
    args = make_args(w)
    entries = [("forward only (the loss)", peak_bytes(lambda: w.loss(*args))),
               ("hand-written BPTT", peak_bytes(lambda: w.grad(*args)))]
    if row.diffc_grad is not None:
        g = row.diffc_grad
        entries.append(("diffc", peak_bytes(lambda: g(*args))))
    else:
        entries.append(("diffc", row.cells.get("diffc", "n/a")))
    for peer in peers:
        if peer.name == "autograd" and peer.name in row.times:
            call = peer.prepare(w, args)
            entries.append(("autograd", peak_bytes(call)))
    hand = entries[1][1]
    lines = []
    for name, value in entries:
        if isinstance(value, int):
            lines.append((name, f"{value / 1024:,.0f} KiB", f"{value / hand:.2f}×"))
        else:
            lines.append((name, value, ""))
    return lines


def render_memory(lines, markdown, size):
    title = (f"Peak memory of one RNN gradient call ({size}), tracemalloc: NumPy and "
             f"Python allocations during the call, inputs excluded, returned gradients "
             f"included. JAX and PyTorch allocate outside tracemalloc's view.")
    if markdown:
        out = [title, "", "| gradient | peak | ×hand-written |", "|---|---:|---:|"]
        out += [f"| {a} | {b} | {c} |" for a, b, c in lines]
        return "\n".join(out)
    wa = max(len(a) for a, _, _ in lines)
    wb = max(len(b) for _, b, _ in lines)
    out = [title] + [f"  {a.ljust(wa)}  {b.rjust(wb)}  {c}".rstrip() for a, b, c in lines]
    return "\n".join(out)


# ======================================================================================
# --verify: the baselines against central differences
# ======================================================================================
def numerical_grad(loss, args, wrt, h=1e-6):
    """Central differences of ``loss`` w.r.t. the arguments in ``wrt`` (same structure)."""
    args = list(args)

    def diff_array(a):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            orig = a[idx]
            a[idx] = orig + h
            fp = loss(*args)
            a[idx] = orig - h
            fm = loss(*args)
            a[idx] = orig
            g[idx] = (fp - fm) / (2 * h)
        return g

    grads = []
    for i in wrt:
        a = args[i]
        if isinstance(a, dict):
            grads.append({k: diff_array(v) for k, v in a.items()})
        elif isinstance(a, np.ndarray):
            grads.append(diff_array(a))
        else:
            args[i] = a + h
            fp = loss(*args)
            args[i] = a - h
            fm = loss(*args)
            args[i] = a
            grads.append((fp - fm) / (2 * h))
    return tuple(grads)


def verify(workloads, peers, diffc, diffc_error):
    """Hand-written vs central differences at small sizes, then everyone vs hand-written."""
    print("Checking hand-written gradients against central differences (h=1e-6) at small "
          "sizes, then every AD column against the hand-written gradients.")
    if diffc is None:
        print(f"diffc: not usable ({diffc_error})")
    failures = 0
    for w in workloads:
        args = make_args(w, small=True, seed=1)
        hand = flatten(w.grad(*args))
        num = flatten(numerical_grad(w.loss, args, w.wrt))
        problem = compare(hand, num, rtol=1e-5, atol=1e-6)
        worst = max(float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))
                    for a, b in zip(hand, num)) if len(hand) == len(num) else float("nan")
        status = "ok" if problem is None else f"FAIL: {problem}"
        failures += problem is not None
        n = sum(a.size for a in num)
        print(f"  {w.name:22s} hand-written vs numerical ({n} partials): "
              f"max rel err {worst:.1e}  {status}")
        columns = []
        if diffc is not None:
            try:
                g = diffc.grad(w.loss, wrt=w.wrt)
                columns.append(("diffc", compare(flatten(g(*args)), hand)))
            except Exception as exc:
                columns.append(("diffc", "unsupported: " + first_line(exc)))
        for peer in peers:
            try:
                columns.append((peer.name, compare(peer.to_numpy(peer.prepare(w, args)()),
                                                   hand)))
            except Exception as exc:
                columns.append((peer.name, "error: " + first_line(exc)))
        for name, problem in columns:
            if problem is None:
                continue
            if not problem.startswith(("unsupported", "error")):
                failures += 1
                problem = "MISMATCH: " + problem
            print(f"  {'':22s} {name}: {problem}")
        ok = [name for name, p in columns if p is None]
        if ok:
            print(f"  {'':22s} agree with hand-written: {', '.join(ok)}")
    print("verify: " + ("all ok" if not failures else f"{failures} FAILED"))
    return 0 if not failures else 1


# ======================================================================================
# main
# ======================================================================================
def select(only):
    if not only:
        return list(WORKLOADS)
    chosen = []
    for item in only.split(","):
        item = item.strip()
        if item in BY_NAME:
            matches = [BY_NAME[item]]
        else:
            matches = [w for w in WORKLOADS if item in w.name]
        if not matches:
            sys.exit(f"--only: no workload matches {item!r}; workloads: "
                     + ", ".join(w.name for w in WORKLOADS))
        chosen += [w for w in matches if w not in chosen]
    return chosen


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="short measurements (0.02 s x 3) for a rough table")
    ap.add_argument("--only", metavar="NAME[,NAME]",
                    help="workloads to run: exact names or substrings, comma-separated")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--verify", action="store_true",
                    help="check the hand-written gradients by central differences")
    ap.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                    help=f"threads for every library (default {DEFAULT_THREADS})")
    ap.add_argument("--no-peers", action="store_true", help="only diffc and hand-written")
    opts = ap.parse_args(argv)
    opts.min_time, opts.repeat = (0.02, 3) if opts.quick else (0.2, 7)
    workloads = select(opts.only)

    peers = [] if opts.no_peers else peer_mod.available_peers(THREADS)
    diffc, diffc_error = load_diffc()

    if opts.verify:
        return verify(workloads, peers, diffc, diffc_error)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    started = time.perf_counter()
    rows = []
    for w in workloads:
        rows.append(run_workload(w, peers, diffc, diffc_error, opts, log))
    mem = memory_section(rows, peers, opts)
    log(f"  done in {time.perf_counter() - started:.0f} s")

    env = environment_lines(peers, diffc, diffc_error, opts)
    header, body = table(rows, [p.name for p in peers])
    notes = [f"{r.workload.name}: {n}" for r in rows for n in r.notes]
    if any(r.noisy for r in rows):
        notes.insert(0, f"* noisy: that cell's {opts.repeat} repeats spread by more than "
                        f"{NOISY:.0%} of the median ((max-min)/median); rerun to confirm")
    rnn = BY_NAME["rnn"].size
    if opts.markdown:
        print("\n".join(f"- {ln}" for ln in env))
        print()
        print(render_markdown(header, body))
        if notes:
            print()
            print("\n".join(f"- {n}" for n in notes))
        if mem:
            print()
            print(render_memory(mem, True, rnn))
    else:
        print("\n".join(env))
        print()
        print(render_plain(header, body))
        if notes:
            print()
            print("notes:")
            print("\n".join(f"  {n}" for n in notes))
        if mem:
            print()
            print(render_memory(mem, False, rnn))
    return 1 if any(r.mismatch for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
