"""Automatic differentiation: the reverse and forward transforms of the IR."""
