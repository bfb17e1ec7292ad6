"""A mode string checked with assert and f-string messages, raise in a branch never taken,
and a print that only runs in verbose mode."""
import numpy as np

IDIOM = "assert mode in (...), f-string, raise ValueError in the untaken branch, print when verbose"
EXPECT = "right"


def loss(w, X, y, mode="train", verbose=False):
    assert mode in ("train", "eval"), f"unknown mode {mode!r}"
    assert X.shape[1] == w.shape[0], f"X has {X.shape[1]} features, w has {w.shape[0]}"
    z = X @ w
    if mode == "train":
        value = np.mean(np.logaddexp(0.0, -y * z))
    elif mode == "eval":
        value = np.mean((z - y) ** 2)
    else:
        raise ValueError(f"mode must be 'train' or 'eval', not {mode}")
    if verbose:
        print(f"[{mode}] loss = {value:.4f}")
    return value


def make():
    rng = np.random.default_rng(83)
    X, y, w = rng.standard_normal((6, 3)), np.sign(rng.standard_normal(6)), rng.standard_normal(3)
    return [dict(name="train", fn=loss, args=(w, X, y)),
            dict(name="eval by keyword", fn=loss, args=(w, X, y), kwargs={"mode": "eval"})]
