"""Rules for SciPy: ``scipy.special``."""
