import numpy as np
from scipy.stats import multivariate_normal as mvn
def mvn_logpdf_rows(mean, data, cov):
    return np.sum(mvn.logpdf(data, mean, cov))
def mvn_pdf_rows(mean, data, cov):
    return np.sum(mvn.pdf(data, mean, cov))


def dstacked(a, b, c):
    return np.sum(np.sin(np.dstack([a, b, c])))
