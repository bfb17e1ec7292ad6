"""A config dict of settings: membership tests, dict.get with defaults, a loop over .items()
that adds the penalties named in it, and a tuple membership test on parameter names."""
import numpy as np

IDIOM = "'l2' in config, config.get('l1', 0.0), for name, value in config.items(), name in ('W1', 'W2')"
EXPECT = "right"


def loss(params, X, y, config):
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    total = np.mean((out - y) ** 2)
    if "l2" in config:
        for name, value in params.items():
            if name in ("W1", "W2"):
                total = total + config["l2"] * np.sum(value ** 2)
    l1 = config.get("l1", 0.0)
    if l1:
        total = total + l1 * sum(np.sum(np.abs(params[k])) for k in params.keys() if k.startswith("W"))
    for key, scale in config.get("extra", {}).items():
        total = total + scale * np.sum(params[key])
    return total


def make():
    rng = np.random.default_rng(82)
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 1)), "b2": rng.standard_normal(1)}
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    return [dict(name="empty config", fn=loss, args=(params, X, y, {})),
            dict(name="l2 and l1", fn=loss, args=(params, X, y, {"l2": 0.1, "l1": 0.05})),
            dict(name="extra dict", fn=loss, args=(params, X, y, {"extra": {"b1": 0.3, "b2": -1.0}}))]
