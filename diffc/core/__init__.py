"""The IR and what every stage shares: IR nodes, names, example facts, primitives."""
