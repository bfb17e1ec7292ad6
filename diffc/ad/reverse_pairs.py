"""The caller's backward step for a call of a generated forward/backward pair.

``compiler.call_pairs`` turns a call the gradient flows through into
``out, saved = <callee>_forward(args)``; the reverse pass answers it with one call of the
pair's backward half, whose gradients go to the call's operands like any rule's.
"""
from __future__ import annotations

from diffc.core.ir import Eqn, Var, atoms_in
from diffc.core.naming import adjoint_hint


def backprop(back, prim, eqn):
    """The caller's backward step for a pair call: ``d... = <callee>_backward(saved, dout)``."""
    out, saved = eqn.outs
    dout = back.atom_of(out)
    operands = list(eqn.args)
    needs = [i for i in prim.needs if any(v in back.active for v in atoms_in(operands[i]))]
    if dout is None or not needs:
        return
    grads = tuple(back.namer.var(adjoint_hint(_hint(operands[i])), "adjoint") for i in prim.needs)
    step = Eqn(grads, prim.backward.name, (saved, dout), {}, eqn.loc, "adjoint", eqn)
    back.body.append(step)
    back.facts.run(step)
    for i, grad in zip(prim.needs, grads):
        if i in needs:
            back._distribute(prim, eqn, operands[i], grad)


def _hint(atom):
    return atom.hint if isinstance(atom, Var) else "arg"
