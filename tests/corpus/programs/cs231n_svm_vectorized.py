"""The vectorised SVM loss: zeroing the correct class's margin in place in a local array."""
import numpy as np

IDIOM = "margins[np.arange(N), y] = 0 on a local, np.newaxis, np.maximum(0, .)"
EXPECT = "right"


def svm_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y]
    margins = np.maximum(0, scores - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train
    loss += reg * np.sum(W * W)
    return loss


def make():
    rng = np.random.default_rng(4)
    W = 0.2 * rng.standard_normal((5, 4))
    X = rng.standard_normal((8, 5))
    y = rng.integers(0, 4, size=8)
    return [dict(name="W", fn=svm_loss_vectorized, args=(W, X, y, 0.05))]
