"""The command line: diffc compile | show | check | graph | coverage.

``commands`` parses the command line and runs each command, ``targets`` reads what it
names (a model file, a function, ``wrt``, example arguments) statically, ``check`` is the
one command that imports and runs the model."""
from diffc.cli.commands import main

__all__ = ["main"]
