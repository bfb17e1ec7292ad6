"""Parameters as lists of lists and lists of dicts indexed twice (params[i][0], layers[l]['W']),
and a list of per-layer dicts differentiated as one structure."""
import numpy as np

IDIOM = "params[i][0], params[i][1]; layers[l]['W']; list of dicts as the wrt structure"
EXPECT = "right"


def forward_lists(params, x):
    for i in range(len(params)):
        x = np.tanh(x @ params[i][0] + params[i][1])
    return x


def forward_dicts(layers, x):
    for l in range(len(layers)):
        x = np.tanh(x @ layers[l]['W'] + layers[l]['b'])
    return x


def loss_lists(params, x, y):
    return np.sum((forward_lists(params, x) - y) ** 2)


def loss_dicts(layers, x, y):
    return np.sum((forward_dicts(layers, x) - y) ** 2)


def make():
    rng = np.random.default_rng(88)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    params = [[rng.standard_normal((3, 4)), rng.standard_normal(4)], [rng.standard_normal((4, 2)), rng.standard_normal(2)]]
    layers = [{'W': rng.standard_normal((3, 4)), 'b': rng.standard_normal(4)},
              {'W': rng.standard_normal((4, 2)), 'b': rng.standard_normal(2)}]
    return [dict(name="list of lists", fn=loss_lists, args=(params, x, y)),
            dict(name="list of dicts", fn=loss_dicts, args=(layers, x, y))]
