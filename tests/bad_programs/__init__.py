"""Small programs diffc must reject, each with a located error (see tests/test_errors.py).

Each module holds functions written the way a user would write them; the table in
``tests/test_errors.py`` names the error type, a message fragment, and the exact line
and column each must be rejected at. ``static/`` holds files that cannot be imported
(syntax errors, ``await`` outside ``async def``): diffc reads them statically.
"""
