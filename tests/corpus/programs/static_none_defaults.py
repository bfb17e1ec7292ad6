"""Optional arguments tested against None: a sample-weight vector, a mask, a prior mean."""
import numpy as np

IDIOM = "if weights is None / is not None, default None arguments, early return"
EXPECT = "right"


def weighted_mse(w, X, y, sample_weight=None, mask=None, prior_mean=None, prior_strength=0.0):
    r = X @ w - y
    if mask is not None:
        r = r * mask
    if sample_weight is None:
        data = np.mean(r ** 2)
    else:
        data = np.sum(sample_weight * r ** 2) / np.sum(sample_weight)
    if prior_mean is None:
        return data
    return data + prior_strength * np.sum((w - prior_mean) ** 2)


def make():
    rng = np.random.default_rng(80)
    X, y, w = rng.standard_normal((6, 3)), rng.standard_normal(6), rng.standard_normal(3)
    sw = rng.uniform(0.5, 2.0, size=6)
    mask = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    return [dict(name="all None", fn=weighted_mse, args=(w, X, y)),
            dict(name="weights and mask", fn=weighted_mse, args=(w, X, y, sw, mask)),
            dict(name="prior by keyword", fn=weighted_mse, args=(w, X, y),
                 kwargs={"prior_mean": np.ones(3), "prior_strength": 0.5})]
