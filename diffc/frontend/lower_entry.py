"""The lowering's recursion: the entry points a lowering module calls to lower what another
one, later in the import order, handles.

Lowering recurses across its modules: a call inlines the user's function (``lower_inline``),
whose statements (``lower_statements``) hold expressions (``lower_expressions``) that make
calls; a comprehension (``lower_containers``) assigns its targets and lowers its items; a
loop's body (``lower_control``) is statements. Each module imports only the ones before it;
to go the other way it calls ``expression``, ``condition``, ``statement``, ``assign``,
``call`` or ``function`` here, which ``lower.py`` fills in (``install``) when it is imported
(every user of the lowering imports it: ``diffc.frontend.lower`` is the lowering's entry).
"""
from __future__ import annotations

from diffc.errors import InternalError

_INSTALLED: dict = {}


def install(**entry_points):
    """Fill in the entry points (``lower.py`` does, once, at import)."""
    _INSTALLED.update(entry_points)


def _entry(name):
    found = _INSTALLED.get(name)
    if found is None:
        raise InternalError(f"the lowering's entry point {name!r} is not installed: "
                            "import diffc.frontend.lower before lowering")
    return found


def expression(scope, node, hint=""):
    """``node``'s atom, its equations appended to ``scope`` (``lower_expressions.lower_expr``)."""
    return _entry("expression")(scope, node, hint)


def condition(scope, node, hint="cond"):
    """An ``if``/``while``/``assert`` test's atom (``lower_expressions.lower_condition``)."""
    return _entry("condition")(scope, node, hint)


def statement(scope, stmt):
    """Lower one statement into ``scope`` (``lower_statements.lower_statement``)."""
    return _entry("statement")(scope, stmt)


def assign(scope, target, value, stmt):
    """Bind an assignment target to ``value`` (``lower_statements.assign``)."""
    return _entry("assign")(scope, target, value, stmt)


def call(scope, callee, args, kwargs, node, hint):
    """Call what a callee lowered to (``lower_calls.call_value``)."""
    return _entry("call")(scope, callee, args, kwargs, node, hint)


def function(fn, **options):
    """A whole ``SourceFunction`` as an IR ``Function`` (``lower.lower_function``)."""
    return _entry("function")(fn, **options)
