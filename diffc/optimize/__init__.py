"""Passes from IR to IR that make the generated code fast and readable."""
