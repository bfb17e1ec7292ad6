"""Convolution through im2col: a loop over filter offsets copying strided slices into a
6-d local array, a transpose and reshape to columns, one product with the reshaped filters."""
import numpy as np

IDIOM = "im2col: col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, ...], transpose/reshape, int()"
EXPECT = "right"


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    col = col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)
    return col


class Convolution:
    def __init__(self, stride=1, pad=0):
        self.stride = stride
        self.pad = pad

    def forward(self, x, W, b):
        FN, C, FH, FW = W.shape
        N, C, H, Wd = x.shape
        out_h = 1 + int((H + 2 * self.pad - FH) / self.stride)
        out_w = 1 + int((Wd + 2 * self.pad - FW) / self.stride)
        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = W.reshape(FN, -1).T
        out = np.dot(col, col_W) + b
        out = out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)
        self.x, self.col, self.col_W = x, col, col_W
        return out


def conv_loss(W, b, x, dout, conv):
    return np.sum(conv.forward(x, W, b) * dout)


def make():
    rng = np.random.default_rng(36)
    x = rng.standard_normal((2, 2, 4, 4))
    W, b = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    conv = Convolution(stride=1, pad=1)
    dout = rng.standard_normal((2, 3, 4, 4))
    return [dict(name="W, b, x", fn=conv_loss, args=(W, b, x, dout, conv), wrt=(0, 1, 2))]
