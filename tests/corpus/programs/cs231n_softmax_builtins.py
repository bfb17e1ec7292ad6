"""The loop softmax as handed in, returning (loss, dW): builtin max and sum on arrays, a
Python 2 alias, and the hand-written gradient accumulated into a local array; the user asks
diffc for the gradient with has_aux=True to check their own dW against it."""
import numpy as np

IDIOM = "builtin max()/sum() on arrays, xrange alias, returns (loss, dW) with has_aux"
EXPECT = "right"

xrange = range


def softmax_loss_naive(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    for i in xrange(num_train):
        scores = np.dot(X[i], W)
        shift_scores = scores - max(scores)
        denom = np.log(sum(np.exp(shift_scores)))
        loss += -shift_scores[y[i]] + denom
        for j in range(num_classes):
            softmax_output = np.exp(shift_scores[j]) / sum(np.exp(shift_scores))
            if j == y[i]:
                dW[:, j] += (-1 + softmax_output) * X[i]
            else:
                dW[:, j] += softmax_output * X[i]
    loss /= num_train
    loss += 0.5 * reg * np.sum(W * W)
    dW = dW / num_train + reg * W
    return loss, dW


def make():
    rng = np.random.default_rng(1)
    W = 0.1 * rng.standard_normal((4, 3))
    X = rng.standard_normal((5, 4))
    y = rng.integers(0, 3, size=5)
    return [dict(name="W, has_aux", fn=softmax_loss_naive, args=(W, X, y, 0.2), api="grad_aux"),
            dict(name="W, lambda [0]", fn=lambda W: softmax_loss_naive(W, X, y, 0.2)[0], args=(W,))]
