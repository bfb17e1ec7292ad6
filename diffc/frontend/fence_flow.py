"""The fence's name-flow checks: reads before assignment, and writes through aliases.

Both walk the function's statements in order over names only (no types, no values), and
both are conservative: when they cannot tell, they reject with a hint rather than let a
program through whose gradient could be wrong.

* ``check_scoping``: a name the function assigns somewhere is local to the whole
  function (Python's rule), so reading it before its first assignment raises
  ``UnboundLocalError`` in Python, while diffc would read a module-level name.
* ``check_aliasing``: ``z[i] = v``, ``z[i] += v`` and ``z += v`` change the array ``z``
  refers to, in place. diffc lowers them to a new value for ``z`` alone, which is exact
  unless another name that shares the array (``y`` after ``z = y``, ``z = y[1:]``,
  ``z = y.T``, ``for z in y``) is read afterwards: that is rejected at the write.

Storage is tracked as sets of tokens: a fresh value (the result of arithmetic, of most
calls) gets a new token; an alias or a possible view shares its source's tokens.
Branches merge by union; a loop body is walked twice so that a write in one iteration
is seen by a read in the next.
"""
from __future__ import annotations

import ast
import builtins
import dataclasses
import itertools
from dataclasses import dataclass, field

from diffc.errors import DiffcError
from diffc.frontend.fence_rules import OTHER, fail

# --- scoping ------------------------------------------------------------------------


def check_scoping(ctx, body):
    """Reject a read of a local name that is not assigned on every path before it.

    Definite assignment: after an ``if``, the names both branches assign (a branch that
    returns assigns everything); after a loop, only what was assigned before it (the
    body may run zero times); in a loop body, what was assigned before the loop or
    earlier in the body (diffc carries only values that exist before the loop)."""
    first = {}
    for node in _walk_statements(body):
        for name in _stores(node):
            first.setdefault(name.id, node)
    _Scoping(ctx, first).block(body, set(ctx.params), in_loop=False)


class _Scoping:
    def __init__(self, ctx, first):
        self.ctx = ctx
        self.first = first          # name -> the statement that assigns it first

    def block(self, body, assigned, in_loop):
        for stmt in body:
            if isinstance(stmt, (ast.Return, ast.Break, ast.Continue)):
                self.statement(stmt, assigned, in_loop)
                return set(self.ctx.local_names)     # nothing after it runs
            assigned = self.statement(stmt, assigned, in_loop)
        return assigned

    def statement(self, stmt, assigned, in_loop):
        if isinstance(stmt, ast.If):
            self.reads(stmt.test, assigned, in_loop)
            return self.block(stmt.body, set(assigned), in_loop) & \
                self.block(stmt.orelse, set(assigned), in_loop)
        if isinstance(stmt, ast.For):
            self.reads(stmt.iter, assigned, in_loop)
            self.block(stmt.body, assigned | {n.id for n in _stores(stmt.target)}, True)
            return self.block(stmt.orelse, set(assigned), in_loop)
        if isinstance(stmt, ast.While):
            self.reads(stmt.test, assigned, in_loop)
            self.block(stmt.body, set(assigned), True)
            return self.block(stmt.orelse, set(assigned), in_loop)
        self.reads(stmt, assigned, in_loop)
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            self.read(stmt.target, assigned, in_loop)
        # grown in place: ``assigned`` is the enclosing block's own set (every block gets a
        # copy), and a new set per statement made long functions quadratic
        assigned.update(n.id for n in _stores(stmt))
        return assigned

    def reads(self, node, assigned, in_loop):
        # ``(n := ...)`` binds n where the expression is evaluated: for what follows it
        assigned.update(n.target.id for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
        for name in loads(node):
            self.read(name, assigned, in_loop)

    def read(self, name, assigned, in_loop):
        if name.id not in self.ctx.local_names or name.id in assigned:
            return
        store = self.first.get(name.id)
        earlier = store is not None and \
            (store.end_lineno, store.end_col_offset) <= (name.lineno, name.col_offset)
        if in_loop or earlier:
            return      # some paths (or a later loop step) assign it: lowering decides, on
            # the paths the call takes (a read where no path assigned it is refused there)
        if earlier or in_loop:
            fail(self.ctx, name, OTHER["maybe unbound"],
                  f"`{name.id}` may not be assigned here: only some paths assign it "
                  f"before this line", name=name.id)
        where = f" (it is assigned on line {store.lineno})" if store is not None else ""
        fail(self.ctx, name, OTHER["unbound"],
              f"`{name.id}` is read before it is assigned{where}", name=name.id)


COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
SCOPES = COMPREHENSIONS + (ast.Lambda, ast.FunctionDef)


def walk_scope(node):
    """``ast.walk`` of ``node`` without the inside of comprehensions, lambdas and nested
    ``def``s (each is its own scope)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if not isinstance(n, SCOPES):
            todo.extend(ast.iter_child_nodes(n))


def loads(node, local=frozenset()):
    """The names ``node`` reads from the function's scope when it runs (a comprehension's
    loop variables and a lambda's parameters are their own; a nested ``def``'s body reads
    when it is called, where lowering resolves its names)."""
    if isinstance(node, ast.FunctionDef):
        return
    if isinstance(node, COMPREHENSIONS):
        local = local | {n.id for g in node.generators for n in ast.walk(g.target)
                         if isinstance(n, ast.Name)}
    elif isinstance(node, ast.Lambda):
        local = local | {a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
        for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            yield from loads(d, local)
        yield from loads(node.body, local)
        return
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
        yield node
    for child in ast.iter_child_nodes(node):
        yield from loads(child, local)


def _stores(node):
    return [n for n in walk_scope(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)] + \
        [ast.copy_location(ast.Name(n.name, ast.Store()), n) for n in walk_scope(node)
         if isinstance(n, ast.FunctionDef) and n is not node] + \
        ([ast.copy_location(ast.Name(node.name, ast.Store()), node)]
         if isinstance(node, ast.FunctionDef) else [])


def _stores_deep(stmt):
    return [n for s in _walk_statements([stmt]) for n in _stores(s)]


def _walk_statements(body):
    """Every simple statement (and loop target) in ``body``, nested blocks included."""
    for stmt in body:
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            if isinstance(stmt, ast.For):
                yield stmt.target
            yield from _walk_statements(stmt.body)
            yield from _walk_statements(stmt.orelse)
        else:
            yield stmt


# --- aliasing -----------------------------------------------------------------------

# Calls that may return (a view of) an argument: NumPy functions by name, array methods,
# builtins. Any other NumPy function, method or builtin makes a new value; a call to
# anything else (the user's own functions, diffc.stop_gradient) may return an argument.
VIEW_FUNCTIONS = frozenset({
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "squeeze",
    "expand_dims", "broadcast_to", "broadcast_arrays", "asarray", "asanyarray",
    "ascontiguousarray", "asfortranarray", "asarray_chkfinite", "require", "atleast_1d",
    "atleast_2d", "atleast_3d", "diagonal", "diag", "real", "imag", "flip", "fliplr",
    "flipud", "rot90", "split", "array_split", "hsplit", "vsplit", "dsplit", "unstack",
    "matrix_transpose", "permute_dims", "view", "sliding_window_view", "as_strided",
    "trim_zeros", "resize"})
VIEW_METHODS = frozenset({
    "reshape", "ravel", "transpose", "swapaxes", "squeeze", "view", "diagonal", "real", "imag",
    "conj", "conjugate", "__array__", "getfield", "newbyteorder", "byteswap"})
COPY_KEYWORD = frozenset({"array", "astype"})   # a copy unless called with copy=...
VIEW_BUILTINS = frozenset({"max", "min", "enumerate", "zip", "reversed", "iter", "next",
                           "list", "tuple", "sorted", "filter", "map"})
NON_ARRAY_ATTRIBUTES = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes",
                                  "strides"})
_MODULE_ROOTS = ("numpy", "math")


@dataclass
class _State:
    groups: dict = field(default_factory=dict)   # name -> frozenset of storage tokens
    stale: dict = field(default_factory=dict)    # name -> (write node, written name)
    lists: frozenset = frozenset()               # names bound to a list made here, on every path

    def copy(self):
        return _State(dict(self.groups), dict(self.stale), self.lists)

    def merge(self, other):
        groups = dict(self.groups)
        get = groups.get
        for name, tokens in other.groups.items():
            mine = get(name)
            if mine is not tokens:       # most names are untouched on both paths: no union
                groups[name] = tokens if mine is None else mine | tokens
        return _State(groups, {**other.stale, **self.stale}, self.lists & other.lists)


class _Aliasing:
    def __init__(self, ctx):
        self.ctx = ctx
        self.counter = itertools.count()
        self.param_tokens = frozenset(f"param:{p}" for p in ctx.params)
        self.jumps = []             # per enclosing loop: states at its break/continue
        self.returned = None        # reading a callee: the storage of each value it returns
        self.depth = 0              # how many callees deep this walker reads

    def fresh(self):
        return frozenset({f"value:{next(self.counter)}"})

    # -- statements ----------------------------------------------------------------
    def block(self, body, state):
        """The state after ``body``; None when no path gets past its end (a jump)."""
        for stmt in body:
            state = self.statement(stmt, state)
            if state is None:
                return None             # nothing after a return/break/continue runs
        return state

    def statement(self, stmt, state):
        if isinstance(stmt, (ast.Return, ast.Break, ast.Continue)):
            self.reads(stmt, state)
            if isinstance(stmt, ast.Return) and self.returned is not None:
                self.returned.append(self.storage(stmt.value, state) if stmt.value else self.fresh())
            if not isinstance(stmt, ast.Return):
                self.jumps[-1].append(state)    # goes on at the loop's next test, or after it
            return None
        if isinstance(stmt, ast.If):
            self.reads(stmt.test, state)
            return _merge(self.block(stmt.body, state.copy()), self.block(stmt.orelse, state.copy()))
        if isinstance(stmt, (ast.For, ast.While)):
            return self.loop(stmt, state)
        if isinstance(stmt, ast.Assign):
            self.reads(stmt.value, state)
            for target in stmt.targets:
                self.assign(target, stmt.value, state)
            return state
        if isinstance(stmt, ast.AnnAssign):
            self.reads(stmt.value, state)
            self.assign(stmt.target, stmt.value, state)
            return state
        if isinstance(stmt, ast.AugAssign):
            self.reads(stmt.value, state)
            self.reads(stmt.target, state, load_only=False)
            base = stmt.target.value if isinstance(stmt.target, ast.Subscript) else stmt.target
            self.write(base.id, stmt.target, state)
            return state
        self.reads(stmt, state)
        return state

    def loop(self, stmt, state):
        result = state.copy()
        current = state.copy()
        if isinstance(stmt, ast.For):
            self.reads(stmt.iter, current)
            items = self.storage(stmt.iter, current)
        self.jumps.append([])
        for _ in range(2):
            if isinstance(stmt, ast.For):
                self.bind_targets(stmt.target, items, current)
            else:
                self.reads(stmt.test, current)
            current = self.block(stmt.body, current)
            for reached in [current] + self.jumps[-1]:
                result = _merge(result, reached)
            current = result.copy()
        self.jumps.pop()
        return self.block(stmt.orelse, result)

    # -- reads, bindings and writes ---------------------------------------------------
    def reads(self, node, state, load_only=True):
        for name in ast.walk(node):
            if isinstance(name, ast.Name) and (isinstance(name.ctx, ast.Load) or not load_only) \
                    and name.id in state.stale:
                write, written = state.stale[name.id]
                in_place = isinstance(write, ast.Name)          # `z += v`, not `z[i] = v`
                fail(self.ctx, write, OTHER["write alias in place" if in_place else "write alias"],
                      f"this writes into an array that `{written}` shares with `{name.id}`, "
                      f"and `{name.id}` is read afterwards (line {name.lineno}): Python would "
                      f"see the change in `{name.id}`, diffc would not",
                      name=written, other=name.id)

    def assign(self, target, value, state):
        if isinstance(target, ast.Subscript):
            self.reads(target, state)
            root = target.value
            while isinstance(root, ast.Subscript):      # xs[t][k] = v writes into xs's entry
                root = root.value
            if isinstance(root, ast.Name):
                self.write(root.id, target, state, entry_only=root is target.value)
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
                and len(target.elts) == len(value.elts):
            storages = [self.storage(v, state) for v in value.elts]
            for elt, storage in zip(target.elts, storages):
                self.bind_targets(elt, storage, state)
        else:
            self.bind_targets(target, self.storage(value, state), state)
            if isinstance(target, ast.Name) and self.makes_list(value, state):
                state.lists = state.lists | {target.id}

    def bind_targets(self, target, storage, state):
        if isinstance(target, ast.Name):
            state.groups[target.id] = storage
            state.stale.pop(target.id, None)
            state.lists = state.lists - {target.id}
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.bind_targets(elt, storage, state)
        elif isinstance(target, ast.Subscript):
            self.reads(target, state)
            self.write(target.value.id, target, state)

    def write(self, name, node, state, entry_only=False):
        """``entry_only``: ``name[i] = v``, which replaces an entry of a list made here
        (``args = list(args)``) and writes into no array the list holds."""
        tokens = state.groups.get(name)
        if entry_only and name in state.lists:
            tokens = frozenset(t for t in tokens if t.startswith("list:"))
        if tokens is None or any(t.startswith("global:") for t in tokens):
            fail(self.ctx, node, OTHER["write global"],
                  f"this writes into `{name}`, which is not a local array of the function",
                  name=name)
        if tokens & self.param_tokens:
            fail(self.ctx, node, OTHER["write parameter" if not self.ctx.entry else "write argument"],
                  f"this writes into the caller's array `{name}`", name=name)
        for other, other_tokens in state.groups.items():
            if other != name and other_tokens & tokens:
                state.stale[other] = (node, name)

    # -- what a value may share storage with ---------------------------------------------
    def storage(self, node, state):
        if self.makes_list(node, state):      # the list itself, and what its entries share
            inner = node.elts if isinstance(node, ast.List) else getattr(node, "args", [])
            return frozenset({f"list:{next(self.counter)}"}) | self.union(inner, state)
        if isinstance(node, ast.Name):
            if node.id in state.groups:
                return state.groups[node.id]
            return frozenset({f"global:{node.id}"})
        if isinstance(node, ast.Subscript):
            return self.storage(node.value, state)
        if isinstance(node, ast.Attribute):
            if node.attr in NON_ARRAY_ATTRIBUTES:
                return self.fresh()
            return self.storage(node.value, state)
        if isinstance(node, (ast.Tuple, ast.List)):
            return self.union(node.elts, state)
        if isinstance(node, ast.IfExp):
            return self.union([node.body, node.orelse], state)
        if isinstance(node, ast.Call):
            return self.call_storage(node, state)
        return self.fresh()

    def makes_list(self, node, state):
        """Whether ``node`` makes a new list: ``list(...)``, ``[...]``, a list comprehension."""
        if isinstance(node, (ast.List, ast.ListComp)):
            return True
        return isinstance(node, ast.Call) and not node.keywords and len(node.args) <= 1 \
            and self.qualname(node.func, state) == "builtins.list"

    def union(self, nodes, state):
        tokens = self.fresh()
        for n in nodes:
            tokens |= self.storage(n, state)
        return tokens

    def call_storage(self, node, state):
        args = list(node.args) + [k.value for k in node.keywords]
        qualname = self.qualname(node.func, state)
        copy_given = any(k.arg == "copy" for k in node.keywords)
        if qualname is None:                              # a method: x.reshape(...)
            method = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if method in VIEW_METHODS or method in COPY_KEYWORD and copy_given:
                return self.union([node.func.value] + args, state)
            return self.fresh()
        root, _, last = qualname.rpartition(".")
        if root.split(".")[0] in _MODULE_ROOTS:
            view = last in VIEW_FUNCTIONS or last in COPY_KEYWORD and copy_given
            return self.union(args, state) if view else self.fresh()
        if root == "builtins":
            return self.union(args, state) if last in VIEW_BUILTINS else self.fresh()
        if qualname == "copy.deepcopy":
            return self.fresh()
        if qualname == "copy.copy":          # a new container; its items are the same arrays
            return self.fresh() | frozenset(t for t in self.union(args, state) if not t.startswith("value:"))
        returned = self.callee_storage(node, state)
        if returned is not None:
            return returned
        return self.union(args, state)                    # the user's functions, ...

    def callee_storage(self, node, state):
        """What a call of a function of the same module returns may share: for each of its
        ``return`` values, the arguments whose parameters it may share (read from the
        callee's body as this walker reads the caller's); a new array for the rest
        (``discount_rewards(r)`` returning ``np.zeros_like(r)`` filled in). None when
        that cannot be told (another module, ``*args``, a deeper chain of calls)."""
        func = node.func
        callee = self.ctx.fn.module.functions.get(func.id) if isinstance(func, ast.Name) \
            and func.id not in state.groups else None
        if callee is None or self.depth >= 3 or any(isinstance(a, ast.Starred) for a in node.args) \
                or any(k.arg is None for k in node.keywords) or callee.args.vararg or callee.args.kwarg:
            return None
        params = [a.arg for a in callee.args.posonlyargs + callee.args.args + callee.args.kwonlyargs]
        bound = dict(zip(params, node.args))
        bound.update({k.arg: k.value for k in node.keywords})
        walker = _Aliasing(dataclasses.replace(self.ctx, params=tuple(params), entry=False))
        walker.returned, walker.depth = [], self.depth + 1
        try:
            walker.block(callee.body, _State({p: frozenset({f"param:{p}"}) for p in params}))
        except DiffcError:
            return None            # the callee's own check reports it when it is inlined
        tokens = self.fresh()
        for returned in walker.returned:
            for token in returned:
                kind, _, name = token.partition(":")
                if kind == "param" and name in bound:
                    tokens |= self.storage(bound[name], state)
                elif kind == "global":
                    tokens |= {token}
        return tokens

    def qualname(self, func, state):
        """``numpy.reshape`` for ``np.reshape``; None for a method call on a value."""
        parts = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name) or func.id in state.groups:
            return None
        module = self.ctx.fn.module
        if func.id in module.aliases:
            root = module.aliases[func.id]
        elif hasattr(builtins, func.id) and func.id not in module.functions \
                and func.id not in module.constants:
            root = f"builtins.{func.id}"
        else:
            root = func.id
        return ".".join([root, *reversed(parts)])


def _merge(a, b):
    """The state where two paths meet; a path that jumped away (None) adds nothing."""
    if a is None or b is None:
        return b if a is None else a
    return a.merge(b)


def check_aliasing(ctx, body):
    """Reject a write into an array that another name still read afterwards shares."""
    walker = _Aliasing(ctx)
    state = _State({p: frozenset({f"param:{p}"}) for p in ctx.params})
    walker.block(body, state)
