"""The workload registry: which loss, which arguments are differentiated, what data.

A ``Workload`` ties a loss in ``models.py`` to its hand-written gradient in
``handwritten.py`` and to a generator of its arguments, at the benchmark size
(``small=False``) or at a small size for the finite-difference check (``small=True``).
Data is random but seeded, float64, with initialisations that keep the nonlinearities
out of saturation (so that gradients are not all ~0 and comparisons mean something).
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from benchmarks import handwritten, models


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    loss: Callable              # the NumPy loss (models.py)
    grad: Callable              # the hand-written gradient (handwritten.py)
    wrt: tuple                  # indices of the differentiated arguments
    make_args: Callable         # (rng, small) -> list of arguments
    size: str                   # human description of the benchmark size


def _glorot(rng, fan_in, shape):
    return rng.standard_normal(shape) / np.sqrt(fan_in)


def _one_hot_rows(rng, n, k):
    t = np.zeros((n, k))
    t[np.arange(n), rng.integers(0, k, n)] = 1.0
    return t


def _nielsen_args(rng, small):
    sizes, n = ([6, 4, 3], 3) if small else ([784, 30, 10], 10)
    w1 = _glorot(rng, sizes[0], (sizes[1], sizes[0]))
    b1 = rng.standard_normal((sizes[1], 1))
    w2 = _glorot(rng, sizes[1], (sizes[2], sizes[1]))
    b2 = rng.standard_normal((sizes[2], 1))
    x = rng.random((sizes[0], n))                 # pixel-like inputs in [0, 1)
    y = _one_hot_rows(rng, n, sizes[2]).T          # one-hot columns
    return [w1, b1, w2, b2, x, y]


def _two_layer_args(rng, small):
    d, h, k, n = (5, 4, 3, 4) if small else (784, 50, 10, 100)
    W1 = _glorot(rng, d, (d, h))
    b1 = 0.1 * rng.standard_normal(h)
    W2 = _glorot(rng, h, (h, k))
    b2 = 0.1 * rng.standard_normal(k)
    x = rng.random((n, d))                         # MNIST-like pixels in [0, 1)
    t = _one_hot_rows(rng, n, k)
    return [W1, b1, W2, b2, x, t]


def _two_layer_params_args(rng, small):
    W1, b1, W2, b2, x, t = _two_layer_args(rng, small)
    return [{"W1": W1, "b1": b1, "W2": W2, "b2": b2}, x, t]


def _add_mul_args(rng, small):
    return [-2.0, 5.0, -4.0]


def _sigmoid_neuron_args(rng, small):
    return [2.0, -1.0, -3.0, -2.0, -3.0]


def _linear_classifier_args(rng, small):
    n, d, k = (7, 5, 3) if small else (500, 3073, 10)
    W = (1.5 if small else 0.02) * rng.standard_normal((d, k))
    X = rng.standard_normal((n, d))              # centred CIFAR-like rows (+ bias column)
    X[:, -1] = 1.0
    y = rng.integers(0, k, n)
    reg = 0.1
    return [W, X, y, reg]


def _tanh_layers(rng, width, layers):
    Ws = [_glorot(rng, width, (width, width)) for _ in range(layers)]
    bs = [0.1 * rng.standard_normal(width) for _ in range(layers)]
    return Ws, bs


def _tanh_mlp8_args(rng, small):
    width, n = (4, 3) if small else (256, 256)
    Ws, bs = _tanh_layers(rng, width, 8)
    args = []
    for W, b in zip(Ws, bs):
        args += [W, b]
    X = rng.standard_normal((n, width))
    Y = np.tanh(rng.standard_normal((n, width)))
    return args + [X, Y]


def _tanh_mlp_loop_args(rng, small):
    width, n = (4, 3) if small else (256, 256)
    Ws, bs = _tanh_layers(rng, width, 8)
    X = rng.standard_normal((n, width))
    Y = np.tanh(rng.standard_normal((n, width)))
    return [np.stack(Ws), np.stack(bs), X, Y]


def _rnn_args(rng, small):
    T, H, D, N, K = (4, 3, 2, 2, 2) if small else (50, 64, 32, 16, 10)
    Wx = _glorot(rng, D, (D, H))
    Wh = 0.9 * _glorot(rng, H, (H, H))
    b = 0.1 * rng.standard_normal(H)
    Wy = _glorot(rng, H, (H, K))
    by = 0.1 * rng.standard_normal(K)
    xs = rng.standard_normal((T, N, D))
    ys = rng.standard_normal((N, K))
    return [Wx, Wh, b, Wy, by, xs, ys]


WORKLOADS = [
    Workload("nielsen_mlp", "Nielsen sigmoid MLP [784,30,10], quadratic cost",
             models.nielsen_mlp_loss, handwritten.nielsen_mlp_grad, (0, 1, 2, 3),
             _nielsen_args, "batch 10"),
    Workload("two_layer_net", "Affine-ReLU-Affine-SoftmaxWithLoss 784-50-10",
             models.two_layer_net_loss, handwritten.two_layer_net_grad, (0, 1, 2, 3),
             _two_layer_args, "batch 100"),
    Workload("two_layer_net_params", "two_layer_net, params dict argument",
             models.two_layer_net_loss_params, handwritten.two_layer_net_params_grad, (0,),
             _two_layer_params_args, "batch 100"),
    Workload("add_mul", "(x + y) * z on Python floats",
             models.add_mul, handwritten.add_mul_grad, (0, 1, 2),
             _add_mul_args, "scalars"),
    Workload("sigmoid_neuron", "sigmoid(w0*x0 + w1*x1 + w2), 5 floats",
             models.sigmoid_neuron, handwritten.sigmoid_neuron_grad, (0, 1, 2, 3, 4),
             _sigmoid_neuron_args, "scalars"),
    Workload("softmax_linear", "softmax loss, linear classifier, L2 reg",
             models.softmax_loss, handwritten.softmax_loss_grad, (0,),
             _linear_classifier_args, "X 500x3073, 10 classes"),
    Workload("svm_linear", "multiclass SVM loss, linear classifier, L2 reg",
             models.svm_loss, handwritten.svm_loss_grad, (0,),
             _linear_classifier_args, "X 500x3073, 10 classes"),
    Workload("tanh_mlp8", "8-layer tanh MLP, straight-line",
             models.tanh_mlp8_loss, handwritten.tanh_mlp8_grad, tuple(range(16)),
             _tanh_mlp8_args, "width 256, batch 256"),
    Workload("tanh_mlp8_loop", "8-layer tanh MLP, for loop over stacked Ws",
             models.tanh_mlp_loop_loss, handwritten.tanh_mlp_loop_grad, (0, 1),
             _tanh_mlp_loop_args, "width 256, batch 256"),
    Workload("rnn", "vanilla RNN, Python for loop (BPTT)",
             models.rnn_loss, handwritten.rnn_grad, (0, 1, 2, 3, 4),
             _rnn_args, "T=50 H=64 D=32 N=16"),
]

BY_NAME = {w.name: w for w in WORKLOADS}


def warmup_loss(x):
    """Not a workload: compiled once by the runner before diffc's compile times are taken,
    so one-time costs (imports, sympy's first simplification) are not charged to the first
    workload. One sigmoid line: it goes through every pass once."""
    return 1.0 / (1.0 + np.exp(-x * x))


def make_args(workload, small=False, seed=0):
    """Fresh arguments for ``workload`` (seeded: the same every call)."""
    return workload.make_args(np.random.default_rng(seed), small)
