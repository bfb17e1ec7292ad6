"""Rules for SciPy: ``scipy.special`` and ``scipy.stats``."""
