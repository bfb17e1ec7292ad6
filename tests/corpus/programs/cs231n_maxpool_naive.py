"""Naive max pooling: pool sizes from a pool_param dict and np.max over each window."""
import numpy as np

IDIOM = "pool_param dict, nested loops, np.max over a window written into out[n, c, i, j]"
EXPECT = "right"


def max_pool_forward_naive(x, pool_param):
    N, C, H, W = x.shape
    ph, pw = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = np.max(x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw])
    return out, (x, pool_param)


def pool_loss(x, dout, pool_param):
    out, _ = max_pool_forward_naive(x, pool_param)
    return np.sum(out * dout)


def make():
    rng = np.random.default_rng(21)
    x = rng.standard_normal((1, 2, 4, 4))
    dout = rng.standard_normal((1, 2, 2, 2))
    return [dict(name="x", fn=pool_loss, args=(x, dout, {'pool_height': 2, 'pool_width': 2, 'stride': 2}))]
