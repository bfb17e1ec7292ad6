"""The programs whose chains diffc ships solved (``diffc/optimize/recipes/``): the seed
notes' models, the benchmark models, the golden files' models and common activations and
losses written the usual ways. ``compile_all()`` compiles each one's gradient once."""
import numpy as np

from benchmarks import workloads
from tests import seed_cases
from tests.test_golden import CASES as GOLDEN


def sigmoid(z):
    return np.sum(1 / (1 + np.exp(-z)))


def sigmoid_tanh_form(z):
    return np.sum(0.5 * (1 + np.tanh(0.5 * z)))


def tanh_squared(x):
    return np.sum(np.tanh(x) ** 2)


def softplus(x):
    return np.sum(np.log(1 + np.exp(x)))


def log_sigmoid(x):
    return np.sum(-np.log(1 + np.exp(-x)))


def swish(x):
    return np.sum(x / (1 + np.exp(-x)))


def gelu_tanh(x):
    return np.sum(0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))))


def elu_positive_part(x):
    return np.sum(np.exp(x) - 1)


def binary_cross_entropy(z, t):
    p = 1 / (1 + np.exp(-z))
    return -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p))


def mean_squared_error(w, x, t):
    return np.mean((x @ w - t) ** 2)


def gaussian_log_likelihood(mu, log_sigma, x):
    return np.sum(-0.5 * ((x - mu) / np.exp(log_sigma)) ** 2 - log_sigma)


ACTIVATIONS = [sigmoid, sigmoid_tanh_form, tanh_squared, softplus, log_sigmoid, swish, gelu_tanh,
               elu_positive_part]


def programs():
    """``(name, function, wrt, args)`` for every program."""
    rng = np.random.default_rng(0)
    out = [(c.id, c.model, c.wrt, c.args()) for c in seed_cases.CASES]
    out += [(f"benchmark {w.name}", w.loss, w.wrt, w.make_args(rng, True)) for w in workloads.WORKLOADS]
    out += [(f"golden {name}", f, wrt, args) for name, (f, wrt, args) in sorted(GOLDEN.items())]
    x = rng.uniform(0.2, 0.8, (4, 3))
    out += [(f.__name__, f, 0, (x,)) for f in ACTIVATIONS]
    out += [("binary_cross_entropy", binary_cross_entropy, 0, (x, (x > 0.5).astype(float))),
            ("mean_squared_error", mean_squared_error, 0, (rng.standard_normal(3), x, rng.standard_normal(4))),
            ("gaussian_log_likelihood", gaussian_log_likelihood, (0, 1), (0.1, -0.2, x))]
    return out


def compile_all():
    import diffc

    for _, f, wrt, args in programs():
        diffc.grad(f, wrt=wrt)(*args)


if __name__ == "__main__":
    compile_all()
