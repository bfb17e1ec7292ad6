"""A module whose attributes are made on demand (PEP 562), and fail until it is loaded:
reading one runs the user's code, whose error is the user's (tests/test_internal_errors.py)."""


def __getattr__(name):
    raise RuntimeError(f"{name}: the settings file is not loaded")
