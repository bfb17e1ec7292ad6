"""Operations the engine itself inserts into gradients: constants, summing a gradient
back down to the shape of an operand that was broadcast (and its inverse), and
``diffc.stop_gradient``."""
import numpy as np

from diffc.extend import primitive


@primitive(differentiable=False)
def constant(value):
    return value


@primitive(nondiff=("x",), helper=True, array_api_helper=True)
def unbroadcast(grad, x):
    """Sum ``grad`` over the axes along which ``x`` was broadcast, to ``x``'s shape."""
    shape = np.shape(x)
    if np.shape(grad) == shape:
        return grad
    lead = np.ndim(grad) - len(shape)
    if lead < 0:                      # x had extra leading axes of size 1
        inner = shape[-lead:]
        ones = tuple(i for i, n in enumerate(inner) if n == 1 and np.shape(grad)[i] != 1)
        return np.reshape(np.sum(grad, axis=ones, keepdims=True), shape)
    ones = tuple(lead + i for i, n in enumerate(shape) if n == 1 and np.shape(grad)[lead + i] != 1)
    grad = np.sum(grad, axis=tuple(range(lead)) + ones, keepdims=True)
    return np.reshape(grad, shape)


@unbroadcast.reverse
def unbroadcast_reverse(out, dout, grad, x):
    "unbroadcast: dout is broadcast back to the gradient's shape"
    dgrad = broadcast_like(dout, grad)
    return dgrad


@unbroadcast.forward
def unbroadcast_forward(out, grad, x, *, dgrad):
    dout = unbroadcast(dgrad, x)
    return dout


@primitive(nondiff=("like",), helper=True, array_api_helper=True)
def broadcast_like(x, like):
    """``x`` broadcast to ``like``'s shape, where ``unbroadcast`` summed it down (``x``'s
    extra leading axes, all of size 1, dropped first)."""
    lead = np.ndim(x) - np.ndim(like)
    if lead > 0:
        x = np.reshape(x, np.shape(x)[lead:])
    return np.broadcast_to(x, np.shape(like))


@broadcast_like.reverse
def broadcast_like_reverse(out, dout, x, like):
    "broadcast_like: dout is summed back to the operand's shape"
    dx = unbroadcast(dout, x)
    return dx


@broadcast_like.forward
def broadcast_like_forward(out, x, like, *, dx):
    dout = broadcast_like(dx, like)
    return dout


@primitive("diffc.stop_gradient", nondiff=("x",))
def stop_gradient(x):
    return x
