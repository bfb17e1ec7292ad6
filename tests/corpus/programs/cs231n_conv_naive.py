"""A naive convolution: np.pad with a pad width from conv_param, four nested loops writing one
output entry at a time into a preallocated array, stride arithmetic with integer division."""
import numpy as np

IDIOM = "conv_param dict, np.pad, 4 nested loops, out[n, f, i, j] = np.sum(window * w[f]) + b[f]"
EXPECT = "right"


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_loss(x, w, b, dout, conv_param):
    out, _ = conv_forward_naive(x, w, b, conv_param)
    return np.sum(out * dout)


def make():
    rng = np.random.default_rng(20)
    x = rng.standard_normal((1, 2, 4, 4))
    w = rng.standard_normal((2, 2, 3, 3))
    b = rng.standard_normal(2)
    conv_param = {'stride': 1, 'pad': 1}
    dout = rng.standard_normal((1, 2, 4, 4))
    return [dict(name="x, w, b", fn=conv_loss, args=(x, w, b, dout, conv_param), wrt=(0, 1, 2))]
