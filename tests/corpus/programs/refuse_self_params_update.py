"""An optimiser step taken inside the loss method: the weights held by the object are updated
in place (self.W -= lr * ...), state that outlives the call. Refused, located."""
import numpy as np

IDIOM = "self.W -= self.lr * self.W inside the differentiated method (in-place update of held weights)"
EXPECT = "refused"


class DecayingModel:
    def __init__(self, W, lr):
        self.W = W
        self.lr = lr

    def loss(self, x, y):
        self.W -= self.lr * self.W
        return np.sum((x @ self.W - y) ** 2)


def make():
    rng = np.random.default_rng(157)
    model = DecayingModel(rng.standard_normal((3, 2)), 0.01)
    return [dict(name="input x", fn=model.loss, args=(rng.standard_normal((4, 3)), rng.standard_normal((4, 2))))]
