"""A captioning model class: a params dict, the NULL token index and the cell type stored on
the object, `if self.cell_type == 'rnn'` choosing the recurrence, a loop over time steps."""
import numpy as np

IDIOM = "self.cell_type string branch, self._null, params dict, captions[:, :-1] / [:, 1:]"
EXPECT = "right"


class CaptioningRNN(object):
    def __init__(self, word_to_idx, input_dim=3, wordvec_dim=3, hidden_dim=4, cell_type='rnn', seed=0):
        if cell_type not in {'rnn', 'lstm'}:
            raise ValueError('Invalid cell_type "%s"' % cell_type)
        self.cell_type = cell_type
        self.word_to_idx = word_to_idx
        self._null = word_to_idx['<NULL>']
        vocab_size = len(word_to_idx)
        rng = np.random.default_rng(seed)
        self.params = {}
        self.params['W_embed'] = 0.5 * rng.standard_normal((vocab_size, wordvec_dim))
        self.params['W_proj'] = 0.5 * rng.standard_normal((input_dim, hidden_dim))
        self.params['b_proj'] = np.zeros(hidden_dim)
        dim_mul = {'lstm': 4, 'rnn': 1}[cell_type]
        self.params['Wx'] = 0.5 * rng.standard_normal((wordvec_dim, dim_mul * hidden_dim))
        self.params['Wh'] = 0.5 * rng.standard_normal((hidden_dim, dim_mul * hidden_dim))
        self.params['b'] = np.zeros(dim_mul * hidden_dim)
        self.params['W_vocab'] = 0.5 * rng.standard_normal((hidden_dim, vocab_size))
        self.params['b_vocab'] = np.zeros(vocab_size)

    def loss(self, features, captions):
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null
        h = features.dot(self.params['W_proj']) + self.params['b_proj']
        c = np.zeros_like(h)
        x = self.params['W_embed'][captions_in]
        N, T, _ = x.shape
        H = h.shape[1]
        loss = 0.0
        for t in range(T):
            a = x[:, t, :].dot(self.params['Wx']) + h.dot(self.params['Wh']) + self.params['b']
            if self.cell_type == 'rnn':
                h = np.tanh(a)
            elif self.cell_type == 'lstm':
                i, f, o = [1 / (1 + np.exp(-a[:, k * H:(k + 1) * H])) for k in range(3)]
                g = np.tanh(a[:, 3 * H:])
                c = f * c + i * g
                h = o * np.tanh(c)
            scores = h.dot(self.params['W_vocab']) + self.params['b_vocab']
            scores = scores - np.max(scores, axis=1, keepdims=True)
            logp = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
            loss += -np.sum(mask[:, t] * logp[np.arange(N), captions_out[:, t]]) / N
        return loss


def make():
    rng = np.random.default_rng(19)
    word_to_idx = {'<NULL>': 0, '<START>': 1, '<END>': 2, 'a': 3, 'cat': 4}
    features = rng.standard_normal((2, 3))
    captions = np.array([[1, 3, 4, 2, 0], [1, 4, 3, 3, 2]])
    rnn = CaptioningRNN(word_to_idx, cell_type='rnn')
    lstm = CaptioningRNN(word_to_idx, cell_type='lstm', hidden_dim=2)
    return [dict(name="rnn, params", fn=rnn.loss, args=(features, captions), wrt="params"),
            dict(name="lstm, params", fn=lstm.loss, args=(features, captions), wrt="params")]
