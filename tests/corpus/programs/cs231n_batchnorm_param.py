"""Batch normalisation driven by a bn_param settings dict: the mode string decides the branch,
eps and momentum come from dict.get with defaults, an unknown mode raises, and the running
statistics are written back into the dict, as in the second assignment."""
import numpy as np

IDIOM = "bn_param['mode'], bn_param.get(k, default), raise in else, running stats stored back"
EXPECT = "right"


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == 'train':
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        x_hat = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_hat + beta
        cache = (x, x_hat, sample_mean, sample_var, gamma, eps)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == 'test':
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var
    return out, cache


def bn_loss(x, gamma, beta, dout, bn_param):
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    return np.sum(out * dout)


def make():
    rng = np.random.default_rng(13)
    x = 2.0 + rng.standard_normal((6, 4))
    gamma, beta = 1.0 + 0.1 * rng.standard_normal(4), 0.1 * rng.standard_normal(4)
    dout = rng.standard_normal((6, 4))
    train = {'mode': 'train'}
    test = {'mode': 'test', 'eps': 1e-3, 'running_mean': np.full(4, 1.5), 'running_var': np.full(4, 0.8)}
    return [dict(name="train: x, gamma, beta", fn=bn_loss, args=(x, gamma, beta, dout, train), wrt=(0, 1, 2)),
            dict(name="test: x, gamma", fn=bn_loss, args=(x, gamma, beta, dout, test), wrt=(0, 1))]
