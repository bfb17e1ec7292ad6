"""Peer AD systems: autograd, Tangent, jax.grad, jax.jit(jax.grad), PyTorch eager.

Every peer is optional: ``available_peers()`` returns the ones that import, and
``unavailable_notes()`` says why the others are missing. A peer adapter turns a
workload and its NumPy arguments into a zero-argument callable that computes the
gradients in the peer's own types (converting the inputs once, up front, outside
the timed call), plus a converter of that result to a flat list of NumPy arrays for
the correctness check against the hand-written gradients.

* autograd runs ``models.py`` itself: a second copy of that module is loaded with its
  global ``np`` bound to ``autograd.numpy``, so it differentiates the exact source
  diffc reads. Tangent reads that source too, as diffc does.
* JAX and PyTorch get mirrors of each model below, line for line (jax.numpy resp.
  torch in place of numpy, float64 throughout).

Thread settings are made by ``benchmarks.run`` before anything here is imported.
"""
import importlib.util
import os

import numpy as np

_NOTES = {}


# ======================================================================================
# autograd
# ======================================================================================
def _load_autograd():
    import autograd
    import autograd.numpy as anp
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models.py")
    spec = importlib.util.spec_from_file_location("benchmarks._models_autograd", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.np = anp                 # the functions look np up at call time
    return autograd, module


class AutogradPeer:
    name = "autograd"

    def __init__(self):
        self.autograd, self.models = _load_autograd()

    def version(self):
        from importlib.metadata import version
        return version("autograd")

    def prepare(self, workload, args):
        loss = getattr(self.models, workload.loss.__name__)
        wrt = workload.wrt

        def packed(wrt_values):
            full = list(args)
            for i, v in zip(wrt, wrt_values):
                full[i] = v
            return loss(*full)

        grad = self.autograd.grad(packed)
        wrt_values = tuple(args[i] for i in wrt)
        return lambda: grad(wrt_values)

    @staticmethod
    def to_numpy(grads):
        return flatten(grads, np.asarray)


# ======================================================================================
# Tangent
# ======================================================================================
class TangentPeer:
    """Tangent (``tangent-ad``, the maintained fork of Google's Tangent): source-to-source
    like diffc; it reads ``models.py`` itself and its generated gradient is timed."""
    name = "Tangent"

    def __init__(self):
        import tangent
        self.tangent = tangent

    def version(self):
        from importlib.metadata import PackageNotFoundError, version
        for dist in ("tangent-ad", "tangent"):
            try:
                return version(dist)
            except PackageNotFoundError:
                continue
        return "?"

    def prepare(self, workload, args):
        import warnings
        with warnings.catch_warnings():     # its generated code has `if 1 is None:` lines
            warnings.simplefilter("ignore", SyntaxWarning)
            grad = self.tangent.grad(workload.loss, wrt=workload.wrt, verbose=0)
        return lambda: grad(*args)

    @staticmethod
    def to_numpy(grads):
        return flatten(grads, np.asarray)


# ======================================================================================
# JAX mirrors
# ======================================================================================
def _jax_models(jnp):
    def nielsen_mlp_loss(w1, b1, w2, b2, x, y):
        z1 = w1 @ x + b1
        a1 = 1 / (1 + jnp.exp(-z1))
        z2 = w2 @ a1 + b2
        a2 = 1 / (1 + jnp.exp(-z2))
        n = x.shape[1]
        return 0.5 * jnp.sum((a2 - y) ** 2) / n

    def two_layer_net_loss(W1, b1, W2, b2, x, t):
        a1 = x @ W1 + b1
        z1 = jnp.maximum(0, a1)
        a2 = z1 @ W2 + b2
        exp_a = jnp.exp(a2 - jnp.max(a2, axis=1, keepdims=True))
        y = exp_a / jnp.sum(exp_a, axis=1, keepdims=True)
        batch_size = x.shape[0]
        return -jnp.sum(t * jnp.log(y + 1e-7)) / batch_size

    def two_layer_net_loss_params(params, x, t):
        return two_layer_net_loss(params["W1"], params["b1"], params["W2"], params["b2"],
                                  x, t)

    def add_mul(x, y, z):
        return (x + y) * z

    def sigmoid_neuron(w0, x0, w1, x1, w2):
        dot = w0 * x0 + w1 * x1 + w2
        return 1 / (1 + jnp.exp(-dot))

    def softmax_loss(W, X, y, reg):
        num_train = X.shape[0]
        scores = X @ W
        scores = scores - jnp.max(scores, axis=1, keepdims=True)
        exp_scores = jnp.exp(scores)
        probs = exp_scores / jnp.sum(exp_scores, axis=1, keepdims=True)
        correct_logprobs = -jnp.log(probs[jnp.arange(num_train), y])
        data_loss = jnp.sum(correct_logprobs) / num_train
        return data_loss + reg * jnp.sum(W * W)

    def svm_loss(W, X, y, reg):
        num_train = X.shape[0]
        scores = X @ W
        correct_class_scores = scores[jnp.arange(num_train), y][:, None]
        margins = jnp.maximum(0, scores - correct_class_scores + 1.0)
        not_correct = jnp.arange(W.shape[1]) != y[:, None]
        data_loss = jnp.sum(margins * not_correct) / num_train
        return data_loss + reg * jnp.sum(W * W)

    def tanh_mlp8_loss(W1, b1, W2, b2, W3, b3, W4, b4, W5, b5, W6, b6, W7, b7, W8, b8,
                       X, Y):
        h1 = jnp.tanh(X @ W1 + b1)
        h2 = jnp.tanh(h1 @ W2 + b2)
        h3 = jnp.tanh(h2 @ W3 + b3)
        h4 = jnp.tanh(h3 @ W4 + b4)
        h5 = jnp.tanh(h4 @ W5 + b5)
        h6 = jnp.tanh(h5 @ W6 + b6)
        h7 = jnp.tanh(h6 @ W7 + b7)
        h8 = jnp.tanh(h7 @ W8 + b8)
        return 0.5 * jnp.sum((h8 - Y) ** 2) / X.shape[0]

    def tanh_mlp_loop_loss(Ws, bs, X, Y):
        h = X
        for i in range(Ws.shape[0]):
            h = jnp.tanh(h @ Ws[i] + bs[i])
        return 0.5 * jnp.sum((h - Y) ** 2) / X.shape[0]

    def rnn_loss(Wx, Wh, b, Wy, by, xs, ys):
        num_steps = xs.shape[0]
        batch_size = xs.shape[1]
        h = jnp.zeros((batch_size, Wh.shape[0]))
        for t in range(num_steps):
            h = jnp.tanh(xs[t] @ Wx + h @ Wh + b)
        scores = h @ Wy + by
        return 0.5 * jnp.sum((scores - ys) ** 2) / batch_size

    return {k: v for k, v in locals().items() if callable(v) and k != "jnp"}


class _JaxBase:
    def __init__(self):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        self.jax, self.jnp = jax, jnp
        self.models = _jax_models(jnp)
        self._cache = {}

    def version(self):
        import jaxlib
        return f"{self.jax.__version__} (jaxlib {jaxlib.__version__})"

    def _convert(self, value, differentiated):
        jnp = self.jnp
        if isinstance(value, dict):
            return {k: self._convert(v, differentiated) for k, v in value.items()}
        if isinstance(value, np.ndarray):
            return jnp.asarray(value)
        if differentiated:                     # a Python float we differentiate
            return jnp.asarray(value, dtype=jnp.float64)
        return value

    def prepare(self, workload, args):
        fn = self.models[workload.loss.__name__]
        key = workload.name
        if key not in self._cache:         # one jit cache entry per workload
            grad = self.jax.grad(fn, argnums=workload.wrt)
            self._cache[key] = self.jax.jit(grad) if self.jit else grad
        grad = self._cache[key]
        jargs = [self._convert(a, i in workload.wrt) for i, a in enumerate(args)]
        block = self.jax.block_until_ready
        return lambda: block(grad(*jargs))

    @staticmethod
    def to_numpy(grads):
        return flatten(grads, np.asarray)


class JaxGradPeer(_JaxBase):
    name = "jax.grad"
    jit = False


class JaxJitPeer(_JaxBase):
    name = "jax.jit(grad)"
    jit = True


# ======================================================================================
# PyTorch mirrors (eager mode)
# ======================================================================================
def _torch_models(torch):
    def nielsen_mlp_loss(w1, b1, w2, b2, x, y):
        z1 = w1 @ x + b1
        a1 = 1 / (1 + torch.exp(-z1))
        z2 = w2 @ a1 + b2
        a2 = 1 / (1 + torch.exp(-z2))
        n = x.shape[1]
        return 0.5 * torch.sum((a2 - y) ** 2) / n

    def two_layer_net_loss(W1, b1, W2, b2, x, t):
        a1 = x @ W1 + b1
        z1 = torch.clamp(a1, min=0)
        a2 = z1 @ W2 + b2
        exp_a = torch.exp(a2 - torch.amax(a2, dim=1, keepdim=True))
        y = exp_a / torch.sum(exp_a, dim=1, keepdim=True)
        batch_size = x.shape[0]
        return -torch.sum(t * torch.log(y + 1e-7)) / batch_size

    def two_layer_net_loss_params(params, x, t):
        return two_layer_net_loss(params["W1"], params["b1"], params["W2"], params["b2"],
                                  x, t)

    def add_mul(x, y, z):
        return (x + y) * z

    def sigmoid_neuron(w0, x0, w1, x1, w2):
        dot = w0 * x0 + w1 * x1 + w2
        return 1 / (1 + torch.exp(-dot))

    def softmax_loss(W, X, y, reg):
        num_train = X.shape[0]
        scores = X @ W
        scores = scores - torch.amax(scores, dim=1, keepdim=True)
        exp_scores = torch.exp(scores)
        probs = exp_scores / torch.sum(exp_scores, dim=1, keepdim=True)
        correct_logprobs = -torch.log(probs[torch.arange(num_train), y])
        data_loss = torch.sum(correct_logprobs) / num_train
        return data_loss + reg * torch.sum(W * W)

    def svm_loss(W, X, y, reg):
        num_train = X.shape[0]
        scores = X @ W
        correct_class_scores = scores[torch.arange(num_train), y][:, None]
        margins = torch.clamp(scores - correct_class_scores + 1.0, min=0)
        not_correct = torch.arange(W.shape[1]) != y[:, None]
        data_loss = torch.sum(margins * not_correct) / num_train
        return data_loss + reg * torch.sum(W * W)

    def tanh_mlp8_loss(W1, b1, W2, b2, W3, b3, W4, b4, W5, b5, W6, b6, W7, b7, W8, b8,
                       X, Y):
        h1 = torch.tanh(X @ W1 + b1)
        h2 = torch.tanh(h1 @ W2 + b2)
        h3 = torch.tanh(h2 @ W3 + b3)
        h4 = torch.tanh(h3 @ W4 + b4)
        h5 = torch.tanh(h4 @ W5 + b5)
        h6 = torch.tanh(h5 @ W6 + b6)
        h7 = torch.tanh(h6 @ W7 + b7)
        h8 = torch.tanh(h7 @ W8 + b8)
        return 0.5 * torch.sum((h8 - Y) ** 2) / X.shape[0]

    def tanh_mlp_loop_loss(Ws, bs, X, Y):
        h = X
        for i in range(Ws.shape[0]):
            h = torch.tanh(h @ Ws[i] + bs[i])
        return 0.5 * torch.sum((h - Y) ** 2) / X.shape[0]

    def rnn_loss(Wx, Wh, b, Wy, by, xs, ys):
        num_steps = xs.shape[0]
        batch_size = xs.shape[1]
        h = torch.zeros((batch_size, Wh.shape[0]), dtype=torch.float64)
        for t in range(num_steps):
            h = torch.tanh(xs[t] @ Wx + h @ Wh + b)
        scores = h @ Wy + by
        return 0.5 * torch.sum((scores - ys) ** 2) / batch_size

    return {k: v for k, v in locals().items() if callable(v) and k != "torch"}


class TorchPeer:
    name = "torch eager"

    def __init__(self, threads=None):
        import torch
        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.models = _torch_models(torch)

    def version(self):
        return self.torch.__version__

    def _convert(self, value, differentiated, leaves):
        torch = self.torch
        if isinstance(value, dict):      # leaves in sorted-key order, like flatten()
            out = {k: self._convert(value[k], differentiated, leaves) for k in sorted(value)}
            return out
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "iu":
                return torch.from_numpy(value.astype(np.int64))
            tensor = torch.from_numpy(value.copy())
        elif differentiated:
            tensor = torch.tensor(value, dtype=torch.float64)
        else:
            return value
        if differentiated:
            tensor.requires_grad_(True)
            leaves.append(tensor)
        return tensor

    def prepare(self, workload, args):
        fn = self.models[workload.loss.__name__]
        leaves = []
        targs = [self._convert(a, i in workload.wrt, leaves) for i, a in enumerate(args)]
        grad = self.torch.autograd.grad
        return lambda: grad(fn(*targs), leaves)

    @staticmethod
    def to_numpy(grads):
        return flatten(grads, lambda t: t.detach().cpu().numpy())


# ======================================================================================
# diffc's own gradient on their arrays (the array-API form, diffc/backend/portable.py)
# ======================================================================================
def _diffc_grad(workload):
    import diffc
    return diffc.grad(workload.loss, wrt=workload.wrt)


class DiffcTorchPeer:
    """diffc's gradient of the ``models.py`` loss called on float64 CPU tensors (it runs
    torch's kernels under ``torch.no_grad()``: no tape)."""
    name = "diffc on torch"

    def __init__(self, threads=None):
        import torch
        if threads:
            torch.set_num_threads(threads)
        import array_api_compat  # noqa: F401  (the form needs it: skipped, with a note, without)
        self.torch = torch

    def version(self):
        return f"torch {self.torch.__version__}"

    def _convert(self, value):
        if isinstance(value, dict):
            return {k: self._convert(v) for k, v in value.items()}
        if isinstance(value, np.ndarray):
            return self.torch.from_numpy(value.astype(np.int64) if value.dtype.kind in "iu" else value.copy())
        if isinstance(value, float):
            return self.torch.tensor(value, dtype=self.torch.float64)
        return value

    def prepare(self, workload, args):
        grad = _diffc_grad(workload)
        targs = [self._convert(a) for a in args]
        return lambda: grad(*targs)

    @staticmethod
    def to_numpy(grads):
        return flatten(grads, lambda t: t.detach().cpu().numpy() if hasattr(t, "detach") else t)


class DiffcJaxJitPeer(_JaxBase):
    """``jax.jit`` of diffc's gradient of the ``models.py`` loss on JAX arrays."""
    name = "jax.jit of diffc"

    def __init__(self):
        super().__init__()
        import array_api_compat  # noqa: F401

    def prepare(self, workload, args):
        key = workload.name
        if key not in self._cache:
            self._cache[key] = self.jax.jit(_diffc_grad(workload))
        grad = self._cache[key]
        jargs = [self._convert(a, isinstance(a, float)) for a in args]
        block = self.jax.block_until_ready
        return lambda: block(grad(*jargs))


# ======================================================================================
# helpers
# ======================================================================================
def flatten(grads, leaf=np.asarray):
    """Tuples/lists in order and dicts by sorted key, down to a flat list of arrays."""
    if isinstance(grads, dict):
        return [a for k in sorted(grads) for a in flatten(grads[k], leaf)]
    if isinstance(grads, (tuple, list)):
        return [a for g in grads for a in flatten(g, leaf)]
    return [np.asarray(leaf(grads), dtype=np.float64)]


def available_peers(threads=None, names=None):
    """Instantiate every importable peer (or those in ``names``), in column order.

    A peer that fails to import is skipped; ``unavailable_notes()`` says why.
    """
    peers = []
    for cls in (AutogradPeer, TangentPeer, JaxGradPeer, JaxJitPeer, DiffcJaxJitPeer, TorchPeer, DiffcTorchPeer):
        if names is not None and cls.name not in names:
            continue
        try:
            peers.append(cls(threads) if cls in (TorchPeer, DiffcTorchPeer) else cls())
        except Exception as exc:    # ImportError, or a broken install
            text = str(exc).strip().splitlines()
            _NOTES[cls.name] = f"{type(exc).__name__}: {text[0] if text else ''}"
    return peers


def unavailable_notes():
    return dict(_NOTES)


PEER_NAMES = [AutogradPeer.name, TangentPeer.name, JaxGradPeer.name, JaxJitPeer.name, DiffcJaxJitPeer.name,
              TorchPeer.name, DiffcTorchPeer.name]
