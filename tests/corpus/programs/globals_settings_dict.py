"""A module-level settings dict read by the loss (CONFIG["reg"], CONFIG["activation"]), then
edited between calls the way a notebook user tunes a hyperparameter."""
import numpy as np

IDIOM = "module-level CONFIG dict read by the loss, CONFIG['reg'] edited between calls"
EXPECT = "right"

CONFIG = {"reg": 0.1, "activation": "tanh"}


def loss(w, x, y):
    z = x @ w
    if CONFIG["activation"] == "tanh":
        z = np.tanh(z)
    return np.mean((z - y) ** 2) + CONFIG["reg"] * np.sum(w ** 2)


def _tune(case):
    CONFIG["reg"] = 1.5
    CONFIG["activation"] = "linear"


def make():
    CONFIG.clear()
    CONFIG.update({"reg": 0.1, "activation": "tanh"})
    rng = np.random.default_rng(78)
    w, x, y = rng.standard_normal(3), rng.standard_normal((5, 3)), rng.standard_normal(5)
    return [dict(name="w", fn=loss, args=(w, x, y), variants=[("CONFIG edited", _tune)])]
