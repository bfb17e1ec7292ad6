"""Module-level settings a notebook user changes between calls: a float coefficient, a mode
string, an int count, a bool flag, a list of layer widths appended to, the activation function
rebound, a helper redefined. The same gradient object is called again after each change; as in
Python, the new value must be used (or diffc must refuse, never silently keep the old one)."""
import numpy as np

IDIOM = "globals read by the loss (float, str, int, bool, list, function) reassigned between calls"
EXPECT = "right"


def square(z):
    return z ** 2


REG = 0.1
MODE = "l2"
N_TERMS = 2
USE_BIAS = True
FREQS = [1, 2]
activation = np.tanh
transform = square
TEMPERATURE = 1.0


def _reset():
    global REG, MODE, N_TERMS, USE_BIAS, FREQS, activation, transform, TEMPERATURE
    REG = 0.1
    MODE = "l2"
    N_TERMS = 2
    USE_BIAS = True
    FREQS = [1, 2]
    activation = np.tanh
    transform = square
    TEMPERATURE = 1.0


def reg_loss(w, x):
    return np.sum(np.tanh(x @ w)) + REG * np.sum(w ** 2)


def mode_loss(w, x):
    if MODE == "l2":
        return np.sum((x @ w) ** 2)
    return np.sum(np.abs(x @ w))


def count_loss(w, x):
    total = 0.0
    for k in range(N_TERMS):
        total = total + np.sum(np.sin((k + 1) * (x @ w)))
    return total


def flag_loss(w, x):
    z = x @ w
    if USE_BIAS:
        z = z + 1.0
    return np.sum(z ** 2)


def list_loss(w, x):
    total = 0.0
    for f in FREQS:
        total = total + np.sum(np.cos(f * (x @ w)))
    return total


def activation_loss(w, x):
    return np.sum(activation(x @ w))


def tempered_loss(w, x):
    z = (x @ w) / TEMPERATURE
    return np.sum(np.log(np.sum(np.exp(z))) - z)


def helper_loss(w, x):
    return np.sum(transform(x @ w))


def _set(name, value):
    def change(case):
        globals()[name] = value
    return change


def _append_freq(case):
    FREQS.append(3)


def cube(z):
    return z ** 3


def make():
    global TEMPERATURE
    _reset()
    TEMPERATURE = 4.0      # set by the caller (model.TEMPERATURE = args.t) before the first call
    rng = np.random.default_rng(77)
    w, x = rng.standard_normal(3), rng.standard_normal((4, 3))
    return [dict(name="float REG", fn=reg_loss, args=(w, x), variants=[("REG = 2.5", _set("REG", 2.5))]),
            dict(name="str MODE", fn=mode_loss, args=(w, x), variants=[("MODE = 'l1'", _set("MODE", "l1"))]),
            dict(name="int N_TERMS", fn=count_loss, args=(w, x), variants=[("N_TERMS = 3", _set("N_TERMS", 3))]),
            dict(name="bool USE_BIAS", fn=flag_loss, args=(w, x), variants=[("USE_BIAS = False", _set("USE_BIAS", False))]),
            dict(name="list FREQS", fn=list_loss, args=(w, x), variants=[("FREQS.append(3)", _append_freq)]),
            dict(name="function activation", fn=activation_loss, args=(w, x),
                 variants=[("activation = np.sin", _set("activation", np.sin))]),
            dict(name="float TEMPERATURE set before the first call", fn=tempered_loss, args=(w, x)),
            dict(name="helper transform", fn=helper_loss, args=(w, x), variants=[("transform = cube", _set("transform", cube))])]
