"""Layer normalisation with an ln_param dict (only eps is read), transposes to reuse the batch
norm arithmetic on the other axis."""
import numpy as np

IDIOM = "ln_param.get('eps', 1e-5), x.T statistics, helper returning (out, cache)"
EXPECT = "right"


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get('eps', 1e-5)
    xt = x.T
    mu = xt.mean(axis=0)
    var = xt.var(axis=0)
    x_hat = ((xt - mu) / np.sqrt(var + eps)).T
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, mu, var, eps)


def ln_loss(x, gamma, beta, dout):
    out, _ = layernorm_forward(x, gamma, beta, {})
    return np.sum(out * dout)


def make():
    rng = np.random.default_rng(22)
    x = rng.standard_normal((4, 5))
    gamma, beta = 1.0 + 0.1 * rng.standard_normal(5), 0.1 * rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    return [dict(name="x, gamma, beta", fn=ln_loss, args=(x, gamma, beta, dout), wrt=(0, 1, 2))]
