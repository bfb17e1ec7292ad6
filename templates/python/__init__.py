"""Rules for Python's builtins (``max``, ``float``, ``len``, ``range``...); Python's
operators act on numbers and arrays as NumPy's functions do, so they are in ``numpy/``."""
