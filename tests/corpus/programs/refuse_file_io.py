"""Logging the loss to a file from inside the differentiated function (open and write, np.save
of the weights): file I/O in the differentiated path stays refused with a located error. (The
files are os.devnull, so running the reference writes nothing.)"""
import os

import numpy as np

IDIOM = "with open(path, 'a') as f: f.write(...); np.save(f, w) inside the loss"
EXPECT = "refused"

LOG_PATH = os.devnull


def logged_loss(w, X):
    value = np.sum((X @ w) ** 2)
    with open(LOG_PATH, "a") as f:
        f.write(f"{value}\n")
    return value


def checkpointed_loss(w, X):
    f = open(LOG_PATH, "wb")
    np.save(f, w)
    f.close()
    return np.sum(np.tanh(X @ w))


def make():
    rng = np.random.default_rng(156)
    w, X = rng.standard_normal(3), rng.standard_normal((4, 3))
    return [dict(name="with open and write", fn=logged_loss, args=(w, X)),
            dict(name="open, np.save, close", fn=checkpointed_loss, args=(w, X))]
