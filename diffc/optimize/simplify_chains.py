"""The chains the simplifier rewrites: runs of elementwise adjoint equations, each stated as a
``_Problem`` (its operands, what it computes, the layout of its values).
"""
from __future__ import annotations

import dataclasses
import heapq

from diffc.core.ir import Const, Eqn, Pack, Role, Var, VarKind
from diffc.optimize.simplify_check import _layout_of, _linear
from diffc.optimize.simplify_ops import (_ALGEBRAIC, _BINARY, _MAX_CHAIN, _MAX_CLOSURE,
                                         _TRANSCENDENTAL, _ops)


@dataclasses.dataclass
class _Problem:
    vars: list           # index -> Var
    ops: tuple           # the chain: (out index, op, argument refs), in block order
    root: int
    cot: int             # the cotangent leaf
    leaves: tuple
    defs: dict           # index -> (op, refs) or ("alias", (ref,)): how a forward value was made
    visible: frozenset   # indices readable where the chain ends
    scalars: frozenset   # indices of 0-d values (and Python numbers)
    key: tuple


class _Chains:
    """Finding the chains of elementwise adjoint equations and stating each as a ``_Problem``;
    a part of ``_Pass``."""

    # -- what is known of a value --------------------------------------------------------
    def value(self, v):
        values = self.facts.values
        if v in values:
            return values[v]
        init = self.carried.get(v, (None,))[0]
        if isinstance(init, Var) and init in values:
            return values[init]
        raise KeyError(v)

    def layout(self, atom):
        """``(shape, dtype, weak)`` of an operand, or None when not known to be static.
        ``weak``: a Python number, which NumPy never lets change an array's dtype."""
        if isinstance(atom, Const):
            return ((), None, True) if type(atom.value) in (int, float) else None
        if not isinstance(atom, Var):
            return None
        if atom in self._layouts:
            return self._layouts[atom]
        self._layouts[atom] = None          # (a carried value's init may lead back here)
        facts, found = self.facts, None
        if atom in facts.values:
            if facts.is_static(atom):
                found = _layout_of(facts.values[atom])
        elif atom in self.carried:
            init, result = self.carried[atom]
            a, b = self.layout(init), self.layout(result)
            found = a if a is not None and a == b and not a[2] else None
        self._layouts[atom] = found
        return found

    def elementwise(self, eqn):
        """The op key of an elementwise equation whose operands never broadcast, or None."""
        key = id(eqn)
        if key not in self._elementwise:
            self._elementwise[key] = self._classify(eqn)
        return self._elementwise[key]

    def _classify(self, eqn):
        if not isinstance(eqn, Eqn) or len(eqn.outs) != 1 or eqn.kwargs:
            return None
        op = _ops()[0].get(eqn.prim)
        if op is None or len(eqn.args) != (2 if op in _BINARY else 1):
            return None
        out = self.layout(eqn.outs[0])
        if out is None or out[1] is None or out[1].kind != "f":
            return None
        if op == "pow":
            exponent = eqn.args[1]
            if not (isinstance(exponent, Const) and type(exponent.value) in (int, float)
                    and float(exponent.value * 2).is_integer() and abs(exponent.value) <= 16):
                return None
            operands = eqn.args[:1]
        else:
            operands = eqn.args
        for a in operands:
            if isinstance(a, Pack):
                return None
            lay = self.layout(a)
            if lay is None:
                return None
            if not (lay[2] or (lay[1] == out[1] and lay[0] in (out[0], ()))):
                return None
        return op

    def adjoint_elementwise(self, stmt):
        return isinstance(stmt, Eqn) and stmt.role in (Role.ADJOINT, Role.ACCUMULATE) \
            and self.elementwise(stmt) is not None

    def definition(self, v):
        """How forward value ``v`` was made: ``(op, args)``, ``("alias", pushed value)``, or None."""
        if v in self.popped:
            return ("alias", self.popped[v])
        found = self.producer.get(v)
        if found is None or found[0].role is not Role.PRIMAL:
            return None
        op = self.elementwise(found[0])
        return (op, found[0].args) if op is not None else None

    def reaches(self, v, depth=0):
        """Whether expanding ``v`` can relate it to other values: its definition reaches
        a transcendental or an algebraic (division, power) operation."""
        if v in self._reaches:
            return self._reaches[v]
        if depth > 40:
            return False
        d = self.definition(v)
        if d is None:
            found = False
        elif d[0] == "alias":
            found = self.reaches(d[1], depth + 1)
        else:
            found = d[0] in _TRANSCENDENTAL or d[0] in _ALGEBRAIC or any(
                self.reaches(a, depth + 1) for a in d[1] if isinstance(a, Var))
        self._reaches[v] = found
        return found

    # -- chains -----------------------------------------------------------------------------
    def chains(self, stmts):
        """The chains of a block, by the id of their root equation."""
        pos = {id(s): k for k, s in enumerate(stmts)}
        absorbed, found = set(), {}
        for k in range(len(stmts) - 1, -1, -1):
            root = stmts[k]
            if id(root) in absorbed or not self.adjoint_elementwise(root):
                continue
            members = self._grow(root, stmts, pos)
            absorbed.update(id(m) for m in members)
            if len(members) >= 2 and len({id(m.origin) for m in members}) >= 2:
                found[id(root)] = members
        return found

    def _grow(self, root, stmts, pos):
        """``root`` and the equations of its block that only it (transitively) reads."""
        block = id(stmts)
        members, reads = [root], {}
        heap, queued, by_id = [], set(), {}

        def add(eqn):
            for v in eqn.inputs():
                reads[v] = reads.get(v, 0) + 1
                found = self.producer.get(v)
                if found is None or found[1] != block or id(found[0]) in queued:
                    continue
                producer = found[0]
                if id(producer) in pos and self.adjoint_elementwise(producer):
                    queued.add(id(producer))
                    by_id[id(producer)] = producer
                    heapq.heappush(heap, (-pos[id(producer)], id(producer)))

        add(root)
        while heap and len(members) < _MAX_CHAIN:
            _, i = heapq.heappop(heap)
            eqn = by_id[i]
            out = eqn.outs[0]
            if self.uses.get(out, 0) == reads.get(out, 0):      # every read is in the chain
                members.append(eqn)
                add(eqn)
        members.sort(key=lambda e: pos[id(e)])
        return members

    def problem(self, members, scope):
        """The chain as a structure (indices, not names), or None when it does not qualify."""
        index, names = {}, []

        def ref(a):
            if isinstance(a, Var):
                if a not in index:
                    index[a] = len(names)
                    names.append(a)
                return ("v", index[a])
            return ("c", type(a.value).__name__, a.value)

        ops = []
        for m in members:
            args = tuple(ref(a) for a in m.args)
            ops.append((ref(m.outs[0]), self.elementwise(m), args))
        outs = {o[0][1] for o in ops}
        leaves = [i for i in range(len(names)) if i not in outs]
        cots = [i for i in leaves if self._is_cotangent(names[i])]
        if len(cots) > 1:         # a seed (the outer gradient's 1.0 inside a second derivative)
            cots = [i for i in cots if self.producer.get(names[i], (None,))[0] is None
                    or self.producer[names[i]][0].role is not Role.SEED]
        if len(cots) != 1 or not _linear(ops, cots[0]):
            return None
        cot = cots[0]
        defs, blocks = self._definitions([names[i] for i in leaves if i != cot], names, index, ref,
                                         scope)
        if len(blocks) > 1:           # values popped from tapes pushed in different blocks
            return None
        if not any(self.reaches(names[i]) for i in leaves if i != cot):
            return None               # no forward value to relate: nothing for sympy to find
        visible = frozenset(i for i, v in enumerate(names)
                            if i not in outs and (i in leaves or scope.has(v) or v in self.func.params))
        scalars = frozenset(i for i, v in enumerate(names) if (self.layout(v) or ((0,),))[0] == ())
        key = (tuple(ops), tuple(sorted(defs.items())), cot, tuple(sorted(visible)), tuple(sorted(scalars)))
        return _Problem(names, tuple(ops), ops[-1][0][1], cot, tuple(leaves), defs, visible, scalars, key)

    def _definitions(self, work, names, index, ref, scope):
        """How the values in ``work`` (the chain's forward leaves) were made, expanded
        recursively: ``{index: (op, refs)}`` (``ref`` indexes a new value), and the blocks
        of the tapes the popped values among them were pushed in."""
        defs, blocks = {}, set()
        while work:
            v = work.pop(0)
            d = self.definition(v)
            # expanded: what leads to a transcendental or algebraic operation, and
            # temporaries (a user's named value is a natural root), while there is room
            if d is None or len(names) >= _MAX_CLOSURE or not (self.reaches(v) or v.kind is VarKind.TEMP):
                continue
            if d[0] == "alias":
                blocks.add(self.pushed[d[1]][1])
                args = (d[1],)
            else:
                args = d[1]
            fresh = [a for a in args if isinstance(a, Var) and a not in index]
            defs[index[v]] = (d[0], tuple(ref(a) for a in args))
            work.extend(fresh)
            for w in fresh:                     # a popped copy of a pushed value, if readable here
                pop = self.pop_of.get(w)
                if pop is not None and pop not in index and scope.has(pop):
                    blocks.add(self.pushed[w][1])
                    ref(pop)
                    defs[index[pop]] = ("alias", (("v", index[w]),))
        return defs, blocks

    def _is_cotangent(self, v, depth=0):
        """An adjoint value, or one computed from one (a rule's temporary read twice); not
        a value a rule computes from forward values alone (``np.size(y)``, ``W.T``)."""
        if v.kind is VarKind.ADJOINT:
            return True
        if v in self._cotangent:
            return self._cotangent[v]
        found = self.producer.get(v)
        dependent = found is not None and found[0].role not in (Role.PRIMAL, Role.TAPE) and depth < 40 and \
            any(self._is_cotangent(a, depth + 1) for a in found[0].inputs())
        self._cotangent[v] = dependent
        return dependent
