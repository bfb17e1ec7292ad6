"""The IR: a computational graph as a list of one-operation equations.

* ``Var``: a value. Its ``name`` is unique in the function (SSA); ``hint`` is the name
  a person would give it (the user's variable, or ``dW`` for an adjoint) and is what
  the emitter prints when it can.
* ``Const``: a Python constant (number, string, None, tuple of constants, slice...).
* ``Eqn``: ``outs = prim(args, kwargs)``, one primitive per equation, with the user's
  location. ``args`` holds atoms; an argument may also be a ``Pack`` (a tuple or list
  of atoms, as in ``np.stack([a, b])`` or an index ``x[i, :]``) so that structure is
  preserved without extra equations.
* ``Function``: parameters, a flat body of equations, and the returned atoms.

Lowering guarantees every expression is one equation per operation; the reverse
transform appends adjoint equations to the same form.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from diffc.errors import Loc


@dataclass(frozen=True)
class Var:
    name: str
    hint: str = ""
    kind: str = "user"         # "user" (a name the user wrote), "temp", "adjoint"

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Const:
    value: object

    def __str__(self):
        return repr(self.value)


@dataclass(frozen=True)
class Pack:
    """A tuple/list/slice built from atoms, kept as structure inside one argument."""
    kind: str                  # "tuple", "list" or "slice"
    items: tuple

    def __str__(self):
        inner = ", ".join(map(str, self.items))
        if self.kind == "slice":
            return f"slice({inner})"
        return f"[{inner}]" if self.kind == "list" else f"({inner}{',' if len(self.items) == 1 else ''})"


Atom = Var | Const | Pack


def atoms_in(arg):
    """The Vars inside an argument (descending into Packs)."""
    if isinstance(arg, Var):
        yield arg
    elif isinstance(arg, Pack):
        for item in arg.items:
            yield from atoms_in(item)


@dataclass
class Eqn:
    outs: tuple
    prim: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    loc: Loc | None = None
    role: str = "primal"       # "primal", "adjoint", "seed", "accumulate", "unbroadcast"
    origin: "Eqn | None" = None  # for adjoint equations: the primal equation they differentiate

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


@dataclass
class Function:
    name: str
    params: tuple
    body: list
    results: tuple
    loc: Loc | None = None
    doc: str = ""

    def __str__(self):
        head = f"def {self.name}({', '.join(map(str, self.params))}):"
        body = [f"    {e}" for e in self.body]
        ret = f"    return {', '.join(map(str, self.results))}"
        return "\n".join([head, *body, ret])

    def uses(self):
        """Map each Var to the number of times it is read (by equations or the return)."""
        counts: dict = {}
        for e in self.body:
            for v in e.inputs():
                counts[v] = counts.get(v, 0) + 1
        for r in self.results:
            for v in atoms_in(r):
                counts[v] = counts.get(v, 0) + 1
        return counts
