"""Benchmark diffc's gradients against hand-written NumPy and peer AD systems.

    python -m benchmarks.run                  # full table (about 2-3 minutes)
    python -m benchmarks.run --quick          # rough numbers, well under 30 s
    python -m benchmarks.run --only rnn,svm_linear
    python -m benchmarks.run --markdown       # the same, as Markdown for the README
    python -m benchmarks.run --verify         # check the baselines by central differences
    python -m benchmarks.run --threads 1      # another thread count (default 2)

Every column is checked against the hand-written gradients (np.allclose) before it is
timed; a column that disagrees is not timed: diffc's is reported as MISMATCH and the run
exits with status 1, a peer's as "wrong gradient".
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
# diffc's compile times are measured cold: an empty cache directory of the run's own (no
# SymPy recipe kept on disk by an earlier run); the worker processes inherit it
if "DIFFC_BENCH_CACHE" not in os.environ:
    import tempfile                 # noqa: E402
    os.environ["DIFFC_BENCH_CACHE"] = os.environ["DIFFC_CACHE_DIR"] = tempfile.mkdtemp(
        prefix="diffc-bench-")

# --- everything else -------------------------------------------------------------------
import argparse                     # noqa: E402
import datetime                     # noqa: E402
import gc                           # noqa: E402
import json                         # noqa: E402
import math                         # noqa: E402
import platform                     # noqa: E402
import re                           # noqa: E402
try:                                # noqa: E402
    import resource
except ImportError:                 # not on Linux/macOS: no contention accounting
    resource = None
import statistics                   # noqa: E402
import subprocess                   # noqa: E402
import time                         # noqa: E402
import timeit                       # noqa: E402
import tracemalloc                  # noqa: E402

import numpy as np                  # noqa: E402

from benchmarks import peers as peer_mod        # noqa: E402
from benchmarks.peers import flatten            # noqa: E402
from benchmarks.workloads import BY_NAME, WORKLOADS, make_args   # noqa: E402

RTOL = 1e-6             # gradient agreement: np.allclose(got, ref, RTOL, ATOL * max|ref|)
ATOL = 1e-9
_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
CONTENDED = 0.15        # re-take a measurement during which others used > 15% of the cores
RETAKE_BUDGET = 20.0    # seconds per process spent re-taking contended measurements, at most
NOISY = 0.2             # flag a cell whose repeats' interquartile range exceeds this x median


def is_noisy(samples):
    if len(samples) < 4:
        spread = max(samples) - min(samples)
    else:
        q1, _, q3 = statistics.quantiles(samples, n=4)
        spread = q3 - q1
    return spread > NOISY * statistics.median(samples)


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


_retakes = {"count": 0, "seconds": 0.0, "budget": RETAKE_BUDGET}


def measure(fns, min_time, repeat):
    """Median seconds per call of each callable in ``fns`` (a dict), timeit-style.

    Each callable gets a warm-up call and a calibrated number of back-to-back calls
    per measurement (at least ``min_time`` s, garbage collector off, as timeit does).
    The ``repeat`` measurements are taken round-robin over the callables, so that a
    burst of interference lands on different columns rather than on all measurements
    of one. A measurement of at least 0.1 s during which other processes used more
    than CONTENDED of the cores is taken again (within RETAKE_BUDGET seconds per
    process, a tenth of it with --quick): on 2 cores, a busy neighbour makes multi-threaded BLAS calls many times
    slower. Returns {key: (median, samples)}.
    """
    numbers = {k: calibrate(fn, min_time) for k, fn in fns.items()}
    samples = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            timer = timeit.Timer(fn)
            while True:
                before = cpu_sample(children=False)
                elapsed = timer.timeit(numbers[k])
                contended = others_share(before, cpu_sample(children=False)) > CONTENDED
                if (not contended or elapsed < 0.1
                        or _retakes["seconds"] + elapsed > _retakes["budget"]):
                    break
                _retakes["count"] += 1
                _retakes["seconds"] += elapsed
                time.sleep(0.05)
            samples[k].append(elapsed / numbers[k])
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


def cpu_sample(children=True):
    """CPU seconds: the whole machine's busy time (/proc/stat) and this process's own
    (plus its reaped children's). None where /proc/stat is not available."""
    if resource is None:
        return None
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    whos = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) if children else \
        (resource.RUSAGE_SELF,)
    own = sum(getattr(resource.getrusage(who), attr)
              for who in whos for attr in ("ru_utime", "ru_stime"))
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return {"busy": (user + nice + system + irq + softirq) / _HZ, "steal": steal / _HZ,
            "own": own, "wall": time.perf_counter()}


def others_share(start, end):
    """Fraction of all cores used by other processes between two cpu_sample()s."""
    if start is None or end is None:
        return 0.0
    wall = max(end["wall"] - start["wall"], 1e-9)
    others = (end["busy"] - start["busy"]) - (end["own"] - start["own"])
    return max(others, 0.0) / (wall * (os.cpu_count() or 1))


class CpuWatch:
    """How much CPU other processes used while we ran (Linux /proc/stat; else nothing).

    Benchmarks on a shared 2-core machine are only meaningful when nothing else runs;
    the header reports the load and warns when others took a noticeable share."""

    def __init__(self):
        self.load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        self.start = cpu_sample()

    def report(self, retaken=0):
        end = cpu_sample()
        if self.start is None or end is None:
            return None
        cpus = os.cpu_count() or 1
        share = others_share(self.start, end)
        steal = (end["steal"] - self.start["steal"]) / ((end["wall"] - self.start["wall"]) * cpus)
        text = (f"load: 1-min load average {self.load_before:.2f} at start; other processes "
                f"used {share:.0%} of the {cpus} cores during the run, hypervisor steal "
                f"{steal:.0%}; {retaken} measurement(s) re-taken because other processes "
                f"were busy during them")
        if share > 0.05:
            text += ("  WARNING: the machine was not idle; numbers may be off, "
                     "rerun on an idle machine")
        return text


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


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def first_line(exc):
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    line = line.replace(ROOT + os.sep, "")          # repository-relative paths
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


def diffc_warmup(diffc):
    """Compile a one-line function first, so that one-time costs (imports, caches) are
    not charged to the first workload's compile time. Returns its seconds; a failure
    here is diffc's bug and is raised, not hidden."""
    from benchmarks.workloads import warmup_loss
    start = time.perf_counter()
    diffc.grad(warmup_loss, wrt=0)(3.0)
    return time.perf_counter() - start


COMPILE_REPEAT = 5


def cold_compile_s(workload, args, repeat):
    """Median seconds from the model's source to its loaded gradient over ``repeat`` cold
    compiles: a fresh ``diffc.grad`` each time, with the parsed file, SymPy's cache and the
    symbolic pass's recipes emptied and none read back from disk (the first compile wrote
    them there). The compiler's own one-time costs were paid by the warm-up."""
    from benchmarks.compile_scaling import time_compile
    old = os.environ.get("DIFFC_NO_RECIPE_CACHE")
    os.environ["DIFFC_NO_RECIPE_CACHE"] = "1"
    try:
        times, _ = time_compile(workload.loss, args, workload.wrt, repeat)
    finally:
        if old is None:
            del os.environ["DIFFC_NO_RECIPE_CACHE"]
        else:
            os.environ["DIFFC_NO_RECIPE_CACHE"] = old
    return times["total"]


# ======================================================================================
# process groups: numpy-based columns here, JAX and PyTorch each in a worker process
# ======================================================================================
# Each library keeps its own thread pool (OpenBLAS pthreads, XLA/Eigen, torch's OpenMP)
# whose idle threads spin for a while after every call. With 2 cores, alternating two
# libraries in one process makes them fight over the cores (measured here: a torch
# call interleaved with NumPy ones ran 10-20x slower). So every library is timed in a
# process of its own, where only it runs, as it would in a user's program.
# diffc's gradient on a library's arrays runs in that library's process, its columns
# taken round-robin with the library's own autodiff: a ratio between two columns then
# compares calls made under the same conditions. (Timed in separate processes one after the
# other, a column moved by up to 1.9x between two runs on the same day, diffc on torch on
# the RNN: 3,593 and 6,706 us, which swamped the ratio to torch eager.)
GROUPS = {"numpy": ["autograd", "Tangent"], "jax": ["jax.grad", "jax.jit(grad)", "jax.jit of diffc"],
          "torch": ["torch eager", "diffc on torch"]}
PEER_ORDER = ["autograd", "Tangent", "jax.grad", "jax.jit(grad)", "jax.jit of diffc", "torch eager",
              "diffc on torch"]
RESULT_TAG = "BENCHMARK-RESULT "


def check_column(name, make_call, to_numpy, ref, cells, first_result=None):
    """First call + comparison; returns the call if it agrees, else records why not."""
    try:
        call = make_call()
        result = call() if first_result is None else first_result  # JIT compiles here
        problem = compare(to_numpy(result), ref)
    except Exception as exc:
        msg = first_line(exc)
        kind = "unsupported" if name == "diffc" else "error"
        cells[name] = {"cell": f"{kind}: " + short_cell(msg, 34 if name == "diffc" else 38),
                       "note": f"{name}: {kind}: {msg}"}
        return None
    if problem and name == "diffc":                 # our bug: the run fails
        cells[name] = {"cell": "MISMATCH", "mismatch": True,
                       "note": f"{name}: MISMATCH vs hand-written: {problem}"}
        return None
    if problem:                                     # a peer's wrong gradient: reported
        cells[name] = {"cell": "wrong gradient",
                       "note": f"{name}: wrong gradient (vs hand-written: {problem})"}
        return None
    return call


# glibc's malloc serves a large block (above its mmap threshold, 128 KiB at start) with
# fresh pages from the kernel and gives them back when it is freed, so every such NumPy
# temporary is page-faulted again on first write: measured here, a 256x256 float64 product
# takes 450 us that way and 270 us in reused memory. The first time a process frees such a
# block (up to 32 MiB), glibc raises the threshold to its size and keeps freed memory for
# reuse from then on. Importing torch or jaxlib does that as a side effect; a NumPy-only
# process may never do it. So every timing process frees one block of SETTLE_BYTES first,
# and all of them time their columns in the same allocator state.
SETTLE_BYTES = 32 * 2**20 - 2**16


def settle_allocator():
    """Allocate and free one large block (see SETTLE_BYTES); a no-op outside glibc."""
    block = np.empty(SETTLE_BYTES, dtype=np.uint8)
    del block


def run_group(group, workloads, opts, log):
    """Check and time one group's columns on every workload (in this process)."""
    if not opts.fresh_malloc:
        settle_allocator()
    peers = [] if opts.no_peers else peer_mod.available_peers(THREADS, GROUPS[group])
    out = {"versions": {p.name: p.version() for p in peers},
           "missing": {k: v for k, v in peer_mod.unavailable_notes().items()
                       if k in GROUPS[group]},
           "results": {}, "memory": None}
    diffc, diffc_error = load_diffc() if group == "numpy" else (None, None)
    diffc_grads = {}
    if diffc is not None:
        out["diffc_warmup_s"] = diffc_warmup(diffc)
    for w in workloads:
        args = make_args(w)
        ref = flatten(w.grad(*args))
        cells, calls = {}, {}
        if group == "numpy":
            calls["fwd"] = lambda w=w, args=args: w.loss(*args)
            calls["hand"] = lambda w=w, args=args: w.grad(*args)
            log(f"  {w.name}: checking diffc")
            if diffc is None:
                cells["diffc"] = {"cell": short_cell(f"import error: {diffc_error}")}
            else:
                # compile time = (construct + first call) - (a normal call)
                try:
                    start = time.perf_counter()
                    grad = diffc.grad(w.loss, wrt=w.wrt)
                    result = grad(*args)
                    first = time.perf_counter() - start
                except Exception as exc:
                    msg = first_line(exc)
                    cells["diffc"] = {"cell": "unsupported: " + short_cell(msg, 34),
                                      "note": f"diffc: unsupported: {msg}"}
                else:
                    call = check_column("diffc", lambda g=grad, a=args: lambda: g(*a),
                                        flatten, ref, cells, first_result=result)
                    if call is not None:
                        calls["diffc"] = call
                        diffc_grads[w.name] = grad
        for peer in peers:
            log(f"  {w.name}: checking {peer.name}")
            call = check_column(peer.name, lambda p=peer, w=w, args=args: p.prepare(w, args),
                                peer.to_numpy, ref, cells)
            if call is not None:
                calls[peer.name] = call
        if group != "numpy":
            time.sleep(0.2)     # let NumPy's BLAS threads (used for the reference) go idle
        log(f"  {w.name}: timing {len(calls)} column(s) [{group} process]")
        for col, (median, samples) in measure(calls, opts.min_time, opts.repeat).items():
            cells[col] = {"time": median, "samples": samples}
        if "diffc" in calls:
            cells["first_compile_s"] = max(first - cells["diffc"]["time"], 0.0)
            cells["compile_s"] = cold_compile_s(w, args, 3 if opts.quick else COMPILE_REPEAT)
        out["results"][w.name] = cells
    out["retaken"] = _retakes["count"]
    if group == "numpy" and any(w.name == "rnn" for w in workloads):
        log("  rnn: peak memory")
        out["memory"] = memory_section(out["results"]["rnn"], diffc_grads.get("rnn"), peers)
    return out


def run_worker_process(group, workloads, opts, log):
    """Run ``run_group(group)`` in a fresh interpreter; its stderr streams through."""
    root = ROOT
    cmd = [sys.executable, "-m", "benchmarks.run", "--worker", group, "--threads",
           str(THREADS), "--only", ",".join(w.name for w in workloads)]
    if opts.quick:
        cmd.append("--quick")
    if opts.fresh_malloc:
        cmd.append("--fresh-malloc")
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    last = []
    for line in proc.stderr:
        log(line.rstrip("\n"))
        last = (last + [line.strip()])[-3:]
    stdout = proc.stdout.read()
    proc.wait()
    for line in stdout.splitlines():
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
    why = f"{group} worker exited with {proc.returncode}: {' | '.join(last)}"
    cells = {n: {"cell": "error: worker failed", "note": f"{n}: error: {why}"}
             for n in GROUPS[group]}
    return {"versions": {n: "?" for n in GROUPS[group]}, "missing": {}, "memory": None,
            "results": {w.name: dict(cells) for w in workloads}}


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


def table(workloads, merged, peer_columns):
    """Header and body cells (lists of strings) of the main table."""
    timed = ["diffc"] + list(peer_columns)
    header = (["workload", "size", "forward µs", "hand-written µs"]
              + [f"{c} µs (×hand)" for c in timed]
              + ["diffc compile ms", "grad/fwd diffc (hand)"])
    body = []
    for w in workloads:
        r = merged[w.name]
        t = {c: v["time"] for c, v in r.items() if isinstance(v, dict) and "time" in v}

        def us(col):
            return fmt_us(t[col]) + ("*" if is_noisy(r[col]["samples"]) else "")
        cells = [w.name, w.size, us("fwd"), us("hand")]
        for col in timed:
            if col in t:
                cells.append(f"{us(col)} ({t[col] / t['hand']:.2f}×)")
            else:
                cells.append(r.get(col, {}).get("cell", "n/a"))
        compile_s = r.get("compile_s")
        cells.append(f"{compile_s * 1e3:.1f}" if compile_s is not None else "–")
        hand_ratio = t["hand"] / t["fwd"]
        if "diffc" in t:
            cells.append(f"{t['diffc'] / t['fwd']:.2f} ({hand_ratio:.2f})")
        else:
            cells.append(f"– ({hand_ratio:.2f})")
        body.append(cells)
    return header, body


def any_noisy(merged):
    return any(is_noisy(v["samples"]) for r in merged.values() for v in r.values()
               if isinstance(v, dict) and "samples" in v)


def render_plain(header, body):
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    numeric = [i >= 2 for i in range(len(header))]

    def line(cells):
        return "  ".join(c.rjust(w) if numeric[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in body]
    return "\n".join(out)


def md_escape(text):
    return text.replace("|", "\\|").replace("*", "\\*").replace("`", "\\`")


def render_markdown(header, body):
    align = ["---" if i < 2 else "---:" for i in range(len(header))]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in body]
    return "\n".join(out)


def environment_lines(versions, missing, diffc, diffc_error, opts, warmup=None, first=None):
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
        blas = f" (BLAS: {cfg.get('name', '?')} {cfg.get('version', '')})".rstrip()
    except Exception:
        pass
    diffc_v = (getattr(diffc, "__version__", "?") if diffc is not None
               else f"not usable ({diffc_error})")
    shown = {}
    for name, v in versions.items():        # one entry per library
        shown.setdefault(name.split(".")[0].split(" ")[0], v)
    lines = [
        f"date: {now}",
        f"machine: {platform.system()} {platform.machine()}, {cpu}, "
        f"{os.cpu_count()} cores",
        f"threads: {THREADS} for every library (OMP/OPENBLAS/MKL_NUM_THREADS={THREADS}, "
        f"torch.set_num_threads({THREADS}), XLA_FLAGS='{os.environ.get('XLA_FLAGS', '')}'); "
        f"NumPy-based columns, JAX and PyTorch each timed in their own process "
        f"(diffc on their arrays in theirs, round-robin with them)",
        f"python {platform.python_version()}, numpy {np.__version__}{blas}, diffc {diffc_v}",
        "peers: " + (", ".join(f"{k} {v}" for k, v in shown.items()) or "none"),
    ]
    for name, why in missing.items():
        lines.append(f"peer skipped: {name} ({why})")
    if warmup is not None:
        lines.append(f"diffc compile: a one-line warm-up compile (a sigmoid) took {warmup * 1e3:.1f} ms "
                     f"(one-time costs); the compile column is measured after it: the median of "
                     f"{3 if opts.quick else COMPILE_REPEAT} cold compiles from the source file to the "
                     f"loaded gradient (parse, SymPy's cache and the symbolic recipes emptied each "
                     f"time, none read from disk)" + (
                         f"; the first compile of each model in this run, timed once as (construct "
                         f"+ first call) - (a later call), took {first[0] * 1e3:.1f}-"
                         f"{first[1] * 1e3:.1f} ms" if first else ""))
    lines.append(f"timing: median of {opts.repeat} measurements, each >= {opts.min_time:g} s "
                 f"of back-to-back calls (gc off), taken round-robin over a process's "
                 f"columns after a warm-up call; float64; every column checked against "
                 f"the hand-written gradients first" + ("  [--quick: rough]" if opts.quick
                                                        else ""))
    lines.append("allocator: every timing process started as a NumPy-only process would (each "
                 "large temporary fresh pages from the kernel, page-faulted on first write)"
                 if opts.fresh_malloc else
                 f"allocator: every timing process first freed one {SETTLE_BYTES / 2**20:.1f} MiB "
                 f"block, so glibc's malloc reuses freed memory for arrays up to that size (the "
                 f"state importing torch or jaxlib leaves a process in; --fresh-malloc to time "
                 f"without it)")
    if _LATE_NUMPY:
        lines.append("WARNING: numpy was imported before benchmarks.run set the thread "
                     "variables; the BLAS thread count may not be the one above")
    return lines


def memory_section(rnn_cells, diffc_grad, peers):
    """Peak memory of one RNN gradient call: diffc vs hand-written BPTT (and autograd)."""
    w = BY_NAME["rnn"]
    args = make_args(w)
    entries = [("forward only (the loss)", peak_bytes(lambda: w.loss(*args))),
               ("hand-written BPTT", peak_bytes(lambda: w.grad(*args)))]
    if diffc_grad is not None:
        entries.append(("diffc", peak_bytes(lambda: diffc_grad(*args))))
    else:
        entries.append(("diffc", rnn_cells.get("diffc", {}).get("cell", "n/a")))
    for peer in peers:
        if peer.name == "autograd" and "time" in rnn_cells.get("autograd", {}):
            entries.append(("autograd", peak_bytes(peer.prepare(w, args))))
    hand = entries[1][1]
    lines = []
    for name, value in entries:
        if isinstance(value, int):
            ratio = f"{value / hand:.2f}×" if name != entries[0][0] else ""
            lines.append((name, f"{value / 1024:,.0f} KiB", ratio))
        else:
            lines.append((name, value, ""))
    return lines


def render_memory(lines, markdown, size):
    title = (f"Peak memory of one RNN gradient call ({size}), by tracemalloc: NumPy "
             f"and Python allocations during the call, inputs excluded, returned "
             f"gradients included. (JAX and PyTorch allocate outside tracemalloc's view.)")
    if markdown:
        out = [title, "", "| gradient | peak | ×hand-written |", "|---|---:|---:|"]
        out += [f"| {a} | {md_escape(b)} | {c} |" for a, b, c in lines]
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
            if name != "diffc" and not problem.startswith("error"):
                problem = "wrong gradient: " + problem      # the peer's, reported only
            elif not problem.startswith(("unsupported", "error")):
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
    ap.add_argument("--fresh-malloc", action="store_true",
                    help="time without first freeing a large block (see SETTLE_BYTES)")
    ap.add_argument("--worker", choices=sorted(GROUPS), help=argparse.SUPPRESS)
    opts = ap.parse_args(argv)
    opts.min_time, opts.repeat = (0.02, 3) if opts.quick else (0.2, 7)
    _retakes["budget"] = RETAKE_BUDGET / 10 if opts.quick else RETAKE_BUDGET
    workloads = select(opts.only)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if opts.worker:                         # a child of the process below
        result = run_group(opts.worker, workloads, opts, log)
        print(RESULT_TAG + json.dumps(result), flush=True)
        return 0

    diffc, diffc_error = load_diffc()
    if opts.verify:
        peers = [] if opts.no_peers else peer_mod.available_peers(THREADS)
        return verify(workloads, peers, diffc, diffc_error)

    started = time.perf_counter()
    watch = CpuWatch()
    groups = ["numpy"] if opts.no_peers else list(GROUPS)
    versions, missing, memory, warmup, retaken = {}, {}, None, None, 0
    merged = {w.name: {} for w in workloads}
    for group in groups:
        if group == "numpy":
            res = run_group(group, workloads, opts, log)
        else:
            res = run_worker_process(group, workloads, opts, log)
        versions.update(res["versions"])
        missing.update(res["missing"])
        memory = memory or res["memory"]
        warmup = res.get("diffc_warmup_s", warmup)
        retaken += res.get("retaken", 0)
        for name, cells in res["results"].items():
            merged[name].update(cells)
    log(f"  done in {time.perf_counter() - started:.0f} s")
    load = watch.report(retaken)

    columns = [c for c in PEER_ORDER
               if c in versions or any(c in r for r in merged.values())]
    firsts = [r["first_compile_s"] for r in merged.values() if "first_compile_s" in r]
    env = environment_lines(versions, missing, diffc, diffc_error, opts, warmup,
                            (min(firsts), max(firsts)) if firsts else None)
    if load:
        env.append(load)
    header, body = table(workloads, merged, columns)
    notes = [f"{w.name}: {v['note']}" for w in workloads
             for v in merged[w.name].values() if isinstance(v, dict) and "note" in v]
    if any_noisy(merged):
        spread = "interquartile range" if opts.repeat >= 4 else "range"
        notes.insert(0, f"* noisy: the {spread} of that cell's {opts.repeat} repeats is more "
                        f"than {NOISY:.0%} of their median; rerun to confirm")
    size = BY_NAME["rnn"].size
    if opts.markdown:
        print("\n".join(f"- {ln}" for ln in env))
        print()
        print(render_markdown(header, body))
        if notes:
            print()
            print("\n".join(f"- {md_escape(n)}" for n in notes))
        if memory:
            print()
            print(render_memory(memory, True, size))
    else:
        print("\n".join(env))
        print()
        print(render_plain(header, body))
        if notes:
            print()
            print("notes:")
            print("\n".join(f"  {n}" for n in notes))
        if memory:
            print()
            print(render_memory(memory, False, size))
    mismatch = any(v.get("mismatch") for r in merged.values() for v in r.values()
                   if isinstance(v, dict))
    return 1 if mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
