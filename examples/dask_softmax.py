"""The linear softmax classifier trained on more rows than fit in one chunk, with Dask.

The loss is the one of `linear_classifiers.py`, written in plain NumPy. Called with
`dask.array`s (the rows of X and y in chunks), diffc's gradient is made of array-API
calls on Dask's namespace: a lazy graph, which the cluster computes chunk by chunk. No
chunk of X is ever in this process; each worker holds its chunks.

Full-batch gradient descent on synthetic data (10 Gaussian classes in 64 dimensions).
Before training, the gradient on the whole data is checked against diffc's NumPy
gradient on a subsample read back from the cluster (the same rows), to 1e-10.

Run:
    python examples/dask_softmax.py                      # 2,000,000 rows, 4 local workers
    python examples/dask_softmax.py --rows 200000 --steps 5 --workers 2
    python examples/dask_softmax.py --scheduler tcp://host:8786   # a real cluster

On a real cluster (`dask scheduler` on one machine, `dask worker tcp://host:8786` on
each of the others, every one with NumPy, Dask and array-api-compat installed), the
same script runs unchanged with `--scheduler`; the data is generated on the workers.
"""
import argparse
import time

import numpy as np

import diffc


@diffc.grad(wrt=("W", "b"))
def softmax_loss(W, b, X, y, reg):
    N = X.shape[0]
    scores = X @ W + b
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    data_loss = -np.sum(log_probs[np.arange(N), y]) / N
    return data_loss + reg * np.sum(W * W)


def synthetic(rows, chunk, features=64, classes=10, seed=0):
    """X (rows x features) and integer labels y, made on the workers chunk by chunk: a
    chunk of X is one task, which reads its chunk of y and writes its noise and its
    class centres into one array (a worker holds no more than the chunk it makes, as
    when it reads one from storage)."""
    import dask.array as da

    centres = np.random.default_rng(seed).standard_normal((classes, features))
    y = da.random.default_rng(seed + 1).integers(0, classes, size=rows, chunks=chunk)
    X = y.map_blocks(_rows_of, centres, seed + 2, dtype=np.float64, new_axis=1,
                     chunks=(y.chunks[0], (features,)))
    return X, y


def _rows_of(labels, centres, seed, block_id=None):
    """One chunk of X: 3 x standard normal noise around the centre of each row's class
    (overlapping classes), seeded by the chunk's number."""
    X = np.random.default_rng([seed, block_id[0]]).standard_normal((len(labels), centres.shape[1]))
    X *= 3.0
    for start in range(0, len(labels), 8192):           # the centres a few rows at a time
        X[start:start + 8192] += centres[labels[start:start + 8192]]
    return X


def check_against_numpy(X, y, W, b, reg, rows, client):
    """The lazy gradient on the first ``rows`` rows against the NumPy gradient of the same rows."""
    Xs, ys = client.compute([X[:rows], y[:rows]], sync=True)
    dW_np, db_np = softmax_loss(W, b, Xs, ys, reg)
    import dask.array as da
    lazy = softmax_loss(da.from_array(W), da.from_array(b), X[:rows], y[:rows], reg)
    dW, db = client.compute(lazy, sync=True)
    return max(float(np.max(np.abs(dW - dW_np)) / np.max(np.abs(dW_np))),
               float(np.max(np.abs(db - db_np)) / np.max(np.abs(db_np))))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=2_000_000)
    p.add_argument("--chunk", type=int, default=250_000, help="rows per chunk")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--lr", type=float, default=0.5)
    p.add_argument("--reg", type=float, default=1e-4)
    p.add_argument("--workers", type=int, default=4, help="workers of the local cluster")
    p.add_argument("--scheduler", help="address of a running Dask scheduler (default: a LocalCluster)")
    args = p.parse_args(argv)

    import dask.array as da
    from dask.distributed import Client, LocalCluster

    cluster = None if args.scheduler else LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                                       dashboard_address=None)
    client = Client(args.scheduler or cluster)
    try:
        X, y = synthetic(args.rows, args.chunk)
        X, y = client.persist([X, y])          # generated once, kept on the workers
        W, b = np.zeros((64, 10)), np.zeros(10)
        error = check_against_numpy(X, y, 0.01 * np.ones((64, 10)), np.zeros(10), args.reg,
                                    min(args.rows, 2 * args.chunk), client)
        print(f"gradient on {min(args.rows, 2 * args.chunk):,} rows: Dask vs NumPy, max relative "
              f"difference {error:.1e}")
        losses = []
        for step in range(args.steps):
            start = time.perf_counter()
            dW, db = client.compute(softmax_loss(da.from_array(W), da.from_array(b), X, y, args.reg),
                                    sync=True)
            W, b = W - args.lr * dW, b - args.lr * db
            seconds = time.perf_counter() - start
            if step % 5 == 0 or step == args.steps - 1:
                scores = client.compute((X[:100_000] @ W + b).argmax(axis=1) == y[:100_000], sync=True)
                print(f"step {step:3d}: {seconds:.2f} s for the gradient over {args.rows:,} rows, "
                      f"accuracy on the first 100,000 rows {scores.mean():.3f}")
                losses.append(float(scores.mean()))
        return {"error": error, "accuracies": losses}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
