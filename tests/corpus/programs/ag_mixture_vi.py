"""Mixture-of-Gaussians variational inference in the style of autograd's example: component
parameters reshaped out of one vector, a list comprehension over its rows stacked with
np.vstack(...).T, logsumexp over components, helpers chosen once and called by other names."""
import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

IDIOM = "np.reshape(v[k:], (k, -1)), [f(p) for p in rows] then np.vstack(...).T, function aliases"
EXPECT = "right"


def diag_gaussian_log_density(x, mu, log_std):
    return np.sum(norm.logpdf(x, mu, np.exp(log_std)), axis=-1)


def unpack_gaussian_params(params):
    D = np.shape(params)[0] // 2
    mean, log_std = params[:D], params[D:]
    return mean, log_std


def variational_log_density_gaussian(params, x):
    mean, log_std = unpack_gaussian_params(params)
    return diag_gaussian_log_density(x, mean, log_std)


def log_normalize(x):
    return x - logsumexp(x)


def build_mixture_density(k):
    component_log_density = variational_log_density_gaussian

    def unpack_mixture_params(mixture_params):
        log_weights = log_normalize(mixture_params[:k])
        var_params = np.reshape(mixture_params[k:], (k, -1))
        return log_weights, var_params

    def mixture_log_density(var_mixture_params, x):
        log_weights, var_params = unpack_mixture_params(var_mixture_params)
        component_log_densities = np.vstack([component_log_density(params_k, x) for params_k in var_params]).T
        return logsumexp(component_log_densities + log_weights, axis=1, keepdims=False)

    return mixture_log_density


def make():
    rs = np.random.RandomState(7)
    k, D = 3, 2
    mixture_log_density = build_mixture_density(k)
    params = np.concatenate([np.ones(k), 0.5 * rs.randn(k * 2 * D)])
    x = rs.randn(4, D)
    objective = lambda p: np.sum(mixture_log_density(p, x))
    return [dict(name="mixture params", fn=objective, args=(params,))]
