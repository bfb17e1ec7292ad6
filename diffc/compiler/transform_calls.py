"""Calls to diffc transforms from the user's code: ``g = grad_loss(w)`` inside a compiled
function, with ``grad_loss = diffc.grad(loss)`` at module level.

Lowering makes such a call one ``call_transform`` equation (``lower_transform_call``,
reached through the transform's ``__diffc_lower_call__``); ``staging.expand_calls`` later
replaces it with the transform's own IR, staged on the call's example arguments.
"""
from __future__ import annotations

import inspect

from diffc.core.ir import Const, Eqn, Pack, Var, VarKind
from diffc.core.primitives import primitive
from diffc.errors import DiffcError
from diffc.frontend import lower


@primitive()
def call_transform(transform, *args):
    """``transform(*args)`` for a diffc transform called inside a compiled function
    (``g = grad_loss(w)``); replaced by the transform's own IR by ``expand_calls``."""
    return transform(*args)


def lower_transform_call(transform, scope, args, kwargs, node, hint):
    """Lowering of a call to a diffc transform object: one ``call_transform`` equation,
    expanded once example values are known (``expand_calls``)."""
    try:
        bound = inspect.signature(transform).bind(*args, **kwargs)
    except TypeError as e:
        raise DiffcError(f"bad call to {transform!r}: {e}", scope.loc(node)) from None
    bound.apply_defaults()
    operands = [a if isinstance(a, (Var, Const, Pack)) else Const(a) for a in bound.arguments.values()]
    out = scope.namer.var(hint or "call", VarKind.USER if hint else VarKind.TEMP)
    lower.record(scope, Eqn((out,), call_transform.name, (Const(transform), *operands), {},
                            scope.loc(node)))
    return out
