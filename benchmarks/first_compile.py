"""The first compile in a fresh process: ``import diffc`` and the first call of a gradient.

    python -m benchmarks.first_compile              # 7 fresh processes each way (~10 s)
    python -m benchmarks.first_compile --repeat 15

Each measurement is a new Python process that imports NumPy, then times importing diffc
and the first call of ``diffc.grad`` on a two-line function (``np.sum(np.tanh(x) ** 2)``,
from a real file): reading the source, parsing the rule templates it uses, every pass,
writing and importing the generated module. It prints the median wall-clock and CPU time
of each part (CPU time is what the process itself spent: on a busy machine the wall
clock also counts waiting for a core). Python's bytecode cache is on, as for an
installed package (a warm-up process fills it, in a temporary directory).

Three ways:

* ``recipes on disk``: diffc's cache directory already holds the symbolic pass's recipe
  for the function's chain, as in any process after the first that compiled it. SymPy
  is not imported at all.
* ``empty cache``: a new cache directory each time (the first compile on a new
  installation): the chain's recipe is one diffc ships (``diffc/optimize/recipes/``, the
  chains of ``tests/recipe_programs.py``, which has this function), so SymPy is not
  imported either.
* ``empty cache, nothing shipped``: as before, with ``DIFFC_NO_SHIPPED_RECIPES=1``: what
  the first compile of a chain diffc does not ship costs (SymPy imported, the chain solved).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

MODEL = '''import numpy as np


def f(x):
    return np.sum(np.tanh(x) ** 2)
'''

CHILD = '''import json, sys, time
wall, cpu = time.perf_counter, time.process_time
import numpy as np
w0, c0 = wall(), cpu()
import diffc
w1, c1 = wall(), cpu()
sys.path.insert(0, sys.argv[1])
import model
grad_f = diffc.grad(model.f)
grad_f(np.array([0.5, -1.0, 2.0]))
w2, c2 = wall(), cpu()
print(json.dumps({"import_wall": w1 - w0, "import_cpu": c1 - c0, "compile_wall": w2 - w1,
                  "compile_cpu": c2 - c1, "sympy": "sympy" in sys.modules}))
'''

PARTS = (("import diffc", "import"), ("first call (compile)", "compile"))


def measure(workdir, cache_dir, env):
    """One fresh process's times (seconds) and whether it imported SymPy."""
    child_env = dict(env, DIFFC_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, os.path.join(workdir, "child.py"), workdir],
                         env=child_env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(repeat):
    """{way: [measurements]} for the three ways, ``repeat`` fresh processes each."""
    with tempfile.TemporaryDirectory(prefix="diffc-first-compile-") as workdir:
        with open(os.path.join(workdir, "model.py"), "w") as fh:
            fh.write(MODEL)
        with open(os.path.join(workdir, "child.py"), "w") as fh:
            fh.write(CHILD)
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONDONTWRITEBYTECODE", "DIFFC_NO_SHIPPED_RECIPES", "DIFFC_NO_RECIPE_CACHE")}
        env["PYTHONPYCACHEPREFIX"] = os.path.join(workdir, "pycache")
        warm = os.path.join(workdir, "cache")
        measure(workdir, warm, env)             # fills the bytecode cache and the recipes
        unshipped = dict(env, DIFFC_NO_SHIPPED_RECIPES="1")
        results = {"recipes on disk": [], "empty cache": [], "empty cache, nothing shipped": []}
        for i in range(repeat):
            results["recipes on disk"].append(measure(workdir, warm, env))
            results["empty cache"].append(measure(workdir, os.path.join(workdir, f"cold{i}"), env))
            results["empty cache, nothing shipped"].append(
                measure(workdir, os.path.join(workdir, f"unshipped{i}"), unshipped))
        return results


def report(results):
    lines = []
    for way, runs in results.items():
        total_wall = statistics.median(r["import_wall"] + r["compile_wall"] for r in runs)
        total_cpu = statistics.median(r["import_cpu"] + r["compile_cpu"] for r in runs)
        sympy = sum(r["sympy"] for r in runs)
        lines.append(f"{way} ({len(runs)} processes, SymPy imported in {sympy}):")
        for label, key in PARTS:
            wall = statistics.median(r[f"{key}_wall"] for r in runs)
            cpu = statistics.median(r[f"{key}_cpu"] for r in runs)
            lines.append(f"  {label:<22} {1e3 * wall:7.1f} ms wall  {1e3 * cpu:7.1f} ms CPU")
        lines.append(f"  {'total':<22} {1e3 * total_wall:7.1f} ms wall  {1e3 * total_cpu:7.1f} ms CPU")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="fresh processes each way")
    args = parser.parse_args(argv)
    print(report(run(max(1, args.repeat))))


if __name__ == "__main__":
    main()
