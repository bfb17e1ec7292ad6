"""Lowering: a fenced ``def`` → an IR ``Function``. Its code is in ``lower_names`` while it
is split by concern; this module keeps the names the rest of diffc imports."""
from diffc.frontend.lower_names import (Ref, Scope, _assign, _emit, _getitem, _lookup,  # noqa: F401
                                        _lower_expr, _lower_statement, bind, lower_condition,
                                        lower_function, record)
