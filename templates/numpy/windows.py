"""Sliding windows: ``np.lib.stride_tricks.sliding_window_view`` (the im2col of convolutions
written with NumPy alone). Each window is a view of the input, so an entry of the input
appears in every window that covers it; its gradient is the sum of the window entries'
gradients that read it (``windows_sum_back``, the adjoint: one strided add per position in
the window)."""
import numpy as np

from diffc.extend import primitive


@primitive("numpy.lib.stride_tricks.sliding_window_view", nondiff=("window_shape", "axis"))
def sliding_window_view(x, window_shape, axis=None):
    return np.lib.stride_tricks.sliding_window_view(x, window_shape, axis)


@sliding_window_view.reverse
def sliding_window_view_reverse(out, dout, x, window_shape, axis=None):
    "sliding windows: dx = the sum, over the windows covering each entry, of dout there"
    dx = windows_sum_back(dout, x, window_shape, axis)
    return dx


@sliding_window_view.forward
def sliding_window_view_forward(out, x, window_shape, axis=None, *, dx):
    dout = np.lib.stride_tricks.sliding_window_view(dx, window_shape, axis)
    return dout


@primitive(nondiff=("x", "window_shape", "axis"), helper=True)
def windows_sum_back(dwindows, x, window_shape, axis=None):
    """The adjoint of ``sliding_window_view(x, window_shape, axis)``: an array shaped like
    ``x`` whose entry is the sum of the entries of ``dwindows`` (windows first, then the
    position in the window) that are views of it."""
    window_shape = tuple(np.atleast_1d(window_shape))
    ndim = np.ndim(x)
    axes = tuple(range(ndim)) if axis is None else tuple(a % ndim for a in np.atleast_1d(axis))
    dx = np.zeros(np.shape(x), dtype=np.result_type(dwindows, float))
    counts = np.shape(dwindows)[:ndim]
    for position in np.ndindex(*window_shape):
        starts = [0] * ndim
        for a, offset in zip(axes, position):
            starts[a] += offset
        region = tuple(slice(s, s + n) for s, n in zip(starts, counts))
        dx[region] += dwindows[(Ellipsis,) + position]
    return dx


@windows_sum_back.reverse
def windows_sum_back_reverse(out, dout, dwindows, x, window_shape, axis=None):
    "sum of windows back: its adjoint is taking the windows again"
    ddwindows = np.lib.stride_tricks.sliding_window_view(dout, window_shape, axis)
    return ddwindows


@windows_sum_back.forward
def windows_sum_back_forward(out, dwindows, x, window_shape, axis=None, *, ddwindows):
    dout = windows_sum_back(ddwindows, x, window_shape, axis)
    return dout
