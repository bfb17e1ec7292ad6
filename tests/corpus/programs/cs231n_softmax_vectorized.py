"""The vectorised softmax loss: `range(N)` (and `list(y)`) as fancy indices, a row-max shift
through reshape(-1, 1)."""
import numpy as np

IDIOM = "S[range(N), y] and S[range(N), list(y)] fancy indices, np.max(...).reshape(-1, 1), reg term"
EXPECT = "right"


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    shift_scores = scores - np.max(scores, axis=1).reshape(-1, 1)
    softmax_output = np.exp(shift_scores) / np.sum(np.exp(shift_scores), axis=1).reshape(-1, 1)
    loss = -np.sum(np.log(softmax_output[range(num_train), y]))
    loss /= num_train
    loss += 0.5 * reg * np.sum(W * W)
    return loss


def softmax_loss_list_labels(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    shift_scores = scores - np.max(scores, axis=1).reshape(-1, 1)
    softmax_output = np.exp(shift_scores) / np.sum(np.exp(shift_scores), axis=1).reshape(-1, 1)
    loss = -np.sum(np.log(softmax_output[range(num_train), list(y)]))
    return loss / num_train + 0.5 * reg * np.sum(W * W)


def make():
    rng = np.random.default_rng(3)
    W = 0.1 * rng.standard_normal((5, 4))
    X = rng.standard_normal((7, 5))
    y = rng.integers(0, 4, size=7)
    return [dict(name="range(N), y", fn=softmax_loss_vectorized, args=(W, X, y, 0.3)),
            dict(name="range(N), list(y)", fn=softmax_loss_list_labels, args=(W, X, y, 0.3))]
