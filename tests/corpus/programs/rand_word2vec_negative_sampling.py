"""Skip-gram with negative sampling as the word-vector assignment writes it: a dataset object
draws token indices with Python's random module, a helper draws K negatives again while one
equals the outside word, and the loss sums log-sigmoids over the outside word and the
negatives (repeated negatives counted each time)."""
import random

import numpy as np

IDIOM = "dataset.sampleTokenIdx() with random.randint, while newidx == target: redraw, [None] * K list filled in a loop"
EXPECT = "right"


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class Dataset:
    def __init__(self, tokens, seed):
        self.tokens = tokens
        self.rand = random.Random(seed)

    def sampleTokenIdx(self):
        return self.rand.randint(0, self.tokens - 1)


class GlobalDataset:
    def __init__(self, tokens):
        self.tokens = tokens

    def sampleTokenIdx(self):
        return random.randint(0, self.tokens - 1)


def getNegativeSamples(outsideWordIdx, dataset, K):
    negSampleWordIndices = [None] * K
    for k in range(K):
        newidx = dataset.sampleTokenIdx()
        while newidx == outsideWordIdx:
            newidx = dataset.sampleTokenIdx()
        negSampleWordIndices[k] = newidx
    return negSampleWordIndices


def negSamplingLoss(centerWordVec, outsideWordIdx, outsideVectors, dataset, K=6):
    negSampleWordIndices = getNegativeSamples(outsideWordIdx, dataset, K)
    u_o = outsideVectors[outsideWordIdx]
    loss = -np.log(sigmoid(np.dot(u_o, centerWordVec)))
    for k in negSampleWordIndices:
        loss -= np.log(sigmoid(-np.dot(outsideVectors[k], centerWordVec)))
    return loss


def seeded_loss(centerWordVec, outsideVectors, dataset, seed=7):
    random.seed(seed)                    # the draws of one call, again at each call
    return negSamplingLoss(centerWordVec, 3, outsideVectors, dataset)


def own_generator_loss(centerWordVec, outsideVectors, dataset):
    dataset.rand.seed(11)
    return negSamplingLoss(centerWordVec, 3, outsideVectors, dataset)


def make():
    rng = np.random.default_rng(75)
    v, U = rng.standard_normal(4), 0.5 * rng.standard_normal((8, 4))
    return [dict(name="random module, seeded in the loss", fn=seeded_loss, args=(v, U, GlobalDataset(8)),
                 wrt=(0, 1)),
            dict(name="random.Random held by the dataset", fn=own_generator_loss, args=(v, U, Dataset(8, 0)),
                 wrt=(0, 1))]
