"""Assembling a generated ``def`` from IR: names, folding, blocks and comments.

Contract: takes an IR ``Function`` (any nesting of ``If``/``Loop``), returns an
``ast.FunctionDef`` whose statements carry comment attributes for ``printer``.

* Liveness is computed on the statements in order; a value read inside a loop but
  defined before it stays live until the loop ends.
* Printed names follow each value's hint; a loop's carried value keeps one name
  before, inside and after the loop (``h = np.tanh(...)`` updates ``h``), and an
  ``if``'s merged value one name in both branches, with a copy only where a branch
  cannot produce it under that name.
* A temporary read once, in the same block, is folded into its reader.
"""
from __future__ import annotations

import ast
import copy

from diffc.backend.emit_names import (_BusyIndex, _Liveness, _assign, _base, _candidates,
                                      _printable, _renamed_reads, _suffix_of, plan_folding)
from diffc.backend.expressions import _atom_expr, instantiate_primal, is_single_expression
from diffc.backend.printer import comment_after, comment_before
from diffc.core import primitives
from diffc.core.ir import Const, Eqn, If, Loop, Role, Var, VarKind, atoms_in, walk
from diffc.core.naming import Namer, RESERVED


class Emitter:
    def __init__(self, func, taken):
        self.func = func
        self.folded_vars = plan_folding(func)
        self.live = _Liveness(func, self.folded_vars)
        self.taken = set(taken)
        self.names = {p: p.name for p in func.params}
        self.holders = {p.name: p for p in func.params}
        self.lingering = {}          # name -> last read of a value that held it before
        self.busy = _BusyIndex()     # base -> when each base_k's holder is last read
        self.held = {}               # var -> the names it holds (the inverse of holders)
        for p in func.params:
            self._hold(p.name, p)
        self.reserved = {}           # name -> the vars allowed to take it (inside a block)
        self.folded = {}
        self.namer = Namer(taken=self.taken | {v.name for s in walk(func.body) for v in s.outs})
        self.last_origin = None
        self.last_loc = None
        self.pending_outs = set()    # outs of the construct being emitted: not yet live
        self.fresh_suffix = {}       # base -> the first k for which base_k may never have been held
        self.folded_from = {s.outs[0]: s for s in walk(func.body)
                            if isinstance(s, Eqn) and s.outs and s.outs[0] in self.folded_vars}

    # -- names ------------------------------------------------------------------------------
    def _free(self, name, at, single, var=None):
        if name in self.taken or name in RESERVED or not _printable(name):
            return False
        allowed = self.reserved.get(name)
        if allowed is not None and var not in allowed:
            return False
        lingering = self.lingering.get(name, -1)
        if lingering > at or (lingering == at and not single):
            return False
        holder = self.holders.get(name)
        if holder is None or holder is var or holder in self.pending_outs:
            return True
        last = self.live.last_use.get(holder, -1)
        return last < at or (single and last == at and holder not in self.func.params)

    def name(self, var, at, single=True, prefer=None, reads=None):
        if var in self.names:
            return self.names[var]
        base = _base(var.hint)
        if reads is not None and var.kind is VarKind.ADJOINT:
            return self._quantity_name(var, at, single, prefer, base, reads)
        for candidate in ([prefer] if prefer else []) + [base]:
            if self._free(candidate, at, single, var):
                return self._take(var, candidate)
        # the first free base_k (k < 10,000), as trying k = 1, 2, ... in turn finds it, but
        # skipping the names whose holder is read after ``at`` (never free here, unless
        # the holder is an out of the construct being emitted: those are tried too)
        pending = sorted(k for k in (_suffix_of(n, base) for v in self.pending_outs
                                     for n in self.held.get(v, ())) if k is not None)
        k = 1
        while k < 10_000:
            k = min([self.busy.first(base, at, k)] + [p for p in pending if p >= k])
            if k < 10_000 and self._free(f"{base}_{k}", at, single, var):
                return self._take(var, f"{base}_{k}")
            k += 1
        raise AssertionError("unreachable")

    def _quantity_name(self, var, at, single, prefer, base, reads):
        """A gradient's name, one per quantity: a name no value has held yet, or that of
        the value its statement updates (``dW = dW + dW_1``, ``dlog = dlog.sum(...)``);
        never the name of another, dead gradient (two different sums both ``dsum``)."""
        updated = sorted(self.names[v] for v in reads if v in self.names and (
            self.names[v] == base or _suffix_of(self.names[v], base) is not None))
        for candidate in ([prefer] if prefer else []) + updated + [base]:
            if (candidate not in self.holders or self.holders[candidate] in reads) \
                    and self._free(candidate, at, single, var):
                return self._take(var, candidate)
        k = self.fresh_suffix.get(base, 1)
        while f"{base}_{k}" in self.holders or not self._free(f"{base}_{k}", at, single, var):
            k += 1
        self.fresh_suffix[base] = k + 1
        return self._take(var, f"{base}_{k}")

    def _reads(self, eqn):
        """The values an equation reads, through the temporaries folded into it."""
        reads, todo = set(), list(eqn.inputs())
        while todo:
            v = todo.pop()
            if v not in reads:
                reads.add(v)
                if v in self.folded_from:
                    todo += self.folded_from[v].inputs()
        return reads

    def _take(self, var, name):
        self.names[var] = name
        self._hold(name, var)
        return name

    def bind(self, var, name):
        self.names[var] = name
        self._hold(name, var)

    def _hold(self, name, var):
        old = self.holders.get(name)
        if old is not None and old in self.held:
            self.held[old].discard(name)
        if old is not None and old is not var and old not in self.pending_outs:
            # a value made in a branch and handed its merged out's name is still read
            # later on its own path (the backward branch of reverse mode reads the
            # forward branch's values): the name stays taken until that read
            self.lingering[name] = max(self.lingering.get(name, -1), self.live.last_use.get(old, -1))
        self.holders[name] = var
        self.held.setdefault(var, set()).add(name)
        self.busy.hold(name, max(self.live.last_use.get(var, -1), self.lingering.get(name, -1)))

    def expr(self, atom):
        return _atom_expr(atom, self.names, self.folded)

    # -- statements ---------------------------------------------------------------------------
    def block(self, body):
        out = []
        for stmt in body:
            if isinstance(stmt, If):
                out += self.if_(stmt)
            elif isinstance(stmt, Loop):
                out += self.loop(stmt)
            else:
                out += self.eqn(stmt)
        return out

    def _comment(self, stmts, stmt):
        if not stmts:
            return
        if stmt.role in (Role.ADJOINT, Role.ACCUMULATE, Role.UNBROADCAST) and stmt.origin is not self.last_origin:
            comment = _comment_for(stmt, self.last_loc)
            if comment:
                comment_before(stmts[0], comment)
            self.last_origin, self.last_loc = stmt.origin, stmt.loc
        elif stmt.role is Role.HOISTED and stmt.outs and stmt.origin is not self.last_origin:
            self.last_origin = stmt.origin
            where = f"{stmt.loc.short}  " if stmt.loc is not None else ""
            comment_before(stmts[0], f"{where}every step's product at once, before the loop (one "
                                     f"large matrix product)")
        elif stmt.role is Role.REUSE and stmt.outs and isinstance(stmt.args[0], Var):
            comment_before(stmts[0], f"{self.names.get(stmt.args[0], stmt.args[0].name)} is not read "
                                     f"any more: its memory holds the steps' rows")
        elif stmt.role is Role.STATES and stmt.outs:
            where = f"{stmt.loc.short}  " if stmt.loc is not None else ""
            comment_before(stmts[0], f"{where}each step's state goes into its row of one array, which "
                                     f"the backward pass reads (no tape)")
        elif stmt.role is Role.COPY and stmt.outs:
            comment_before(stmts[0], "a copy: two gradients would otherwise be one array")
        elif stmt.role is Role.ZERO and stmt.outs:
            comment_before(stmts[0], f"{stmt.outs[0].hint[1:]} does not affect the result: its gradient is zero")

    def eqn(self, eqn):
        at = self.live.pos[id(eqn)]
        prim = primitives.get(eqn.prim)
        if len(eqn.outs) > 1:            # a generated function returning several values
            return self._unpacking(eqn, at)
        if eqn.outs and eqn.outs[0] not in self.names and eqn.outs[0] not in self.folded_vars:
            # an in-place update may take its accumulator's name: it only writes into it
            in_place = prim.writes_first
            prefer = self.names.get(eqn.args[0]) if in_place else None
            self.name(eqn.outs[0], at, in_place or is_single_expression(prim), prefer=prefer,
                      reads=self._reads(eqn))
        pre, expr = instantiate_primal(eqn, self.names, self.folded, self.namer.fresh)
        if not eqn.outs:
            stmts = list(pre)
            if expr is not None:
                stmts.append(ast.Expr(expr))
        else:
            out = eqn.outs[0]
            if out in self.folded_vars:
                self.folded[out] = expr
                return []
            stmts = list(pre)
            if not (isinstance(expr, ast.Name) and expr.id == self.names[out]):
                stmts.append(_assign(self.names[out], expr))
        if eqn.role is Role.PRIMAL and eqn.loc is not None and stmts:
            comment_after(stmts[-1], eqn.loc.short)
        self._comment(stmts, eqn)
        return stmts

    def _unpacking(self, eqn, at):
        """``h, saved = affine_forward(x, W)``: one name per output (``_`` for one nothing reads)."""
        for out in eqn.outs:
            if out not in self.live.last_use and out not in self.names:
                self.names[out] = "_"
            self.name(out, at, False, reads=self._reads(eqn))
        _, expr = instantiate_primal(eqn, self.names, self.folded, self.namer.fresh)
        target = ast.Tuple([ast.Name(self.names[o], ast.Store()) for o in eqn.outs], ast.Store())
        stmts = [ast.Assign([target], expr, lineno=0)]
        if eqn.role is Role.PRIMAL and eqn.loc is not None:
            comment_after(stmts[-1], eqn.loc.short)
        self._comment(stmts, eqn)
        return stmts

    def _carried_names(self, outs, prefer_from, at, end):
        """One printed name per carried/merged value, free over ``[at, end]``."""
        chosen = []
        for out, init in zip(outs, prefer_from):
            name = None
            # (not a name a branch's value still holds, read later on its own path, nor one
            # another value now holds: a branch's merged out, named like the branch's value)
            if isinstance(init, Var) and init in self.names and self.live.last_use.get(init, -1) <= at \
                    and init not in self.func.params and self.names[init] not in chosen \
                    and self.reserved.get(self.names[init]) is None \
                    and self.lingering.get(self.names[init], -1) <= at \
                    and self.live.last_use.get(self.holders.get(self.names[init], init), -1) <= at:
                name = self.names[init]
            if name is None:
                base = _base(out.hint)
                for candidate in _candidates(base):
                    if candidate not in chosen and self._free(candidate, at, False, out) and \
                            all(self._free(candidate, p, False, out) for p in (end,)):
                        name = candidate
                        break
            chosen.append(name)
        return chosen

    def _produce(self, body_stmts, block, names_for_results, slots_vars):
        """Emit a block whose results must end up in ``names_for_results``."""
        saved = dict(self.reserved)
        for name, allowed in zip(names_for_results, slots_vars):
            self.reserved[name] = allowed
        result_prefer = {}
        for r, name in zip(block.results, names_for_results):
            if isinstance(r, Var) and r not in self.names:
                result_prefer[r] = name
        stmts = []
        for stmt in block.body:
            for v in stmt.outs:
                if v in result_prefer and v not in self.folded_vars:
                    self.name(v, self.live.pos[id(stmt)], True, prefer=result_prefer[v])
            stmts += self.block([stmt])
        moves = [(name, self.expr(r)) for r, name in zip(block.results, names_for_results)]
        stmts += self._simultaneous(moves)
        self.reserved = saved
        return stmts or [ast.Pass()]

    def _simultaneous(self, moves):
        """Assignments ``name = expr`` made as if at once: ``dc = dc_1`` must come after
        ``da = dc`` reads the old ``dc`` (a loop's carried values, a branch's results). An
        assignment whose name no other pending one reads goes first; a cycle saves one old
        value in a fresh name."""
        pending = [(n, e) for n, e in moves if not (isinstance(e, ast.Name) and e.id == n)]
        out = []
        while pending:
            reads = [{x.id for x in ast.walk(e) if isinstance(x, ast.Name)} for _, e in pending]
            ready = next((k for k, (n, _) in enumerate(pending)
                          if not any(n in r for j, r in enumerate(reads) if j != k)), None)
            if ready is not None:
                out.append(_assign(*pending.pop(ready)))
                continue
            name = pending[0][0]
            saved = self.namer.fresh(name)
            self.taken.add(saved)
            out.append(_assign(saved, ast.Name(name, ast.Load())))
            pending = [(n, _renamed_reads(e, name, saved)) for n, e in pending]
        return out

    def if_(self, node):
        at, end = self.live.pos[id(node)], self.live.end[id(node)]
        cond = self.expr(node.cond)
        names = self._carried_names(node.outs, [None] * len(node.outs), at, end)
        for out, name in zip(node.outs, names):
            self.bind(out, name)
        allowed = [{out, node.then.results[k], node.orelse.results[k]} for k, out in enumerate(node.outs)]
        saved_pending = self.pending_outs
        self.pending_outs = saved_pending | set(node.outs)
        then = self._produce(None, node.then, names, allowed)
        orelse = self._produce(None, node.orelse, names, allowed)
        self.pending_outs = saved_pending
        for out, name in zip(node.outs, names):     # a branch's value took the name: it is the out's again
            self.bind(out, name)
        if orelse == [ast.Pass()] and not node.outs:
            orelse = []
        stmt = ast.If(cond, then, orelse)
        self._loop_comment(stmt, node)
        return [stmt]

    def loop(self, node):
        at, end = self.live.pos[id(node)], self.live.end[id(node)]
        carried = node.body.params[1:] if node.kind == "for" else node.body.params
        names = self._carried_names(node.outs, node.inits, at, end)
        before = self._simultaneous([(name, self.expr(init)) for init, name in zip(node.inits, names)])
        # the body's params bound last: they hold the names while the body is emitted, so a
        # carried value still read later in the body is not overwritten (``s = ...`` before
        # the tangent reads the old ``s``)
        for params in (([node.cond.params] if node.cond is not None else []) + [carried]):
            for p, name in zip(params, names):
                self.bind(p, name)
        allowed = [{node.outs[k], carried[k], node.body.results[k]} | (
            {node.cond.params[k]} if node.cond is not None else set()) for k in range(len(names))]
        saved = dict(self.reserved)
        for name, ok in zip(names, allowed):
            self.reserved[name] = ok
        if node.kind == "for":
            target = self.name(node.body.params[0], at, False, prefer=node.target_hint or None)
            header = ast.For(ast.Name(target, ast.Store()), self.expr(node.iterable), [], [], lineno=0)
        else:
            test, cond_stmts = self._condition(node.cond)
            header = ast.While(test, [], [])
        self.reserved = saved
        saved_pending = self.pending_outs
        self.pending_outs = saved_pending | set(node.outs)
        body = self._produce(None, node.body, names, allowed)
        self.pending_outs = saved_pending
        if node.kind == "while" and cond_stmts:
            check = ast.If(ast.UnaryOp(ast.Not(), test), [ast.Break()], [])
            header.test = ast.Constant(True)
            body = cond_stmts + [check] + body
        header.body = body
        for out, name in zip(node.outs, names):
            self.bind(out, name)
        self._loop_comment(header, node)
        return before + [header]

    def _condition(self, cond):
        stmts = self.block(cond.body)
        return self.expr(cond.results[0]), stmts

    def _loop_comment(self, stmt, node):
        if node.role is Role.PRIMAL and node.loc is not None:
            comment_after(stmt, node.loc.short)
        elif node.loc is not None:
            text = _code_only(node.loc.text)
            kind = "reversed" if isinstance(node, Loop) else "the same branch, backwards"
            comment_before(stmt, f"{node.loc.short}  {text}  ({kind})")
            self.last_origin = None

    # -- the function ---------------------------------------------------------------------------
    def function(self, name, doc, returns, result_names, defaults):
        body = self.block(self.func.body)
        final = self.live.counter + 1
        exprs = []
        live_results = {self.names.get(v) for r in self.func.results for v in atoms_in(r)}
        for atom, want in zip(self.func.results, result_names):
            e = self.expr(atom)
            if want and not (isinstance(e, ast.Name) and e.id == want) and (
                    isinstance(atom, Const) or (want not in live_results and self._free(want, final, False))):
                body.append(_assign(want, e))
                e = ast.Name(want, ast.Load())
            exprs.append(e)
        body.append(ast.Return(returns(exprs)))
        if doc:
            body.insert(0, ast.Expr(ast.Constant(doc)))
        params = [ast.arg(self.names[p]) for p in self.func.params]
        trailing = []          # only the last parameters can have defaults
        for p in reversed(self.func.params):
            if p.name not in defaults:
                break
            trailing.insert(0, copy.deepcopy(defaults[p.name]))
        arguments = ast.arguments(posonlyargs=[], args=params, kwonlyargs=[], kw_defaults=[],
                                  defaults=trailing)
        # printed with ast.unparse, never compiled as a tree: no source locations needed
        return ast.FunctionDef(name, arguments, body, [], None, lineno=0)


def _comment_for(eqn, previous_loc):
    """``model.py:7  out = q * z  (multiply: ...)``; the line's text only once per line."""
    loc = eqn.loc
    gate = primitives.get(eqn.origin.prim).gate if isinstance(eqn.origin, Eqn) else ""
    if eqn.origin is not None and eqn.origin.note:    # a rewrite's own (simplify, bptt...)
        gate = eqn.origin.note
    if loc is None:
        return gate
    same_line = previous_loc is not None and (previous_loc.file, previous_loc.line) == (loc.file, loc.line)
    where = loc.short if same_line or not loc.text else f"{loc.short}  {_code_only(loc.text)}"
    return f"{where}  ({gate})" if gate else where


def _code_only(line):
    """The line without the user's own trailing comment."""
    code = line.strip()
    cut = code.find("  #")
    return code[:cut].rstrip() if cut > 0 and code.count('"', 0, cut) % 2 == 0 \
        and code.count("'", 0, cut) % 2 == 0 else code


def emit_function(func, name, doc, returns):
    """``def name(params): ...`` for ``func``; returns ``(FunctionDef, helper primitives used)``."""
    used = {s.prim for s in walk(func.body) if isinstance(s, Eqn) and primitives.get(s.prim).helper}
    params = {p.name for p in func.params}
    helpers = {}                 # helper primitive -> the name it is defined under
    for h in sorted(used):
        alias = h
        while alias in params or alias == "np":
            alias += "_"         # a parameter of the user's owns the plain name
        helpers[h] = alias
    emitter = Emitter(func, set(helpers.values()) | {"np"})
    result_names = func.result_names if func.result_names is not None else (None,) * len(func.results)
    fdef = emitter.function(name, doc, returns, result_names, func.defaults)
    renamed = {h: a for h, a in helpers.items() if h != a}
    if renamed:
        for node in ast.walk(fdef):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in renamed:
                node.func.id = renamed[node.func.id]
    return fdef, set(helpers.items())
