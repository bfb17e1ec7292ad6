"""Derivative rules: rule templates (templates/) instantiated into IR."""
