"""Rules for NumPy: its functions (``numpy.exp``), array methods and attributes
(``ndarray.sum``, ``ndarray.T``), and Python's operators, which act on arrays as NumPy's
functions do (``operator.mul`` is ``numpy.multiply``)."""
