"""**kwargs in calls and definitions: options forwarded to a layer function, a dict of layer
settings expanded into the call, an options dict read with .get inside."""
import numpy as np

IDIOM = "def layer(x, W, b, **opts), opts.get('activation'), layer(x, **p, **settings)"
EXPECT = "right"


def layer(x, W, b, **opts):
    z = x @ W + b
    act = opts.get("activation", "linear")
    if act == "relu":
        z = np.maximum(z, 0.0)
    elif act == "tanh":
        z = np.tanh(z)
    if opts.get("scale") is not None:
        z = z * opts["scale"]
    return z


def net(params, x, **kwargs):
    h = layer(x, **params[0], activation="tanh", **kwargs)
    return layer(h, **params[1])


def loss(params, x, y, **kwargs):
    return np.mean((net(params, x, **kwargs) - y) ** 2)


def make():
    rng = np.random.default_rng(90)
    params = [{"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)},
              {"W": rng.standard_normal((4, 1)), "b": rng.standard_normal(1)}]
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    return [dict(name="no options", fn=loss, args=(params, x, y)),
            dict(name="scale option", fn=loss, args=(params, x, y), kwargs={"scale": 0.5})]
