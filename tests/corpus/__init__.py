"""A corpus of NumPy programs written in the idioms of real user code, and its harness."""
