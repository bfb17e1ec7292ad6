"""autograd's own tests, run through diffc: ``python -m benchmarks.autograd_suite``.

The runner obtains autograd's source distribution at run time (``pip download``, or a
checkout or an sdist given as an argument; nothing of autograd is kept in this
repository), loads its test files with ``autograd.numpy`` mapped to NumPy and
``autograd.scipy`` to SciPy, and runs each test function with autograd's checking
helpers replaced: every function a test checks is differentiated by diffc and compared
with central differences computed here. Each test is then ``right``, ``wrong``,
``refused`` (a located error), ``unlocated`` (an error that does not point at the test's
code), ``crash`` or ``n/a``.

Modules: ``obtain`` (the source), ``shims`` (the ``autograd`` modules a test imports),
``trees`` (arguments as nested lists, tuples and arrays), ``ports`` (the small functions
written for diffc when a test checks a library function itself), ``checks`` (one check,
as autograd's ``check_grads`` makes it), ``numeric`` (derivatives by differences, and
the comparisons), ``runner`` (a test file, test by test),
``report`` (the table and the causes).
"""
