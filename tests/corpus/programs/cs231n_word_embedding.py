"""Captioning-style pieces: an embedding lookup W[x] with integer captions, a temporal affine
layer through reshapes, and a temporal softmax loss that masks out the padding tokens."""
import numpy as np

IDIOM = "W_embed[captions] gather, reshape(N*T, D), mask = captions != NULL, flatten"
EXPECT = "right"

NULL = 0


def word_embedding_forward(x, W):
    out = W[x]
    return out, (x, W)


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    M = b.shape[0]
    out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b
    return out, (x, w, b, out)


def temporal_softmax_loss(x, y, mask):
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
    return loss


def caption_loss(W_embed, W_vocab, b_vocab, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != NULL
    x, _ = word_embedding_forward(captions_in, W_embed)
    scores, _ = temporal_affine_forward(np.tanh(x), W_vocab, b_vocab)
    return temporal_softmax_loss(scores, captions_out, mask)


def make():
    rng = np.random.default_rng(17)
    V, D = 6, 4
    W_embed = rng.standard_normal((V, D))
    W_vocab, b_vocab = 0.5 * rng.standard_normal((D, V)), np.zeros(V)
    captions = rng.integers(0, V, size=(2, 5))
    return [dict(name="all three", fn=caption_loss, args=(W_embed, W_vocab, b_vocab, captions), wrt=(0, 1, 2))]
