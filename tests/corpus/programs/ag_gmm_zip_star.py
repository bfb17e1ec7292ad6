"""A Gaussian mixture's likelihood as in autograd's example: zip(*unpack(params)) over the
components, cluster log-likelihoods appended and stacked with np.vstack, multivariate normal
log-densities with covariances built from per-component square roots."""
import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal as mvn

IDIOM = "for a, b, c in zip(*unpack(params)), list.append then np.vstack, mvn.logpdf per component"
EXPECT = "right"


def log_normalize(x):
    return x - logsumexp(x)


def unpack_gmm_params(params):
    normalized_log_proportions = log_normalize(params['log proportions'])
    return normalized_log_proportions, params['means'], params['lower triangles']


def gmm_log_likelihood(params, data):
    cluster_lls = []
    for log_proportion, mean, cov_sqrt in zip(*unpack_gmm_params(params)):
        cov = np.dot(cov_sqrt.T, cov_sqrt)
        cluster_lls.append(log_proportion + mvn.logpdf(data, mean, cov))
    return np.sum(logsumexp(np.vstack(cluster_lls), axis=0))


def make():
    rs = np.random.RandomState(4)
    params = {'log proportions': 0.1 * rs.randn(3), 'means': rs.randn(3, 2),
              'lower triangles': np.zeros((3, 2, 2)) + np.eye(2) + 0.1 * rs.randn(3, 2, 2)}
    data = rs.randn(5, 2)
    return [dict(name="params dict", fn=gmm_log_likelihood, args=(params, data))]
