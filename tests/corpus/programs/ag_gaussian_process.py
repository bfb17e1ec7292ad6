"""Gaussian-process regression as in autograd's example: a factory taking a covariance function
and returning closures, an RBF kernel via np.expand_dims, the marginal likelihood through
scipy.stats.multivariate_normal.logpdf, and an objective lambda over the data."""
import numpy as np
from scipy.stats import multivariate_normal as mvn

IDIOM = "make_gp_funs(cov_func, n) closures, lambda objective, mvn.logpdf, np.eye(len(y))"
EXPECT = "right"


def make_gp_funs(cov_func, num_cov_params):
    def unpack_kernel_params(params):
        mean = params[0]
        cov_params = params[2:]
        noise_scale = np.exp(params[1]) + 0.0001
        return mean, cov_params, noise_scale

    def log_marginal_likelihood(params, x, y):
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        cov_y_y = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        prior_mean = mean * np.ones(len(y))
        return mvn.logpdf(y, prior_mean, cov_y_y)

    return num_cov_params + 2, log_marginal_likelihood


def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs ** 2, axis=2))


def make():
    rs = np.random.RandomState(3)
    X = rs.randn(6, 1)
    y = np.cos(X[:, 0]) + 0.1 * rs.randn(6)
    num_params, log_marginal_likelihood = make_gp_funs(rbf_covariance, num_cov_params=2)
    objective = lambda params: -log_marginal_likelihood(params, X, y)
    params = np.array([0.1, -1.0, 0.2, 0.3])
    return [dict(name="objective lambda", fn=objective, args=(params,)),
            dict(name="log marginal likelihood", fn=log_marginal_likelihood, args=(params, X, y))]
