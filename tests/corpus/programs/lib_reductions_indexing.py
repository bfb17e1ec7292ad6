"""Everyday NumPy in losses: cumsum, sort, where, clip, outer, einsum, tensordot, take,
argmax-selected entries, boolean-mask selection, prod, var/std with ddof."""
import numpy as np

IDIOM = "np.cumsum, np.sort, np.where, np.outer, np.einsum, np.tensordot, x[mask], np.prod, ddof=1"
EXPECT = "right"


def loss(x, A, B):
    c = np.cumsum(x)
    s = np.sort(x)
    w = np.where(x > 0, x, 0.1 * x)
    o = np.outer(x, c)
    e = np.einsum('ij,jk->ik', A, B)
    t = np.tensordot(A, B, axes=([1], [0]))
    picked = x[np.argmax(np.abs(x))]
    pos = x[x > 0]
    return (np.sum(c ** 2) + np.dot(s, np.arange(len(s))) + np.sum(w) + np.sum(o) + np.sum(e * t)
            + picked ** 2 + np.sum(pos ** 3) + np.prod(1 + 0.1 * x) + np.var(x, ddof=1) + np.std(A)
            + np.sum(np.take(x, [0, 2])))


def make():
    rng = np.random.default_rng(136)
    return [dict(name="x, A, B", fn=loss, args=(rng.standard_normal(5), rng.standard_normal((3, 4)),
                                                rng.standard_normal((4, 2))), wrt=(0, 1, 2))]
