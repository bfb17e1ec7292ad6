"""The IR: a computational graph as a list of one-operation equations.

* ``Var``: a value. Its ``name`` is unique in the function (SSA); ``hint`` is the name
  a person would give it (the user's variable, or ``dW`` for an adjoint) and is what
  the emitter prints when it can.
* ``Const``: a Python constant (number, string, None, tuple of constants, slice...).
* ``Eqn``: ``outs = prim(args, kwargs)``, one primitive per equation, with the user's
  location. ``args`` holds atoms; an argument may also be a ``Pack`` (a tuple or list
  of atoms, as in ``np.stack([a, b])`` or an index ``x[i, :]``) so that structure is
  preserved without extra equations.
* ``If`` and ``Loop``: structured control flow. Each holds ``Block``s (parameters, a
  body, yielded results) in the style of SSA regions: values assigned inside a branch or
  a loop body leave it through ``outs`` (an ``If``'s merged values, a loop's carried
  values after the last iteration). ``Eqn``s with no outputs are effects (a tape push).
* ``Function``: parameters, a body of statements, and the returned atoms.

Lowering guarantees every expression is one equation per operation; the reverse
transform appends adjoint equations to the same form. Every class declares the fields it
carries (dataclasses with ``__slots__``): a pass cannot hang an attribute of its own on a
node. ``core/build.py`` makes new equations; ``core/verify.py`` checks what holds of the IR.
"""
from __future__ import annotations

import copy
import dataclasses
import enum
from dataclasses import dataclass, field

from diffc.errors import Loc


class VarKind(enum.Enum):
    """What a value is to the reader of the generated code; it decides how it is named
    and whether the emitter may fold it into the expression that reads it."""
    USER = "user"          # a name the user wrote, or one diffc makes to be read (``saved``,
                           # ``h_tape``, ``n_iter``): printed, never folded away
    TEMP = "temp"          # a temporary with no name of its own: read once, it is folded
    ADJOINT = "adjoint"    # a gradient or a tangent (``dW``): printed under its ``d`` name

    def __str__(self):
        return self.value

    def __repr__(self):
        return f"VarKind.{self.name}"


class Role(enum.Enum):
    """What a statement does in the program a transform made. Facts run only ``PRIMAL``
    statements on the user's own values (the others may use stand-ins), optimizations of
    gradient code leave ``PRIMAL`` statements as the user wrote them, and the emitter
    writes the comment tying each block to the user's line from the role."""
    PRIMAL = "primal"            # the user's computation (or a copy of it): ``# file:line`` after it
    SEED = "seed"                # the gradient of the result: 1.0 (or ones like a float32 result)
    ADJOINT = "adjoint"          # a reverse rule's equations, or a backward branch or loop
    ACCUMULATE = "accumulate"    # fan-out: a second gradient of one value added to the first
    UNBROADCAST = "unbroadcast"  # a gradient summed (reshaped) down to its operand's shape
    ZERO = "zero"                # zeros for a parameter the result does not depend on
    COPY = "copy"                # a copy of a gradient returned twice, so the two are distinct
    TAPE = "tape"                # saving or restoring a forward value for a backward loop
                                 # (tapes, pushes, pops, recomputed rows, iteration counts)
    TANGENT = "tangent"          # forward mode: an equation of a tangent
    HOISTED = "hoisted"          # every step's input product of a loop, made before it (``bptt``)
    REUSE = "reuse"              # an array whose memory a later loop takes over (``bptt``)
    STATES = "states"            # the array each forward step's state is written into (``bptt``)

    def __str__(self):
        return self.value

    def __repr__(self):
        return f"Role.{self.name}"


@dataclass(frozen=True, slots=True)
class Var:
    """A value. ``name`` is its SSA name, unique in the function; ``hint`` the name a
    person would give it (the user's variable, ``dW`` for an adjoint), which the emitter
    prints when it can; ``kind`` how it is named and whether it may be folded."""
    name: str
    hint: str = ""
    kind: VarKind = VarKind.USER

    def __str__(self):
        return self.name

    def __hash__(self):
        # the fields ``==`` compares, less the kind (a Python-level Enum hash is slow, and
        # equal Vars have equal names and hints anyway)
        return hash((self.name, self.hint))

    def __deepcopy__(self, memo):
        return self                # immutable (frozen, str fields): a copy is interchangeable


@dataclass(frozen=True, slots=True)
class Const:
    value: object

    def __str__(self):
        return repr(self.value)

    def __deepcopy__(self, memo):
        value = copy.deepcopy(self.value, memo)     # the same object when it is immutable
        return self if value is self.value else Const(value)


@dataclass(frozen=True, slots=True)
class Pack:
    """A tuple/list/slice built from atoms, kept as structure inside one argument."""
    kind: str                  # "tuple", "list", "dict" (keys and values alternate) or "slice"
    items: tuple

    def __deepcopy__(self, memo):
        items = copy.deepcopy(self.items, memo)
        return self if items is self.items else Pack(self.kind, items)

    def __str__(self):
        inner = ", ".join(map(str, self.items))
        if self.kind == "dict":
            pairs = [f"{k}: {v}" for k, v in zip(self.items[::2], self.items[1::2])]
            return "{" + ", ".join(pairs) + "}"
        if self.kind == "slice":
            return f"slice({inner})"
        return f"[{inner}]" if self.kind == "list" else f"({inner}{',' if len(self.items) == 1 else ''})"


Atom = Var | Const | Pack


def _deepcopy_fields(self, memo):
    """``copy.deepcopy`` of a statement, block or function: what the default does (a new
    object, every attribute deep-copied), without its generic machinery, and sharing
    what is immutable (names, numbers, ``Var``s, ``Loc``s) instead of rebuilding it."""
    cls = self.__class__
    new = cls.__new__(cls)
    memo[id(self)] = new
    for key in cls.__slots__:
        value = getattr(self, key)
        setattr(new, key, value if type(value) in _SHARED else copy.deepcopy(value, memo))
    return new


def atoms_in(arg):
    """The Vars inside an argument (descending into Packs)."""
    if isinstance(arg, Var):
        yield arg
    elif isinstance(arg, Pack):
        for item in arg.items:
            yield from atoms_in(item)


@dataclass(slots=True)
class Eqn:
    __deepcopy__ = _deepcopy_fields
    outs: tuple
    prim: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    loc: Loc | None = None
    role: Role = Role.PRIMAL
    # the statement this one is made from: for an adjoint equation, the primal equation it
    # differentiates (its comment names that line and that rule); None for the user's own
    origin: "Eqn | If | Loop | Call | None" = None
    # what the gradient of this statement does, said by the pass that made it and printed
    # in the comments of the statements made from it in place of the rule's description
    # (simplify's rewrites, the softmax shift, a loop's products after it); "" for none
    note: str = ""

    def inputs(self):
        for a in self.args:
            yield from atoms_in(a)
        for a in self.kwargs.values():
            yield from atoms_in(a)

    def __str__(self):
        outs = ", ".join(map(str, self.outs))
        args = [str(a) for a in self.args] + [f"{k}={v}" for k, v in self.kwargs.items()]
        where = f"    # {self.loc.short}" if self.loc else ""
        return f"{outs} = {self.prim}({', '.join(args)}){where}"


@dataclass(slots=True)
class Block:
    __deepcopy__ = _deepcopy_fields
    params: tuple
    body: list
    results: tuple


@dataclass(slots=True)
class If:
    __deepcopy__ = _deepcopy_fields
    outs: tuple
    cond: object
    then: Block
    orelse: Block
    loc: Loc | None = None
    role: Role = Role.PRIMAL
    origin: object = None      # as ``Eqn.origin``; so are ``role`` and ``note``
    note: str = ""
    prim = "if"

    def inputs(self):
        yield from atoms_in(self.cond)
        yield from block_free_vars(self.then)
        yield from block_free_vars(self.orelse)

    def __str__(self):
        outs = ", ".join(map(str, self.outs))
        return (f"{outs} = if {self.cond}:\n{_indent(block_str(self.then))}\n"
                f"else:\n{_indent(block_str(self.orelse))}")


@dataclass(slots=True)
class Loop:
    """``for item in iterable`` (``cond`` None) or ``while cond`` over carried values.

    ``body.params`` are ``(item, *carried)`` for a for-loop, ``carried`` for a
    while-loop; ``body.results`` are the carried values after one iteration; ``cond`` is
    a Block over the carried values yielding the test.
    """
    __deepcopy__ = _deepcopy_fields
    outs: tuple
    iterable: object
    inits: tuple
    body: Block
    cond: Block | None = None
    loc: Loc | None = None
    role: Role = Role.PRIMAL
    origin: object = None      # as ``Eqn.origin``; so are ``role`` and ``note``
    target_hint: str = ""      # the user's name of a for loop's target (``t``), printed for it
    note: str = ""
    prim = "loop"

    @property
    def kind(self):
        return "while" if self.cond is not None else "for"

    def inputs(self):
        if self.iterable is not None:
            yield from atoms_in(self.iterable)
        for a in self.inits:
            yield from atoms_in(a)
        yield from block_free_vars(self.body)
        if self.cond is not None:
            yield from block_free_vars(self.cond)

    def __str__(self):
        outs = ", ".join(map(str, self.outs))
        inits = ", ".join(map(str, self.inits))
        head = f"while [{block_str(self.cond)}]" if self.cond else f"for in {self.iterable}"
        return f"{outs} = {head} from ({inits}):\n{_indent(block_str(self.body))}"


@dataclass(slots=True)
class Call:
    """A call to one of the user's functions, kept whole until the reverse transform.

    ``body`` is the callee lowered in place: its parameters are bound to ``args`` (the
    caller's atoms), its one result leaves as ``outs[0]``. The reverse pass turns it
    into a call to a generated forward/backward pair (``compiler.call_pairs``) or, where no
    gradient flows through it, back into the callee's equations inline.
    """
    __deepcopy__ = _deepcopy_fields
    outs: tuple
    callee: str
    args: tuple
    body: Block
    loc: Loc | None = None
    role: Role = Role.PRIMAL
    origin: object = None      # as ``Eqn.origin``; so are ``role`` and ``note``
    defined_at: Loc | None = None      # the callee's ``def``
    note: str = ""
    prim = "call"

    def inputs(self):
        for a in self.args:
            yield from atoms_in(a)
        yield from (v for v in block_free_vars(self.body) if v not in self.body.params)

    def __str__(self):
        args = ", ".join(map(str, self.args))
        return f"{self.outs[0]} = call {self.callee}({args}):\n{_indent(block_str(self.body))}"


def _indent(text):
    return "\n".join("    " + line for line in text.splitlines())


def block_str(block):
    params = ", ".join(map(str, block.params))
    lines = [f"({params}) ->"] + [str(s) for s in block.body]
    lines.append("yield " + ", ".join(map(str, block.results)))
    return "\n".join(lines)


def blocks_of(stmt):
    if isinstance(stmt, If):
        return [stmt.then, stmt.orelse]
    if isinstance(stmt, Loop):
        return [stmt.body] + ([stmt.cond] if stmt.cond is not None else [])
    if isinstance(stmt, Call):
        return [stmt.body]
    return []


def map_blocks(stmt, fn):
    """``stmt`` itself if it has no blocks, else a shallow copy whose every block's body is
    ``fn(body)`` (new Blocks: the original statement and its blocks are left as they were)."""
    if isinstance(stmt, If):
        return dataclasses.replace(stmt, then=_mapped(stmt.then, fn), orelse=_mapped(stmt.orelse, fn))
    if isinstance(stmt, Loop):
        return dataclasses.replace(stmt, body=_mapped(stmt.body, fn),
                                   cond=_mapped(stmt.cond, fn) if stmt.cond is not None else None)
    if isinstance(stmt, Call):
        return dataclasses.replace(stmt, body=_mapped(stmt.body, fn))
    return stmt


def _mapped(block, fn):
    return Block(block.params, fn(block.body), block.results)


def walk(body):
    """Every statement in ``body``, nested ones included, in order."""
    for stmt in body:
        yield stmt
        for block in blocks_of(stmt):
            yield from walk(block.body)


def defined_in(block):
    """Vars defined inside a block (its parameters and every output in it)."""
    defined = set(block.params)
    for stmt in walk(block.body):
        defined.update(stmt.outs)
        for b in blocks_of(stmt):
            defined.update(b.params)
    return defined


def block_free_vars(block):
    """Vars a block reads that are defined outside it."""
    inside = defined_in(block)
    seen = []
    for stmt in block.body:
        for v in stmt.inputs():
            if v not in inside and v not in seen:
                seen.append(v)
    for r in block.results:
        for v in atoms_in(r):
            if v not in inside and v not in seen:
                seen.append(v)
    return seen


@dataclass(slots=True)
class Function:
    __deepcopy__ = _deepcopy_fields
    name: str
    params: tuple
    body: list
    results: tuple
    loc: Loc | None = None
    doc: str = ""
    free: tuple = ()      # bindings.FreeInput: trailing params read from free names at each call
    # parameter name -> the ``ast`` expression of its default, which the generated ``def``
    # repeats (only the last parameters: lowering reads them from the user's ``def``)
    defaults: dict = field(default_factory=dict)
    # a method's: the attributes of ``self`` it reads, which are its first parameters
    attributes: tuple = ()
    # lowering's: None without stores on objects or given dicts; True when no store's
    # target was read before it (the state a call leaves may reuse the code)
    stores_first: bool | None = None
    # the names the emitter gives the returned values, one per result (``dW`` for the
    # gradient of ``W``; None: the value's own name), or None when none were asked for
    result_names: tuple | None = None

    def __str__(self):
        head = f"def {self.name}({', '.join(map(str, self.params))}):"
        body = [_indent(str(e)) for e in self.body]
        ret = f"    return {', '.join(map(str, self.results))}"
        return "\n".join([head, *body, ret])

    def uses(self):
        """Map each Var to the number of times it is read, in any block or the return."""
        counts: dict = {}

        def count(atom):
            for v in atoms_in(atom):
                counts[v] = counts.get(v, 0) + 1

        for stmt in walk(self.body):
            if isinstance(stmt, Eqn):
                for v in stmt.inputs():
                    counts[v] = counts.get(v, 0) + 1
            else:
                direct = [stmt.cond] if isinstance(stmt, If) else list(stmt.args) \
                    if isinstance(stmt, Call) else [stmt.iterable, *stmt.inits]
                for a in direct:
                    if a is not None:
                        count(a)
                for block in blocks_of(stmt):
                    for r in block.results:
                        count(r)
        for r in self.results:
            count(r)
        return counts


def substitute_atom(atom, mapping):
    """``atom`` reading ``mapping[v]`` in place of each Var ``v`` (inside Packs too)."""
    if isinstance(atom, Var):
        return mapping.get(atom, atom)
    if isinstance(atom, Pack):
        return Pack(atom.kind, tuple(substitute_atom(i, mapping) for i in atom.items))
    return atom


def substitute(stmts, mapping):
    """Copies of ``stmts`` reading (and defining) ``mapping[v]`` in place of each Var ``v``
    (every other field as it was)."""
    def atom(a):
        if isinstance(a, Var):
            return mapping.get(a, a)
        if isinstance(a, Pack):
            return Pack(a.kind, tuple(atom(i) for i in a.items))
        return a

    def block(b):
        return Block(tuple(atom(p) for p in b.params), substitute(b.body, mapping),
                     tuple(atom(r) for r in b.results))

    out = []
    for s in stmts:
        if isinstance(s, Eqn):
            out.append(Eqn(tuple(atom(o) for o in s.outs), s.prim, tuple(atom(a) for a in s.args),
                           {k: atom(a) for k, a in s.kwargs.items()}, s.loc, s.role, s.origin, s.note))
        elif isinstance(s, If):
            out.append(If(tuple(atom(o) for o in s.outs), atom(s.cond), block(s.then),
                          block(s.orelse), s.loc, s.role, s.origin, s.note))
        elif isinstance(s, Call):
            out.append(Call(tuple(atom(o) for o in s.outs), s.callee, tuple(atom(a) for a in s.args),
                            block(s.body), s.loc, s.role, s.origin, s.defined_at, s.note))
        else:
            out.append(Loop(tuple(atom(o) for o in s.outs),
                            atom(s.iterable) if s.iterable is not None else None,
                            tuple(atom(i) for i in s.inits), block(s.body),
                            block(s.cond) if s.cond is not None else None,
                            s.loc, s.role, s.origin, s.target_hint, s.note))
    return out


def with_body(func, body):
    """``func`` with another body, every other field as it was."""
    return dataclasses.replace(func, body=body)


def producers(body):
    """Each Var made by a one-output equation in ``body`` (nested blocks too) -> that equation."""
    return {s.outs[0]: s for s in walk(body) if isinstance(s, Eqn) and len(s.outs) == 1}


def all_names(func):
    """Every SSA name used in ``func``: parameters, outputs and block parameters, nested too."""
    names = {p.name for p in func.params}
    for stmt in walk(func.body):
        names.update(v.name for v in stmt.outs)
        for block in blocks_of(stmt):
            names.update(v.name for v in block.params)
    return names


_SHARED = frozenset({str, int, float, bool, type(None), Var, Loc, Role, VarKind})
