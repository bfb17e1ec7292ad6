"""Random straight-line NumPy programs, as source text, for the gradient fuzzer.

``programs()`` is a hypothesis strategy of ``Program``: the text of a module defining
``fuzzed(...)``, the arguments to call it with and the indices to differentiate (all of
them). A program is built one statement at a time while its values are computed on the
actual arguments by running each new line, so every operation is placed only where it
is smooth: no log near 0, no maximum/minimum/where/abs/clip/floor/mod near a tie or a
jump, no overflow. A candidate that fails is replaced by ``np.tanh`` of an operand. A
gradient that then disagrees with central differences is a bug in diffc.

Operations are those diffc has rules for (``diffc.core.primitives.lookup``): reductions and shape
operations join the programs as their templates appear. Writes into arrays use fresh
arrays only (never one another name shares).

Two kinds of write found bugs (each now has its own test in ``test_tricky.py``): an
integer index that repeats a position, and a value with more dimensions than the slot it
is written to, whose leading 1s NumPy drops. Setting ``DIFFC_FUZZ_REPEATED_WRITES=0`` or
``DIFFC_FUZZ_LEADING_ONE_WRITES=0`` leaves them out, should one regress and hide every
other finding while it is being fixed.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

from diffc.core import primitives

MARGIN = 0.05            # distance kept from kinks, ties and jumps
LIMIT = 1e3              # largest magnitude a value may reach
REPEATED_WRITES = os.environ.get("DIFFC_FUZZ_REPEATED_WRITES", "1") == "1"
LEADING_ONE_WRITES = os.environ.get("DIFFC_FUZZ_LEADING_ONE_WRITES", "1") == "1"


def has_rule(name):
    return primitives.lookup(name) is not None


def _frac(v):
    return np.asarray(v) - np.floor(v)


_ALWAYS = None
UNARY = {   # numpy function -> where it is smooth (None: everywhere)
    "exp": lambda v: v < 4, "expm1": lambda v: v < 4, "exp2": lambda v: v < 5,
    "log": lambda v: v > 0.3, "log2": lambda v: v > 0.3, "log10": lambda v: v > 0.3,
    "log1p": lambda v: v > -0.7, "sqrt": lambda v: v > 0.3, "cbrt": lambda v: np.abs(v) > 0.3,
    "reciprocal": lambda v: np.abs(v) > 0.3, "square": _ALWAYS, "sin": _ALWAYS, "cos": _ALWAYS,
    "tan": lambda v: np.abs(np.cos(v)) > 0.3, "tanh": _ALWAYS, "arctan": _ALWAYS,
    "arcsinh": _ALWAYS, "sinh": lambda v: np.abs(v) < 4, "cosh": lambda v: np.abs(v) < 4,
    "arcsin": lambda v: np.abs(v) < 0.8, "arccos": lambda v: np.abs(v) < 0.8,
    "arctanh": lambda v: np.abs(v) < 0.8, "arccosh": lambda v: v > 1.3,
    "negative": _ALWAYS, "positive": _ALWAYS, "abs": lambda v: np.abs(v) > MARGIN,
    "sign": lambda v: np.abs(v) > MARGIN, "deg2rad": _ALWAYS, "rad2deg": _ALWAYS,
    "sinc": _ALWAYS, "floor": lambda v: (_frac(v) > MARGIN) & (_frac(v) < 1 - MARGIN),
    "ceil": lambda v: (_frac(v) > MARGIN) & (_frac(v) < 1 - MARGIN),
    "trunc": lambda v: (_frac(v) > MARGIN) & (_frac(v) < 1 - MARGIN),
    "rint": lambda v: np.abs(_frac(v) - 0.5) > MARGIN,
}


def _ratio_ok(a, b):
    q = np.asarray(a) / np.asarray(b)
    return (np.abs(b) > 0.3) & (_frac(q) > MARGIN) & (_frac(q) < 1 - MARGIN)


BINARY = {  # numpy function -> where it is smooth in both arguments
    "maximum": lambda a, b: np.abs(a - b) > MARGIN, "minimum": lambda a, b: np.abs(a - b) > MARGIN,
    "fmax": lambda a, b: np.abs(a - b) > MARGIN, "fmin": lambda a, b: np.abs(a - b) > MARGIN,
    "arctan2": lambda a, b: ((np.abs(a) > MARGIN) | (b > MARGIN)) & (a * a + b * b > 0.1),
    "hypot": lambda a, b: a * a + b * b > 0.1, "logaddexp": _ALWAYS, "logaddexp2": _ALWAYS,
    "copysign": lambda a, b: (np.abs(a) > MARGIN) & (np.abs(b) > MARGIN),
    "float_power": lambda a, b: a > 0.3, "power": lambda a, b: a > 0.3, "mod": _ratio_ok,
    "add": _ALWAYS, "subtract": _ALWAYS, "multiply": _ALWAYS,
    "divide": lambda a, b: np.abs(b) > 0.3,
}
OPERATORS = {"+": _ALWAYS, "-": _ALWAYS, "*": _ALWAYS, "/": lambda a, b: np.abs(b) > 0.3,
             "**": lambda a, b: a > 0.3, "%": _ratio_ok, "//": _ratio_ok}
CONSTANTS = (2, 3, 0.5, 1.5, -1.25, 4, -2, 0.75)
EXPONENTS = (2, 3, 0.5, 1.5, -1, -2, 2.5)


@dataclass
class Var:
    name: str
    writable: bool = False     # a fresh array no other name shares: safe to write into


@dataclass
class Program:
    source: str
    args: tuple
    wrt: tuple
    name: str = "fuzzed"

    def load(self, directory):
        """Write the module to a file in ``directory`` and import it: diffc reads files."""
        stem = "fuzz_" + hashlib.sha256(self.source.encode()).hexdigest()[:16]
        path = os.path.join(directory, stem + ".py")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.source)
        spec = importlib.util.spec_from_file_location(stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, self.name)


@dataclass
class _Builder:
    draw: object
    env: dict = field(default_factory=dict)      # name -> value, as the program computes
    lines: list = field(default_factory=list)
    vars: list = field(default_factory=list)
    read: set = field(default_factory=set)

    # -- bookkeeping -------------------------------------------------------------------
    def value(self, var):
        return self.env[var.name]

    def choose(self, items):
        return self.draw(st.sampled_from(items))

    def pick(self, pred=lambda v: True):
        found = [v for v in self.vars if pred(self.value(v))]
        return self.choose(found) if found else None

    def attempt(self, line, reads, target=None, writable=True):
        """Run ``line``; keep it if every value stays finite and bounded."""
        env = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.env.items()}
        try:
            with np.errstate(all="raise"):
                exec(line, {"np": np}, env)
        except (FloatingPointError, ValueError, IndexError, TypeError, ZeroDivisionError,
                OverflowError, AttributeError):
            return False
        name = target or line.split("=")[0].strip()
        out = env[name]
        if np.iscomplexobj(out) or np.size(out) == 0 or not np.all(np.isfinite(out)) \
                or np.max(np.abs(out)) > LIMIT:
            return False
        self.env = env
        self.lines.append(line)
        self.read.update(v.name for v in reads)
        self.read.discard(target)          # a written array's new value is not read yet
        if target is None:
            self.vars.append(Var(name, writable))
        return True

    def fresh(self):
        return f"v{sum(1 for v in self.vars if v.name.startswith('v'))}"

    def fallback(self):
        x = self.choose(self.vars)
        self.attempt(f"{self.fresh()} = np.tanh({x.name})", [x])


def _ok(check, *values):
    return check is None or bool(np.all(check(*values)))


def _broadcasts(a, b):
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
        return True
    except ValueError:
        return False


# --- one statement of each kind: return False when it does not apply here ----------------

def unary(b):
    x = b.choose(b.vars)
    names = [n for n in UNARY if has_rule(f"numpy.{n}") and _ok(UNARY[n], b.value(x))]
    return bool(names) and b.attempt(f"{b.fresh()} = np.{b.choose(names)}({x.name})", [x])


def _pair(b):
    x = b.choose(b.vars)
    partners = [v for v in b.vars if _broadcasts(b.value(x), b.value(v))]
    y = b.choose(partners)
    return (x, y) if b.draw(st.booleans()) else (y, x)


def binary_function(b):
    x, y = _pair(b)
    names = [n for n in BINARY if has_rule(f"numpy.{n}") and _ok(BINARY[n], b.value(x), b.value(y))]
    return bool(names) and b.attempt(f"{b.fresh()} = np.{b.choose(names)}({x.name}, {y.name})",
                                     [x, y])


def operator(b):
    op = b.choose([o for o in OPERATORS if o not in ("%", "//") or b.draw(st.integers(0, 3)) == 0])
    form = b.choose(["var-var", "var-const", "const-var"])
    if form == "var-var":
        x, y = _pair(b)
        xv, yv, text, reads = b.value(x), b.value(y), f"{x.name} {op} {y.name}", [x, y]
    else:
        x = b.choose(b.vars)
        c = b.choose(EXPONENTS if op == "**" and form == "var-const" else CONSTANTS)
        if op == "**" and form == "const-var":
            c = b.choose((2.0, 0.5, 3, 1.5))
        xv, yv = (b.value(x), c) if form == "var-const" else (c, b.value(x))
        text = f"{x.name} {op} {c}" if form == "var-const" else f"{c} {op} {x.name}"
        reads = [x]
        if op == "**" and form == "var-const" and float(c).is_integer():
            check = (lambda a, e: np.abs(a) > 0.3) if c < 0 else None
            return _ok(check, xv, yv) and b.attempt(f"{b.fresh()} = {text}", reads)
    if op in ("/", "%", "//") and np.any(np.asarray(yv) == 0):
        return False
    return _ok(OPERATORS[op], xv, yv) and b.attempt(f"{b.fresh()} = {text}", reads)


def unary_operator(b):
    x = b.choose(b.vars)
    return b.attempt(f"{b.fresh()} = {b.choose(['-', '+', '- -'])}{x.name}", [x])


def select(b):
    """np.where and np.clip, away from their switching points."""
    if b.draw(st.booleans()) and has_rule("numpy.where"):
        c1, c2 = _pair(b)
        x, y = _pair(b)
        cv1, cv2 = b.value(c1), b.value(c2)
        if not (_ok(lambda p, q: np.abs(p - q) > MARGIN, cv1, cv2)
                and _broadcasts(np.broadcast_shapes(np.shape(cv1), np.shape(cv2)),
                                np.broadcast_shapes(np.shape(b.value(x)), np.shape(b.value(y))))):
            return False
        line = f"{b.fresh()} = np.where({c1.name} > {c2.name}, {x.name}, {y.name})"
        return b.attempt(line, [c1, c2, x, y])
    x = b.choose(b.vars)
    lo, hi = sorted(b.draw(st.lists(st.sampled_from((-1.0, -0.5, 0.0, 0.4, 1.0, 1.3)),
                                    min_size=2, max_size=2, unique=True)))
    v = b.value(x)
    if not _ok(lambda t: (np.abs(t - lo) > MARGIN) & (np.abs(t - hi) > MARGIN), v):
        return False
    form = b.choose([f"np.clip({x.name}, {lo}, {hi})", f"{x.name}.clip({lo}, {hi})"])
    return has_rule("numpy.clip") and b.attempt(f"{b.fresh()} = {form}", [x])


def builtin_max_min(b):
    scalars = [v for v in b.vars if np.ndim(b.value(v)) == 0]
    if len(scalars) < 2:
        return False
    x, y = b.choose(scalars), b.choose(scalars)
    if x is y or abs(float(b.value(x)) - float(b.value(y))) <= MARGIN:
        return False
    line = f"{b.fresh()} = {b.choose(['max', 'min'])}({x.name}, {y.name})"
    # the result *is* one of the operands (the same object): none of them is fresh now
    return b.attempt(line, [x, y], writable=False) and _viewed(x) and _viewed(y)


def matmul(b):
    pairs = [(x, y) for x in b.vars for y in b.vars
             if np.ndim(b.value(x)) >= 1 and np.ndim(b.value(y)) >= 1
             and np.shape(b.value(x))[-1] == np.shape(b.value(y))[0 if np.ndim(b.value(y)) == 1 else -2]]
    if not pairs:
        return False
    x, y = b.choose(pairs)
    form = b.choose([f"{x.name} @ {y.name}", f"np.matmul({x.name}, {y.name})"])
    return b.attempt(f"{b.fresh()} = {form}", [x, y])


def _index(b, shape, for_write=False):
    """An index expression valid for ``shape``, selecting at least one element."""
    n = shape[0]
    forms = [str(b.draw(st.integers(-n, n - 1)))]
    start = b.draw(st.integers(0, n - 1))
    forms.append(f"{start}:{b.draw(st.integers(start + 1, n))}")
    forms.append("::-1" if not for_write else "::2")
    picks = b.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4,
                            unique=for_write and not REPEATED_WRITES))
    forms.append(f"[{', '.join(map(str, picks))}]")
    if len(shape) == 2:
        m = shape[1]
        j = b.draw(st.integers(-m, m - 1))
        forms += [f"{forms[0]}, {j}", f":, {j}", f"{forms[1]}, 1:" if m > 1 else f":, {j}",
                  f"..., {j}"]
    if not for_write:
        forms += [":, None", "None"] if len(shape) == 1 else ["None, :, 0"]
    return b.choose(forms)


def index_read(b):
    x = b.pick(lambda v: np.ndim(v) >= 1)
    if x is None:
        return False
    if b.draw(st.integers(0, 5)) == 0:
        v = np.asarray(b.value(x))
        cut = b.choose(sorted(set(np.round(v.ravel(), 6))))
        if np.any(np.abs(v - cut) <= MARGIN) and np.any(v > cut):
            return False
        return b.attempt(f"{b.fresh()} = {x.name}[{x.name} > {cut}]", [x], writable=False) \
            and _viewed(x)
    ok = b.attempt(f"{b.fresh()} = {x.name}[{_index(b, np.shape(b.value(x)))}]", [x],
                   writable=False)
    return ok and _viewed(x)


def _viewed(var):
    var.writable = False       # another name may now share its array
    return True


def index_write(b):
    """``t = x * c`` (a fresh array), then ``t[index] = / += / -= / *= value``."""
    x = b.pick(lambda v: np.ndim(v) >= 1)
    if x is None:
        return False
    name = b.fresh()
    if not b.attempt(f"{name} = {x.name} * {b.choose(CONSTANTS)}", [x]):
        return False
    target = b.vars[-1]
    index = _index(b, np.shape(b.value(target)), for_write=True)
    op = b.choose(["=", "+=", "-=", "*="])
    source = b.choose([v for v in b.vars if v is not target] + [None])
    slot = eval(f"{name}[{index}]", {"np": np}, dict(b.env))
    if source is not None and np.ndim(b.value(source)) > np.ndim(slot) and not LEADING_ONE_WRITES:
        return False                       # NumPy drops the value's leading 1s: see module doc
    text = str(b.choose(CONSTANTS)) if source is None else source.name
    reads = [target] + ([source] if source is not None else [])
    return b.attempt(f"{name}[{index}] {op} {text}", reads, target=name)


def augmented(b):
    """``t += v`` on a fresh array or a number: in place in Python, functional in diffc."""
    targets = [v for v in b.vars if v.writable]
    if not targets:
        return False
    t = b.choose(targets)
    x = b.choose(b.vars)
    op = b.choose(["+=", "-=", "*="])
    return b.attempt(f"{t.name} {op} {x.name}", [t, x], target=t.name)


def reduction(b):
    names = [n for n in ("sum", "mean", "max", "min", "prod") if has_rule(f"numpy.{n}")]
    if not names:
        return False
    x = b.pick(lambda v: np.ndim(v) >= 1)
    if x is None:
        return False
    fn, v = b.choose(names), np.asarray(b.value(x))
    axis = b.choose([None] + list(range(-v.ndim, v.ndim)))
    keep = b.draw(st.booleans())
    if fn in ("max", "min") and not _unique_extreme(v, axis, fn):
        return False
    kwargs = ("" if axis is None else f", axis={axis}") + (", keepdims=True" if keep else "")
    forms = [f"np.{fn}({x.name}{kwargs})"]
    if has_rule(f"ndarray.{fn}"):
        forms.append(f"{x.name}.{fn}({kwargs[2:]})")
    return b.attempt(f"{b.fresh()} = {b.choose(forms)}", [x])


def _unique_extreme(v, axis, fn):
    s = np.sort(v if axis is not None else v.ravel(), axis=-1 if axis is None else axis)
    s = np.moveaxis(s, -1 if axis is None else axis, -1)
    if s.shape[-1] < 2:
        return True
    gap = s[..., -1] - s[..., -2] if fn == "max" else s[..., 1] - s[..., 0]
    return bool(np.all(gap > MARGIN))


def shape_op(b):
    x = b.pick(lambda v: np.ndim(v) >= 1)
    if x is None:
        return False
    v = np.asarray(b.value(x))
    forms = []
    if has_rule("ndarray.T"):
        forms.append(f"{x.name}.T")
    if has_rule("numpy.transpose"):
        forms.append(f"np.transpose({x.name})")
    if has_rule("ndarray.reshape"):
        forms.append(f"{x.name}.reshape(-1)")
    if has_rule("numpy.reshape"):
        forms.append(f"np.reshape({x.name}, {v.shape[::-1]})")
    if has_rule("numpy.expand_dims"):
        forms.append(f"np.expand_dims({x.name}, 0)")
    if has_rule("numpy.squeeze") and 1 in v.shape:
        forms.append(f"np.squeeze({x.name})")
    if not forms:
        return False
    return b.attempt(f"{b.fresh()} = {b.choose(forms)}", [x], writable=False) and _viewed(x)


KINDS = [unary] * 4 + [operator] * 5 + [binary_function] * 2 + [unary_operator, select,
         builtin_max_min, matmul, matmul, index_read, index_read, index_write, index_write,
         augmented, reduction, reduction, shape_op]


# --- inputs, the final scalar, and the strategy -------------------------------------------

def _input(b, rng, name, shape):
    if shape == "float":
        value = float(rng.uniform(0.3, 1.7) * rng.choice([-1.0, 1.0]))
    else:
        value = np.array(rng.uniform(0.3, 1.7, shape) * rng.choice([-1.0, 1.0], shape))
    b.env[name] = value
    b.vars.append(Var(name))
    return value


def _reduce_term(name, value, rng, weights):
    """``name`` reduced to a scalar against new weight arguments (appended to ``weights``).

    With a rule for np.sum: ``np.sum(name * r)``, ``r`` of the value's shape; without:
    products with one weight vector per axis, ``(name @ r1) @ r0``."""
    def weight(shape):
        weights.append(np.array(rng.uniform(0.5, 1.5, shape)) if shape else
                       float(rng.uniform(0.5, 1.5)))
        return f"r{len(weights) - 1}"
    shape = np.shape(value)
    if not shape:
        return f"{name} * {weight(())}"
    if has_rule("numpy.sum"):
        return f"np.sum({name} * {weight(shape)})"
    term = name
    for size in reversed(shape):
        term = f"({term} @ {weight((size,))})"
    return term


@st.composite
def programs(draw, max_steps=8):
    """A random program, its arguments, and every argument's index as ``wrt``."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    m, n = draw(st.sampled_from([(2, 3), (3, 2), (2, 4), (3, 3), (1, 3)]))
    shapes = ["float", (), (n,), (m, 1), (1, n), (m, n), (n, m), (n,)]
    b = _Builder(draw)
    args, params = [], []
    for i in range(draw(st.integers(1, 3))):
        args.append(_input(b, rng, f"a{i}", draw(st.sampled_from(shapes))))
        params.append(f"a{i}")
    for _ in range(draw(st.integers(1, max_steps))):
        kind = draw(st.sampled_from(KINDS))
        if not kind(b):
            b.fallback()
    if not any(v.name.startswith("v") for v in b.vars):
        b.attempt(f"{b.fresh()} = np.tanh(a0)", [b.vars[0]])
    computed = [v for v in b.vars if not v.name.startswith("a")]
    leaves = [v for v in computed if v.name not in b.read] or computed[-1:]
    weights = []
    terms = [_reduce_term(leaf.name, b.env[leaf.name], rng, weights) for leaf in leaves]
    args += weights
    params += [f"r{k}" for k in range(len(weights))]
    body = "\n".join(f"    {line}" for line in b.lines + [f"return {' + '.join(terms)}"])
    source = f"import numpy as np\n\n\ndef fuzzed({', '.join(params)}):\n{body}\n"
    return Program(source, tuple(args), tuple(range(len(args))))
