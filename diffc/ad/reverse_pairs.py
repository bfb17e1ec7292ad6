"""The caller's backward step for a call of a generated forward/backward pair.

``compiler.call_pairs`` turns a call the gradient flows through into
``out, saved = <callee>_forward(args)``; the reverse pass answers it with one call of the
pair's backward half, whose gradients go to the call's operands like any rule's.
"""
from __future__ import annotations

import numpy as np

from diffc.core.ir import Eqn, Role, Var, VarKind, atoms_in
from diffc.core.naming import adjoint_hint


def backprop(back, prim, eqn):
    """The caller's backward step for a pair call: ``d... = <callee>_backward(saved, dout)``."""
    out, saved = eqn.outs
    dout = back.atom_of(out)
    operands = list(eqn.args)
    needs = [i for i in prim.needs if any(v in back.active for v in atoms_in(operands[i]))]
    if dout is None or not needs:
        return
    grads = tuple(back.namer.var(adjoint_hint(_hint(operands[i])), VarKind.ADJOINT) for i in prim.needs)
    back.build.add(Eqn(grads, prim.backward.name, (saved, dout), {}, eqn.loc, Role.ADJOINT, eqn))
    _shaped_like_operands(back.facts, grads, [operands[i] for i in prim.needs])
    for i, grad in zip(prim.needs, grads):
        if i in needs:
            back._distribute(prim, eqn, operands[i], grad)


def _shaped_like_operands(facts, grads, operands):
    """A pair's gradients have their operands' shapes (the backward sums each to its
    parameter's shape), so they are as static as the operands are: the facts would
    otherwise count them dynamic, read out of the ``saved`` tuple, and the caller's code
    would un-broadcast at run time what the signature already fixes."""
    for grad, operand in zip(grads, operands):
        if isinstance(operand, Var) and facts.is_static(operand) and grad in facts.values \
                and isinstance(facts.values[grad], (np.ndarray, np.generic, float)) \
                and isinstance(facts.values.get(operand), (np.ndarray, np.generic, float)) \
                and np.shape(facts.values[grad]) == facts.shape(operand):
            facts.dynamic.discard(grad)
            facts.rank_dynamic.discard(grad)


def _hint(atom):
    return atom.hint if isinstance(atom, Var) else "arg"
