"""diffc's gradient of the linear softmax classifier over Dask arrays on a LocalCluster:
time per row from 10^5 to 10^7 rows, agreement with NumPy, memory per worker.

    python -m benchmarks.dask_scaling                        # 10^5, 10^6, 10^7 rows, 4 workers
    python -m benchmarks.dask_scaling --rows 100000 1000000 --workers 2 --chunk 100000
    python -m benchmarks.dask_scaling --saturation 1.1      # Dask's default scheduling

The loss is ``examples/dask_softmax.py``'s (plain NumPy, 64 features, 10 classes). Each
size makes its data on the workers, chunk by chunk, inside the timed graph (no chunk is
kept: a worker holds the chunks it is computing, whatever the number of rows), and the
gradient is computed three times; the table shows the median. The scheduler gives a worker
a new chunk to make only when it has nothing else to run (``worker-saturation`` 1.0;
Dask's default, 1.1, lets a single-threaded worker take a second one meanwhile, and the
chunks it makes ahead wait for their gradient: the peak memory then grows with the
number of rows). Before timing, the gradient
over the first two chunks is checked against diffc's NumPy gradient of the same rows (read
back from the cluster). Each size runs on a new cluster; each worker's peak resident
memory is its process's peak during the timed gradients (``VmHWM``, reset after the check,
on Linux; ``ru_maxrss`` elsewhere). It includes the Python interpreter, NumPy and Dask:
about 100-150 MB before any chunk. Needs the ``dask`` extra (``pip install 'diffc[dask]'``).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import dask_softmax  # noqa: E402  (the example's loss and data)


def _peak_rss_mb():
    """The process's peak resident memory since the last ``_reset_peak`` (Linux:
    ``VmHWM``), or since it started (``ru_maxrss``)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak():
    """Start the peak resident memory again from the current one (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def measure(client, rows, chunk, repeat=3):
    import dask.array as da

    X, y = dask_softmax.synthetic(rows, chunk)
    W, b = 0.01 * np.ones((64, 10)), np.zeros(10)
    checked = min(rows, 2 * chunk)
    error = dask_softmax.check_against_numpy(X, y, W, b, 1e-4, checked, client)
    client.run(_reset_peak)             # the check above read two chunks back: not counted
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.compute(dask_softmax.softmax_loss(da.from_array(W), da.from_array(b), X, y, 1e-4), sync=True)
        times.append(time.perf_counter() - start)
    peaks = client.run(_peak_rss_mb)
    return {"rows": rows, "chunks": -(-rows // chunk), "seconds": statistics.median(times),
            "error": error, "checked": checked, "peak_mb": max(peaks.values())}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    p.add_argument("--chunk", type=int, default=250_000, help="rows per chunk")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--saturation", type=float, default=1.0,
                   help="distributed.scheduler.worker-saturation (Dask's default: 1.1)")
    args = p.parse_args(argv)
    import dask
    from dask.distributed import Client, LocalCluster

    results = []
    for rows in args.rows:          # a new cluster for each size: its workers' peaks are its own
        with dask.config.set({"distributed.scheduler.worker-saturation": args.saturation}), \
                LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            results.append(measure(client, rows, min(args.chunk, rows)))
    chunk_mb = args.chunk * 64 * 8 / 2 ** 20
    print(f"{args.workers} workers (1 thread each), chunks of {args.chunk:,} rows x 64 float64 "
          f"({chunk_mb:.0f} MB), worker-saturation {args.saturation}\n")
    print("| rows | chunks | gradient s | µs per 1,000 rows | vs NumPy (max rel. diff, rows checked) "
          "| peak RSS of a worker |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['rows']:,} | {r['chunks']} | {r['seconds']:.2f} | {1e9 * r['seconds'] / r['rows']:.0f} "
              f"| {r['error']:.1e} ({r['checked']:,}) | {r['peak_mb']:.0f} MB |")
    return results


if __name__ == "__main__":
    main()
