"""A minimal character-level RNN's loss in the popular single-file style: dicts used as per-step
tapes (xs[t], hs[t], ys[t], ps[t]) with hs[-1] the previous state, one-hot inputs written into
fresh zero columns, integer inputs and targets as Python lists, column-vector parameters."""
import numpy as np

IDIOM = "xs, hs, ys, ps = {}, {}, {}, {}; hs[-1] = np.copy(hprev); xs[t][inputs[t]] = 1; loss += -np.log(ps[t][targets[t], 0])"
EXPECT = "right"

vocab_size = 5


def lossFun(inputs, targets, hprev, Wxh, Whh, Why, bh, by):
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
    rng = np.random.default_rng(100)
    H = 4
    Wxh, Whh, Why = (0.5 * rng.standard_normal((H, vocab_size)), 0.5 * rng.standard_normal((H, H)),
                     0.5 * rng.standard_normal((vocab_size, H)))
    bh, by = np.zeros((H, 1)), np.zeros((vocab_size, 1))
    hprev = 0.1 * rng.standard_normal((H, 1))
    inputs, targets = [0, 3, 1, 4, 2], [3, 1, 4, 2, 0]
    return [dict(name="all five parameters", fn=lossFun, args=(inputs, targets, hprev, Wxh, Whh, Why, bh, by),
                 wrt=(3, 4, 5, 6, 7)),
            dict(name="hprev", fn=lossFun, args=(inputs, targets, hprev, Wxh, Whh, Why, bh, by), wrt="hprev")]
