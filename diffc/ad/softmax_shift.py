"""Exact zeros the reverse pass need not compute: shifts that a normalisation cancels.

The stable softmax subtracts the row maximum before ``exp``::

    s = a - m                                   m = np.max(a, axis=k, keepdims=True)
    e = np.exp(s)
    y = e / np.sum(e, axis=k, keepdims=True)

``y`` does not change when ``s`` changes by anything constant along axis ``k``
(``exp(s + c) / sum(exp(s + c)) = exp(s) / sum(exp(s))``), so the gradient reaching ``m``
through ``s`` is exactly zero. Computed naively it is a sum of terms that cancel up to
rounding, and it costs the max rule's tie routing (a comparison, a count and a division
over the whole array). The log-softmax ``s - np.log(np.sum(np.exp(s), axis=k,
keepdims=True))`` is invariant in the same way.

``zero_operands`` finds these patterns in a primal function and names, for each shift
(an ``add``/``subtract`` producing ``s``), the operands that are constant along the
normalised axes: the reverse pass gives them no adjoint from that equation. The pattern
must be closed: ``s``, ``e`` and the sum are read by nothing else, since any other
reader would see the shift.
"""
from __future__ import annotations

from diffc.core import primitives
from diffc.rules.instantiate import bound_operands
from diffc.core.ir import Const, Eqn, Var, producers, walk


def zero_operands(func, facts) -> set:
    """``{(id(eqn), param)}``: operands of shift equations whose adjoint is exactly zero."""
    producer = producers(func.body)
    uses = func.uses()
    found = set()
    for stmt in walk(func.body):
        if not isinstance(stmt, Eqn):
            continue
        match = _softmax(stmt, producer, uses) or _log_softmax(stmt, producer, uses)
        if match is None:
            continue
        shift, axes, exp_eqn = match
        operands = _operands(shift)
        s = shift.outs[0]
        for param, atom in operands.items():
            others = [a for p, a in operands.items() if p != param]
            if isinstance(atom, Var) and _constant_along(atom, s, axes, facts, producer, others):
                found.add((id(shift), param))
                # the comment of the exp's backward line says why the shift gets nothing
                exp_eqn.note = (f"{primitives.get('exp').gate}; the shift inside exp, constant along "
                                f"the normalised axis, gets no gradient: the normalisation cancels it")
    return found


def _softmax(div, producer, uses):
    """``y = e / sum(e, axis=k, keepdims=True)`` with ``e = exp(s)``: (shift eqn, axes)."""
    if div.prim != "divide" or len(div.args) != 2:
        return None
    e, total = div.args
    summed = _normaliser(total, e, producer, uses)
    if summed is None or uses.get(e) != 2:
        return None
    return _shift_under_exp(e, producer, uses, 1, summed)


def _log_softmax(sub, producer, uses):
    """``s - log(sum(exp(s), axis=k, keepdims=True))``: (shift eqn, axes)."""
    if sub.prim != "subtract" or len(sub.args) != 2:
        return None
    s, log_total = sub.args
    log_eqn = producer.get(log_total) if isinstance(log_total, Var) else None
    if log_eqn is None or log_eqn.prim != "log" or uses.get(log_total) != 1:
        return None
    total = log_eqn.args[0]
    e = _sum_operand(total, producer)
    if e is None or uses.get(e) != 1:
        return None
    summed = _normaliser(total, e, producer, uses)
    exp_eqn = producer.get(e)
    if summed is None or exp_eqn is None or exp_eqn.prim != "exp" or exp_eqn.args[0] is not s:
        return None
    return _shift_under_exp(e, producer, uses, 2, summed)


def _sum_operand(total, producer):
    eqn = producer.get(total) if isinstance(total, Var) else None
    if eqn is None or eqn.prim != "sum":
        return None
    a = _operands(eqn).get("a")
    return a if isinstance(a, Var) else None


def _normaliser(total, e, producer, uses):
    """The normalised axes if ``total = sum(e, axis, keepdims=True)`` (or a full sum)
    read only once; "all" for a full sum; None otherwise."""
    if not isinstance(total, Var) or uses.get(total) != 1 or _sum_operand(total, producer) is not e:
        return None
    ops = _operands(producer[total])
    axis, keepdims = ops.get("axis"), ops.get("keepdims")
    if not isinstance(axis, Const) or not isinstance(keepdims, Const):
        return None
    if axis.value is None:
        return "all"
    if keepdims.value is not True:
        return None
    axes = axis.value if isinstance(axis.value, tuple) else (axis.value,)
    return axes if all(isinstance(k, int) for k in axes) else None


def _shift_under_exp(e, producer, uses, s_uses, axes):
    exp_eqn = producer.get(e)
    if exp_eqn is None or exp_eqn.prim != "exp" or not isinstance(exp_eqn.args[0], Var):
        return None
    s = exp_eqn.args[0]
    shift = producer.get(s)
    if shift is None or shift.prim not in ("add", "subtract") or uses.get(s) != s_uses:
        return None
    return shift, axes, exp_eqn


def _constant_along(atom, s, axes, facts, producer, others):
    """True when ``atom``, broadcast to ``s``'s shape, is constant along ``axes``."""
    shape, target = facts.shape(atom), facts.shape(s)
    if shape is not None and target is not None:
        if axes == "all":
            return all(n == 1 for n in shape)
        ndim = len(target)
        lead = ndim - len(shape)
        for k in axes:
            k = k + ndim if k < 0 else k
            if not 0 <= k < ndim:
                return False
            if k >= lead and shape[k - lead] != 1:
                return False
        return True
    # without example values: a reduction of the other operand over the same axes, kept
    # as size-1 axes (``a - np.max(a, axis=k, keepdims=True)``: same rank, same axes)
    eqn = producer.get(atom)
    if eqn is None or eqn.prim not in ("max", "min", "sum", "mean") or axes == "all":
        return False
    ops = _operands(eqn)
    axis, keepdims = ops.get("axis"), ops.get("keepdims")
    if not (isinstance(axis, Const) and isinstance(keepdims, Const) and keepdims.value is True):
        return False
    reduced = axis.value if isinstance(axis.value, tuple) else (axis.value,)
    return reduced == tuple(axes) and any(ops.get("a") is o for o in others)


def _operands(eqn):
    return bound_operands(primitives.get(eqn.prim), eqn)
