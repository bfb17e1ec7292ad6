"""Signal-processing functions: np.convolve with a kernel, np.fft.fft power spectrum,
np.fft.rfft, np.gradient of a sampled curve, np.diff."""
import numpy as np

IDIOM = "np.convolve(x, k, mode='same'), np.abs(np.fft.fft(x))**2, np.fft.rfft, np.gradient, np.diff"
EXPECT = "right"


def smoothness_loss(x, k, target):
    y = np.convolve(x, k, mode='same')
    power = np.abs(np.fft.fft(y)) ** 2
    half = np.fft.rfft(x)
    slope = np.gradient(y)
    return (np.sum((y - target) ** 2) + 1e-2 * np.sum(power) + 1e-2 * np.sum(np.abs(half) ** 2)
            + np.sum(slope ** 2) + np.sum(np.diff(x) ** 2))


def make():
    rng = np.random.default_rng(133)
    return [dict(name="x, k", fn=smoothness_loss, args=(rng.standard_normal(8), rng.standard_normal(3), rng.standard_normal(8)),
                 wrt=(0, 1))]
