"""Names and lifetimes for the emitter: the names a value may take (``_candidates``), which
are busy where (``_BusyIndex``, ``_Liveness``), and which temporaries are folded into
their one reader (``plan_folding``).
"""
from __future__ import annotations

import ast
import copy
import unicodedata

from diffc.backend.expressions import is_single_expression
from diffc.core import primitives
from diffc.core.ir import Eqn, If, Loop, VarKind, atoms_in, blocks_of, walk


def _printable(name):
    """Whether ``name`` can be printed as a variable and read back as itself: an identifier
    in the NFKC form Python's parser gives it (a hint from a dict key ``"ℌ"`` would print
    as ``ℌ``, which Python reads as ``H``, another variable's name)."""
    return name.isidentifier() and unicodedata.normalize("NFKC", name) == name


def _base(hint):
    """The printable name a value's names are made from: its hint as Python reads it."""
    base = unicodedata.normalize("NFKC", hint)
    return base if base.isidentifier() else "t"


def _candidates(base, prefer=None):
    """The names to try for a value, in order: ``prefer``, ``base``, ``base_1``...``base_9999``
    (made lazily: the first free one is usually among the first few)."""
    if prefer:
        yield prefer
    yield base
    for k in range(1, 10_000):
        yield f"{base}_{k}"


def _suffix_of(name, base):
    """``k`` when ``name`` is ``f"{base}_{k}"`` (k >= 1), else None."""
    if name is None or not name.startswith(base) or name[len(base):len(base) + 1] != "_":
        return None
    suffix = name[len(base) + 1:]
    if not (suffix.isascii() and suffix.isdigit()) or suffix[0] == "0":
        return None
    return int(suffix)


class _BusyIndex:
    """For each base name, the last read of the value holding ``base_1``, ``base_2``...
    (a min segment tree per base): the first ``k >= lo`` whose holder is not read after
    a position, in O(log n) instead of trying every held ``base_k`` in turn."""

    _FREE = -1 << 62                 # no holder

    def __init__(self):
        self.trees = {}              # base -> [cap, tree]; leaf k at tree[cap + k]

    def hold(self, name, last):
        cut = name.rfind("_")
        if cut <= 0:
            return
        base = name[:cut]
        k = _suffix_of(name, base)
        if k is None:
            return
        entry = self.trees.get(base)
        if entry is None:
            entry = self.trees[base] = self._grown(None, 16)
        while k >= entry[0]:
            entry[:] = self._grown(entry, entry[0] * 2)
        cap, tree = entry
        i = cap + k
        tree[i] = last
        i >>= 1
        while i:
            left, right = tree[2 * i], tree[2 * i + 1]
            tree[i] = left if left < right else right
            i >>= 1

    def _grown(self, entry, cap):
        tree = [self._FREE] * (2 * cap)
        tree[cap] = 1 << 62          # base_0 is not a candidate
        if entry is not None:
            old_cap, old = entry
            tree[cap:cap + old_cap] = old[old_cap:]
        for i in range(cap - 1, 0, -1):
            left, right = tree[2 * i], tree[2 * i + 1]
            tree[i] = left if left < right else right
        return [cap, tree]

    def first(self, base, at, lo):
        """The first ``k >= lo`` whose holder (if any) is last read at or before ``at``."""
        entry = self.trees.get(base)
        if entry is None:
            return lo
        cap, tree = entry
        if lo >= cap:
            return lo
        i = cap + lo
        while tree[i] > at:          # up and right to the next subtree with a small enough leaf
            while i & 1:
                i >>= 1
            if i == 0:
                return cap           # none held below cap: cap itself has no holder
            i += 1
        while i < cap:               # down to its leftmost such leaf
            i = 2 * i if tree[2 * i] <= at else 2 * i + 1
        return i - cap


def _renamed_reads(expr, name, new):
    """A copy of ``expr`` reading ``new`` where it read ``name``."""
    expr = copy.deepcopy(expr)
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id == name:
            node.id = new
    return expr


def _assign(name, expr):
    return ast.Assign([ast.Name(name, ast.Store())], expr, lineno=0)


class _Liveness:
    """Positions of statements in order, and each value's last read."""

    def __init__(self, func, folded_vars=frozenset()):
        self.folded_vars = folded_vars
        self.reader = {}         # folded var -> the statement that reads it
        self.pos = {}            # id(stmt) -> position
        self.end = {}            # id(stmt) -> last position inside it
        self.defined = {}        # var -> position where it is defined
        self.last_use = {}
        self.counter = 0
        self._uses_with_stmt = []
        for p in func.params:
            self.defined[p] = -1
        self._scan(func.body, [])
        final = self.counter + 1
        for r in func.results:
            for v in atoms_in(r):
                self._uses_with_stmt.append((v, final, [], None))
        for p in func.params:
            self._uses_with_stmt.append((p, final, [], None))
        # a folded temporary is evaluated where its reader is: so are the reads inside it
        for v, at, loops, stmt in self._uses_with_stmt:
            if isinstance(stmt, (Eqn, Loop)) and v in folded_vars:
                self.reader[v] = stmt

        def effective(stmt, at):
            seen = 0
            while isinstance(stmt, Eqn) and stmt.outs and stmt.outs[0] in self.reader and seen < 1000:
                stmt = self.reader[stmt.outs[0]]
                at = self.pos[id(stmt)]
                seen += 1
            if seen and isinstance(stmt, Loop):     # folded into a for loop's header
                at = self.end[id(stmt)]
            return at

        self._uses = [(v, effective(stmt, at), loops) for v, at, loops, stmt in self._uses_with_stmt]
        for v, at, loops in self._uses:
            d = self.defined.get(v, -1)
            effective = max([at] + [self.end[id(L)] for L in loops if self.pos[id(L)] > d])
            self.last_use[v] = max(self.last_use.get(v, -1), effective)

    def _scan(self, body, loops):
        for stmt in body:
            self.counter += 1
            here = self.counter
            self.pos[id(stmt)] = here
            direct = list(stmt.inputs()) if isinstance(stmt, Eqn) else \
                list(atoms_in(stmt.cond)) if isinstance(stmt, If) else \
                [v for a in ((stmt.iterable,) if stmt.iterable is not None else ()) + stmt.inits
                 for v in atoms_in(a)]
            inner = loops + [stmt] if isinstance(stmt, Loop) else loops
            # a for loop's iterable keeps its name to the loop's end: the body does not reuse
            # it (``for i in reversed(steps):`` then ``steps = steps_tape.pop()`` misreads)
            iterated = set(atoms_in(stmt.iterable)) if isinstance(stmt, Loop) and stmt.iterable is not None else ()
            for v in direct:
                self._uses_with_stmt.append((v, here, inner if v in iterated else loops, stmt))
            for block in blocks_of(stmt):
                for p in block.params:
                    self.defined[p] = here
                self._scan(block.body, inner)
                self.counter += 1
                for r in block.results:
                    for v in atoms_in(r):
                        self._uses_with_stmt.append((v, self.counter, inner, None))
            self.end[id(stmt)] = self.counter
            for o in stmt.outs:
                self.defined[o] = self.counter if not isinstance(stmt, Eqn) else here


def plan_folding(func):
    """Temporaries read exactly once, by an equation in the same block (not an array an
    in-place update writes into: it needs its name)."""
    uses = func.uses()
    written = {s.args[0] for s in walk(func.body) if isinstance(s, Eqn) and s.args
               and primitives.get(s.prim).writes_first}
    foldable = set()

    def scan(body):
        readers = {}
        for stmt in body:
            direct = stmt.inputs() if isinstance(stmt, Eqn) else \
                atoms_in(stmt.iterable) if isinstance(stmt, Loop) and stmt.iterable is not None else ()
            for v in direct:
                readers[v] = readers.get(v, 0) + 1
        for stmt in body:
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1:
                out = stmt.outs[0]
                if out.kind is VarKind.TEMP and uses.get(out, 0) == 1 and readers.get(out, 0) == 1 \
                        and out not in written and stmt.prim not in primitives.named_by("out_form") \
                        and stmt.prim != "pop" and is_single_expression(primitives.get(stmt.prim)):
                    foldable.add(out)
            for block in blocks_of(stmt):
                scan(block.body)

    scan(func.body)
    return foldable
