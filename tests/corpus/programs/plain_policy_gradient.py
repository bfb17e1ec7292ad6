"""A policy-gradient loss in the style of the well-known Pong agent: the model is a dict
{'W1', 'W2'}, the hidden layer is rectified in place (h[h < 0] = 0), rewards are discounted
by a helper that fills a new array backwards (resetting at game boundaries), the advantage
is standardised in place, and the loss sums log-likelihoods over an episode's steps."""
import numpy as np

IDIOM = "h[h < 0] = 0, discount_rewards helper then adv -= mean; adv /= std in place, loop over episode steps"
EXPECT = "right"


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def policy_forward(model, x):
    h = np.dot(model['W1'], x)
    h[h < 0] = 0
    logp = np.dot(model['W2'], h)
    p = sigmoid(logp)
    return p, h


def discount_rewards(r, gamma=0.99):
    discounted_r = np.zeros_like(r)
    running_add = 0
    for t in reversed(range(0, r.size)):
        if r[t] != 0:
            running_add = 0
        running_add = running_add * gamma + r[t]
        discounted_r[t] = running_add
    return discounted_r


def episode_loss(model, epx, epy, epr):
    advantage = discount_rewards(epr)
    advantage -= np.mean(advantage)
    advantage /= np.std(advantage)
    total = 0.0
    for t in range(epx.shape[0]):
        p, _ = policy_forward(model, epx[t])
        total += -advantage[t] * (epy[t] * np.log(p) + (1 - epy[t]) * np.log(1 - p))
    return total


def make():
    rng = np.random.default_rng(76)
    model = {'W1': rng.standard_normal((6, 5)) / np.sqrt(5), 'W2': rng.standard_normal(6) / np.sqrt(6)}
    epx = rng.standard_normal((7, 5))
    epy = (rng.uniform(size=7) < 0.5).astype(float)
    epr = np.array([0.0, 0.0, 1.0, 0.0, 0.0, 0.0, -1.0])
    return [dict(name="model dict", fn=episode_loss, args=(model, epx, epy, epr), wrt=0)]
