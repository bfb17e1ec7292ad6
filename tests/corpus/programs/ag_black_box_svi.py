"""Black-box variational inference as in autograd's example: a factory closing over the target
log-density (a function passed in), the dimension and a RandomState it draws from at each call;
reparameterised samples mean + exp(log_std) * eps; scipy.stats.norm.logpdf in the target."""
import numpy as np
from scipy.stats import norm

IDIOM = "factory returning (objective, unpack), captured RandomState.randn, logprob passed as a function"
EXPECT = "right"


def black_box_variational_inference(logprob, D, num_samples, rs):
    def unpack_params(params):
        mean, log_std = params[:D], params[D:]
        return mean, log_std

    def gaussian_entropy(log_std):
        return 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)

    def variational_objective(params, t):
        mean, log_std = unpack_params(params)
        samples = rs.randn(num_samples, D) * np.exp(log_std) + mean
        lower_bound = gaussian_entropy(log_std) + np.mean(logprob(samples, t))
        return -lower_bound

    return variational_objective, unpack_params


def log_density(x, t):
    mu, log_sigma = x[:, 0], x[:, 1]
    sigma_density = norm.logpdf(log_sigma, 0, 1.35)
    mu_density = norm.logpdf(mu, 0, np.exp(log_sigma))
    return sigma_density + mu_density


def make():
    rs = np.random.RandomState(0)
    state = rs.get_state()
    objective, _ = black_box_variational_inference(log_density, 2, 50, rs)
    params = np.array([-1.0, 0.5, -0.5, -1.0])
    return [dict(name="params, reseeded each call", fn=objective, args=(params, 0),
                 before=lambda: rs.set_state(state))]
