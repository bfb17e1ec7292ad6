"""Inspection: the computational graph as a picture, symbolic derivatives."""
