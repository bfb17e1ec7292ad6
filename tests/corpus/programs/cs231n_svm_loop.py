"""A multiclass SVM loss with nested loops, `continue` on the correct class and a hinge test."""
import numpy as np

IDIOM = "nested range loops, continue, if margin > 0 on a differentiated value"
EXPECT = "right"


def svm_loss_naive(W, X, y, reg):
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1
            if margin > 0:
                loss += margin
    loss /= num_train
    loss += reg * np.sum(W * W)
    return loss


def make():
    rng = np.random.default_rng(2)
    W = 0.3 * rng.standard_normal((4, 3))
    X = rng.standard_normal((6, 4))
    y = rng.integers(0, 3, size=6)
    return [dict(name="W", fn=svm_loss_naive, args=(W, X, y, 0.1))]
