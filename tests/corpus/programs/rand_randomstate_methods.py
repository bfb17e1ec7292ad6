"""A legacy RandomState held on a model object: rs.randn, rs.uniform and rs.permutation used
inside the loss (noise injection, a random subset of rows)."""
import numpy as np

IDIOM = "self.rs = np.random.RandomState(seed); self.rs.randn / uniform / permutation in the loss"
EXPECT = "right"


class NoisyRegression:
    def __init__(self, seed, noise=0.1, subset=4):
        self.rs = np.random.RandomState(seed)
        self.noise = noise
        self.subset = subset

    def loss(self, w, X, y):
        idx = self.rs.permutation(X.shape[0])[:self.subset]
        Xb = X[idx] + self.noise * self.rs.randn(self.subset, X.shape[1])
        scale = self.rs.uniform(0.5, 1.5)
        return scale * np.mean((Xb @ w - y[idx]) ** 2)


def make():
    rng = np.random.default_rng(122)
    model = NoisyRegression(3)
    state = model.rs.get_state()
    X, y, w = rng.standard_normal((7, 3)), rng.standard_normal(7), rng.standard_normal(3)
    return [dict(name="w", fn=model.loss, args=(w, X, y), before=lambda: model.rs.set_state(state))]
