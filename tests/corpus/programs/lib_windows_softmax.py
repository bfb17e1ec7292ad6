"""A convolution written with NumPy alone (sliding_window_view then einsum, as modern
im2col-free code does), SciPy's softmax and log_softmax for the classifier head, and a
polynomial feature map with np.vander / np.polyval."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import log_softmax, softmax

IDIOM = "sliding_window_view + einsum conv, scipy.special.softmax/log_softmax, np.vander, np.polyval"
EXPECT = "right"


def conv_classifier(w, b, V, x, y):
    F, C, kh, kw = w.shape
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))
    feats = np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]
    pooled = np.maximum(feats, 0).mean(axis=(2, 3))
    logits = pooled @ V
    probs = softmax(logits, axis=1)
    return -np.mean(log_softmax(logits, axis=1)[np.arange(len(y)), y]) + 1e-3 * np.sum(probs ** 2)


def poly_regression(coef, t, target):
    X = np.vander(t, len(coef))
    smooth = np.polyval(coef, t)
    return np.mean((X @ coef - target) ** 2) + 0.1 * np.mean(smooth ** 2)


def make():
    rng = np.random.default_rng(74)
    x = rng.standard_normal((3, 2, 6, 5))
    w, b = 0.5 * rng.standard_normal((4, 2, 3, 2)), 0.1 * rng.standard_normal(4)
    V, y = rng.standard_normal((4, 3)), rng.integers(0, 3, size=3)
    t = np.linspace(-1, 1, 9)
    return [dict(name="conv weights and head", fn=conv_classifier, args=(w, b, V, x, y), wrt=(0, 1, 2)),
            dict(name="input image", fn=conv_classifier, args=(w, b, V, x, y), wrt=3),
            dict(name="polynomial coefficients", fn=poly_regression,
                 args=(rng.standard_normal(4), t, np.sin(3 * t)), wrt=0)]
