"""A Nielsen-style sigmoid network learns handwritten digits, with gradients from diffc.

The network is 64-30-10: an 8x8 digit image in, 30 sigmoid hidden neurons,
10 sigmoid output neurons, one per digit. The cost is the quadratic cost

    C = 1/(2n) * sum over the n examples of ||a - y||²

where a is the network's output and y the one-hot label, and training is
mini-batch stochastic gradient descent: w <- w - eta * dC/dw on batches of 10.

Convention: *columns*, as in Nielsen's book. An example is a column vector, so a
mini-batch x is 64 x n (one column per image), w1 is 30 x 64, b1 is 30 x 1, and a
layer computes a = sigmoid(w @ a_prev + b).

Nielsen derives the backward pass by hand as four equations (BP1-BP4): the error
delta at the output (BP1), delta moved back a layer through w.T and sigma' (BP2),
dC/db = delta summed over the batch (BP3), dC/dw = delta @ a_prev.T (BP4). Here
nobody writes them: diffc reads `quadratic_cost` and generated `mlp_digits_grad.py`,
whose backward pass is those four equations (open it and look for `w2.T`). It was
produced by

    diffc compile examples/mlp_digits.py --arg w1=30x64 --arg b1=30x1 \\
        --arg w2=10x30 --arg b2=10x1 --arg x=64xN --arg y=10xN

The two layers are written out one after the other, so the generated backward pass
is straight-line code too (no tape, no loop). The calls to the `sigmoid` helper are
inlined by diffc: their lines in the generated code point at `sigmoid`'s own line.

Data: scikit-learn's bundled `load_digits` (1797 images, no download), pixel values
scaled to [0, 1], 1347 images for training and 450 held out for testing.

Run:  python examples/mlp_digits.py                         # 30 epochs, plot to mlp_digits_loss.png
      python examples/mlp_digits.py --epochs 3 --quick      # a quick check, no plot
"""
import argparse
import contextlib
import sys
import time

import numpy as np

import diffc

N_INPUT, N_HIDDEN, N_OUTPUT = 64, 30, 10


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@diffc.grad(wrt=("w1", "b1", "w2", "b2"))
def quadratic_cost(w1, b1, w2, b2, x, y):
    a1 = sigmoid(w1 @ x + b1)            # hidden layer: 30 x n
    a2 = sigmoid(w2 @ a1 + b2)           # output layer: 10 x n
    n = x.shape[1]
    return np.sum((a2 - y) ** 2) / (2 * n)


def feedforward(w1, b1, w2, b2, x):
    return sigmoid(w2 @ sigmoid(w1 @ x + b1) + b2)


def accuracy(params, x, labels):
    return float(np.mean(np.argmax(feedforward(*params, x), axis=0) == labels))


# -- data --------------------------------------------------------------------------------

def load_digits():
    """scikit-learn's digits (8x8 images, 1,797 of them), or a message saying how to get it."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SystemExit("this example trains on scikit-learn's digits data set, and scikit-learn "
                         "is not installed: pip install -e \".[examples]\" (from the repository), "
                         "or pip install scikit-learn") from None
    return load_digits()


def load_data(n_test=450, split_seed=1234):
    """Digits as columns: (x_train 64 x 1347, labels), (x_test 64 x 450, labels).

    The split is the same on every run (its own fixed seed), whatever --seed is.
    """
    digits = load_digits()
    images = digits.data / 16.0                 # pixel intensities 0..16 -> 0..1
    order = np.random.default_rng(split_seed).permutation(len(images))
    images, labels = images[order], digits.target[order]
    train = (images[n_test:].T, labels[n_test:])
    test = (images[:n_test].T, labels[:n_test])
    return train, test


def one_hot(labels):
    """10 x n: column i is the unit vector for labels[i]."""
    return np.eye(N_OUTPUT)[labels].T


# -- a progress bar: tqdm if installed, otherwise a printed one ---------------------------
class PrintedBar:
    """The part of tqdm's interface used here, printed as one line per epoch (to stderr, like tqdm)."""

    def __init__(self, iterable, total, width=30):
        self.iterable, self.total, self.width = iterable, total, width
        self.postfix = ""

    def __iter__(self):
        for done, item in enumerate(self.iterable, start=1):
            yield item
            filled = self.width * done // self.total
            bar = "#" * filled + "." * (self.width - filled)
            print(f"[{bar}] epoch {done}/{self.total} {self.postfix}", file=sys.stderr, flush=True)

    def set_postfix_str(self, text):
        self.postfix = text


class NoBar(PrintedBar):
    def __iter__(self):
        return iter(self.iterable)


def progress(iterable, total, enabled):
    if not enabled:
        return NoBar(iterable, total)
    try:
        from tqdm import tqdm
    except ImportError:
        return PrintedBar(iterable, total)
    return tqdm(iterable, total=total, unit="epoch")


# -- training -------------------------------------------------------------------------------
def single_threaded_blas():
    """The matrices here are tiny: BLAS threads only add overhead (a lot of it on a busy
    machine), so use one. threadpoolctl comes with scikit-learn."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")



def init_params(rng):
    """Biases ~ N(0, 1) as in Nielsen; weights ~ N(0, 1/fan_in) so sigmoids do not saturate."""
    w1 = rng.standard_normal((N_HIDDEN, N_INPUT)) / np.sqrt(N_INPUT)
    b1 = rng.standard_normal((N_HIDDEN, 1))
    w2 = rng.standard_normal((N_OUTPUT, N_HIDDEN)) / np.sqrt(N_HIDDEN)
    b2 = rng.standard_normal((N_OUTPUT, 1))
    return [w1, b1, w2, b2]


def train(params, gradient, train_data, test_data, epochs, batch_size, eta, rng, show_progress):
    """Mini-batch SGD. Returns one record per epoch (and one for the start, epoch 0):
    costs on the training and test sets, test accuracy, seconds since training started."""
    x_train, labels = train_data
    y_train = one_hot(labels)
    x_test, test_labels = test_data
    y_test = one_hot(test_labels)
    n = x_train.shape[1]

    def evaluate(epoch):
        return {"epoch": epoch,
                "train_cost": float(quadratic_cost.primal(*params, x_train, y_train)),
                "test_cost": float(quadratic_cost.primal(*params, x_test, y_test)),
                "test_accuracy": accuracy(params, x_test, test_labels),
                "seconds": time.perf_counter() - start}

    start = time.perf_counter()
    history = [evaluate(0)]
    bar = progress(range(1, epochs + 1), epochs, show_progress)
    for epoch in bar:
        order = rng.permutation(n)
        for k in range(0, n - batch_size + 1, batch_size):   # drop a short last batch
            batch = order[k:k + batch_size]
            grads = gradient(*params, x_train[:, batch], y_train[:, batch])
            for p, g in zip(params, grads):
                p -= eta * g                                 # in place: params holds the arrays
        history.append(evaluate(epoch))
        bar.set_postfix_str(f"cost {history[-1]['train_cost']:.4f}  "
                            f"test accuracy {history[-1]['test_accuracy']:.3f}")
    return history


def plot_history(history, path):
    try:
        import matplotlib
    except ImportError:
        print(f"matplotlib is not installed: no plot written to {path} "
              f"(pip install -e \".[examples]\" from the repository, or pip install matplotlib)")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [r["epoch"] for r in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epochs, [r["train_cost"] for r in history], label="training")
    left.plot(epochs, [r["test_cost"] for r in history], label="test")
    left.set(xlabel="epoch", ylabel="quadratic cost", title="Cost")
    left.legend()
    right.plot(epochs, [100 * r["test_accuracy"] for r in history], color="tab:green")
    right.set(xlabel="epoch", ylabel="%", title="Test accuracy")
    fig.suptitle("64-30-10 sigmoid network on digits, gradients from diffc")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")
    return path


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=None, help="default 30, or 3 with --quick")
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--eta", type=float, default=3.0, help="learning rate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default=None,
                   help="where to save the loss curve (default mlp_digits_loss.png; none with --quick)")
    p.add_argument("--no-plot", action="store_true")
    p.add_argument("--quick", action="store_true",
                   help="for CI: 3 epochs unless --epochs, no progress bar, no plot unless --plot")
    p.add_argument("--runtime", action="store_true",
                   help="train with @diffc.grad compiled at run time instead of mlp_digits_grad.py")
    args = p.parse_args(argv)
    if args.epochs is None:
        args.epochs = 3 if args.quick else 30
    if args.plot is None and not args.quick:
        args.plot = "mlp_digits_loss.png"
    if args.no_plot:
        args.plot = None
    return args


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    train_data, test_data = load_data()
    params = init_params(rng)

    # Two ways to get the same gradient: the module generated ahead of time (plain
    # NumPy, no diffc needed to run it) and diffc.grad compiling at run time.
    from mlp_digits_grad import grad_quadratic_cost
    x, labels = train_data
    sample = (x[:, :args.batch_size], one_hot(labels[:args.batch_size]))
    shipped = grad_quadratic_cost(*params, *sample)
    runtime = quadratic_cost(*params, *sample)
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(shipped, runtime))
    print(f"generated module vs diffc.grad at run time: largest difference {difference:.1e}")
    gradient = quadratic_cost if args.runtime else grad_quadratic_cost

    print(f"training {N_INPUT}-{N_HIDDEN}-{N_OUTPUT} on {x.shape[1]} digits, testing on "
          f"{test_data[0].shape[1]}: {args.epochs} epochs, batches of {args.batch_size}, eta {args.eta}")
    with single_threaded_blas():
        history = train(params, gradient, train_data, test_data, args.epochs, args.batch_size,
                        args.eta, rng, show_progress=not args.quick)
    final = history[-1]
    reached = next((r for r in history if r["test_accuracy"] >= 0.95), None)
    print(f"test accuracy after {final['epoch']} epochs: {100 * final['test_accuracy']:.1f}%")
    print(f"training wall time: {final['seconds']:.2f} s")
    if reached:
        print(f"first reached 95% after epoch {reached['epoch']} ({reached['seconds']:.2f} s)")
    plot = plot_history(history, args.plot) if args.plot else None
    return {"history": history, "test_accuracy": final["test_accuracy"],
            "seconds": final["seconds"], "gradient_difference": difference, "plot": plot}


if __name__ == "__main__":
    main()
