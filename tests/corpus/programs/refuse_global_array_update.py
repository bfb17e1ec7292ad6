"""Running statistics kept in a module-level array and updated in place during the forward
pass: state that outlives the call, written in the differentiated path. Refused, located."""
import numpy as np

IDIOM = "RUNNING_MEAN[:] = 0.9 * RUNNING_MEAN + 0.1 * mu on a global array"
EXPECT = "refused"

RUNNING_MEAN = np.zeros(3)


def bn_loss(x, gamma):
    mu = x.mean(axis=0)
    RUNNING_MEAN[:] = 0.9 * RUNNING_MEAN + 0.1 * mu
    xn = (x - mu) / np.sqrt(x.var(axis=0) + 1e-5)
    return np.sum((gamma * xn) ** 2)


def make():
    rng = np.random.default_rng(153)
    return [dict(name="x, gamma", fn=bn_loss, args=(rng.standard_normal((5, 3)), np.ones(3)), wrt=(0, 1))]
