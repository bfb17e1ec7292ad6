"""scipy.signal's ``convolve``: N-dimensional convolution, in every ``mode``.

``out = convolve(in1, in2, mode)`` is the full convolution ``F`` (each axis
``n + m - 1`` long), cut: ``"full"`` keeps it all, ``"same"`` the ``n`` entries from
``(m - 1) // 2`` on (``in1``'s shape), ``"valid"`` the ``|n - m| + 1`` entries from
``min(n, m) - 1`` on. ``F`` is linear in each input, and its pullback is a correlation
with the other: ``din1 = convolve(D, flip(in2), "valid")`` and
``din2 = convolve(D, flip(in1), "valid")``, where ``D`` is ``dout`` put back in ``F``'s
shape (zeros where the mode cut ``F``).
"""
import numpy as np

from diffc.extend import primitive


@primitive("scipy.signal.convolve", helper=True, nondiff=("mode", "method"))
def signal_convolve(in1, in2, mode="full", method="auto"):
    """N-dimensional convolution (scipy.signal.convolve)."""
    import scipy.signal
    return scipy.signal.convolve(in1, in2, mode=mode, method=method)


@signal_convolve.reverse
def convolve_reverse(out, dout, in1, in2, mode="full", method="auto"):
    "convolve: dout, in the full convolution's shape, is correlated with the other input"
    if mode == "full":
        cut = dout
    elif mode == "valid":
        before = np.minimum(np.shape(in1), np.shape(in2)) - 1
        cut = np.pad(dout, np.stack([before, before], axis=1))
    else:
        before = (np.array(np.shape(in2)) - 1) // 2
        cut = np.pad(dout, np.stack([before, np.array(np.shape(in2)) - 1 - before], axis=1))
    din1 = signal_convolve(cut, np.flip(in2), mode="valid", method=method)
    din2 = signal_convolve(cut, np.flip(in1), mode="valid", method=method)
    return din1, din2


@signal_convolve.forward
def convolve_forward(out, in1, in2, mode="full", method="auto", *, din1, din2):
    dout = signal_convolve(din1, in2, mode=mode, method=method) + signal_convolve(in1, din2, mode=mode, method=method)
    return dout
