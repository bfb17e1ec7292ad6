"""diffc's own operations: what the engine inserts (un-broadcasting a gradient, a loop's
tape, gradients of dicts and lists) and the in-place forms the optimizer writes into
emitted code. No user code names them; most have no source name."""
