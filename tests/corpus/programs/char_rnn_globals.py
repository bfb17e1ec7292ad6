"""The same character RNN exactly as the single-file script has it: the parameters are module
globals created at import, the loss takes only the data and the previous hidden state. The
user differentiates with respect to hprev (the only differentiable argument)."""
import numpy as np

IDIOM = "parameters as module globals read by the loss (Wxh, Whh, Why, bh, by), wrt hprev"
EXPECT = "right"

data = "hello world"
chars = sorted(set(data))
vocab_size = len(chars)
char_to_ix = {ch: i for i, ch in enumerate(chars)}
hidden_size = 4
_rng = np.random.default_rng(101)
Wxh = _rng.standard_normal((hidden_size, vocab_size)) * 0.3
Whh = _rng.standard_normal((hidden_size, hidden_size)) * 0.3
Why = _rng.standard_normal((vocab_size, hidden_size)) * 0.3
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))


def lossFun(inputs, targets, hprev):
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    return loss


def make():
    seq = [char_to_ix[ch] for ch in data[:6]]
    inputs, targets = seq[:-1], seq[1:]
    hprev = np.linspace(-0.5, 0.5, hidden_size).reshape(hidden_size, 1)
    return [dict(name="hprev", fn=lossFun, args=(inputs, targets, hprev), wrt=2)]
