"""The stages in order (source to loaded code) and the staging of nested transforms."""
