"""Lowering of control flow: ``if``/``elif``/``else``, ``a if c else b``, ``for``, ``while``.

Each construct becomes one structured IR statement (``ir.If`` / ``ir.Loop``) whose blocks
are lowered in child scopes. A name assigned in a branch leaves the ``If`` as one of its
``outs``; a name assigned in a loop body that existed before the loop is *carried*.
Every ``for`` iterates a ``range``: ``for row in X`` becomes ``for i in range(len(X))``
with ``row = X[i]`` in the body (likewise ``enumerate`` and ``zip``), so the backward
loop can run the same range in reverse and send each row's gradient back to its index.
"""
from __future__ import annotations

import ast

from diffc.frontend import lower_objects, lower_static, static
from diffc.frontend import lower_entry as entry
from diffc.errors import DiffcError, InternalError, UnsupportedSyntax
from diffc.core.ir import Block, If, Loop, Pack, VarKind
from diffc.frontend.lower_scope import Ref, Scope
from diffc.frontend.lower_emit import emit as emit_equation, record
from diffc.frontend.lower_names import lookup
from diffc.frontend.lower_containers import item_getter


def _child(scope):
    child = Scope(scope.fn, scope.namer)
    child.env = dict(scope.env)
    child.hints = scope.hints
    child.template = scope.template
    child.call_stack = scope.call_stack
    child.calls = scope.calls
    child.free = scope.free
    child.facts = scope.facts
    child.state = scope.state
    child.top = False          # a branch or a loop body runs later, if at all
    return child


def _lower_block(scope, statements):
    child = _child(scope)
    for stmt in statements:
        entry.statement(child, stmt)
    return child


def _decided(scope, cond):
    """The branch a static condition takes (True/False), or None when the data decides."""
    value = static.known(scope, cond)
    if value is static.UNKNOWN or not static.is_plain(value):
        return None
    return bool(value)


def lower_if(scope, stmt):
    cond = entry.condition(scope, stmt.test)
    taken = _decided(scope, cond)
    if taken is not None:             # decided by the signature: only that branch is code
        for s in (stmt.body if taken else stmt.orelse):
            entry.statement(scope, s)
        return
    with _no_unrolling_here(scope, "a branch the data decides"):
        then = _lower_block(scope, stmt.body)
        orelse = _lower_block(scope, stmt.orelse)
    names = [n for n in _assigned_in_order(then.env, orelse.env, scope.env)
             if n in then.env and n in orelse.env]
    outs = tuple(scope.namer.var(n) for n in names)
    node = If(outs, cond,
              Block((), then.body, tuple(then.env[n] for n in names)),
              Block((), orelse.body, tuple(orelse.env[n] for n in names)), scope.loc(stmt))
    record(scope, node)
    for n, out in zip(names, outs):
        scope.env[n] = out
    for n in set(then.env) ^ set(orelse.env):
        scope.env.pop(n, None)


def _assigned_in_order(a, b, parent):
    seen = []
    for env in (a, b):
        for name, atom in env.items():
            if (name not in parent or parent[name] is not atom) and name not in seen:
                seen.append(name)
    return seen


def lower_ifexp(scope, node, hint):
    cond = entry.condition(scope, node.test)
    taken = _decided(scope, cond)
    if taken is not None:
        return entry.expression(scope, node.body if taken else node.orelse, hint)
    results = []
    blocks = []
    for branch in (node.body, node.orelse):
        child = _child(scope)
        results.append(entry.expression(child, branch))
        blocks.append(child.body)
    out = scope.namer.var(hint or "select", VarKind.USER if hint else VarKind.TEMP)
    record(scope, If((out,), cond, Block((), blocks[0], (results[0],)),
                     Block((), blocks[1], (results[1],)), scope.loc(node)))
    return out


def _assigned_names(statements):
    names = []
    for stmt in statements:
        for node in ast.walk(stmt):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            elif isinstance(node, ast.For):
                targets = [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name) and n.id not in names:
                        names.append(n.id)
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id not in names:
                    names.append(t.value.id)
    return names


def _range_and_binders(scope, stmt):
    """``(range atom, [(target node, binder)])``: how each loop target gets its value."""
    it = stmt.iter
    func = it.func.id if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) else None
    if func is not None and func not in ("range", "enumerate", "zip") and func not in scope.env:
        try:        # an alias of a builtin: `xrange = range`
            found = lookup(scope, it.func)
        except DiffcError:
            found = None
        if isinstance(found, Ref) and found.qualname in ("builtins.range", "builtins.enumerate", "builtins.zip"):
            func = found.qualname.split(".")[1]
    if func == "range" and func not in scope.env:
        return entry.expression(scope, it, "steps"), [(stmt.target, None)]
    if func in ("enumerate", "zip") and func not in scope.env:
        if it.keywords or (func == "enumerate" and len(it.args) != 1):
            raise UnsupportedSyntax(f"this form of {func}() is not supported in a loop",
                                    scope.loc(it), f"use {func}(a) with one sequence" if func == "enumerate"
                                    else "zip sequences without keywords")
        seqs = [entry.expression(scope, a) for a in it.args]
        if any(isinstance(q, Pack) and not _uniform(scope, q) or _mixed_list(scope, q) for q in seqs):
            raise lower_static.NeedsUnroll(it)  # enumerate(zip(Ws, bs)): items of different kinds
        lengths = [_emit(scope, "builtins.len", (s,), it) for s in seqs]
        n = lengths[0] if len(lengths) == 1 else _emit(scope, "builtins.min", tuple(lengths), it)
        steps = _emit(scope, "builtins.range", (n,), it, "steps")
        if not isinstance(stmt.target, ast.Tuple) or \
                len(stmt.target.elts) != (2 if func == "enumerate" else len(seqs)):
            raise UnsupportedSyntax(f"unpack {func}() into one name per item", scope.loc(stmt.target),
                                    "for i, x in enumerate(xs):  /  for w, b in zip(ws, bs):")
        if func == "enumerate":
            return steps, [(stmt.target.elts[0], None), (stmt.target.elts[1], seqs[0])]
        return steps, list(zip(stmt.target.elts, seqs))
    seq = entry.expression(scope, it)
    held = lower_objects.reaches_object(scope, seq)
    if held is not None:
        raise UnsupportedSyntax(f"a loop over a {getattr(held, '__name__', type(held).__name__)} "
                                "object is not supported", scope.loc(it),
                                "loop over the list or dict it holds (for f in model.layers:)")
    if isinstance(seq, Pack) and not _uniform(scope, seq) or _mixed_list(scope, seq):
        raise lower_static.NeedsUnroll(it)      # items of different shapes: one step each
    n = _emit(scope, "builtins.len", (seq,), it)
    return _emit(scope, "builtins.range", (n,), it, "steps"), [(stmt.target, seq)]


def _uniform(scope, pack):
    """Whether a loop over ``pack``'s items can be one loop: items of one kind and shape."""
    kinds = set()
    for item in pack.items:
        value = static.example(scope, item)
        if value is static.UNKNOWN or isinstance(value, (list, tuple, dict)):
            return False                # containers of their own: one step each
        kinds.add((type(value), getattr(value, "shape", None), getattr(value, "dtype", None))
                  if not isinstance(item, Pack) else ("pack", item.kind, len(item.items)))
    return len(kinds) <= 1 and not any(isinstance(i, Pack) for i in pack.items)


def _mixed_list(scope, seq):
    """Whether ``seq`` is a list or tuple argument of containers (``params``, a list of
    ``(W, b)``) that differ in shape or structure: one step per item, each written for its
    own shapes, as for a literal list of them (a loop would need code for any container).
    A list of arrays of different shapes stays one loop (``for W in Ws``: its matrix
    products' gradients need no shapes)."""
    value = static.example(scope, seq)
    if not isinstance(value, (list, tuple)) or not 2 <= len(value) <= _MAX_UNROLLED \
            or not all(isinstance(v, (list, tuple, dict)) for v in value):
        return False

    def layout(v):
        if isinstance(v, (list, tuple)):
            return (type(v), tuple(layout(u) for u in v))
        if isinstance(v, dict):
            return (dict, tuple((k, layout(u)) for k, u in v.items()))
        return (type(v), getattr(v, "shape", None), getattr(v, "dtype", None))

    return len({layout(v) for v in value}) > 1


def _emit(scope, name, args, node, hint=""):
    return emit_equation(scope, name, args, {}, node, hint)


class _no_unrolling_here:
    """Turn a ``NeedsUnroll`` from a block that cannot be written out step by step into
    a located error (at the top level; inside a loop the loop may still unroll)."""

    def __init__(self, scope, where):
        self.scope, self.where = scope, where

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if kind is lower_static.NeedsUnroll and self.scope.top:
            raise UnsupportedSyntax(f"changing a list or dict in {self.where} is not supported",
                                    self.scope.loc(error.node), "build the container outside "
                                    "it, or select values with np.where") from None
        return False


_MAX_UNROLLED = 10_000


def _unroll(scope, stmt):
    """Write a ``for`` loop out, one copy of its body per step, when it changes a list or
    dict made before it: its steps must be fixed here (a range of known length, a list,
    tuple or dict whose structure the signature fixes, an array's rows)."""
    iterable = entry.expression(scope, stmt.iter)
    pack = lower_static.structure(scope, iterable, stmt.iter, item_getter(scope, stmt.iter))
    items = None
    if pack is not None:
        items = pack.items[::2] if pack.kind == "dict" else pack.items
    else:
        known = static.known(scope, iterable)
        seen = static.example(scope, iterable)
        if isinstance(known, range):
            items = [lower_static.lift(i) for i in known]
        elif hasattr(seen, "shape") and getattr(seen, "ndim", 0) >= 1:
            get = item_getter(scope, stmt.iter)
            items = [get(iterable, lower_static.lift(i)) for i in range(seen.shape[0])]
    if items is None or len(items) > _MAX_UNROLLED:
        raise UnsupportedSyntax("this loop changes a list or dict made before it, and its "
                                "number of steps is not fixed here", scope.loc(stmt.iter),
                                "loop over range(n) with n fixed by the arguments' shapes or "
                                "settings, or over a list")
    for item in items:
        entry.assign(scope, stmt.target, item, stmt)
        for s in stmt.body:
            entry.statement(scope, s)


def _within(error, node):
    loc = getattr(error, "loc", None)
    return loc is None or (node.lineno, node.col_offset) <= (loc.line, loc.col) <= \
        (node.end_lineno, node.end_col_offset)


def _steps_fixed(scope, stmt):
    """Whether the loop's steps are fixed here (checked without making IR)."""
    it = stmt.iter
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("range", "enumerate", "zip", "reversed") \
            or isinstance(it, (ast.Name, ast.Attribute, ast.Subscript, ast.List, ast.Tuple)):
        return scope.facts is not None
    return isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and \
        it.func.attr in ("items", "keys", "values") and scope.facts is not None


def _leaves_new_names(scope, stmt):
    """Whether the loop body assigns a name that did not exist before the loop and the
    function reads after it (Python keeps the last step's value)."""
    new = {n for n in _assigned_names(stmt.body) if n not in scope.env}
    if not new:
        return False
    end = (stmt.end_lineno, stmt.end_col_offset)
    return any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in new
               and (n.lineno, n.col_offset) > end for n in ast.walk(scope.fn.node))


def lower_for(scope, stmt):
    if stmt.orelse:
        raise UnsupportedSyntax("`for ... else` is not supported", scope.loc(stmt.orelse[0]),
                                "use a flag variable")
    if scope.top and _steps_fixed(scope, stmt) and _leaves_new_names(scope, stmt):
        return _unroll(scope, stmt)     # `for W, b in params: outputs = ...`, then `outputs`
    try:
        _lower_loop(scope, stmt)
    except lower_static.NeedsUnroll:
        if not scope.top:
            raise                       # an enclosing loop unrolls first
        _unroll(scope, stmt)
    except DiffcError as error:
        # the body needs values that differ per step and are fixed here (a dict's keys,
        # the layers of a list, a label): written out step by step it may lower; if it
        # cannot be written out, or fails again, the error is the loop's own
        if isinstance(error, InternalError) or not scope.top or not _steps_fixed(scope, stmt):
            raise
        body, env = list(scope.body), dict(scope.env)
        try:
            _unroll(scope, stmt)
        except DiffcError as again:
            scope.body[:], scope.env = body, env
            if _within(again, stmt.iter):
                raise error from None       # the loop's own form (its iterable) fails
            raise again from None           # what the body cannot do, step by step


def _lower_loop(scope, stmt):
    steps, binders = _range_and_binders(scope, stmt)
    carried = [n for n in _assigned_names(stmt.body) if n in scope.env]
    body = _child(scope)
    index_hint = binders[0][0].id if binders[0][1] is None and isinstance(binders[0][0], ast.Name) else "i"
    index = scope.namer.var(index_hint)
    params = [scope.namer.var(n) for n in carried]
    for n, p in zip(carried, params):
        body.env[n] = p
    for target, seq in binders:
        value = index if seq is None else _emit(body, "operator.getitem", (seq, index), target,
                                                 target.id if isinstance(target, ast.Name) else "")
        entry.assign(body, target, value, stmt)
    for s in stmt.body:
        entry.statement(body, s)
    outs = tuple(scope.namer.var(n) for n in carried)
    loop = Loop(outs, steps, tuple(scope.env[n] for n in carried),
                Block((index, *params), body.body, tuple(body.env[n] for n in carried)),
                None, scope.loc(stmt), target_hint=index_hint)
    record(scope, loop)
    for n, out in zip(carried, outs):
        scope.env[n] = out


def lower_while(scope, stmt):
    if stmt.orelse:
        raise UnsupportedSyntax("`while ... else` is not supported", scope.loc(stmt.orelse[0]),
                                "use a flag variable")
    carried = [n for n in _assigned_names(stmt.body) if n in scope.env]
    cond_scope, body = _child(scope), _child(scope)
    cond_params = [scope.namer.var(n) for n in carried]
    params = [scope.namer.var(n) for n in carried]
    for n, cp, p in zip(carried, cond_params, params):
        cond_scope.env[n] = cp
        body.env[n] = p
    test = entry.condition(cond_scope, stmt.test)
    with _no_unrolling_here(scope, "a `while` loop"):
        for s in stmt.body:
            entry.statement(body, s)
    outs = tuple(scope.namer.var(n) for n in carried)
    loop = Loop(outs, None, tuple(scope.env[n] for n in carried),
                Block(tuple(params), body.body, tuple(body.env[n] for n in carried)),
                Block(tuple(cond_params), cond_scope.body, (test,)), scope.loc(stmt))
    record(scope, loop)
    for n, out in zip(carried, outs):
        scope.env[n] = out

