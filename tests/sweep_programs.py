"""Every rule under every cotangent shape: user programs made from the rule cases.

Each ``Case`` of ``tests/rule_cases/`` (a primitive and its arguments) becomes a small
user function that calls the operation the way a user writes it (``np.outer(x0, x1)``,
``x0 @ x1``, ``x0.sum(axis=1)``, ``x0[c0, 1:]``) and reduces its result with one of
``WRAPPERS``; ``tests/test_sweep.py`` differentiates each with diffc (optimizer on and
off, specialised to the arguments and as general code) and compares with central
differences. The reduction decides the shape of the cotangent the rule receives:

* ``sum``: ``np.sum(out)``, whose rule spreads a scalar ``dout`` (the optimizer leaves
  that spreading to NumPy's broadcasting where the reader is elementwise);
* ``mean``: ``np.mean(out)``, the same scaled by the count;
* ``weighted``: ``np.sum(out * C)`` with ``C`` a fixed random array: a full, uneven ``dout``;
* ``read``: ``np.sum(out[..., 0])`` (``np.ravel(out)[0]`` for a 0-d result): a ``dout``
  that is zero but at the entries read, made by the scatter of an indexing read.

A float argument (an array, a 0-d array, a Python or NumPy float) is a parameter
differentiated with respect to (in a position the rule declares constant, ``nondiff``,
its gradient must be zero); integer arrays are parameters too (indices), not
differentiated; anything else is written as a literal (boolean masks too:
``np.array([True, False])``). A case that cannot be written as a call (an engine primitive with no
source-level name, an output with no float entry) gives no program.
"""
import hashlib
import importlib.util
import os
from dataclasses import dataclass

import numpy as np

from diffc import rules
from diffc.instantiate import returned_names

WRAPPERS = ("sum", "mean", "weighted", "read")

_BINARY = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "pow": "**", "matmul": "@",
           "mod": "%", "floordiv": "//"}
_UNARY = {"neg": "-", "pos": "+"}
_PREFERRED = ("numpy.", "operator.", "ndarray.", "builtins.", "scipy.special.")


@dataclass
class Program:
    """One user function: its module text, arguments and the indices differentiated."""
    source: str
    args: tuple
    wrt: tuple
    case: object
    wrapper: str
    spelling: str
    name: str = "f"

    def __str__(self):
        return f"{self.case} via {self.spelling} under {self.wrapper}"

    def load(self, directory):
        """Write the module to a file in ``directory`` and import it: diffc reads files."""
        stem = "sweep_" + hashlib.sha256(self.source.encode()).hexdigest()[:16]
        path = os.path.join(directory, stem + ".py")
        if not os.path.exists(path):
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.source)
        spec = importlib.util.spec_from_file_location(stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, self.name)


class Unwritable(Exception):
    """The case has no source-level spelling this builder can write."""


class _Params:
    """The function's parameters, in order, with their values and which are differentiated."""

    def __init__(self):
        self.names, self.values, self.wrt = [], [], []

    def add(self, value, differentiable):
        prefix = "x" if differentiable else "c"
        name = f"{prefix}{sum(n[0] == prefix for n in self.names)}"
        if differentiable:
            self.wrt.append(len(self.names))
        self.names.append(name)
        self.values.append(value)
        return name


def _is_float(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind == "f"
    return isinstance(value, float)


def _literal(value):
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if np.isfinite(value) else "-np.inf" if value < 0 else "np.inf"
    if isinstance(value, type) and issubclass(value, np.generic):
        return f"np.{value.__name__}"
    if isinstance(value, (tuple, list)):
        items = [_literal(v) for v in value]
        if isinstance(value, list):
            return "[" + ", ".join(items) + "]"
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    raise Unwritable(f"no literal for {type(value).__name__}")


class Written(float):
    """A number a case wants written into the code (``np.where(mask, x, 0.0)``), not passed."""


def _operand(value, params, differentiable=True):
    """Source text for an argument: a parameter, a list of them, or a literal. A float in a
    position with no gradient rule (``ord`` of a norm) is a literal, or a parameter not
    differentiated for an array."""
    if isinstance(value, Written):
        return repr(float(value))
    if _is_float(value) and (differentiable or isinstance(value, np.ndarray)):
        return params.add(value, differentiable)
    if isinstance(value, np.ndarray) and value.dtype == bool:
        return f"np.array({value.tolist()!r})"
    if isinstance(value, np.ndarray):
        return params.add(value, False)
    if isinstance(value, (list, tuple)) and any(isinstance(v, (np.ndarray, np.generic, float))
                                                 for v in value):
        items = [_operand(v, params, differentiable) for v in value]
        if isinstance(value, list):
            return "[" + ", ".join(items) + "]"
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return _literal(value)


def _index(value, params):
    """Source text of a subscript: slices as ``a:b:c``, ``...``, ``None``, arrays as parameters."""
    items = value if isinstance(value, tuple) else (value,)
    parts = []
    for item in items:
        if isinstance(item, slice):
            text = ":".join("" if v is None else _literal(v) for v in (item.start, item.stop))
            parts.append(text + ("" if item.step is None else ":" + _literal(item.step)))
        elif item is Ellipsis:
            parts.append("...")
        elif isinstance(item, np.ndarray):
            parts.append(_operand(item, params))
        else:
            parts.append(_literal(item))
    if isinstance(value, tuple) and len(parts) == 1:
        return parts[0] + ","
    return ", ".join(parts)


def spellings(prim):
    """The source-level names of ``prim`` this builder writes, preferred first."""
    names = [n for p in _PREFERRED for n in prim.source_names if n.startswith(p)]
    return [n for n in names if not n.startswith("operator.") or n.split(".")[1] in
            set(_BINARY) | set(_UNARY) | {"getitem", "setitem"}]


def _with_rule(prim):
    """The parameters with a gradient: those the reverse rule returns one for, and those
    it declares constant (their gradient is zero)."""
    returned = [n[1:] for n in returned_names(prim.reverse_rule) if n] if prim.reverse_rule else []
    return set(returned) | set(prim.nondiff)


def _call(prim, spelling, case, params):
    """``(statements, result expression)`` calling ``prim`` the way ``spelling`` is written."""
    positional = [p.name for p in prim.signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    with_rule = _with_rule(prim)

    def arg(i):
        name = positional[i] if i < len(positional) else prim.variadic
        return _operand(case.args[i], params, name in with_rule)

    kind, _, attr = spelling.partition(".")
    if spelling == "operator.getitem":
        return [], f"{arg(0)}[{_index(case.args[1], params)}]"
    if spelling == "operator.setitem":
        target = arg(0)
        index = _index(case.args[1], params)
        return [f"out = np.copy({target})", f"out[{index}] = {arg(2)}"], None
    if kind == "operator":
        op = attr
        if op in _UNARY:
            return [], f"{_UNARY[op]}{arg(0)}"
        return [], f"{arg(0)} {_BINARY[op]} {arg(1)}"
    args = [arg(i) for i in range(len(case.args))]
    kwargs = [f"{k}={_operand(v, params, k in with_rule)}" for k, v in case.kwargs.items()]
    if kind == "ndarray":
        if attr in ("T",):
            return [], f"{args[0]}.{attr}"
        return [], f"{args[0]}.{attr}(" + ", ".join(args[1:] + kwargs) + ")"
    module = {"numpy": "np", "builtins": "", "scipy": "scipy"}[kind]
    function = attr if kind == "builtins" else f"{module}.{attr}"
    return [], f"{function}(" + ", ".join(args + kwargs) + ")"


def _reduction(wrapper, item, value, params):
    if wrapper == "sum":
        return f"np.sum({item})"
    if wrapper == "mean":
        return f"np.mean({item})"
    if wrapper == "weighted":
        draw = np.random.default_rng(np.size(value) + 7 * np.ndim(value))
        weights = draw.uniform(-2.0, 2.0, np.shape(value))
        return f"np.sum({item} * {params.add(weights, False)})"
    if np.ndim(value) == 0:
        return f"np.ravel({item})[0]"
    return f"np.sum({item}[..., 0])"


def build(case, wrapper, spelling=None):
    """The ``Program`` for ``case`` reduced by ``wrapper``; raises ``Unwritable``."""
    prim = rules.get(case.prim)
    names = spellings(prim)
    if not names or not prim.differentiable:
        raise Unwritable(f"{case.prim} has no source-level name")
    spelling = spelling or names[0]
    if spelling.startswith("scipy.") and importlib.util.find_spec("scipy") is None:
        raise Unwritable("SciPy is not installed")
    out = prim.impl(*case.args, **case.kwargs)
    items = list(enumerate(out)) if isinstance(out, (tuple, list)) else [(None, out)]
    items = [(k, v) for k, v in items if _is_float(v)]
    if not items:
        raise Unwritable(f"{case} has no float output")
    params = _Params()
    statements, expr = _call(prim, spelling, case, params)
    if not params.wrt:
        raise Unwritable(f"{case} has no float operand")
    lines = statements if expr is None else [f"out = {expr}"]
    terms = [_reduction(wrapper, "out" if k is None else f"out[{k}]", v, params) for k, v in items]
    lines.append("return " + " + ".join(terms))
    header = "import numpy as np\n" + ("import scipy.special\n" if spelling.startswith("scipy") else "")
    body = "\n".join("    " + line for line in lines)
    source = f"{header}\n\ndef f({', '.join(params.names)}):\n{body}\n"
    return Program(source, tuple(params.values), tuple(params.wrt), case, wrapper, spelling)


def _runs(program):
    """Whether the program runs as plain Python (``x.dot(y)`` needs an array ``x``)."""
    namespace = {}
    exec(compile(program.source, "<sweep>", "exec"), namespace)     # noqa: S102 - our own text
    try:
        namespace[program.name](*program.args)
    except (AttributeError, TypeError, ValueError):
        return False
    return True


def programs(cases, wrappers=WRAPPERS):
    """``(programs, unwritable)``: every case under every wrapper, spelled in turn by each
    of its primitive's names (``np.add``, then ``+``) where that spelling runs, and the
    cases that have none."""
    made, skipped, seen = [], [], {}
    for case in cases:
        names = spellings(rules.get(case.prim))
        turn = seen.get(case.prim, 0)
        seen[case.prim] = turn + 1
        order = names[turn % len(names):] + names[:turn % len(names)] if names else [None]
        for wrapper in wrappers:
            try:
                program = next((p for p in (build(case, wrapper, n) for n in order) if _runs(p)), None)
            except Unwritable as e:
                skipped.append((case, str(e)))
                break
            if program is None:
                skipped.append((case, "no spelling runs"))
                break
            made.append(program)
    return made, skipped
