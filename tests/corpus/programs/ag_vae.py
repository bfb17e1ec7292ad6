"""A variational autoencoder's lower bound as in autograd's example: two lists of (W, b) tuples,
batch normalisation on all layers but the last (params[:-1], params[-1]), a reparameterised
latent sample from a RandomState passed in, norm.logpdf and np.logaddexp log-densities."""
import numpy as np
from scipy.stats import norm

IDIOM = "for W, b in params[:-1]; outW, outb = params[-1]; rs passed in; two param lists wrt=(0, 1)"
EXPECT = "right"


def diag_gaussian_log_density(x, mu, log_std):
    return np.sum(norm.logpdf(x, mu, np.exp(log_std)), axis=-1)


def unpack_gaussian_params(params):
    D = np.shape(params)[-1] // 2
    mean, log_std = params[:, :D], params[:, D:]
    return mean, log_std


def sample_diag_gaussian(mean, log_std, rs):
    return rs.randn(*mean.shape) * np.exp(log_std) + mean


def bernoulli_log_density(targets, unnormalized_logprobs):
    label_probabilities = -np.logaddexp(0, -unnormalized_logprobs * targets)
    return np.sum(label_probabilities, axis=-1)


def relu(x):
    return np.maximum(0, x)


def batch_normalize(activations):
    mbmean = np.mean(activations, axis=0, keepdims=True)
    return (activations - mbmean) / (np.std(activations, axis=0, keepdims=True) + 1)


def neural_net_predict(params, inputs):
    for W, b in params[:-1]:
        outputs = batch_normalize(np.dot(inputs, W) + b)
        inputs = relu(outputs)
    outW, outb = params[-1]
    outputs = np.dot(inputs, outW) + outb
    return outputs


def vae_lower_bound(gen_params, rec_params, data, rs):
    q_means, q_log_stds = unpack_gaussian_params(neural_net_predict(rec_params, data))
    latents = sample_diag_gaussian(q_means, q_log_stds, rs)
    q_latents = diag_gaussian_log_density(latents, q_means, q_log_stds)
    p_latents = diag_gaussian_log_density(latents, 0, 0)
    likelihood = bernoulli_log_density(data, neural_net_predict(gen_params, latents))
    return np.mean(p_latents + likelihood - q_latents)


def init_net_params(scale, layer_sizes, rs):
    return [(scale * rs.randn(m, n), scale * rs.randn(n)) for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]


def make():
    rs = np.random.RandomState(5)
    gen_params = init_net_params(0.5, [2, 3, 4], rs)
    rec_params = init_net_params(0.5, [4, 3, 4], rs)
    data = np.sign(rs.randn(5, 4))
    sampler = np.random.RandomState(6)
    state = sampler.get_state()
    return [dict(name="both parameter lists", fn=vae_lower_bound, args=(gen_params, rec_params, data, sampler),
                 wrt=(0, 1), before=lambda: sampler.set_state(state))]
