"""autograd's character RNN: a params dict with keys containing spaces, nested helper functions
closing over params, a varargs helper concatenating a ones column, iteration over the first
axis of the input array, a list of outputs indexed by time afterwards."""
import numpy as np
from scipy.special import logsumexp

IDIOM = "nested defs over params, *args helper with np.hstack(args + (ones,)), for input in inputs"
EXPECT = "right"


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1.0)


def concat_and_multiply(weights, *args):
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def create_rnn_params(input_size, state_size, output_size, param_scale=0.3, rs=None):
    rs = rs if rs is not None else np.random.RandomState(0)
    return {'init hiddens': rs.randn(1, state_size) * param_scale,
            'change': rs.randn(input_size + state_size + 1, state_size) * param_scale,
            'predict': rs.randn(state_size + 1, output_size) * param_scale}


def rnn_predict(params, inputs):
    def update_rnn(input, hiddens):
        return np.tanh(concat_and_multiply(params['change'], input, hiddens))

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params['predict'], hiddens)
        return output - logsumexp(output, axis=1, keepdims=True)

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params['init hiddens'], num_sequences, axis=0)
    output = [hiddens_to_output_probs(hiddens)]
    for input in inputs:
        hiddens = update_rnn(input, hiddens)
        output.append(hiddens_to_output_probs(hiddens))
    return output


def rnn_log_likelihood(params, inputs, targets):
    logprobs = rnn_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


def make():
    rs = np.random.RandomState(1)
    params = create_rnn_params(3, 2, 3, rs=rs)
    seqs = np.eye(3)[rs.randint(0, 3, size=(4, 2))]
    return [dict(name="params dict", fn=rnn_log_likelihood, args=(params, seqs, seqs))]
