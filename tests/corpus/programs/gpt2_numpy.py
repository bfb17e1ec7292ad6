"""A GPT-2 forward pass in plain NumPy, in the style of the small educational implementations:
nested dicts of weights expanded into calls with **, heads split with map and a lambda,
zip(*qkv_heads), a causal mask from np.tri, blocks in a list looped over, token and position
embeddings gathered with an integer list and range(len(inputs)), tied output embedding; the
loss is the next-token cross entropy."""
import numpy as np

IDIOM = "linear(x, **c_fc), list(map(lambda ...)), zip(*heads), np.tri mask, for block in blocks: f(x, **block, n_head=)"
EXPECT = "right"


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def softmax(x):
    exp_x = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)


def layer_norm(x, g, b, eps: float = 1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    variance = np.var(x, axis=-1, keepdims=True)
    x = (x - mean) / np.sqrt(variance + eps)
    return g * x + b


def linear(x, w, b):
    return x @ w + b


def ffn(x, c_fc, c_proj):
    a = gelu(linear(x, **c_fc))
    x = linear(a, **c_proj)
    return x


def attention(q, k, v, mask):
    return softmax(q @ k.T / np.sqrt(q.shape[-1]) + mask) @ v


def mha(x, c_attn, c_proj, n_head):
    x = linear(x, **c_attn)
    qkv = np.split(x, 3, axis=-1)
    qkv_heads = list(map(lambda x: np.split(x, n_head, axis=-1), qkv))
    causal_mask = (1 - np.tri(x.shape[0], dtype=x.dtype)) * -1e10
    out_heads = [attention(q, k, v, causal_mask) for q, k, v in zip(*qkv_heads)]
    x = np.hstack(out_heads)
    x = linear(x, **c_proj)
    return x


def transformer_block(x, mlp, attn, ln_1, ln_2, n_head):
    x = x + mha(layer_norm(x, **ln_1), **attn, n_head=n_head)
    x = x + ffn(layer_norm(x, **ln_2), **mlp)
    return x


def gpt2(inputs, wte, wpe, blocks, ln_f, n_head):
    x = wte[inputs] + wpe[range(len(inputs))]
    for block in blocks:
        x = transformer_block(x, **block, n_head=n_head)
    x = layer_norm(x, **ln_f)
    return x @ wte.T


def lm_loss(params, inputs, n_head):
    logits = gpt2(inputs[:-1], **params, n_head=n_head)
    logits = logits - np.max(logits, axis=-1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True))
    targets = inputs[1:]
    return -np.mean(logp[np.arange(len(targets)), targets])


def init_params(rng, n_vocab, n_ctx, n_embd, n_layer):
    def lin(n_in, n_out):
        return {"w": 0.3 * rng.standard_normal((n_in, n_out)), "b": 0.1 * rng.standard_normal(n_out)}

    def ln(n):
        return {"g": 1.0 + 0.1 * rng.standard_normal(n), "b": 0.1 * rng.standard_normal(n)}

    blocks = [{"mlp": {"c_fc": lin(n_embd, 2 * n_embd), "c_proj": lin(2 * n_embd, n_embd)},
               "attn": {"c_attn": lin(n_embd, 3 * n_embd), "c_proj": lin(n_embd, n_embd)},
               "ln_1": ln(n_embd), "ln_2": ln(n_embd)} for _ in range(n_layer)]
    return {"wte": 0.5 * rng.standard_normal((n_vocab, n_embd)),
            "wpe": 0.5 * rng.standard_normal((n_ctx, n_embd)),
            "blocks": blocks, "ln_f": ln(n_embd)}


def make():
    rng = np.random.default_rng(50)
    params = init_params(rng, n_vocab=5, n_ctx=6, n_embd=4, n_layer=2)
    inputs = [1, 3, 0, 4, 2]
    return [dict(name="all params (nested dicts, list of blocks)", fn=lm_loss, args=(params, inputs, 2))]
