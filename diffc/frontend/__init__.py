"""Source to IR: reading a function's source, the fence, lowering, jumps, bindings."""
