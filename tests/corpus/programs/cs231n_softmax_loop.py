"""A softmax classifier's loss written with explicit loops, as in the first course assignment."""
import numpy as np

IDIOM = "range loops over examples, scores -= np.max(scores), loss += per example"
EXPECT = "right"


def softmax_loss_naive(W, X, y, reg):
    loss = 0.0
    num_train = X.shape[0]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        exp_scores = np.exp(scores)
        loss += -np.log(exp_scores[y[i]] / np.sum(exp_scores))
    loss /= num_train
    loss += reg * np.sum(W * W)
    return loss


def make():
    rng = np.random.default_rng(0)
    W = 0.1 * rng.standard_normal((5, 3))
    X = rng.standard_normal((6, 5))
    y = rng.integers(0, 3, size=6)
    return [dict(name="W", fn=softmax_loss_naive, args=(W, X, y, 0.1)),
            dict(name="W and X", fn=softmax_loss_naive, args=(W, X, y, 0.05), wrt=(0, 1))]
