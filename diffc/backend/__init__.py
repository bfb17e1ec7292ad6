"""IR to Python: expressions, functions, modules, printing, loading, dispatch."""
