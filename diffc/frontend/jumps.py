"""Jumps (``break``, ``continue``, early ``return``) rewritten into structured code.

Lowering knows structured control flow only: an ``if`` whose branches both end at its
last line, loops that run their whole body, and one ``return`` as the function's last
statement. ``desugar`` rewrites a function body (AST to AST, before lowering, so every
mode gets jumps for free) into exactly that. Every node it makes carries the line of the
user's statement it stands for, so errors and generated comments point at the user's code.

* **The rest of a path moves into the branches.** When an ``if`` contains a jump, the
  statements after the ``if`` move into each of its branches, and are dropped after the
  jump (tail duplication, recursively). Then a path simply ends where it jumped:
  ``continue`` becomes nothing, ``return e`` becomes ``result = e`` (``result`` a fresh
  name; a pair ``return a, b`` gives ``result_0``, ``result_1``), and the function ends
  with one ``return result``.
* **``break`` sets a flag that ends the loop.** The loop gets a fresh ``stop = False``
  and ``break`` becomes ``stop = True`` (what follows it on the path is moved away as
  above). ``while c:`` becomes ``while (False if stop else c):`` (``c`` is evaluated only
  while the loop runs, as in Python); a ``for`` loop becomes a ``while`` loop over an
  index, so the loop stops iterating, forwards and backwards (the ``while`` loop counts
  its iterations for the backward pass)::

      for row in X:                        stop = False
          if row @ w > 1.0:                k = 0
              break              ->        while not stop and k < len(X):
          total = total + row @ w              row = X[k]
                                               k = k + 1
                                               if row @ w > 1.0:
                                                   stop = True
                                               else:
                                                   total = total + row @ w

  ``k`` advances first thing in the body, so a ``continue`` path advances too;
  ``enumerate(xs)`` binds ``i = k`` and ``x = xs[k]``, ``zip(a, b)`` runs to
  ``min(len(a), len(b))``, and an iterable that is not a name the body assigns is
  evaluated once, before the loop (``steps = range(n)``).

Nested loops are rewritten innermost first, so a ``break`` always belongs to the loop
being rewritten. What the fence rejects (``return`` inside a loop, ``else`` after a loop,
a ``break`` outside a loop) never reaches here; a ``for`` over a malformed
``enumerate``/``zip`` is left as it is, for lowering to report.

Tail duplication copies the statements after an ``if`` into each branch that falls
through, so code is duplicated only where a branch jumps; sequences of ``if``s whose
both branches fall through and contain jumps grow with each one.
"""
from __future__ import annotations

import ast
import copy

_LOOP_JUMPS = (ast.Break, ast.Continue)


def desugar(body):
    """``body`` (a function's statements, docstring removed) with no ``break``, no
    ``continue`` and a single ``return``, its last statement. ``body`` itself (the same
    list) when it has none of them; the user's nodes are never changed."""
    if not _needs_rewrite(body):
        return body
    fresh = _FreshNames(body)
    body = _Loops(fresh).block(body)
    return _single_return(body, fresh)


def last_return(fn_node):
    """The function's ``return`` statement last in the source (errors about its result
    point there)."""
    returns = [n for n in ast.walk(fn_node) if isinstance(n, ast.Return)]
    return max(returns, key=lambda r: (r.lineno, r.col_offset)) if returns else None


def _needs_rewrite(body):
    last = body[-1] if body else None
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, _LOOP_JUMPS) or isinstance(node, ast.Return) and node is not last:
                return True
    return False


class _FreshNames:
    """Names no name in the function uses: ``stop``, then ``stop_1``, ``stop_2``..."""

    def __init__(self, body):
        self.taken = {n.id for s in body for n in ast.walk(s) if isinstance(n, ast.Name)}

    def __call__(self, base):
        name, k = base, 0
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


# -- moving the rest of a path into the branches ----------------------------------------

def _contains(stmts, kinds):
    """A statement of one of ``kinds`` in ``stmts`` or in the branches of their ``if``s
    (a nested loop's own ``break``/``continue`` does not count)."""
    for stmt in stmts:
        if isinstance(stmt, kinds):
            return True
        if isinstance(stmt, ast.If) and (_contains(stmt.body, kinds) or _contains(stmt.orelse, kinds)):
            return True
        if isinstance(stmt, (ast.For, ast.While)) and ast.Return in kinds \
                and _contains(stmt.body, kinds):
            return True
    return False


def _tail(stmts, kinds, convert):
    """``stmts`` with each jump of ``kinds`` replaced by ``convert(jump)`` (a list of
    statements) and nothing after it: the statements after an ``if`` that contains a jump
    are copied into the end of both its branches."""
    out = []
    for i, stmt in enumerate(stmts):
        if isinstance(stmt, kinds):
            return out + convert(stmt)
        if isinstance(stmt, ast.If) and _contains([stmt], kinds):
            rest = stmts[i + 1:]
            then = _tail(stmt.body + copy.deepcopy(rest), kinds, convert) or [_at(ast.Pass(), stmt)]
            orelse = _tail(stmt.orelse + copy.deepcopy(rest), kinds, convert)
            return out + [_at(ast.If(stmt.test, then, orelse), stmt)]
        out.append(stmt)
    return out


# -- early returns ----------------------------------------------------------------------

def _single_return(body, fresh):
    """Each ``return e`` becomes ``result = e`` at the end of its path; one ``return
    result`` ends the function."""
    returns = [n for s in body for n in ast.walk(s) if isinstance(n, ast.Return)]
    if not returns or returns == [body[-1]]:
        return body
    last = max(returns, key=lambda r: (r.lineno, r.col_offset))
    sizes = {len(r.value.elts) if isinstance(r.value, ast.Tuple) else None for r in returns}
    size = sizes.pop() if len(sizes) == 1 else None
    names = [fresh("result")] if size is None else [fresh(f"result_{i}") for i in range(size)]

    def assign_result(ret):
        values = [ret.value] if size is None else ret.value.elts
        return [_assign(name, value, ret) for name, value in zip(names, values)]

    value = _load(names[0]) if size is None else ast.Tuple([_load(n) for n in names], ast.Load())
    return _tail(body, (ast.Return,), assign_result) + [_at(ast.Return(value), last)]


# -- loops ------------------------------------------------------------------------------

class _Loops:
    """Rewrites every loop of a body that holds a ``break`` or ``continue``, innermost first."""

    def __init__(self, fresh):
        self.fresh = fresh

    def block(self, stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, ast.If):
                out.append(_replace(stmt, body=self.block(stmt.body), orelse=self.block(stmt.orelse)))
            elif isinstance(stmt, (ast.For, ast.While)) and not stmt.orelse:
                out += self.loop(stmt)
            else:
                out.append(stmt)
        return out

    def loop(self, stmt):
        body = self.block(stmt.body)
        if not _contains(body, _LOOP_JUMPS):
            return [_replace(stmt, body=body)]
        if not _contains(body, (ast.Break,)):
            body = _tail(body, _LOOP_JUMPS, lambda jump: [])
            return [_replace(stmt, body=body or [_at(ast.Pass(), stmt)])]
        items = _iteration(stmt, self.fresh, body) if isinstance(stmt, ast.For) else None
        if isinstance(stmt, ast.For) and items is None:
            return [_replace(stmt, body=body)]          # lowering reports the malformed loop
        stop = self.fresh("stop")

        def jump(node):
            return [_assign(stop, ast.Constant(True), node)] if isinstance(node, ast.Break) else []

        start = _assign(stop, ast.Constant(False), stmt)
        if isinstance(stmt, ast.While):
            body = _tail(body, _LOOP_JUMPS, jump) or [_at(ast.Pass(), stmt)]
            return [start, _replace(stmt, test=_while_test(stop, stmt.test), body=body)]
        return self.indexed(stmt, body, items, start, jump)

    def indexed(self, stmt, body, items, start, jump):
        """``for target in items:`` as ``while not stop and k < len(items):``."""
        setup, count, binders = items
        stop, k = start.targets[0].id, self.fresh("k")
        test = ast.BoolOp(ast.And(), [ast.UnaryOp(ast.Not(), _load(stop)),
                                      ast.Compare(_load(k), [ast.Lt()], [count])])
        header = [_at(ast.Assign([target], value), stmt.target) for target, value in binders(_load(k))]
        header.append(_assign(k, ast.BinOp(_load(k), ast.Add(), ast.Constant(1)), stmt.target))
        loop = ast.While(test, header + _tail(body, _LOOP_JUMPS, jump), [])
        return setup + [start, _assign(k, ast.Constant(0), stmt), _at(loop, stmt)]


def _while_test(stop, test):
    """``not stop`` for ``while True``; else ``False if stop else test``, so that ``test``
    is not evaluated once the loop has stopped (Python does not evaluate it either)."""
    if isinstance(test, ast.Constant) and test.value is True:
        return _at(ast.UnaryOp(ast.Not(), _load(stop)), test)
    return _at(ast.IfExp(_load(stop), ast.Constant(False), test), test)


def _iteration(stmt, fresh, body):
    """How ``stmt`` (a ``for`` loop) reaches its items by an index: ``(statements before
    the loop, the number of items, binders)``, ``binders(k)`` giving ``(target, value)``
    pairs; None for an ``enumerate``/``zip`` form lowering rejects."""
    it, target = stmt.iter, stmt.target
    func = it.func.id if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) else None
    assigned = {n.id for s in body for n in ast.walk(s) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)}
    if func in ("enumerate", "zip"):
        arity = 1 if func == "enumerate" else len(it.args)
        elts = target.elts if isinstance(target, ast.Tuple) else []
        if it.keywords or len(it.args) != arity or arity == 0 or \
                len(elts) != (2 if func == "enumerate" else arity):
            return None
        setup, seqs = _sequences(it.args, fresh, assigned, stmt)
        count = _length(seqs)
        if func == "enumerate":
            return setup, count, lambda k: [(elts[0], k), (elts[1], _item(seqs[0], k))]
        return setup, count, lambda k: [(e, _item(s, k)) for e, s in zip(elts, seqs)]
    setup, seqs = _sequences([it], fresh, assigned, stmt, "steps" if func == "range" else "items")
    return setup, _length(seqs), lambda k: [(target, _item(seqs[0], k))]


def _sequences(exprs, fresh, assigned, stmt, hint="items"):
    """Each iterable as a name: itself when it is a name the loop body does not assign,
    else a fresh name bound before the loop (it is evaluated once, as in Python)."""
    setup, names = [], []
    for expr in exprs:
        if isinstance(expr, ast.Name) and expr.id not in assigned:
            names.append(expr.id)
        else:
            names.append(fresh(hint))
            setup.append(_assign(names[-1], expr, stmt))
    return setup, names


def _length(seqs):
    lengths = [ast.Call(_load("len"), [_load(s)], []) for s in seqs]
    return lengths[0] if len(lengths) == 1 else ast.Call(_load("min"), lengths, [])


def _item(seq, k):
    return ast.Subscript(_load(seq), k, ast.Load())


# -- building nodes at the user's lines --------------------------------------------------

def _at(node, where):
    """``node`` (and its new children) at the location of the user's node ``where``."""
    return ast.fix_missing_locations(ast.copy_location(node, where))


def _replace(node, **fields):
    new = copy.copy(node)
    for name, value in fields.items():
        setattr(new, name, value)
    return new


def _load(name):
    return ast.Name(name, ast.Load())


def _assign(name, value, where):
    return _at(ast.Assign([ast.Name(name, ast.Store())], value), where)
