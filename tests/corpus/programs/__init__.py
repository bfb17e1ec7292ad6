"""The corpus programs: one idiom-bearing program per module (see ``tests/corpus/harness.py``)."""
