"""Inverted dropout with a dropout_param dict: p and mode unpacked from it, the global NumPy
generator re-seeded when the dict has a seed, the mask drawn with np.random.rand(*x.shape)."""
import numpy as np

IDIOM = "'seed' in dropout_param -> np.random.seed, np.random.rand(*x.shape) mask, mode branch"
EXPECT = "right"


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    mask = None
    out = None
    if mode == 'train':
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == 'test':
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_loss(x, w, dropout_param):
    out, _ = dropout_forward(np.tanh(x * w), dropout_param)
    return np.sum(out ** 2)


def make():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((5, 6))
    w = rng.standard_normal(6)
    return [dict(name="train, seeded", fn=dropout_loss, args=(x, w, {'mode': 'train', 'p': 0.6, 'seed': 7}),
                 wrt=(0, 1)),
            dict(name="test", fn=dropout_loss, args=(x, w, {'mode': 'test', 'p': 0.6}), wrt=1)]
