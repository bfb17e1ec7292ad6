"""diffc's gradient of the linear softmax classifier over Dask arrays on a LocalCluster:
time per row from 10^5 to 10^7 rows, agreement with NumPy, memory per worker.

    python -m benchmarks.dask_scaling                        # 10^5, 10^6, 10^7 rows, 4 workers
    python -m benchmarks.dask_scaling --rows 100000 1000000 --workers 2 --chunk 100000

The loss is ``examples/dask_softmax.py``'s (plain NumPy, 64 features, 10 classes). Each
size makes its data on the workers, chunk by chunk, inside the timed graph (no chunk is
kept: a worker holds the chunks it is computing, whatever the number of rows), and the
gradient is computed three times; the table shows the median. Before timing, the gradient
over the first two chunks is checked against diffc's NumPy gradient of the same rows (read
back from the cluster). Each worker's peak resident memory is its process's ``ru_maxrss``
after the runs (it includes the Python interpreter, NumPy and Dask: about 100-150 MB
before any chunk). Needs the ``dask`` extra (``pip install 'diffc[dask]'``).
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
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(client, rows, chunk, repeat=3):
    import dask.array as da

    X, y = dask_softmax.synthetic(rows, chunk)
    W, b = 0.01 * np.ones((64, 10)), np.zeros(10)
    checked = min(rows, 2 * chunk)
    error = dask_softmax.check_against_numpy(X, y, W, b, 1e-4, checked, client)
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
    args = p.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        results = [measure(client, rows, min(args.chunk, rows)) for rows in args.rows]
    chunk_mb = args.chunk * 64 * 8 / 2 ** 20
    print(f"{args.workers} workers (1 thread each), chunks of {args.chunk:,} rows x 64 float64 "
          f"({chunk_mb:.0f} MB)\n")
    print("| rows | chunks | gradient s | µs per 1,000 rows | vs NumPy (max rel. diff, rows checked) "
          "| peak RSS of a worker |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['rows']:,} | {r['chunks']} | {r['seconds']:.2f} | {1e9 * r['seconds'] / r['rows']:.0f} "
              f"| {r['error']:.1e} ({r['checked']:,}) | {r['peak_mb']:.0f} MB |")
    return results


if __name__ == "__main__":
    main()
