"""The benchmark runner's own machinery (benchmarks/run.py), apart from the timings."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

# importing the runner sets the thread variables, XLA_FLAGS and a cache directory for its
# own processes; the test session keeps its environment as it was
with pytest.MonkeyPatch.context() as _env:
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "XLA_FLAGS",
                 "DIFFC_CACHE_DIR", "DIFFC_BENCH_CACHE"):
        _env.setenv(_var, os.environ.get(_var, ""))
    _env.setenv("DIFFC_BENCH_CACHE", "unused")      # no cache directory made
    from benchmarks import run


def test_compare_accepts_agreement_and_names_the_first_miss():
    ref = [np.ones((2, 3)), np.arange(4.0)]
    assert run.compare([r.copy() for r in ref], ref) is None
    wrong = [ref[0].copy(), ref[1] + 1e-3]
    assert run.compare(wrong, ref).startswith("gradient 1: max abs err")
    assert run.compare([ref[0].T, ref[1]], ref) == "gradient 0: shape (3, 2), expected (2, 3)"
    assert run.compare(ref[:1], ref) == "1 gradients, expected 2"


_FAULTS = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from benchmarks import run

    def temporaries():
        # four 512 KiB temporaries made, written and freed, as in a 256-wide layer's backward
        blocks = [np.empty((256, 256)) for _ in range(4)]
        for block in blocks:
            block.fill(1.0)

    def faults_per_block():
        temporaries()                   # the heap has grown to hold them once
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(20):
            temporaries()
        return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 80

    fresh = faults_per_block()
    run.settle_allocator()
    print(fresh, faults_per_block())
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc, Linux's fault counter")
def test_settling_the_allocator_stops_page_faults_on_large_temporaries():
    out = subprocess.run([sys.executable, "-c", _FAULTS], capture_output=True, text=True,
                         cwd=run.ROOT, check=True).stdout.split()
    fresh, settled = map(float, out)
    if fresh < 32:
        pytest.skip(f"this interpreter's malloc reuses freed blocks already ({fresh} faults per block)")
    assert settled < 1, (fresh, settled)


def test_workers_are_told_to_skip_the_settling_when_the_run_is():
    seen = {}

    class Proc:
        stderr, returncode = iter(()), 1

        class stdout:
            @staticmethod
            def read():
                return ""

        def wait(self):
            return 1

    def popen(cmd, **kwargs):
        seen["cmd"] = cmd
        return Proc()

    opts = run.argparse.Namespace(quick=True, fresh_malloc=True)
    original = run.subprocess.Popen
    run.subprocess.Popen = popen
    try:
        run.run_worker_process("torch", [run.BY_NAME["rnn"]], opts, lambda msg: None)
    finally:
        run.subprocess.Popen = original
    assert seen["cmd"][-2:] == ["--quick", "--fresh-malloc"]


def test_a_peers_wrong_gradient_is_reported_and_only_diffcs_fails_the_run():
    ref = [np.ones(3)]
    wrong = lambda: lambda: [np.zeros(3)]          # noqa: E731
    cells = {}
    assert run.check_column("Tangent", wrong, list, ref, cells) is None
    assert cells["Tangent"]["cell"] == "wrong gradient" and "mismatch" not in cells["Tangent"]
    assert run.check_column("diffc", wrong, list, ref, cells) is None
    assert cells["diffc"]["cell"] == "MISMATCH" and cells["diffc"]["mismatch"]
    right = lambda: lambda: [np.ones(3)]           # noqa: E731
    assert run.check_column("autograd", right, list, ref, cells) is not None
