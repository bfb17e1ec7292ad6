"""Attention helpers of a NumPy transformer with an optional mask (`if mask is None`), a flag
choosing a causal mask, and multi-head attention looping over head indices with slices."""
import numpy as np

IDIOM = "mask=None default, if mask is not None, mask_enabled flag, for h in range(n_head) slices"
EXPECT = "right"


def softmax(x):
    exp_x = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)


def attention(q, k, v, mask=None):
    scores = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    return softmax(scores) @ v


def multi_head(x, w_qkv, w_out, n_head, mask_enabled=False):
    T, C = x.shape
    qkv = x @ w_qkv
    q, k, v = qkv[:, :C], qkv[:, C:2 * C], qkv[:, 2 * C:]
    hs = C // n_head
    causal_mask = None
    if mask_enabled:
        causal_mask = np.triu(np.full((T, T), -1e10), k=1)
    heads = []
    for h in range(n_head):
        sl = slice(h * hs, (h + 1) * hs)
        heads.append(attention(q[:, sl], k[:, sl], v[:, sl], mask=causal_mask))
    return np.concatenate(heads, axis=-1) @ w_out


def loss(w_qkv, w_out, x, target, n_head, mask_enabled):
    return np.sum((multi_head(x, w_qkv, w_out, n_head, mask_enabled) - target) ** 2)


def make():
    rng = np.random.default_rng(51)
    T, C = 4, 4
    w_qkv, w_out = 0.5 * rng.standard_normal((C, 3 * C)), 0.5 * rng.standard_normal((C, C))
    x, target = rng.standard_normal((T, C)), rng.standard_normal((T, C))
    return [dict(name="no mask", fn=loss, args=(w_qkv, w_out, x, target, 2, False), wrt=(0, 1)),
            dict(name="causal mask", fn=loss, args=(w_qkv, w_out, x, target, 2, True), wrt=(0, 1, 2))]
